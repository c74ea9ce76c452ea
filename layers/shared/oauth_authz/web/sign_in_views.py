"""The sign-in and two-factor pages as their functions answer them (the GET and the failed POST alike), and
what a sign-in's outcome becomes: a redirect with the new session's cookie, or the page again with why."""

from __future__ import annotations

from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie

from oauth_authz.errors import AuthFailure, StoreUnavailable
from oauth_authz.service.sessions import (
    PENDING_SECONDS,
    SESSION_SECONDS,
    Refused,
    Started,
    csrf_token,
    new_secret,
)
from oauth_authz.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE, cookie_value, secret_cookie
from oauth_authz.web.page_resolver import site_base, site_root
from oauth_authz.web.rendering import page, redirect

# GitHub's own words on its sign-in pages.
BAD_CREDENTIALS = "Incorrect username or password."
LOCKED_OUT = "Maximum number of login attempts exceeded. Please try again later."
TWO_FACTOR_FAILED = "Two-factor authentication failed."


def secure(app: APIGatewayRestResolver) -> bool:
    return site_base(app).startswith("https://")


def default_return_to(app: APIGatewayRestResolver) -> str:
    return site_root(app) + "/login"


def sign_in_page(
    app: APIGatewayRestResolver,
    return_to: str,
    *,
    error: str | None = None,
    login: str = "",
    status: int = 200,
) -> Response[str]:
    """The sign-in form, its CSRF token bound to the browser's pre-session cookie (set here when missing)."""
    cookies: list[Cookie] = []
    presession = cookie_value(app, PRESESSION_COOKIE)
    if not presession or len(presession) > 64:
        presession = new_secret()
        cookies.append(secret_cookie(PRESESSION_COOKIE, presession, secure(app)))
    context = {
        "title": "Sign in",
        "root": site_root(app),
        "csrf": csrf_token(presession),
        "return_to": return_to,
        "login": login,
        "error": error,
        "app_name": None,
    }
    return page(status, "sign_in.html", context, cookies=cookies)


def two_factor_page(
    app: APIGatewayRestResolver, session_id: str, return_to: str, *, error: str | None = None
) -> Response[str]:
    context = {
        "title": "Two-factor authentication",
        "root": site_root(app),
        "csrf": csrf_token(session_id),
        "return_to": return_to,
        "error": error,
    }
    return page(200, "two_factor.html", context)


def refused_page(app: APIGatewayRestResolver, refused: Refused, return_to: str, login: str) -> Response[str]:
    """A refused password: GitHub's one answer for an unknown login and a wrong password; 403 when locked."""
    if refused.failure is AuthFailure.STORE_UNAVAILABLE:
        raise StoreUnavailable()
    if refused.failure is AuthFailure.LOCKED_OUT:
        return sign_in_page(app, return_to, error=LOCKED_OUT, login=login, status=403)
    return sign_in_page(app, return_to, error=BAD_CREDENTIALS, login=login)


def started(app: APIGatewayRestResolver, start: Started, return_to: str) -> Response[str]:
    """The browser gets the new session's cookie, then the two-factor page or where it was going."""
    seconds = PENDING_SECONDS if start.pending else SESSION_SECONDS
    cookie = secret_cookie(SESSION_COOKIE, start.session_id, secure(app), max_age=seconds)
    if start.pending:
        location = f"{site_root(app)}/sessions/two-factor?{urlencode({'return_to': return_to})}"
        return redirect(location, [cookie], status=303)
    return redirect(return_to, [cookie], status=303)


def second_factor_refused(
    app: APIGatewayRestResolver, refused: Refused, session_id: str, return_to: str
) -> Response[str]:
    if refused.failure is AuthFailure.STORE_UNAVAILABLE:
        raise StoreUnavailable()
    if refused.failure is AuthFailure.LOCKED_OUT:
        context = {"title": "Sign in", "root": site_root(app), "message": LOCKED_OUT}
        return page(403, "error.html", context)
    return two_factor_page(app, session_id, return_to, error=TWO_FACTOR_FAILED)


def signed_in_page(app: APIGatewayRestResolver, login: str, session_id: str) -> Response[str]:
    context = {"title": "Signed in", "root": site_root(app), "login": login, "csrf": csrf_token(session_id)}
    return page(200, "sign_out.html", context)


def signed_out_page(app: APIGatewayRestResolver) -> Response[str]:
    return page(200, "sign_out.html", {"title": "Signed out", "root": site_root(app), "login": None})
