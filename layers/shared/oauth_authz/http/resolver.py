"""The resolver every function builds (`api_resolver()` for the API's routes, `resolver()` for a route that
must not answer under `/api/v3`) and the entry point it answers through (`handle()`).

Each route gets the same checks before it runs (the API version, the principal the authorizer allowed, a
token's scopes), the same error map, and GitHub's headers on every answer: the media type, `Status`,
`X-GitHub-Request-Id`, `Cache-Control` and `Vary`, a token's `X-OAuth-Scopes`, and conditional GETs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
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
    NotFound,
    OAuthAuthzError,
    StoreUnavailable,
)
from oauth_authz.http import conditional
from oauth_authz.http.error_map import AUTHORIZATIONS_DOCS, domain_error, internal_error, route_not_found
from oauth_authz.http.responses import JSON_CONTENT_TYPE, MEDIA_TYPE, drop_content_type
from oauth_authz.http.urls import API_V3, checked_host, routed_prefix
from oauth_authz.models.domain import Principal, TokenGrant

API_VERSIONS = frozenset({"2022-11-28"})
# What a cache keys an authenticated answer on (issue 13 item 8); GitHub's, less its Cookie.
VARY = "Accept, Authorization, X-GitHub-OTP"
# GitHub's own for an authenticated GET (clients revalidate with the ETag); other authenticated answers are
# `private`, and one carrying a plaintext token `no-store` (`responses.NO_STORE`).
PRIVATE_GET = "private, max-age=60, s-maxage=60"
PUBLIC_GET = "public, max-age=60, s-maxage=60"

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


class GitHubResolver(DecodedPathResolver):
    """The resolver with what `handle` needs to know of its routes: the scopes they accept."""

    accepted_scopes: tuple[str, ...] | None = None


def resolver(
    principal: str | None = "user",
    docs_url: str = AUTHORIZATIONS_DOCS,
    *,
    accepted_scopes: Sequence[str] | None = None,
    strip_prefixes: Sequence[str] = (),
) -> APIGatewayRestResolver:
    """`principal`: who may call the function's routes: "user" (Basic auth only: the Authorizations API),
    "token" (a user, by password or token), "app", or None (anyone); `docs_url`: where its validation errors
    point; `accepted_scopes`: a token needs one of these (else 404), announced in X-Accepted-OAuth-Scopes.

    Without `strip_prefixes` the routes answer only at the root: `/api/v3/...` is a 404 (the web pages)."""
    app = GitHubResolver(strip_prefixes=list(strip_prefixes) or None)
    app.accepted_scopes = None if accepted_scopes is None else tuple(accepted_scopes)
    middlewares: list[Middleware] = [_api_version, _checked_host]
    if principal is not None:
        middlewares.append(_authenticated(principal, app.accepted_scopes))
    app.use(middlewares=middlewares)
    app.exception_handler(OAuthAuthzError)(domain_error(docs_url))
    app.exception_handler(NotFoundError)(route_not_found)
    app.exception_handler(Exception)(internal_error)
    return app


def api_resolver(
    principal: str | None = "user",
    docs_url: str = AUTHORIZATIONS_DOCS,
    *,
    accepted_scopes: Sequence[str] | None = None,
) -> APIGatewayRestResolver:
    """The resolver of an API route: it answers at the root and in GitHub Enterprise's layout, `/api/v3`
    (docs/design.md, "URL layouts on AWS": the event's `path` keeps the base path)."""
    return resolver(principal, docs_url, accepted_scopes=accepted_scopes, strip_prefixes=[API_V3])


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
    _github_headers(app, event, response)
    return response


# The reasons GitHub (and template.yaml's gateway responses) give, fixed here: Python's own changed with
# RFC 9110 (3.13 says "413 Content Too Large", "422 Unprocessable Content").
REASONS = {413: "Request Entity Too Large", 422: "Unprocessable Entity"}


def status_line(code: int) -> str:
    """`Status: 204 No Content`: GitHub's header, which some clients read instead of the status line."""
    if code in REASONS:
        return f"{code} {REASONS[code]}"
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _github_headers(app: APIGatewayRestResolver, event: dict[str, Any], response: dict[str, Any]) -> None:
    headers: dict[str, str] = response["headers"]
    status = int(response.get("statusCode") or 200)
    headers["Status"] = status_line(status)
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        headers["X-GitHub-Request-Id"] = str(request_id)
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    authenticated = bool(authorizer.get("principal_type"))
    if not _has_header(response, "cache-control"):
        cached_get = event.get("httpMethod") == "GET" and status in (200, 304)
        if authenticated:
            headers["Cache-Control"] = PRIVATE_GET if cached_get else "private"
        elif cached_get and not authorizer:  # a public route (the API root)
            headers["Cache-Control"] = PUBLIC_GET
    headers["Vary"] = VARY if authorizer else "Accept"
    if "token_scopes" in authorizer:  # a user's token: what it carries, and what the route wanted
        headers["X-OAuth-Scopes"] = ", ".join(
            sorted(s for s in str(authorizer["token_scopes"]).split(",") if s)
        )
        accepted = getattr(app, "accepted_scopes", None) or ()
        headers["X-Accepted-OAuth-Scopes"] = ", ".join(accepted)
        if authorizer.get("token_client_id"):
            headers["X-OAuth-Client-Id"] = str(authorizer["token_client_id"])


def _has_header(response: dict[str, Any], name: str) -> bool:
    """Whether the answer sets `name` already (Powertools puts a route's headers in `multiValueHeaders`)."""
    return any(
        key.lower() == name
        for field in ("headers", "multiValueHeaders")
        for key in (response.get(field) or {})
    )


def _routable(event: dict[str, Any]) -> dict[str, Any]:
    """The event with `path` as the layout's prefix (`/api/v3` or none) and the route's own path: the
    parameters go in percent-encoded, so a decoded `/` cannot split a segment; the routes get them decoded
    from `pathParameters` (`DecodedPathResolver`). A resolver with `strip_prefixes` (`api_resolver`) then
    answers in both layouts, one without it only at the root."""
    resource = event.get("resource")
    if not resource:
        return event
    path = str(resource)
    for name, value in (event.get("pathParameters") or {}).items():
        path = path.replace("{" + name + "}", quote(unquote(str(value)), safe=""))
    prefix = routed_prefix(event)
    return {**event, "path": (prefix + path) if path != "/" else (prefix or "/")}


# Middlewares: before every route ---------------------------------------------------------------------------


def _api_version(app: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]) -> Response[str]:
    version = app.current_event.headers.get("x-github-api-version")
    if version is not None and version.strip() not in API_VERSIONS:
        shown = version[:40]
        raise BadRequest(f"API version '{shown}' is not supported. Supported versions: 2022-11-28.")
    return next_middleware(app)


def _checked_host(
    app: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]
) -> Response[str]:
    """A Host that is not a URI authority is a 400 before any route runs (issue 13 item 7)."""
    checked_host(app.current_event.raw_event)
    return next_middleware(app)


def _authenticated(kind: str, accepted_scopes: tuple[str, ...] | None) -> Middleware:
    def middleware(
        app: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]
    ) -> Response[str]:
        found = principal_from_context(app.current_event.raw_event, "user" if kind == "token" else kind)
        if found.token is not None:
            if kind != "token":  # the Authorizations API takes a password only (SPEC section 5)
                raise AuthenticationFailed(AuthFailure.TOKEN_NOT_PASSWORD)
            if accepted_scopes and not set(accepted_scopes) & set(found.token.scopes):
                raise NotFound()  # GitHub hides what a token may not see
        app.append_context(principal=found)  # type: ignore[no-untyped-call]
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
        token = None
        if "token_scopes" in context:
            scopes = tuple(scope for scope in str(context["token_scopes"]).split(",") if scope)
            client_id = context.get("token_client_id")
            token = TokenGrant(scopes=scopes, client_id=None if client_id is None else str(client_id))
        return Principal(
            kind="user", user_id=int(context["user_id"]), login=str(context["login"]), token=token
        )
    return Principal(kind="app", client_id=str(context["client_id"]))


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller, as the authentication middleware found it."""
    found: Principal = app.context["principal"]
    return found
