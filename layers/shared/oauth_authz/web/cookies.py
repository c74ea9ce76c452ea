"""The pages' cookies: the session (`oauth_authz_session`) and the pre-session one the sign-in form's CSRF
token is bound to (`oauth_authz_presession`). Both HttpOnly, SameSite=Lax, Secure over https, path `/`."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

SESSION_COOKIE = "oauth_authz_session"
PRESESSION_COOKIE = "oauth_authz_presession"
MAX_COOKIE_HEADER = 8192


def cookie_value(app: APIGatewayRestResolver, name: str) -> str | None:
    """The value of the request's cookie `name` (the last one wins), or None."""
    found: str | None = None
    for header in _cookie_headers(app):
        if len(header) > MAX_COOKIE_HEADER:
            continue
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        if name in jar:
            found = jar[name].value
    return found


def _cookie_headers(app: APIGatewayRestResolver) -> list[str]:
    event = app.current_event.raw_event
    multi = event.get("multiValueHeaders") or {}
    for key, values in multi.items():
        if key.lower() == "cookie" and values:
            return [str(v) for v in values]
    single = app.current_event.headers.get("cookie")
    return [single] if single else []


def secret_cookie(name: str, value: str, secure: bool, max_age: int | None = None) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=secure,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=max_age,
    )


def clear_cookie(name: str, secure: bool) -> Cookie:
    return secret_cookie(name, "", secure, max_age=0)
