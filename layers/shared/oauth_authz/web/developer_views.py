"""The developer settings pages as their functions answer them: the owned apps, the registration form, an
app's page (its client id, its secrets as `*****` + last eight, a new secret shown once, the edit form) and
the confirmations of a secret's and of the app's deletion. A refused form comes back with each field's
refusal beside it and the values given kept (status 422)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz.errors import ValidationFailed
from oauth_authz.models.domain import MAX_CLIENT_SECRETS, App, ClientSecret
from oauth_authz.service.developer_apps import AppList
from oauth_authz.service.sessions import csrf_token
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import page
from oauth_authz.web.token_views import day

CURRENT = "developers"
CHECKBOXES = ("device_flow", "expiring_tokens")


def app_row(oauth_app: App) -> dict[str, object]:
    return {"client_id": oauth_app.client_id, "name": oauth_app.name, "url": oauth_app.url}


def form_values(oauth_app: App | None, given: Mapping[str, str] | None) -> dict[str, object]:
    """The form's values: as given (a refused form), else the app's (the edit form), else empty."""
    if given is not None:
        return {
            "name": given.get("name", ""),
            "url": given.get("url", ""),
            "callback_url": given.get("callback_url", ""),
            **{box: given.get(box) == "1" for box in CHECKBOXES},
        }
    if oauth_app is not None:
        return {
            "name": oauth_app.name,
            "url": oauth_app.url,
            "callback_url": oauth_app.callback_url or "",
            "device_flow": oauth_app.device_flow,
            "expiring_tokens": oauth_app.expiring_tokens,
        }
    return {"name": "", "url": "", "callback_url": "", "device_flow": False, "expiring_tokens": False}


def field_errors(refused: ValidationFailed | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in refused.errors if refused else []:
        errors.setdefault(error.field, error.message or "Invalid value")
    return errors


def developers_page(app: APIGatewayRestResolver, session_id: str, listing: AppList) -> Response[str]:
    context = {
        "title": "OAuth Apps",
        "root": site_root(app),
        "login": listing.session.login,
        "csrf": csrf_token(session_id),
        "apps": [app_row(a) for a in listing.apps],
        "page": listing.page,
        "has_next": listing.has_next,
        "current": CURRENT,
    }
    return page(200, "settings_developers.html", context)


def new_app_page(
    app: APIGatewayRestResolver,
    session_id: str,
    login: str,
    *,
    refused: ValidationFailed | None = None,
    fields: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response[str]:
    errors = field_errors(refused)
    context = {
        "title": "Register a new OAuth app",
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "form": form_values(None, fields),
        "errors": errors,
        "error": NOT_SAVED if errors else None,
        "current": CURRENT,
    }
    return page(status, "settings_developer_new.html", context)


def app_page(
    app: APIGatewayRestResolver,
    session_id: str,
    login: str,
    oauth_app: App,
    *,
    new_secret: str | None = None,
    refused: ValidationFailed | None = None,
    fields: Mapping[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response[str]:
    """An app's page; `new_secret`: a client secret just generated, in this answer only."""
    errors = field_errors(refused)
    secrets = [secret_row(s) for s in oauth_app.secrets]
    context = {
        "title": oauth_app.name,
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "app": app_row(oauth_app),
        "secrets": secrets,
        "can_generate": len(oauth_app.secrets) < MAX_CLIENT_SECRETS,
        "can_delete_secret": len(oauth_app.secrets) > 1,
        "new_secret": new_secret,
        "notice": notice,
        "form": form_values(oauth_app, fields),
        "errors": errors,
        "error": error or (NOT_SAVED if errors else None),
        "current": CURRENT,
    }
    return page(status, "settings_developer_app.html", context)


def secret_row(secret: ClientSecret) -> dict[str, object]:
    """A client secret as the pages show it: `*****` and its last eight characters (none for a secret stored
    before they were kept), the day it was added."""
    return {"id": secret.id, "shown": "*****" + (secret.last_eight or ""), "created": day(secret.created_at)}


def secret_delete_confirmation(
    app: APIGatewayRestResolver, session_id: str, login: str, oauth_app: App, secret: ClientSecret
) -> Response[str]:
    context = {
        "title": "Delete client secret",
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "app": app_row(oauth_app),
        "secret": secret_row(secret),
        "current": CURRENT,
    }
    return page(200, "settings_developer_secret_delete.html", context)


def delete_confirmation(
    app: APIGatewayRestResolver, session_id: str, login: str, oauth_app: App
) -> Response[str]:
    context = {
        "title": "Delete application",
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "app": app_row(oauth_app),
        "current": CURRENT,
    }
    return page(200, "settings_developer_delete.html", context)


def checkboxes(fields: Mapping[str, str]) -> tuple[bool, bool]:
    """The form's two checkboxes (a box not ticked is not sent at all)."""
    return fields.get("device_flow") == "1", fields.get("expiring_tokens") == "1"


# Why a change to an app was refused (a form's fields: beside each field, and this above).
NOT_SAVED = "The application could not be saved: see the fields below."
CHANGED = (
    "This application was changed by another request at the same time, and nothing was changed. "
    "Review it below and try again."
)
TOO_MANY = "You can't have more than 2 client secrets. Delete one to generate a new one."
ONLY_ONE = "You can't delete the only client secret: generate a new one first, then delete this one."
