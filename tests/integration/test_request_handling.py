"""What every function does alike: the authorizer's refusals, versions, media types, wrong routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import assert_error
from tests.support.data import ACCEPT_VALUES, JSON_CONTENT_TYPE, MEDIA_TYPE
from tests.support.events import app_context, auth_error_context, build_event, load_event
from tests.support.lambdas import HttpResult

# every user-route function with its own event
FUNCTIONS = [
    "list_authorizations",
    "create_authorization",
    "get_or_create_for_app",
    "get_or_create_for_fingerprint",
    "get_authorization",
    "update_authorization",
    "delete_authorization",
    "list_grants",
    "get_grant",
    "delete_grant",
]
# every app-route function (Basic auth as the app), with its own event
APP_FUNCTIONS = [
    "check_authorization",
    "check_token",
    "reset_authorization",
    "reset_token",
    "revoke_authorization",
    "delete_token",
    "revoke_grant",
    "delete_app_authorization",
]

REFUSALS = [
    ("bad_credentials", 401, "Bad credentials"),
    ("token_not_password", 403, "This API can only be accessed with username and password Basic Auth"),
    ("requires_authentication", 401, "Requires authentication"),
]


@pytest.mark.parametrize("folder", FUNCTIONS)
@pytest.mark.parametrize(("code", "status", "message"), REFUSALS)
def test_a_refusal_from_the_authorizer_is_githubs_exact_answer(
    invoke: Any, table: Any, folder: str, code: str, status: int, message: str
) -> None:
    result = invoke(folder, build_event(folder, authorizer=auth_error_context(code)))

    assert_error(result, status, message)
    assert result.header("Content-Type") == JSON_CONTENT_TYPE
    assert result.header("X-GitHub-Media-Type") == MEDIA_TYPE
    assert result.header("Location") is None
    assert result.header("ETag") is None
    assert table.items() == []


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_a_refusal_comes_before_the_body_is_read(invoke: Any, table: Any, folder: str) -> None:
    event = build_event(folder, authorizer=auth_error_context("bad_credentials"), body="{broken")

    assert_error(invoke(folder, event), 401, "Bad credentials")


@pytest.mark.parametrize("folder", APP_FUNCTIONS)
@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("bad_credentials", 401, "Bad credentials"),
        ("requires_authentication", 401, "Requires authentication"),
    ],
)
def test_a_refusal_on_an_app_route_is_githubs_exact_answer(
    invoke: Any, event_app_authorization: Any, table: Any, folder: str, code: str, status: int, message: str
) -> None:
    before = table.items()

    result = invoke(folder, build_event(folder, authorizer=auth_error_context(code)))

    assert_error(result, status, message)
    assert table.items() == before


@pytest.mark.parametrize("folder", APP_FUNCTIONS)
def test_a_user_principal_is_no_app(invoke: Any, event_app_authorization: Any, folder: str) -> None:
    event = build_event(
        folder, authorizer={"principalId": "user:1", "principal_type": "user", "user_id": "1"}
    )

    assert_error(invoke(folder, event), 401, "Requires authentication")


@pytest.mark.parametrize("folder", APP_FUNCTIONS)
def test_app_routes_check_the_api_version_too(invoke: Any, event_app_authorization: Any, folder: str) -> None:
    result = invoke(folder, build_event(folder, headers={"X-GitHub-Api-Version": "2020-01-01"}))

    assert result.status == 400


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_an_app_principal_is_no_user(invoke: Any, table: Any, folder: str) -> None:
    event = build_event(folder, authorizer=app_context("abcde12345fghij67890"))

    assert_error(invoke(folder, event), 401, "Requires authentication")


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_no_authorizer_context_requires_authentication(invoke: Any, table: Any, folder: str) -> None:
    assert_error(invoke(folder, build_event(folder, authorizer=None)), 401, "Requires authentication")


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_the_otp_challenge(invoke: Any, table: Any, folder: str) -> None:
    result = invoke(folder, build_event(folder, authorizer=auth_error_context("otp_required")))

    assert_error(result, 401, "Must specify two-factor authentication OTP code.")
    assert result.header("X-GitHub-OTP") == "required; app"


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_the_lockout(invoke: Any, table: Any, folder: str) -> None:
    result = invoke(folder, build_event(folder, authorizer=auth_error_context("locked_out")))

    assert_error(result, 403, "Maximum number of login attempts exceeded. Please try again later.")


@pytest.mark.parametrize("folder", FUNCTIONS)
def test_an_unsupported_api_version_is_400(invoke: Any, octocat: Any, folder: str) -> None:
    result = invoke(folder, build_event(folder, headers={"X-GitHub-Api-Version": "2020-01-01"}))

    assert result.status == 400
    assert result.json["documentation_url"] == "https://docs.github.com/rest"
    assert "2020-01-01" in result.json["message"]


@pytest.fixture
def ready(octocat: Any, oauth_app: Any, authorization_one: Any, event_app_authorization: Any) -> None:
    """Everything the events need to succeed."""


EXPECTED = {
    "list_authorizations": 200,
    "create_authorization": 201,
    "get_or_create_for_app": 200,  # `ready` holds octocat's token for the app without a fingerprint
    "get_or_create_for_fingerprint": 201,
    "get_authorization": 200,
    "update_authorization": 200,
    "delete_authorization": 204,
    "list_grants": 200,
    "get_grant": 200,
    "delete_grant": 204,
    **dict.fromkeys(["check_authorization", "check_token", "reset_authorization", "reset_token"], 200),
    **dict.fromkeys(
        ["revoke_authorization", "delete_token", "revoke_grant", "delete_app_authorization"], 204
    ),
}


@pytest.mark.parametrize("folder", FUNCTIONS + APP_FUNCTIONS)
@pytest.mark.parametrize("version", ["2022-11-28", None])
def test_the_supported_api_version_or_none_is_served(
    invoke: Any, ready: None, folder: str, version: str | None
) -> None:
    result = invoke(folder, build_event(folder, headers={"X-GitHub-Api-Version": version}))

    assert result.status == EXPECTED[folder]


@pytest.mark.parametrize(
    ("folder", "accept"),
    [
        *[("list_authorizations", accept) for accept in ACCEPT_VALUES],
        ("create_authorization", "application/vnd.github.v3.full+json"),
        ("get_authorization", "*/*"),
        ("check_token", "application/vnd.github.doctor-strange-preview+json"),
    ],
)
def test_every_accept_value_is_served_json(invoke: Any, ready: None, folder: str, accept: str | None) -> None:
    result: HttpResult = invoke(folder, build_event(folder, headers={"Accept": accept}))

    assert result.status == EXPECTED[folder]
    assert result.header("Content-Type") == JSON_CONTENT_TYPE
    assert result.header("X-GitHub-Media-Type") == MEDIA_TYPE


@pytest.mark.parametrize(
    ("folder", "method"),
    [
        ("list_authorizations", "POST"),
        ("create_authorization", "GET"),
        ("get_authorization", "DELETE"),
        ("delete_authorization", "GET"),
        ("update_authorization", "PUT"),
        ("get_or_create_for_app", "POST"),
    ],
)
def test_a_method_a_function_does_not_serve_is_404(
    invoke: Any, octocat: Any, folder: str, method: str
) -> None:
    assert_error(invoke(folder, build_event(folder, method=method)), 404, "Not Found")


def test_a_route_a_function_does_not_serve_is_404(invoke: Any, octocat: Any) -> None:
    event = build_event("get_authorization", resource="/authorizations/{authorization_id}/extra")

    assert_error(invoke("get_authorization", event), 404, "Not Found")


def test_the_events_are_rest_proxy_events_of_the_v1_stage() -> None:
    for folder in FUNCTIONS + APP_FUNCTIONS:
        event = load_event(folder)
        assert event["requestContext"]["stage"] == "v1"
        assert event["requestContext"]["path"] == "/v1" + event["path"]
        context = event["requestContext"]["authorizer"]
        assert all(isinstance(value, str) for value in context.values())
        if folder in APP_FUNCTIONS:
            assert context["principal_type"] == "app"
        else:
            assert (context["principal_type"], context["user_id"]) == ("user", "1")


def test_a_custom_domain_with_a_base_path_mapping(invoke: Any, authorization_one: Any) -> None:
    event = build_event("get_authorization", headers={"Host": "api.example.com"})
    event["path"] = "/api/v3/authorizations/1"
    event["requestContext"].update(domainName="api.example.com", path="/api/v3/authorizations/1")

    result = invoke("get_authorization", event)

    assert result.status == 200
    assert result.json["url"] == "https://api.example.com/api/v3/authorizations/1"
