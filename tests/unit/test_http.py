"""`oauth_authz.http`: ids in paths, pages and Link headers, ETags, base URLs, bodies, versions, errors.

Most cases run a small resolver built with `http.resolver()` through `http.handle()`, on events built from
`events/*.json`, exactly as the functions do.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
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
from oauth_authz.models.domain import Principal
from tests.support.data import ACCEPT_VALUES, AUTHORIZATIONS_DOCS, BASE_URL, DOCS_URL
from tests.support.events import auth_error_context, build_event, user_context
from tests.support.lambdas import FakeLambdaContext, HttpResult, assert_github_headers, to_result
from tests.support.schemas import assert_matches_schema

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


# a resolver like the functions' -----------------------------------------------------------------------------


class Thing(BaseModel):
    n: int


class Parameters(BaseModel):
    client_id: str
    fingerprint: str


class Seen(BaseModel):
    principal: dict[str, Any]
    body: dict[str, Any]
    base_url: str


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


@pytest.fixture(scope="module")
def app() -> APIGatewayRestResolver:
    app = http.resolver()

    @app.get("/authorizations")
    def listing() -> Response:
        count = int(app.current_event.query_string_parameters.get("count") or "65")
        page, headers = http.paginate(app, [Thing(n=i) for i in range(count)])
        return http.json_response(200, page, headers)

    @app.get("/authorizations/<authorization_id>")
    def one(authorization_id: str) -> Response:
        return http.json_response(200, Thing(n=http.path_id(authorization_id)))

    @app.post("/authorizations")
    def create() -> Response:
        body = http.body(app, CreateAuthorizationBody)
        principal = http.principal(app)
        seen = Seen(
            principal={"kind": principal.kind, "user_id": principal.user_id, "login": principal.login},
            body=body.model_dump(exclude_none=True),
            base_url=http.base_url(app),
        )
        return http.json_response(201, seen, {"Location": "https://example.com/x"})

    @app.put("/authorizations/clients/<client_id>")
    def fail(client_id: str) -> Response:
        raise RAISE[client_id]

    @app.delete("/authorizations/<authorization_id>")
    def delete(authorization_id: str) -> Response:
        http.path_id(authorization_id)
        return http.no_content()

    @app.put("/authorizations/clients/<client_id>/<fingerprint>")
    def parameters(client_id: str, fingerprint: str) -> Response:
        read = Parameters(
            client_id=http.path_param(app, "client_id"), fingerprint=http.path_param(app, "fingerprint")
        )
        return http.json_response(200, read)

    return app


def call(app: APIGatewayRestResolver, event: dict[str, Any]) -> HttpResult:
    result = to_result(http.handle(app, event, FakeLambdaContext()))  # type: ignore[arg-type]
    assert_github_headers(result)
    return result


def listing(app: APIGatewayRestResolver, **query: str) -> HttpResult:
    return call(app, build_event("list_authorizations", query=query or None))


def numbers(result: HttpResult) -> list[int]:
    return [thing["n"] for thing in result.json]


LIST_URL = f"{BASE_URL}/authorizations"


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


# conditional requests ---------------------------------------------------------------------------------------

ETAG = re.compile(r'^W/"[0-9a-f]{32}"$')


def get_one(app: APIGatewayRestResolver, auth_id: str = "5", **headers: str | None) -> HttpResult:
    return call(
        app, build_event("get_authorization", path_params={"authorization_id": auth_id}, headers=headers)
    )


def test_get_has_a_weak_etag_that_follows_the_body(app: APIGatewayRestResolver) -> None:
    first, again, other = get_one(app, "5"), get_one(app, "5"), get_one(app, "6")

    assert first.status == 200
    assert ETAG.match(first.header("ETag") or "")
    assert again.header("ETag") == first.header("ETag")
    assert other.header("ETag") != first.header("ETag")


@pytest.mark.parametrize(
    "if_none_match",
    [
        "{etag}",
        "{strong}",  # weak comparison: the opaque tag is what counts
        'W/"0000", {etag}',
        '{etag}, W/"1111"',
        "*",
    ],
)
def test_if_none_match_gives_304_without_a_body(app: APIGatewayRestResolver, if_none_match: str) -> None:
    etag = get_one(app).header("ETag") or ""
    header = if_none_match.format(etag=etag, strong=etag.removeprefix("W/"))

    result = get_one(app, **{"If-None-Match": header})

    assert result.status == 304
    assert result.body == ""
    assert result.header("ETag") == etag
    assert result.header("Content-Type") is None


@pytest.mark.parametrize("if_none_match", ['W/"00000000000000000000000000000000"', "", "W/", "nonsense"])
def test_a_stale_if_none_match_gives_the_resource(app: APIGatewayRestResolver, if_none_match: str) -> None:
    result = get_one(app, **{"If-None-Match": if_none_match})

    assert result.status == 200
    assert result.json == {"n": 5}


def test_if_none_match_header_name_is_case_insensitive(app: APIGatewayRestResolver) -> None:
    etag = get_one(app).header("ETag") or ""

    assert get_one(app, **{"if-none-match": etag}).status == 304


def test_lists_have_etags_too(app: APIGatewayRestResolver) -> None:
    etag = listing(app).header("ETag") or ""

    result = call(app, build_event("list_authorizations", query=None, headers={"If-None-Match": etag}))

    assert ETAG.match(etag)
    assert result.status == 304


def test_only_successful_gets_have_etags(app: APIGatewayRestResolver) -> None:
    assert get_one(app, "0").status == 404
    assert get_one(app, "0").header("ETag") is None
    created = call(app, build_event("create_authorization"))
    assert created.status == 201
    assert created.header("ETag") is None


def test_if_none_match_never_turns_an_error_into_304(app: APIGatewayRestResolver) -> None:
    result = get_one(app, "0", **{"If-None-Match": "*"})

    assert result.status == 404


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
    event["requestContext"].update(domainName="127.0.0.1", path="/authorizations", stage="v1")

    assert base_url_of(event) == "http://127.0.0.1:3000"


def test_base_url_takes_the_first_forwarded_proto() -> None:
    event = build_event("list_authorizations", headers={"X-Forwarded-Proto": "https, http"})

    assert base_url_of(event).startswith("https://")


def test_base_url_defaults_to_https_and_the_domain_name() -> None:
    event = build_event("list_authorizations", headers={"Host": None, "X-Forwarded-Proto": None})

    assert base_url_of(event) == "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def test_path_parameters_are_read_decoded(app: APIGatewayRestResolver) -> None:
    """API Gateway (REST) sends them as the client did, percent-encoded; seen to fail (the fingerprint stayed
    `my%20laptop%2Fhome%25`) while `path_param` returned them as they came."""
    raw = {"client_id": "Iv1.8a61f9b3a7aba766", "fingerprint": "my%20laptop%2Fhome%25"}
    result = call(app, build_event("get_or_create_for_fingerprint", path_params=raw))

    assert result.status == 200
    assert result.json == {"client_id": "Iv1.8a61f9b3a7aba766", "fingerprint": "my laptop/home%"}


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


# bodies -----------------------------------------------------------------------------------------------------


def create(app: APIGatewayRestResolver, body: Any, **changes: Any) -> HttpResult:
    return call(app, build_event("create_authorization", body=body, **changes))


def assert_error(result: HttpResult, status: int, message: str) -> None:
    assert result.status == status
    assert result.json == {"message": message, "documentation_url": DOCS_URL}
    assert_matches_schema(result.json, "basic-error")


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


# the one error map ------------------------------------------------------------------------------------------


def fail(app: APIGatewayRestResolver, name: str) -> HttpResult:
    return call(app, build_event("get_or_create_for_app", path_params={"client_id": name}))


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
