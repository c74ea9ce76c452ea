"""The authorize page as its two functions answer it: the consent page, the sign-in redirect that keeps the
authorize URL in `return_to`, and what an authorize request that cannot go on becomes (an error page, or the
error redirect the core built)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz.models.domain import App
from oauth_authz.service.oauth_web_flow import (
    AuthorizeRequest,
    NoCallbackUrl,
    RedirectError,
    UnknownClient,
    check_authorize_request,
)
from oauth_authz.service.sessions import csrf_token
from oauth_authz.web.page_resolver import site_root
from oauth_authz.web.rendering import error_page, page, redirect
from oauth_authz.web.scope_words import in_words

# The authorize request's parameters the consent form carries back (the core checks them again).
CARRIED = (
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "login",
    "code_challenge",
    "code_challenge_method",
)
MAX_PARAM = 2048


def authorize_params(source: Mapping[str, str]) -> dict[str, str]:
    return {name: source[name][:MAX_PARAM] for name in CARRIED if name in source}


def parsed_or_answer(
    app: APIGatewayRestResolver, params: Mapping[str, str], client: App | None
) -> AuthorizeRequest | Response[str]:
    """The valid request (`client`: the app of its client_id, read with the session), or the answer to one
    that is not: 404 for an unknown app, an error page for an app without a callback, the core's error
    redirect otherwise."""
    try:
        return check_authorize_request(params, client)
    except UnknownClient:
        return error_page(404, "Page not found", "There is no OAuth app with that client_id.", site_root(app))
    except NoCallbackUrl as error:
        message = (
            f"The application {error.app_name} has no callback URL registered, so it cannot be authorized."
        )
        return error_page(400, "Application not ready", message, site_root(app))
    except RedirectError as error:
        return redirect(error.redirect_to)


def sign_in_first(app: APIGatewayRestResolver, params: Mapping[str, str]) -> Response[str]:
    """To the sign-in page, which sends the browser back to this authorize URL (a path inside the site)."""
    root = site_root(app)
    return_to = f"{root}/login/oauth/authorize?{urlencode(authorize_params(params))}"
    return redirect(f"{root}/login?{urlencode({'return_to': return_to})}")


def consent_page(
    app: APIGatewayRestResolver,
    request: AuthorizeRequest,
    params: Mapping[str, str],
    login: str,
    session_id: str,
) -> Response[str]:
    context = {
        "title": f"Authorize {request.app.name}",
        "root": site_root(app),
        "app_name": request.app.name,
        "app_url": request.app.url if request.app.url.startswith(("https://", "http://")) else None,
        "login": login,
        "scopes": in_words(request.scopes),
        "redirect_uri": request.redirect_uri,
        "csrf": csrf_token(session_id),
        "fields": sorted(authorize_params(params).items()),
    }
    # The decision's answer redirects to the app: the browser holds that redirect to form-action too.
    return page(200, "authorize.html", context, form_targets=[request.redirect_uri])
