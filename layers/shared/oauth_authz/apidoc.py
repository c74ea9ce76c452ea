"""What each route says about itself in the OpenAPI document: summary, GitHub's operationId, the body it
reads, and every answer it can give with its model and headers.

Each handler passes `operation(...)` to its route decorator; Powertools' event handler turns that into the
route's part of an OpenAPI 3.1 document, and `oauth_authz_local.openapi` joins the 18 functions' parts into
`openapi.json`. Nothing here runs per request: at import it only builds a few small dicts.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from oauth_authz.ids import MAX_ID
from oauth_authz.models.api import ErrorOut, ValidationErrorOut

# "user": Basic auth with a password (the Authorizations API); "token": a user by token or password;
# "app": the app's client_id and secret; "public": no credentials needed.
Principal = Literal["user", "app", "token", "public"]

USER_SECURITY = "user_basic"
APP_SECURITY = "app_basic"
TOKEN_SECURITY = "user_token"  # noqa: S105 - the name of a security scheme
TAGS = {"user": "oauth-authorizations", "app": "apps", "token": "users", "public": "meta"}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "user": [{USER_SECURITY: []}],
    "app": [{APP_SECURITY: []}],
    "token": [{TOKEN_SECURITY: []}, {USER_SECURITY: []}],
    "public": [],
}


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


MEDIA_TYPE_HEADER = _header("Always `github.v3; format=json`.")
HEADERS = {
    "link": _header("GitHub's pagination links (`next`, `last`, `first`, `prev`), absolute URLs."),
    "etag": _header("Weak validator of this answer; send it back in `If-None-Match` for a 304."),
    "location": _header("The new authorization's URL.", format="uri"),
    "retry-after": _header("Seconds to wait before trying again.", pattern="^[0-9]+$"),
    "otp": _header("`required; app` when a two-factor code is missing, wrong or already used."),
}

# Path parameters as the handlers read them (`http.path_id`, `models.api.is_fingerprint`).
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "authorization_id": {
        "description": "The unique identifier of the authorization.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    "grant_id": {
        "description": "The unique identifier of the grant.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    "client_id": {"description": "The client ID of the OAuth app.", "schema": {"type": "string"}},
    "fingerprint": {
        "description": "A unique string to distinguish several authorizations of one app for one user.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "access_token": {
        "description": "The OAuth access token. Prefer the forms with the token in the body: a URL ends up "
        "in access logs.",
        "schema": {"type": "string"},
    },
}

PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "per_page",
        "in": "query",
        "description": "Results per page (max 100); anything that is not a positive integer means 30.",
        "schema": {"type": "integer", "default": 30},
    },
    {
        "name": "page",
        "in": "query",
        "description": "Page number of the results to fetch; a page past the end is empty.",
        "schema": {"type": "integer", "default": 1},
    },
]
CLIENT_ID_FILTER: dict[str, Any] = {
    "name": "client_id",
    "in": "query",
    "description": "Only the entries of this OAuth app.",
    "schema": {"type": "string"},
}

_ERRORS: dict[int, str] = {
    400: "Problems parsing JSON, a body that is not an object, or an unsupported X-GitHub-Api-Version.",
    401: "Requires authentication, bad credentials, or a two-factor code needed.",
    403: "A token sent instead of a password, or too many failed logins.",
    404: "Not Found: no such resource for the caller.",
    503: "The store kept throttling; try again after Retry-After seconds.",
}


# The body model each operation reads, by operationId: the document's generator turns them into JSON
# schemas (building them here would put pydantic's schema generation on every function's cold start).
BODIES: dict[str, type[BaseModel]] = {}
# The models answered as arrays only (`many`), which the generator adds to the document's components.
LISTED: dict[str, type[BaseModel]] = {}


def _json(model: type[BaseModel], many: bool = False) -> dict[str, Any]:
    if many:  # the model is in the document's components through the operation that answers one of them
        items = {"$ref": f"#/components/schemas/{model.__name__}"}
        return {"application/json": {"schema": {"type": "array", "items": items}}}
    return {"application/json": {"model": model}}


def _error(status: int) -> dict[str, Any]:
    headers = {"X-GitHub-Media-Type": MEDIA_TYPE_HEADER}
    if status == 401:
        headers["X-GitHub-OTP"] = HEADERS["otp"]
    if status == 503:
        headers["Retry-After"] = HEADERS["retry-after"]
    return {"description": _ERRORS[status], "headers": headers, "content": _json(ErrorOut)}


def operation(
    operation_id: str,
    summary: str,
    *,
    principal: Principal = "user",
    ok: int = 200,
    returns: type[BaseModel] | None = None,
    many: bool = False,
    body: type[BaseModel] | None = None,
    get_or_create: bool = False,
    conditional: bool = False,
    not_found: bool = True,
    deprecated: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for a Powertools route decorator describing one operation.

    `returns` is the model of the success answer (`many` for a page of them; none for a 204), `body` the
    model of the JSON body the handler reads, `get_or_create` adds the 201 next to the 200, `conditional`
    (every GET: `http.handle` adds them) the ETag and the 304 of `If-None-Match`. A request body
    has no place in Powertools' route arguments unless validation is on (it is not: `http.body` reads
    bodies with GitHub's error shapes), so it is recorded in `BODIES` for the generator; the query
    parameters of a list go in through `openapi_extensions`, which Powertools merges into the operation.
    """
    headers: dict[str, Any] = {"X-GitHub-Media-Type": MEDIA_TYPE_HEADER}
    if many:
        headers["Link"] = HEADERS["link"]
    if conditional:
        headers["ETag"] = HEADERS["etag"]
    success: dict[str, Any] = {"description": "Response", "headers": headers}
    if returns is not None:
        success["content"] = _json(returns, many)
    responses: dict[int, Any] = {ok: success}
    if get_or_create:
        if returns is None:
            raise TypeError("a get-or-create answers the resource it got or created")
        responses[201] = {
            "description": "Created: the new authorization, with its token (shown this once).",
            "headers": {"X-GitHub-Media-Type": MEDIA_TYPE_HEADER, "Location": HEADERS["location"]},
            "content": _json(returns),
        }
        success["description"] = "The authorization that already exists (its token is empty)."
    if ok == 201:
        headers["Location"] = HEADERS["location"]
    if conditional:
        responses[304] = {"description": "Not modified: `If-None-Match` matched the ETag."}
    statuses = [400] if principal == "public" else [400, 401, 403, 503] + ([404] if not_found else [])
    for status in statuses:
        responses[status] = _error(status)
    if body is not None:
        responses[422] = {
            "description": "Validation failed.",
            "headers": {"X-GitHub-Media-Type": MEDIA_TYPE_HEADER},
            "content": _json(ValidationErrorOut),
        }
    if body is not None:
        BODIES[operation_id] = body
    if many and returns is not None:
        LISTED[returns.__name__] = returns
    extensions: dict[str, Any] = {}
    if many:
        extensions["parameters"] = [*PAGE_PARAMETERS, CLIENT_ID_FILTER]
    return {
        "summary": summary,
        "operation_id": operation_id,
        "tags": [TAGS[principal]],
        "responses": dict(sorted(responses.items())),
        "security": SECURITY[principal],
        "openapi_extensions": extensions or None,
        "deprecated": deprecated,
    }


def oauth_endpoint(
    summary: str,
    operation_id: str,
    tag: str,
    fields: tuple[str, ...],
    answers: dict[str, tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    """The OpenAPI operation of an OAuth endpoint (`/login/oauth/access_token`, `/login/device/code`): no
    authorizer, the `fields` as a form or a JSON body, and each answer (`status: (description, schema)`)
    in the three formats `Accept` chooses from: form-encoded, JSON (the same schema) and XML."""
    body = {"type": "object", "properties": {name: {"type": "string"} for name in fields}}
    return {
        "summary": summary,
        "operationId": operation_id,
        "tags": [tag],
        "security": [{}],
        "requestBody": {
            "required": False,
            "content": {
                kind: {"schema": body} for kind in ("application/x-www-form-urlencoded", "application/json")
            },
        },
        "responses": {
            status: {
                "description": description,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": schema},
                    "application/json": {"schema": schema},
                    "application/xml": {"schema": {"type": "string"}},
                },
            }
            for status, (description, schema) in answers.items()
        },
    }
