"""web/rendering.py: the headers every page carries (one place), templates autoescaped, redirects."""

from __future__ import annotations

import re

import pytest

from oauth_authz.web.rendering import HTML, environment, origin, page, redirect, security_headers

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def test_the_headers_of_every_page() -> None:
    """Seen red with `frame-ancestors` dropped, and with `X-Frame-Options` dropped."""
    assert security_headers() == {
        "Content-Security-Policy": POLICY,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@pytest.mark.parametrize("targets", [(), ("https://app.example.com/cb",)])
def test_scripts_come_from_the_site_only_never_inline(targets: tuple[str, ...]) -> None:
    """The copy buttons' script is external (`/login/assets/copy.js`): the policy allows the site's scripts
    and no inline script, no eval. Seen red with 'unsafe-inline' added to `script-src`."""
    directives = dict(
        (part.split(" ", 1) + [""])[:2]
        for part in security_headers(targets)["Content-Security-Policy"].split("; ")
    )
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    policy = security_headers(targets)["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "nonce-" not in policy


def test_every_page_loads_the_script_from_the_site_and_has_no_inline_script() -> None:
    answer = page(200, "error.html", {"title": "t", "message": "m", "root": "/v1"})

    scripts = re.findall(r"<script[^>]*>", answer.body)
    assert scripts == ['<script src="/v1/login/assets/copy.js" defer>']
    assert "</script>" in answer.body and re.search(r"<script[^>]*>\s*</script>", answer.body)


def test_a_form_that_ends_at_the_app_names_its_origin_in_form_action() -> None:
    policy = security_headers(["https://app.example.com:8443/cb?x=1", "http://127.0.0.1:9/cb", "bad"])[
        "Content-Security-Policy"
    ]
    assert "form-action 'self' http://127.0.0.1:9 https://app.example.com:8443;" in policy


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example"),
        ("http://[::1]:8000/cb", "http://[::1]:8000"),
        ("javascript:alert(1)", None),
        ("//a.example/x", None),
        ("https:///x", None),
    ],
)
def test_origin(url: str, expected: str | None) -> None:
    assert origin(url) == expected


def test_templates_escape_what_they_show() -> None:
    """Seen red with autoescape off."""
    answer = page(
        200, "error.html", {"title": "<b>t</b>", "message": '<script>alert("x")</script>', "root": ""}
    )

    assert answer.content_type == HTML
    assert "<script>" not in answer.body and "&lt;script&gt;" in answer.body
    assert "&lt;b&gt;t&lt;/b&gt;" in answer.body
    assert environment().autoescape is not False


def test_a_redirect_has_no_body_and_the_headers() -> None:
    answer = redirect("/login", status=303)
    assert answer.status_code == 303 and answer.body == ""
    assert answer.headers["Location"] == "/login" and answer.headers["X-Frame-Options"] == "DENY"
