"""`oauth_authz.http.error_map`: every domain error's status, body and headers, in GitHub's shapes."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from tests.support.data import AUTHORIZATIONS_DOCS
from tests.support.events import build_event
from tests.support.http_app import assert_error, build_app, call, fail
from tests.support.schemas import assert_matches_schema


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


# the one error map ------------------------------------------------------------------------------------------


def test_not_found(app: APIGatewayRestResolver) -> None:
    assert_error(fail(app, "notfound"), 404, "Not Found")


def test_bad_request(app: APIGatewayRestResolver) -> None:
    assert_error(fail(app, "bad"), 400, "Some bad request")


def test_store_unavailable_is_503_with_retry_after(app: APIGatewayRestResolver) -> None:
    result = fail(app, "unavailable")

    assert_error(result, 503, "Service Unavailable")
    assert result.header("Retry-After") == "3"


def test_a_crash_is_500_with_nothing_internal(app: APIGatewayRestResolver) -> None:
    result = fail(app, "crash")

    assert_error(result, 500, "Server Error")
    assert "internal" not in result.body
    assert "arn:aws" not in result.body


def test_validation_failed_lists_every_error(app: APIGatewayRestResolver) -> None:
    result = fail(app, "validation")

    assert result.status == 422
    assert result.json == {
        "message": "Validation Failed",
        "errors": [
            {"resource": "OauthAccess", "field": "note", "code": "missing_field"},
            {"resource": "OauthAccess", "field": "scopes", "code": "custom", "message": "one only"},
        ],
        "documentation_url": AUTHORIZATIONS_DOCS,
    }
    assert_matches_schema(result.json, "validation-error")


def test_locked_out(app: APIGatewayRestResolver) -> None:
    assert_error(
        fail(app, "locked"), 403, "Maximum number of login attempts exceeded. Please try again later."
    )


def test_an_unknown_route_is_404_not_found(app: APIGatewayRestResolver) -> None:
    event = build_event("list_authorizations", resource="/nothing/here")

    assert_error(call(app, event), 404, "Not Found")


def test_an_unknown_method_is_404_not_found(app: APIGatewayRestResolver) -> None:
    assert_error(call(app, build_event("list_authorizations", method="PATCH")), 404, "Not Found")


def test_204_has_no_body_and_no_content_type(app: APIGatewayRestResolver) -> None:
    result = call(app, build_event("delete_authorization"))

    assert result.status == 204
    assert result.body == ""
    assert result.header("Content-Type") is None
