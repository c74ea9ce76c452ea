"""`oauth_authz.http.request`: ids in paths, JSON bodies (400 and 422 as GitHub answers), query parameters and
headers."""

from __future__ import annotations

import base64
import json

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from oauth_authz import http
from oauth_authz.errors import NotFound
from oauth_authz.http.request import header
from tests.support.data import AUTHORIZATIONS_DOCS, DOCS_URL
from tests.support.events import build_event
from tests.support.http_app import assert_error, build_app, call, create
from tests.support.schemas import assert_matches_schema


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    return build_app()


# path ids ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("42", 42), ("9007199254740991", 2**53 - 1), ("0000000000000007", 7), ("01", 1)],
)
def test_path_id_accepts_positive_integers_below_2_53(text: str, expected: int) -> None:
    # "01" names authorization 1, as GitHub's integer lookup does
    assert http.path_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "00",
        "-1",
        "+1",
        "9007199254740992",  # 2^53
        "99999999999999999",  # 17 digits
        "9" * 400,
        "١",  # ARABIC-INDIC DIGIT ONE: str.isdigit() says yes
        "１２",  # fullwidth digits
        "²",  # superscript two
        "1.0",
        "1e3",
        "0x10",
        " 1",
        "1 ",
        "",
        "abc",
        "1,2",
    ],
)
def test_path_id_names_nothing_otherwise(text: str) -> None:
    with pytest.raises(NotFound):
        http.path_id(text)


# bodies -----------------------------------------------------------------------------------------------------


def test_a_json_object_body_is_read(app: APIGatewayRestResolver) -> None:
    result = create(app, {"note": "admin script", "scopes": ["repo"], "extra": 1})

    assert result.status == 201
    assert result.json["body"] == {"note": "admin script", "scopes": ["repo"]}
    assert result.header("Location") == "https://example.com/x"


@pytest.mark.parametrize("body", [None, "", "   \n"])
def test_no_body_is_an_empty_object(app: APIGatewayRestResolver, body: str | None) -> None:
    assert create(app, body).json["body"] == {}


def test_a_base64_encoded_body_is_decoded(app: APIGatewayRestResolver) -> None:
    result = create(app, json.dumps({"note": "ünï"}).encode())

    assert result.json["body"] == {"note": "ünï"}


@pytest.mark.parametrize(
    "event_body",
    [
        "!!! not base64 !!!",  # isBase64Encoded, but it is not
        base64.b64encode(b'{"note": "caf\xe9"}').decode(),  # Latin-1: the local API passes such bodies base64
    ],
)
def test_a_body_that_cannot_be_decoded_is_400(app: APIGatewayRestResolver, event_body: str) -> None:
    event = build_event("create_authorization")
    event.update(body=event_body, isBase64Encoded=True)

    assert_error(call(app, event), 400, "Problems parsing JSON")


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "{'note': 'single quotes'}",
        '{"note": "x",}',
        "nul",
        "NaN]",
        '{"note": "x"} trailing',
        "\x00",
        "[" * 100_000,
    ],
)
def test_malformed_json_is_400_problems_parsing_json(app: APIGatewayRestResolver, text: str) -> None:
    assert_error(create(app, text), 400, "Problems parsing JSON")


@pytest.mark.parametrize("text", ["[]", '[{"note": "x"}]', '"a string"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_400(app: APIGatewayRestResolver, text: str) -> None:
    result = create(app, text)

    assert result.status == 400
    assert result.json["documentation_url"] == DOCS_URL
    assert set(result.json) == {"message", "documentation_url"}
    assert result.json["message"] != "Problems parsing JSON"


def test_a_wrong_field_is_422_with_githubs_shape(app: APIGatewayRestResolver) -> None:
    result = create(app, {"note": 5, "scopes": "repo"})

    assert result.status == 422
    assert result.json["message"] == "Validation Failed"
    assert result.json["documentation_url"] == AUTHORIZATIONS_DOCS
    assert sorted(result.json["errors"], key=lambda e: e["field"]) == [
        {"resource": "OauthAccess", "field": "note", "code": "invalid"},
        {"resource": "OauthAccess", "field": "scopes", "code": "invalid"},
    ]
    assert_matches_schema(result.json, "validation-error")


def test_a_deeply_nested_valid_body_is_refused_cleanly(app: APIGatewayRestResolver) -> None:
    result = create(app, '{"note": "n", "x": ' + "[" * 5000 + "]" * 5000 + "}")

    assert result.status in (201, 400)


# query parameters and headers -------------------------------------------------------------------------------


def test_an_empty_query_parameter_is_absent() -> None:
    resolver = APIGatewayRestResolver()
    resolver.current_event = APIGatewayProxyEvent(
        build_event("list_authorizations", query={"client_id": "", "page": "2"})
    )

    assert http.query(resolver, "client_id") is None
    assert http.query(resolver, "page") == "2"
    assert http.query(resolver, "per_page") is None


def test_headers_are_found_whatever_the_case_of_their_name() -> None:
    event = {"headers": {"If-None-Match": "x", "X-GitHub-OTP": "123456"}}

    assert header(event, "if-none-match") == "x"
    assert header(event, "x-github-otp") == "123456"
    assert header(event, "accept") is None
    assert header({"headers": None}, "accept") is None
