"""web/forms.py: the form body of a page's POST, its CSRF check, `return_to` kept inside the site."""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oauth_authz.service.sessions import csrf_token
from oauth_authz.web.forms import CsrfRefused, form, require_csrf, safe_return_to


def app_with(body: str | None, b64: bool = False) -> Any:
    return SimpleNamespace(
        current_event=APIGatewayProxyEvent({"body": body, "isBase64Encoded": b64, "headers": {}})
    )


def test_a_form_gives_the_first_value_of_each_field() -> None:
    assert form(app_with("login=octo&login=cat&password=a%20b&empty=")) == {
        "login": "octo",
        "password": "a b",
        "empty": "",
    }


@pytest.mark.parametrize(
    ("body", "b64"),
    [
        (None, False),
        ("", False),
        ("not base64!", True),
        ("é", True),  # not ASCII: a ValueError before the fix
        (base64.b64encode(b"\xff\xfe").decode(), True),  # not UTF-8
        ("a=" + "x" * (16 * 1024), False),  # longer than any form of ours
        ("&".join(["f=1"] * 97), False),  # more fields than any form of ours (the token form: 96)
    ],
)
def test_what_is_not_a_readable_form_gives_no_fields(body: str | None, b64: bool) -> None:
    """Seen red (a ValueError) for the non-ASCII base64 body with only binascii.Error caught."""
    assert form(app_with(body, b64)) == {}


def test_a_base64_form_is_read() -> None:
    assert form(app_with(base64.b64encode(b"login=octocat").decode(), True)) == {"login": "octocat"}


def test_the_csrf_token_must_be_the_one_bound_to_the_cookie() -> None:
    """Seen red with `require_csrf` returning without a check."""
    require_csrf("cookie-value", {"authenticity_token": csrf_token("cookie-value")})
    for cookie, fields in [
        ("cookie-value", {}),
        ("cookie-value", {"authenticity_token": ""}),
        ("cookie-value", {"authenticity_token": csrf_token("another-cookie")}),
        (None, {"authenticity_token": csrf_token("")}),
        ("", {"authenticity_token": csrf_token("")}),
    ]:
        with pytest.raises(CsrfRefused):
            require_csrf(cookie, fields)


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/login\r\nSet-Cookie: x=1",
        "/\tx",
        "/" + "a" * 5000,
        "",
        None,
    ],
)
def test_return_to_never_leaves_the_site(value: str | None) -> None:
    """Seen red with `safe_return_to` returning its value unchecked."""
    assert safe_return_to(value, "/login") == "/login"


@pytest.mark.parametrize("value", ["/", "/login/oauth/authorize?client_id=x&scope=repo", "/Prod/logout"])
def test_paths_inside_the_site_are_kept(value: str) -> None:
    assert safe_return_to(value, "/login") == value
