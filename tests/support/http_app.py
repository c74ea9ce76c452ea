"""A resolver built like the functions' (`http.api_resolver()`, answered through `http.handle()`), with routes
that exercise each part of `oauth_authz.http`, and helpers to call it with events built from `events/*.json`.
The `tests/unit/test_http_*.py` modules share it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel

from oauth_authz import http
from oauth_authz.errors import (
    AuthenticationFailed,
    AuthFailure,
    BadRequest,
    ErrorCode,
    FieldError,
    NotFound,
    StoreUnavailable,
    ValidationFailed,
)
from oauth_authz.models.api import CreateAuthorizationBody
from tests.support.data import DOCS_URL
from tests.support.events import build_event
from tests.support.lambdas import FakeLambdaContext, HttpResult, assert_github_headers, to_result
from tests.support.schemas import assert_matches_schema


class Thing(BaseModel):
    n: int


class Seen(BaseModel):
    principal: dict[str, Any]
    body: dict[str, Any]
    base_url: str


class Arguments(BaseModel):
    client_id: str
    fingerprint: str


RAISE: dict[str, Exception] = {
    "notfound": NotFound(),
    "bad": BadRequest("Some bad request"),
    "unavailable": StoreUnavailable(retry_after=3),
    "crash": RuntimeError("internal detail: arn:aws:dynamodb:secret-table"),
    "validation": ValidationFailed(
        FieldError("note", ErrorCode.MISSING_FIELD),
        FieldError("scopes", ErrorCode.CUSTOM, message="one only"),
    ),
    "otp": AuthenticationFailed(AuthFailure.OTP_REQUIRED),
    "locked": AuthenticationFailed(AuthFailure.LOCKED_OUT),
}


def build_app() -> APIGatewayRestResolver:
    app = http.api_resolver()

    @app.get("/authorizations")
    def listing() -> Response[str]:
        count = int(app.current_event.query_string_parameters.get("count") or "65")
        page, headers = http.paginate(app, [Thing(n=i) for i in range(count)])
        return http.json_response(200, page, headers)

    @app.get("/authorizations/<authorization_id>")
    def one(authorization_id: str) -> Response[str]:
        return http.json_response(200, Thing(n=http.path_id(authorization_id)))

    @app.post("/authorizations")
    def create() -> Response[str]:
        body = http.body(app, CreateAuthorizationBody)
        principal = http.principal(app)
        seen = Seen(
            principal={"kind": principal.kind, "user_id": principal.user_id, "login": principal.login},
            body=body.model_dump(exclude_none=True),
            base_url=http.base_url(app),
        )
        return http.created(seen, location="https://example.com/x", metric="ThingCreated")

    @app.put("/authorizations/clients/<client_id>")
    def fail(client_id: str) -> Response[str]:
        raise RAISE[client_id]

    @app.put("/authorizations/clients/<client_id>/<fingerprint>")
    def arguments(client_id: str, fingerprint: str) -> Response[str]:
        return http.json_response(200, Arguments(client_id=client_id, fingerprint=fingerprint))

    @app.delete("/authorizations/<authorization_id>")
    def delete(authorization_id: str) -> Response[str]:
        http.path_id(authorization_id)
        return http.no_content()

    return app


def call(app: APIGatewayRestResolver, event: dict[str, Any]) -> HttpResult:
    result = to_result(http.handle(app, event, FakeLambdaContext()))  # type: ignore[arg-type]
    assert_github_headers(result)
    return result


def listing(app: APIGatewayRestResolver, **query: str) -> HttpResult:
    return call(app, build_event("list_authorizations", query=query or None))


def numbers(result: HttpResult) -> list[int]:
    return [thing["n"] for thing in result.json]


def get_one(app: APIGatewayRestResolver, auth_id: str = "5", **headers: str | None) -> HttpResult:
    return call(
        app, build_event("get_authorization", path_params={"authorization_id": auth_id}, headers=headers)
    )


def create(app: APIGatewayRestResolver, body: Any, **changes: Any) -> HttpResult:
    return call(app, build_event("create_authorization", body=body, **changes))


def fail(app: APIGatewayRestResolver, name: str) -> HttpResult:
    """The route that raises `RAISE[name]`."""
    return call(app, build_event("get_or_create_for_app", path_params={"client_id": name}))


def assert_error(result: HttpResult, status: int, message: str) -> None:
    assert result.status == status
    assert result.json == {"message": message, "documentation_url": DOCS_URL}
    assert_matches_schema(result.json, "basic-error")
