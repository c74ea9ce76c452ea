"""`oauth_authz.http.responses`: JSON answers with GitHub's content type, 201 created, 204, errors."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from oauth_authz import http
from oauth_authz.http.responses import JSON_CONTENT_TYPE, drop_content_type
from oauth_authz.observability import metrics
from tests.support.data import DOCS_URL
from tests.support.events import build_event
from tests.support.http_app import Thing, build_app, call, create


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


def test_a_model_and_a_list_of_models_are_json() -> None:
    one = http.json_response(200, Thing(n=1), {"X-A": "b"})
    many = http.json_response(200, [Thing(n=1), Thing(n=2)])
    none = http.json_response(200, [])

    assert (one.status_code, one.body, one.headers["X-A"]) == (200, '{"n":1}', "b")
    assert one.content_type == JSON_CONTENT_TYPE
    assert (many.body, none.body) == ('[{"n":1},{"n":2}]', "[]")


def test_created_is_201_with_location_and_counts_in_its_metric() -> None:
    answer = http.created(Thing(n=7), location="https://api.example.com/authorizations/7", metric="ThingMade")

    assert (answer.status_code, answer.body) == (201, '{"n":7}')
    assert answer.headers["Location"] == "https://api.example.com/authorizations/7"
    assert metrics.metric_set["ThingMade"]["Value"] == [1.0]


def test_created_through_a_route(app: APIGatewayRestResolver) -> None:
    result = create(app, {"note": "n"})

    assert result.status == 201
    assert result.header("Location") == "https://example.com/x"
    assert result.header("Content-Type") == JSON_CONTENT_TYPE


def test_an_error_is_githubs_basic_error() -> None:
    answer = http.error_response(418, "I'm a teapot", {"Retry-After": "1"})

    assert answer.body == f'{{"message":"I\'m a teapot","documentation_url":"{DOCS_URL}"}}'
    assert answer.headers["Retry-After"] == "1"


def test_no_content_has_no_body_and_no_content_type(app: APIGatewayRestResolver) -> None:
    result = call(app, build_event("delete_authorization"))

    assert (result.status, result.body) == (204, "")
    assert result.header("Content-Type") is None


def test_drop_content_type_in_both_header_maps_whatever_the_case() -> None:
    response = {
        "headers": {"content-type": "text/plain", "ETag": "x"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "Link": ["y"]},
    }

    drop_content_type(response)

    assert response == {"headers": {"ETag": "x"}, "multiValueHeaders": {"Link": ["y"]}}
