"""HTTP the way GitHub speaks it: the resolver factory, the one error map, bodies, ids, pages, headers.

Every function builds its resolver with `resolver()` and answers through `handle()`, so each route gets the
same authentication check, error shapes, media-type headers, ETags and conditional requests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from oauth_authz.errors import (
    AuthenticationFailed,
    AuthFailure,
    BadRequest,
    ErrorCode,
    FieldError,
    NotFound,
    OAuthAuthzError,
    StoreUnavailable,
    ValidationFailed,
)
from oauth_authz.ids import MAX_ID
from oauth_authz.models.api import ErrorDetailOut, ErrorOut, ValidationErrorOut
from oauth_authz.models.domain import Principal
from oauth_authz.observability import logger

DOCS_URL = "https://docs.github.com/rest"
AUTHORIZATIONS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/oauth-authorizations"
APPS_DOCS = "https://docs.github.com/enterprise-server@2.22/rest/reference/apps#oauth-applications"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MEDIA_TYPE = "github.v3; format=json"
API_VERSIONS = frozenset({"2022-11-28"})
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

_AUTH_ANSWERS: dict[AuthFailure, tuple[int, str]] = {
    AuthFailure.REQUIRES_AUTHENTICATION: (401, "Requires authentication"),
    AuthFailure.BAD_CREDENTIALS: (401, "Bad credentials"),
    AuthFailure.TOKEN_NOT_PASSWORD: (
        403,
        "This API can only be accessed with username and password Basic Auth",
    ),
    AuthFailure.OTP_REQUIRED: (401, "Must specify two-factor authentication OTP code."),
    AuthFailure.LOCKED_OUT: (403, "Maximum number of login attempts exceeded. Please try again later."),
}

M = TypeVar("M", bound=BaseModel)
Middleware = Callable[[APIGatewayRestResolver, Callable[..., Response[str]]], Response[str]]


# Responses -----------------------------------------------------------------------------------------------


def json_response(
    status: int, body: BaseModel | Sequence[BaseModel], headers: dict[str, str] | None = None
) -> Response[str]:
    if isinstance(body, BaseModel):
        text = body.model_dump_json()
    else:
        text = "[" + ",".join(item.model_dump_json() for item in body) + "]"
    return Response(status_code=status, content_type=JSON_CONTENT_TYPE, body=text, headers=headers or {})


def no_content() -> Response[str]:
    return Response(status_code=204, body="")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    return json_response(status, ErrorOut(message=message, documentation_url=DOCS_URL), headers)


# The one error map ---------------------------------------------------------------------------------------


def _domain_error(docs_url: str) -> Callable[[OAuthAuthzError], Response[str]]:
    def answer(error: OAuthAuthzError) -> Response[str]:
        if isinstance(error, NotFound):
            return error_response(404, "Not Found")
        if isinstance(error, BadRequest):
            return error_response(400, error.message)
        if isinstance(error, ValidationFailed):
            details = [
                ErrorDetailOut(resource=e.resource, field=e.field, code=e.code.value, message=e.message)
                for e in error.errors
            ]
            body = ValidationErrorOut(message="Validation Failed", errors=details, documentation_url=docs_url)
            return Response(422, JSON_CONTENT_TYPE, body.model_dump_json(exclude_none=True))
        if isinstance(error, AuthenticationFailed):
            status, message = _AUTH_ANSWERS[error.reason]
            headers = {"X-GitHub-OTP": "required; app"} if error.reason is AuthFailure.OTP_REQUIRED else {}
            return error_response(status, message, headers)
        if isinstance(error, StoreUnavailable):
            return error_response(503, "Service Unavailable", {"Retry-After": str(error.retry_after)})
        return _internal_error(error)

    return answer


def _internal_error(error: Exception) -> Response[str]:
    logger.exception("unhandled error", extra={"error_type": type(error).__name__})
    return error_response(500, "Server Error")


def _route_not_found(_: NotFoundError) -> Response[str]:
    return error_response(404, "Not Found")


# Middlewares ---------------------------------------------------------------------------------------------


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


def resolver(principal: str = "user", docs_url: str = AUTHORIZATIONS_DOCS) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()
    app.use(middlewares=[_api_version, _authenticated(principal)])
    app.exception_handler(OAuthAuthzError)(_domain_error(docs_url))
    app.exception_handler(NotFoundError)(_route_not_found)
    app.exception_handler(Exception)(_internal_error)
    return app


def principal(app: APIGatewayRestResolver) -> Principal:
    found: Principal = app.context["principal"]
    return found


# Entry point: resolve, then GitHub's headers and conditional GETs ------------------------------------------


def handle(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(_routable(event), context)
    headers = response.setdefault("headers", {}) or {}
    response["headers"] = headers
    if response.get("body"):
        headers["Content-Type"] = JSON_CONTENT_TYPE
    else:
        _drop_content_type(response)
    headers["X-GitHub-Media-Type"] = MEDIA_TYPE
    if event.get("httpMethod") == "GET" and response.get("statusCode") == 200:
        etag = 'W/"' + hashlib.sha256(response.get("body", "").encode("utf-8")).hexdigest()[:32] + '"'
        headers["ETag"] = etag
        if _matches(etag, _header(event, "if-none-match")):
            response["statusCode"] = 304
            response["body"] = ""
            _drop_content_type(response)
    return response


def _routable(event: dict[str, Any]) -> dict[str, Any]:
    """The event with `path` as the route's own path: behind a custom domain with a base path mapping,
    API Gateway's `path` starts with that base path, on which no route would match (Powertools routes on
    `path`). API Gateway (REST) passes `pathParameters` as the client sent them, percent-encoded; they go
    in encoded once whatever the client did, so that nothing in them can split a segment or miss a route.
    Handlers read them decoded (`path_param`)."""
    resource = event.get("resource")
    if not resource:
        return event
    path = str(resource)
    for name, value in (event.get("pathParameters") or {}).items():
        path = path.replace("{" + name + "}", quote(unquote(str(value)), safe=""))
    return {**event, "path": path}


def _drop_content_type(response: dict[str, Any]) -> None:
    """No body, no Content-Type: Powertools also puts one in `multiValueHeaders`, which API Gateway merges."""
    for field in ("headers", "multiValueHeaders"):
        found = response.get(field) or {}
        for name in [name for name in found if name.lower() == "content-type"]:
            del found[name]


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _matches(etag: str, if_none_match: str | None) -> bool:
    if not if_none_match:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


# Requests ------------------------------------------------------------------------------------------------


def body(app: APIGatewayRestResolver, model: type[M]) -> M:
    """The JSON body as `model`: 400 when it is not JSON or not an object, 422 when a field is wrong."""
    try:
        text = app.current_event.decoded_body or ""
    except ValueError:  # base64 that is not, or bytes that are not UTF-8 (binascii.Error, UnicodeDecodeError)
        raise BadRequest("Problems parsing JSON") from None
    if text.strip() == "":
        data: Any = {}
    else:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise BadRequest("Problems parsing JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("Body should be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_failed(error) from None


def validation_failed(error: ValidationError) -> ValidationFailed:
    """Pydantic's errors as GitHub's: field and code only (never the input, which may be a secret)."""
    seen: dict[tuple[str, ErrorCode], FieldError] = {}
    for problem in error.errors(include_input=False, include_url=False):
        field = str(problem["loc"][0]) if problem["loc"] else "body"
        code = ErrorCode.MISSING_FIELD if problem["type"] == "missing" else ErrorCode.INVALID
        seen.setdefault((field, code), FieldError(field, code))
    return ValidationFailed(*seen.values())


def path_id(text: str) -> int:
    """A positive integer id below 2^53; anything else names nothing (404, as GitHub answers)."""
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        raise NotFound()
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def path_param(app: APIGatewayRestResolver, name: str) -> str:
    """A path parameter, decoded: API Gateway (REST) passes `pathParameters` as the client sent them, still
    percent-encoded (`my%20laptop`); the route's own argument is encoded too (`_routable`)."""
    value = (app.current_event.path_parameters or {}).get(name)
    if value is None:
        raise NotFound()
    return unquote(str(value))


def query(app: APIGatewayRestResolver, name: str) -> str | None:
    value = app.current_event.query_string_parameters.get(name)
    return None if value in (None, "") else value


def base_url(app: APIGatewayRestResolver) -> str:
    """The API's absolute base URL as the client called it, with any stage or base path."""
    event = app.current_event.raw_event
    headers = app.current_event.headers
    context = event.get("requestContext") or {}
    host = headers.get("host") or context.get("domainName") or "localhost"
    scheme = (headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
    full_path = context.get("path") or event.get("path") or ""
    resource_path = _rendered_resource(event)
    if resource_path and full_path.endswith(resource_path):
        prefix = full_path[: len(full_path) - len(resource_path)]
    elif ".execute-api." in host and context.get("stage"):
        prefix = "/" + context["stage"]
    else:
        prefix = ""
    return f"{scheme}://{host}{prefix.rstrip('/')}"


def _rendered_resource(event: dict[str, Any]) -> str:
    rendered = str(event.get("resource") or "")
    for name, value in (event.get("pathParameters") or {}).items():
        rendered = rendered.replace("{" + name + "}", str(value))
    return rendered


def _int_param(value: str | None, default: int) -> int:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 9:
        return default
    return int(value)


def paginate(app: APIGatewayRestResolver, items: Sequence[M]) -> tuple[list[M], dict[str, str]]:
    """GitHub's page/per_page slicing and its Link header (next, last, first, prev), other params kept."""
    page = _int_param(query(app, "page"), 1) or 1
    per_page = min(_int_param(query(app, "per_page"), DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE, MAX_PER_PAGE)
    last = max(1, -(-len(items) // per_page))
    chosen = list(items[(page - 1) * per_page : page * per_page])

    params = dict(app.current_event.query_string_parameters)
    event = app.current_event.raw_event
    url = base_url(app) + _rendered_resource(event)

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode({**params, "page": str(number)})}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    return chosen, ({"Link": ", ".join(links)} if links else {})
