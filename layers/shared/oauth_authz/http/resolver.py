"""The resolver every function builds (`resolver()`) and the entry point it answers through (`handle()`).

Each route gets the same checks before it runs (the API version, the principal the authorizer allowed),
the same error map, GitHub's media-type headers, and conditional GETs.
"""

from __future__ import annotations

from collections.abc import Callable
from re import Match
from typing import Any
from urllib.parse import quote, unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext

from oauth_authz.errors import (
    AuthenticationFailed,
    AuthFailure,
    BadRequest,
    OAuthAuthzError,
    StoreUnavailable,
)
from oauth_authz.http import conditional
from oauth_authz.http.error_map import AUTHORIZATIONS_DOCS, domain_error, internal_error, route_not_found
from oauth_authz.http.responses import JSON_CONTENT_TYPE, MEDIA_TYPE, drop_content_type
from oauth_authz.models.domain import Principal

API_VERSIONS = frozenset({"2022-11-28"})

Middleware = Callable[[APIGatewayRestResolver, Callable[..., Response[str]]], Response[str]]


class DecodedPathResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, whose routes get their path parameters decoded. API Gateway (REST) passes
    `pathParameters` as the client sent them, still percent-encoded (`my%20laptop`: LocalStack's recordings
    of AWS events, aws-sam-cli issues #771 and #3524), and the path they were matched in is encoded too
    (`_routable`). Powertools' own Bedrock Agent resolver overrides the same method to take its route
    arguments from the event."""

    def _convert_matches_into_route_keys(self, match: Match[str]) -> dict[str, str]:
        given = self.current_event.path_parameters or {}
        return {name: unquote(str(given.get(name, value))) for name, value in match.groupdict().items()}


def resolver(principal: str = "user", docs_url: str = AUTHORIZATIONS_DOCS) -> APIGatewayRestResolver:
    """`principal`: who may call the function's routes ("user" or "app"); `docs_url`: where its validation
    errors point."""
    app = DecodedPathResolver()
    app.use(middlewares=[_api_version, _authenticated(principal)])
    app.exception_handler(OAuthAuthzError)(domain_error(docs_url))
    app.exception_handler(NotFoundError)(route_not_found)
    app.exception_handler(Exception)(internal_error)
    return app


def handle(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolve the event, then GitHub's headers and conditional GETs."""
    response = app.resolve(_routable(event), context)
    headers = response.setdefault("headers", {}) or {}
    response["headers"] = headers
    if response.get("body"):
        headers["Content-Type"] = JSON_CONTENT_TYPE
    else:
        drop_content_type(response)
    headers["X-GitHub-Media-Type"] = MEDIA_TYPE
    conditional.apply(event, response)
    return response


def _routable(event: dict[str, Any]) -> dict[str, Any]:
    """The event with `path` as the route's own path: behind a custom domain with a base path mapping,
    API Gateway's `path` starts with that base path, on which no route would match (Powertools routes on
    `path`). Parameters go in encoded exactly once, whatever the client did, so that nothing in them can
    split a segment or miss a route; the routes get them decoded (`DecodedPathResolver`)."""
    resource = event.get("resource")
    if not resource:
        return event
    path = str(resource)
    for name, value in (event.get("pathParameters") or {}).items():
        path = path.replace("{" + name + "}", quote(unquote(str(value)), safe=""))
    return {**event, "path": path}


# Middlewares: before every route ---------------------------------------------------------------------------


def _api_version(app: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]) -> Response[str]:
    version = app.current_event.headers.get("x-github-api-version")
    if version is not None and version.strip() not in API_VERSIONS:
        shown = version[:40]
        raise BadRequest(f"API version '{shown}' is not supported. Supported versions: 2022-11-28.")
    return next_middleware(app)


def _authenticated(kind: str) -> Middleware:
    def middleware(
        app: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]
    ) -> Response[str]:
        app.append_context(principal=principal_from_context(app.current_event.raw_event, kind))  # type: ignore[no-untyped-call]
        return next_middleware(app)

    return middleware


def principal_from_context(event: dict[str, Any], kind: str) -> Principal:
    """The principal the authorizer put in the request context, or the refusal it asked us to answer with."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    failure = context.get("auth_error")
    if failure == AuthFailure.STORE_UNAVAILABLE:
        raise StoreUnavailable()
    if failure:
        try:
            raise AuthenticationFailed(AuthFailure(failure))
        except ValueError:
            raise AuthenticationFailed(AuthFailure.BAD_CREDENTIALS) from None
    if context.get("principal_type") != kind:
        raise AuthenticationFailed(AuthFailure.REQUIRES_AUTHENTICATION)
    if kind == "user":
        return Principal(kind="user", user_id=int(context["user_id"]), login=str(context["login"]))
    return Principal(kind="app", client_id=str(context["client_id"]))


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller, as the authentication middleware found it."""
    found: Principal = app.context["principal"]
    return found
