"""`oauth_authz.http.pages`: page/per_page, the Link header, and the API's base URL."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oauth_authz import http
from tests.support.data import BASE_URL
from tests.support.events import build_event
from tests.support.http_app import build_app, call, listing, numbers

LIST_URL = f"{BASE_URL}/authorizations"


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


# pagination -------------------------------------------------------------------------------------------------


def test_first_page_by_default_30_with_next_and_last(app: APIGatewayRestResolver) -> None:
    result = listing(app)

    assert result.status == 200
    assert numbers(result) == list(range(30))
    assert result.header("Link") == f'<{LIST_URL}?page=2>; rel="next", <{LIST_URL}?page=3>; rel="last"'


def test_middle_page_has_all_four_links(app: APIGatewayRestResolver) -> None:
    result = listing(app, page="2")

    assert numbers(result) == list(range(30, 60))
    assert result.header("Link") == (
        f'<{LIST_URL}?page=3>; rel="next", <{LIST_URL}?page=3>; rel="last", '
        f'<{LIST_URL}?page=1>; rel="first", <{LIST_URL}?page=1>; rel="prev"'
    )


def test_last_page_has_first_and_prev(app: APIGatewayRestResolver) -> None:
    result = listing(app, page="3")

    assert numbers(result) == list(range(60, 65))
    assert result.header("Link") == f'<{LIST_URL}?page=1>; rel="first", <{LIST_URL}?page=2>; rel="prev"'


def test_a_page_past_the_end_is_empty(app: APIGatewayRestResolver) -> None:
    result = listing(app, page="9")

    assert result.status == 200
    assert result.json == []
    assert result.header("Link") == f'<{LIST_URL}?page=1>; rel="first", <{LIST_URL}?page=3>; rel="prev"'


def test_one_page_has_no_link_header(app: APIGatewayRestResolver) -> None:
    result = listing(app, count="5")

    assert numbers(result) == [0, 1, 2, 3, 4]
    assert result.header("Link") is None


def test_nothing_at_all_is_an_empty_page_without_links(app: APIGatewayRestResolver) -> None:
    result = listing(app, count="0")

    assert result.json == []
    assert result.header("Link") is None


def test_per_page_and_other_parameters_are_kept_in_links(app: APIGatewayRestResolver) -> None:
    result = call(
        app,
        build_event(
            "list_authorizations",
            query={"client_id": "abc def&x=1", "per_page": "10", "page": "2", "count": "65"},
        ),
    )

    assert numbers(result) == list(range(10, 20))
    base = f"{LIST_URL}?client_id=abc+def%26x%3D1&per_page=10"
    assert result.header("Link") == (
        f'<{base}&page=3&count=65>; rel="next", <{base}&page=7&count=65>; rel="last", '
        f'<{base}&page=1&count=65>; rel="first", <{base}&page=1&count=65>; rel="prev"'
    )


def test_per_page_is_clamped_to_100(app: APIGatewayRestResolver) -> None:
    result = listing(app, count="250", per_page="1000")

    assert numbers(result) == list(range(100))
    assert 'per_page=1000&page=3>; rel="last"' in (result.header("Link") or "")


@pytest.mark.parametrize("junk", ["abc", "-5", "1.5", "", "0", " 7", "1e2", "٣", "9999999999"])
def test_junk_per_page_falls_back_to_30(app: APIGatewayRestResolver, junk: str) -> None:
    assert numbers(listing(app, per_page=junk)) == list(range(30))


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "", "2.0", "٢"])
def test_junk_page_falls_back_to_1(app: APIGatewayRestResolver, junk: str) -> None:
    assert numbers(listing(app, page=junk)) == list(range(30))


def test_per_page_of_one(app: APIGatewayRestResolver) -> None:
    result = listing(app, count="3", per_page="1", page="2")

    assert numbers(result) == [1]
    url = f"{LIST_URL}?count=3&per_page=1"
    assert result.header("Link") == (
        f'<{url}&page=3>; rel="next", <{url}&page=3>; rel="last", '
        f'<{url}&page=1>; rel="first", <{url}&page=1>; rel="prev"'
    )


# base URL ---------------------------------------------------------------------------------------------------


def base_url_of(event: dict[str, Any]) -> str:
    resolver = APIGatewayRestResolver()
    resolver.current_event = APIGatewayProxyEvent(event)
    return http.base_url(resolver)


def test_base_url_of_the_execute_api_stage() -> None:
    event = build_event("get_authorization", path_params={"authorization_id": "5"})

    assert base_url_of(event) == "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def test_base_url_of_a_custom_domain_with_a_base_path() -> None:
    event = build_event(
        "get_authorization", path_params={"authorization_id": "5"}, headers={"Host": "api.example.com"}
    )
    event["requestContext"].update(domainName="api.example.com", path="/github/api/v3/authorizations/5")
    event["path"] = "/github/api/v3/authorizations/5"

    assert base_url_of(event) == "https://api.example.com/github/api/v3"


def test_base_url_of_a_custom_domain_without_a_base_path() -> None:
    event = build_event("list_authorizations", headers={"Host": "api.example.com"})
    event["requestContext"].update(domainName="api.example.com", path="/authorizations")

    assert base_url_of(event) == "https://api.example.com"


def test_base_url_of_the_local_api() -> None:
    event = build_event(
        "list_authorizations", headers={"Host": "127.0.0.1:3000", "X-Forwarded-Proto": "http"}
    )
    # the local API's event: `domainName` is the Host it was called on (events.build_request_context)
    event["requestContext"].update(domainName="127.0.0.1:3000", path="/authorizations", stage="local")

    assert base_url_of(event) == "http://127.0.0.1:3000"


def test_base_url_takes_the_first_forwarded_proto() -> None:
    event = build_event("list_authorizations", headers={"X-Forwarded-Proto": "https, http"})

    assert base_url_of(event).startswith("https://")


def test_base_url_defaults_to_https_and_the_domain_name() -> None:
    event = build_event("list_authorizations", headers={"Host": None, "X-Forwarded-Proto": None})

    assert base_url_of(event) == "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def test_base_url_of_a_stage_when_a_parameter_was_percent_encoded() -> None:
    event = build_event(
        "get_or_create_for_fingerprint",
        path_params={"client_id": "abcde12345fghij67890", "fingerprint": "my laptop"},
    )
    event["requestContext"]["path"] = "/v1/authorizations/clients/abcde12345fghij67890/my%20laptop"

    assert base_url_of(event) == "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def test_resource_urls_use_the_base_url(app: APIGatewayRestResolver) -> None:
    result = call(app, build_event("create_authorization", body={"note": "n"}))

    assert result.json["base_url"] == BASE_URL
