"""The device pages (SPEC sections 10 and 11) as their three functions answer them: the code page (field
`user-code`), the consent page for the request a code belongs to (the web flow's template and wording), and
the page that says the device is connected (or not). Not signed in: the sign-in page, then back here."""

from __future__ import annotations

from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz.service.device_flow import PendingRequest
from oauth_authz.service.sessions import csrf_token
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import page, redirect
from oauth_authz.web.scope_words import in_words

DEVICE_PATH = "/login/device"
USER_CODE_FIELD = "user-code"  # GitHub's name for it: scripts and password managers fill it
MAX_TYPED = 32
# GitHub's words on its device pages.
WRONG_CODE = "Please check the code and try again."
TOO_MANY = "Too many codes entered. Please try again later."


def sign_in_first(app: APIGatewayRestResolver) -> Response[str]:
    root = site_root(app)
    return redirect(f"{root}/login?{urlencode({'return_to': root + DEVICE_PATH})}")


def code_page(
    app: APIGatewayRestResolver, session_id: str, *, error: str | None = None, status: int = 200
) -> Response[str]:
    context = {
        "title": "Device Activation",
        "root": site_root(app),
        "csrf": csrf_token(session_id),
        "field": USER_CODE_FIELD,
        "error": error,
    }
    return page(status, "device.html", context)


def consent_page(
    app: APIGatewayRestResolver, pending: PendingRequest, login: str, session_id: str
) -> Response[str]:
    root = site_root(app)
    context = {
        "title": f"Authorize {pending.app_name}",
        "root": root,
        "app_name": pending.app_name,
        "app_url": pending.app_url if pending.app_url.startswith(("https://", "http://")) else None,
        "login": login,
        "scopes": in_words(pending.scopes),
        "redirect_uri": None,
        "csrf": csrf_token(session_id),
        "fields": [(USER_CODE_FIELD, pending.user_code)],
        "action": f"{root}{DEVICE_PATH}/authorize",
    }
    return page(200, "authorize.html", context)


def done_page(app: APIGatewayRestResolver, connected: bool) -> Response[str]:
    context = {
        "title": "Congratulations, you're all set!" if connected else "Authorization cancelled",
        "root": site_root(app),
        "connected": connected,
    }
    return page(200, "device_done.html", context)


def typed_code(fields: dict[str, str]) -> str:
    return fields.get(USER_CODE_FIELD, "")[:MAX_TYPED]
