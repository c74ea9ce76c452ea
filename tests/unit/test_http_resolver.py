"""`oauth_authz.http.resolver`: what runs before every route (the API version, the principal from the
authorizer's context), the routes' decoded path parameters, and what `handle` adds to every answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from oauth_authz import http
from oauth_authz.errors import AuthenticationFailed, AuthFailure
from oauth_authz.models.domain import Principal
from tests.support.data import ACCEPT_VALUES, DOCS_URL
from tests.support.events import auth_error_context, build_event, user_context
from tests.support.http_app import Thing, assert_error, build_app, call, get_one


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


# API versions and media types -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2022-11-28", " 2022-11-28 "])
def test_the_supported_api_version_is_accepted(app: APIGatewayRestResolver, version: str) -> None:
    assert get_one(app, **{"X-GitHub-Api-Version": version}).status == 200


@pytest.mark.parametrize("version", ["2021-01-01", "2026-03-10", "latest", "2022-11-28; x", "v3"])
def test_other_api_versions_are_400(app: APIGatewayRestResolver, version: str) -> None:
    result = get_one(app, **{"X-GitHub-Api-Version": version})

    assert result.status == 400
    assert result.json["documentation_url"] == DOCS_URL
    assert version.strip() in result.json["message"]


def test_an_unsupported_version_is_refused_before_authentication(app: APIGatewayRestResolver) -> None:
    event = build_event(
        "get_authorization",
        headers={"X-GitHub-Api-Version": "1999-01-01"},
        authorizer=auth_error_context("bad_credentials"),
    )

    assert call(app, event).status == 400


def test_an_oversize_version_is_not_echoed_whole(app: APIGatewayRestResolver) -> None:
    result = get_one(app, **{"X-GitHub-Api-Version": "x" * 5000})

    assert result.status == 400
    assert len(result.json["message"]) < 200


@pytest.mark.parametrize("accept", ACCEPT_VALUES)
def test_every_accept_value_is_served_json(app: APIGatewayRestResolver, accept: str | None) -> None:
    result = get_one(app, Accept=accept)

    assert result.status == 200
    assert result.json == {"n": 5}


# authentication outcomes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("requires_authentication", 401, "Requires authentication"),
        ("bad_credentials", 401, "Bad credentials"),
        ("token_not_password", 403, "This API can only be accessed with username and password Basic Auth"),
        ("locked_out", 403, "Maximum number of login attempts exceeded. Please try again later."),
        ("something_new", 401, "Bad credentials"),
    ],
)
def test_auth_errors_are_answered_before_the_route(
    app: APIGatewayRestResolver, code: str, status: int, message: str
) -> None:
    result = call(
        app, build_event("create_authorization", body="{not json", authorizer=auth_error_context(code))
    )

    assert_error(result, status, message)
    assert result.header("X-GitHub-OTP") is None


def test_otp_required_carries_the_challenge_header(app: APIGatewayRestResolver) -> None:
    result = call(app, build_event("create_authorization", authorizer=auth_error_context("otp_required")))

    assert_error(result, 401, "Must specify two-factor authentication OTP code.")
    assert result.header("X-GitHub-OTP") == "required; app"


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        {"principalId": "app:abc", "principal_type": "app", "client_id": "abc"},
        {"principal_type": "admin"},
    ],
)
def test_no_user_in_the_context_requires_authentication(app: APIGatewayRestResolver, context: Any) -> None:
    result = call(app, build_event("create_authorization", authorizer=context))

    assert_error(result, 401, "Requires authentication")


def test_the_user_comes_from_the_authorizer_context(app: APIGatewayRestResolver) -> None:
    result = call(app, build_event("create_authorization", authorizer=user_context(987, "hubot")))

    assert result.json["principal"] == {"kind": "user", "user_id": 987, "login": "hubot"}


def test_principal_from_context_of_an_app() -> None:
    event = {"requestContext": {"authorizer": {"principal_type": "app", "client_id": "abc"}}}

    assert http.principal_from_context(event, "app") == Principal(kind="app", client_id="abc")
    with pytest.raises(AuthenticationFailed) as refused:
        http.principal_from_context(event, "user")
    assert refused.value.reason is AuthFailure.REQUIRES_AUTHENTICATION


# path parameters --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fingerprint", ["laptop", "my laptop", "a/b", "100%", "%41", "ünï", "a?b#c", "{fingerprint}"]
)
def test_routes_get_their_path_parameters_decoded(app: APIGatewayRestResolver, fingerprint: str) -> None:
    """API Gateway (REST) passes `pathParameters` as the client sent them, percent-encoded; the route's
    arguments are decoded. Seen to fail (`my%20laptop` stayed encoded) while they were taken as they came."""
    sent = {"client_id": quote("c/d", safe=""), "fingerprint": quote(fingerprint, safe="")}
    event = build_event("get_or_create_for_fingerprint", path_params=sent)

    result = call(app, event)

    assert result.status == 200
    assert result.json == {"client_id": "c/d", "fingerprint": fingerprint}


def test_without_path_parameters_a_route_gets_the_decoded_segment(app: APIGatewayRestResolver) -> None:
    event = build_event("get_or_create_for_fingerprint", path_params={"client_id": "c", "fingerprint": "f"})
    event.update(resource=None, pathParameters=None, path="/authorizations/clients/abc/my%20laptop")

    assert call(app, event).json == {"client_id": "abc", "fingerprint": "my laptop"}


def test_behind_a_base_path_the_route_still_matches(app: APIGatewayRestResolver) -> None:
    """GitHub Enterprise's layout: the custom domain's `api/v3` mapping keeps `/api/v3` in `path`."""
    event = get_event_with_base_path("/api/v3")

    assert call(app, event).json == {"n": 5}


def test_a_route_without_the_api_layout_is_not_found_under_api_v3() -> None:
    """A web page's resolver (`http.resolver()`, no `strip_prefixes`) answers only at the root: the custom
    domain's `api/v3` mapping reaches every resource, and `/api/v3/login/...` must be a 404. Seen red with
    `_routable` rewriting `path` to the bare route (the page answered under /api/v3)."""
    page = http.resolver(principal=None)

    @page.get("/authorizations/<authorization_id>")
    def route(authorization_id: str) -> Response[str]:
        return http.json_response(200, Thing(n=http.path_id(authorization_id)))

    assert call(page, get_event_with_base_path("")).json == {"n": 5}
    assert call(page, get_event_with_base_path("/api/v3")).status == 404
    assert call(page, get_event_with_base_path("/github")).status == 404


def get_event_with_base_path(base: str) -> dict[str, Any]:
    event = build_event("get_authorization", path_params={"authorization_id": "5"})
    event["path"] = base + "/authorizations/5"
    return event
