"""The pages' security properties, each page function run on its event (`events/<page>.json`, the browser
over https as API Gateway passes it, `X-Forwarded-Proto: https`) with one thing changed: the cookies'
attributes, framing, CSRF on the consent decision and on sign-out, the lockout's 403 page. Each docstring
names the deliberately broken build it was seen red against."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from oauth_authz.models.domain import App, User
from oauth_authz.service.sessions import hashed
from tests.integration.test_page_events import callback_app, signed_in
from tests.support.data import EVENT_SESSION_ID, OCTOCAT_PASSWORD
from tests.support.events import load_event
from tests.support.invariants import assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, HttpResult, load_handler, to_result
from tests.support.tables import TableView

__all__ = ["callback_app", "signed_in"]  # the fixtures, shared

Run = Callable[..., HttpResult]
PAGES = [
    "login_page",
    "create_session",
    "two_factor_page",
    "verify_two_factor",
    "logout_page",
    "sign_out",
    "authorize_page",
    "authorize_decision",
    "page_stylesheet",
    "page_script",
    "device_page",
    "device_entry",
    "device_decision",
]


def _set_header(event: dict[str, Any], name: str, value: str | None) -> None:
    for field in ("headers", "multiValueHeaders"):
        current = {k: v for k, v in (event.get(field) or {}).items() if k.lower() != name.lower()}
        if value is not None:
            current[name] = value if field == "headers" else [value]
        event[field] = current


@pytest.fixture
def run(handlers: dict[str, ModuleType]) -> Run:
    """`run(folder, proto=..., body=..., cookie=..., query=...)`: the page on its event, changed so."""

    def call(folder: str, **changes: Any) -> HttpResult:
        event = load_event(folder)
        if "proto" in changes:
            _set_header(event, "X-Forwarded-Proto", changes["proto"])
        if "cookie" in changes:
            _set_header(event, "Cookie", changes["cookie"])
        if "body" in changes:
            event["body"] = changes["body"]
        if "query" in changes:
            event["queryStringParameters"] = changes["query"]
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in (changes["query"] or {}).items()}
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        return to_result(handlers[folder].lambda_handler(event, FakeLambdaContext(function_name=folder)))

    return call


def cookie_attributes(result: HttpResult, name: str) -> set[str]:
    """The attributes of the `name` cookie the answer sets (`Path=/`, `HttpOnly`, ...), without its value."""
    for value in result.headers.get("set-cookie", []):
        if value.startswith(name + "="):
            return {part.strip() for part in value.split(";")[1:]}
    raise AssertionError(f"no {name} cookie in {result.headers.get('set-cookie')}")


def session_id_set(result: HttpResult) -> str:
    for value in result.headers.get("set-cookie", []):
        if value.startswith("oauth_authz_session="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError("no session cookie")


# -------------------------------------------------------------------------------------------- cookies


def test_cookies_are_secure_httponly_and_lax_over_https(run: Run, octocat: User) -> None:
    """Seen red with `sign_in_views.secure` always False (no `Secure` over https), and with
    `cookies.secret_cookie`'s `http_only=False`."""
    presession = cookie_attributes(run("login_page"), "oauth_authz_presession")
    session = cookie_attributes(run("create_session"), "oauth_authz_session")

    for attributes in (presession, session):
        assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= attributes, attributes
    assert "Max-Age=28800" in session  # the session's 8 hours


def test_no_secure_attribute_over_plain_http(run: Run, octocat: User) -> None:
    """The local API over plain http: a `Secure` cookie would never come back. Seen red with
    `sign_in_views.secure` always True."""
    presession = cookie_attributes(run("login_page", proto="http"), "oauth_authz_presession")

    assert "Secure" not in presession and {"HttpOnly", "SameSite=Lax", "Path=/"} <= presession


# -------------------------------------------------------------------------------------------- framing


@pytest.mark.parametrize("folder", PAGES)
def test_no_page_may_be_framed(run: Run, folder: str, signed_in: User, callback_app: App) -> None:
    """Every answer of every page function (pages, redirects, the stylesheet) says DENY and
    `frame-ancestors 'none'`, once. Seen red with `frame-ancestors` dropped from
    `rendering.security_headers`, and with `X-Frame-Options` dropped from it."""
    result = run(folder)

    assert result.headers.get("x-frame-options") == ["DENY"], result.headers
    policies = result.headers.get("content-security-policy", [])
    assert len(policies) == 1 and "frame-ancestors 'none'" in policies[0].split("; "), policies


@pytest.mark.parametrize(
    ("folder", "changes"),
    [
        ("authorize_page", {"query": {"client_id": "nobody"}}),  # 404 page
        ("authorize_decision", {"body": "authorize=1"}),  # 422: no CSRF token
        ("login_page", {"query": None, "cookie": "oauth_authz_session=" + "x" * 5000}),
    ],
)
def test_error_pages_may_not_be_framed_either(
    run: Run, folder: str, changes: dict[str, Any], signed_in: User, callback_app: App
) -> None:
    """Seen red with `frame-ancestors` dropped from `rendering.security_headers`."""
    result = run(folder, **changes)

    assert result.headers.get("x-frame-options") == ["DENY"]
    assert "frame-ancestors 'none'" in (result.header("Content-Security-Policy") or "")


# ----------------------------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize(
    "token", [None, "", "wrong", "x" * 43, "kxezBk9Yx4qnrd8mG-VqGyw8LDE4OmXIlLq8ybbqg8k"]
)
def test_a_consent_without_its_csrf_token_issues_nothing(
    run: Run, token: str | None, signed_in: User, callback_app: App, table: TableView
) -> None:
    """Missing, empty, wrong, or the token of another cookie (the pending session's): a 422 page, no
    redirect, no code stored. Seen red with `require_csrf` removed from the `authorize_decision` function
    (a 302 to the app with a code)."""
    fields = "client_id=abcde12345fghij67890&scope=repo&state=s&authorize=1"
    body = fields if token is None else f"authenticity_token={token}&{fields}"
    before = table.items()

    result = run("authorize_decision", body=body)

    assert result.status == 422 and result.header("Location") is None
    assert "Invalid authenticity token" in result.body
    assert table.items() == before  # no code, no grant, nothing


def test_a_sign_out_without_its_csrf_token_keeps_the_session(
    run: Run, signed_in: User, table: TableView
) -> None:
    """Seen red with `require_csrf` removed from the `sign_out` function (the session ended)."""
    result = run("sign_out", body="authenticity_token=wrong")

    assert result.status == 422
    assert table.get(f"SESSION#{hashed(EVENT_SESSION_ID)}", "SESSION") is not None


def test_a_sign_in_with_the_token_of_another_cookie_signs_nobody_in(run: Run, octocat: User) -> None:
    """Seen red with `require_csrf` removed from the `create_session` function (a 303 with a session)."""
    result = run("create_session", cookie="oauth_authz_presession=another-browsers-presession-cookie-value")

    assert result.status == 422 and not result.headers.get("set-cookie")


# -------------------------------------------------------------------------------------------- lockout


def test_the_lockout_is_a_403_page(
    run: Run, octocat: User, monkeypatch: pytest.MonkeyPatch, table: TableView
) -> None:
    """Three wrong passwords (LOCKOUT_THRESHOLD=3), then even the right one: 403 and GitHub's words, no
    session. Seen red with `refused_page` answering the lockout like a wrong password (a 200 page)."""
    monkeypatch.setenv("LOCKOUT_THRESHOLD", "3")
    right = load_event("create_session")["body"]
    wrong = right.replace(OCTOCAT_PASSWORD, "not-the-password")
    for _ in range(3):
        refused = run("create_session", body=wrong)
        assert refused.status == 200 and "Incorrect username or password." in refused.body

    locked = run("create_session", body=right)

    assert locked.status == 403
    assert locked.header("Content-Type") == "text/html; charset=utf-8"
    assert "Maximum number of login attempts exceeded. Please try again later." in locked.body
    assert not [v for v in locked.headers.get("set-cookie", []) if v.startswith("oauth_authz_session=")]
    assert not [item for item in table.items() if item["PK"].startswith("SESSION#")]
    assert_table_invariants(table)


def test_the_pages_never_echo_markup(run: Run, octocat: User) -> None:
    """A login full of markup comes back escaped in the refused sign-in page. Seen red with Jinja2's
    autoescape off (`rendering.environment`)."""
    body = load_event("create_session")["body"].replace("login=octocat", "login=%3Cscript%3Ex%3C%2Fscript%3E")

    result = run("create_session", body=body)

    assert result.status == 200
    assert "<script>" not in result.body and "&lt;script&gt;x&lt;/script&gt;" in result.body
    assert re.findall(r"<script[^>]*>", result.body) == ['<script src="/v1/login/assets/copy.js" defer>']
