"""web/cookies.py: the session and pre-session cookies, read from the request and set on the answer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oauth_authz.web.cookies import SESSION_COOKIE, clear_cookie, cookie_value, secret_cookie


def app_with(headers: dict[str, str], multi: dict[str, list[str]] | None = None) -> Any:
    event = {"headers": headers, "multiValueHeaders": multi or {}}
    return SimpleNamespace(current_event=APIGatewayProxyEvent(event))


def test_the_secret_cookie_is_httponly_lax_and_site_wide() -> None:
    """Seen red with `http_only=False`."""
    plain = str(secret_cookie(SESSION_COOKIE, "v", secure=False, max_age=60))

    assert plain.startswith(f"{SESSION_COOKIE}=v;")
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"} <= {p.strip() for p in plain.split(";")}
    assert "Secure" not in plain


def test_secure_over_https() -> None:
    assert "Secure" in {p.strip() for p in str(secret_cookie(SESSION_COOKIE, "v", secure=True)).split(";")}


def test_clearing_a_cookie_ends_it_now() -> None:
    cleared = {p.strip() for p in str(clear_cookie(SESSION_COOKIE, secure=True)).split(";")}
    assert "Max-Age=0" in cleared and "HttpOnly" in cleared


@pytest.mark.parametrize(
    ("headers", "multi", "expected"),
    [
        ({"Cookie": f"a=1; {SESSION_COOKIE}=abc"}, None, "abc"),
        ({}, {"cookie": [f"{SESSION_COOKIE}=one", f"{SESSION_COOKIE}=two"]}, "two"),  # the last wins
        ({"Cookie": "a=1"}, None, None),
        ({}, None, None),
        ({"Cookie": f'{SESSION_COOKIE}="\\x'}, None, None),  # unreadable: none
        ({"Cookie": f"{SESSION_COOKIE}=" + "x" * 9000}, None, None),  # over the size we read
    ],
)
def test_reading_the_cookie(
    headers: dict[str, str], multi: dict[str, list[str]] | None, expected: str | None
) -> None:
    assert cookie_value(app_with(headers, multi), SESSION_COOKIE) == expected
