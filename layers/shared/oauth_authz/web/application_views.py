"""The authorized OAuth apps page as its functions answer it: a row per grant, and Revoke's confirmation."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz.models.domain import Grant
from oauth_authz.service.connected_apps import AppList
from oauth_authz.service.sessions import csrf_token
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import page
from oauth_authz.web.scope_words import in_words
from oauth_authz.web.token_views import day


def app_row(grant: Grant, scopes: list[str], last_used: str) -> dict[str, object]:
    return {
        "id": grant.id,
        "name": grant.app_name,
        "url": grant.app_url,
        "scopes": in_words(scopes),
        "granted": day(grant.created_at),
        "last_used": last_used,
    }


def applications_page(app: APIGatewayRestResolver, session_id: str, listing: AppList) -> Response[str]:
    root = site_root(app)
    context = {
        "title": "Authorized OAuth apps",
        "root": root,
        "login": listing.session.login,
        "csrf": csrf_token(session_id),
        "rows": [app_row(r.grant, r.scopes, day(r.last_used_at, "never")) for r in listing.rows],
        "page": listing.page,
        "has_next": listing.has_next,
        "current": "applications",
    }
    return page(200, "settings_applications.html", context)


def revoke_confirmation(
    app: APIGatewayRestResolver, session_id: str, login: str, grant: Grant, scopes: list[str]
) -> Response[str]:
    context = {
        "title": "Revoke access",
        "root": site_root(app),
        "login": login,
        "csrf": csrf_token(session_id),
        "app": app_row(grant, scopes, ""),
        "current": "applications",
    }
    return page(200, "settings_application_revoke.html", context)
