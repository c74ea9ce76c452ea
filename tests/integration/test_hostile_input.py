"""Hostile input, in-process (issue 6, part 4): hypothesis-generated Authorization headers, path parameters
and JSON bodies against the parser, the authorizer and the functions. Every answer is a 2xx or a 4xx in
GitHub's shape, never a 500; the parser never raises. (Over HTTP against a running server: tests/e2e, `long`.)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_authz.errors import AuthFailure
from oauth_authz.service.authentication import BasicCredentials, parse_authorization
from tests.support.data import DOCS_URL, EVENT_CLIENT_ID, EVENT_TOKEN
from tests.support.events import app_context, authorizer_event, build_event, user_context
from tests.support.lambdas import HttpResult
from tests.support.reliability import ReliabilityReport

pytestmark = pytest.mark.reliability

FIXTURES_OK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# ------------------------------------------------------------------------------------------- strategies

b64 = st.binary(max_size=200).map(lambda raw: base64.b64encode(raw).decode("ascii"))
credentials = st.tuples(st.text(max_size=60), st.sampled_from(["", ":"]), st.text(max_size=60)).map(
    lambda parts: base64.b64encode("".join(parts).encode("utf-8", "surrogatepass")).decode("ascii")
)
authorization_headers = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda scheme, value: f"{scheme} {value}",
        st.sampled_from(["Basic", "basic", "BASIC", "Bearer", "token", "Digest", ""]),
        st.one_of(b64, credentials, st.text(max_size=200)),
    ),
    st.just("Basic " + "A" * 65536),
    st.just("Basic " + base64.b64encode(b"u:" + b"p" * 49152).decode()),
    st.just("Basic " + base64.b64encode("ü\u0000:\ud7ff".encode()).decode()),
    st.just("Basic " + base64.b64encode(("u" * 2990 + ":pw").encode()).decode()),  # a key over 2 KB
)
path_texts = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.integers(min_value=2**53 - 2, max_value=2**80).map(str),
    st.sampled_from(["-1", "0", "1e3", "0x10", " 1", "1 ", "１２", "%2F", "a/b", "..", "%00", "1%2F2", "٣"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
fields = st.sampled_from(
    [
        "note",
        "note_url",
        "scopes",
        "add_scopes",
        "remove_scopes",
        "client_id",
        "client_secret",
        "fingerprint",
        "access_token",
    ]
)
bodies = st.one_of(
    st.dictionaries(fields, json_values, max_size=5).map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.integers(min_value=1, max_value=5000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=1, max_value=5000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.builds(
        lambda a, b: '{"note": ' + json.dumps(a) + ', "note": ' + json.dumps(b) + "}",
        json_values,
        json_values,
    ),
    st.just('{"note": "x", "scopes": ["' + "repo" * 10000 + '"]}'),
)


def assert_github_answer(result: HttpResult) -> None:
    assert result.status < 500, (result.status, result.body[:300])
    if result.status >= 400:
        body = result.json
        assert body["documentation_url"].startswith("https://docs.github.com/"), body
        assert isinstance(body["message"], str) and body["message"], body


# ----------------------------------------------------------------------------------------------- parser


@settings(max_examples=400, deadline=None)
@given(header=authorization_headers)
def test_the_authorization_parser_never_raises(header: str, reliability_report: ReliabilityReport) -> None:
    reliability_report.add("hostile input: Authorization parser", examples=1)
    parsed = parse_authorization(header)
    assert isinstance(parsed, (BasicCredentials, AuthFailure))
    if len(header) > 4096:
        assert parsed is AuthFailure.BAD_CREDENTIALS


@FIXTURES_OK
@given(header=authorization_headers, app_route=st.booleans(), several=st.booleans())
def test_the_authorizer_allows_with_a_reason_whatever_the_header(
    header: str,
    app_route: bool,
    several: bool,
    authorize: Callable[[dict[str, Any]], dict[str, Any]],
    octocat: Any,
    reliability_report: ReliabilityReport,
) -> None:
    resource = "/applications/{client_id}/token" if app_route else "/authorizations"
    path = f"/applications/{EVENT_CLIENT_ID}/token" if app_route else "/authorizations"
    event = authorizer_event(header, resource=resource, path=path, method="POST")
    if several:  # several Authorization headers: API Gateway passes the last in `headers`
        event["multiValueHeaders"]["Authorization"] = ["Basic Zm9vOmJhcg==", header]
    answer = authorize(event)
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    context = answer["context"]
    assert "principal_type" in context or context["auth_error"] in {f.value for f in AuthFailure}
    reliability_report.add("hostile input: Authorization headers (in-process)", examples=1)


# ------------------------------------------------------------------------------------------------- paths

PATH_ROUTES = [
    ("get_authorization", {"authorization_id": None}, user_context()),
    ("update_authorization", {"authorization_id": None}, user_context()),
    ("delete_authorization", {"authorization_id": None}, user_context()),
    ("get_grant", {"grant_id": None}, user_context()),
    ("delete_grant", {"grant_id": None}, user_context()),
    ("get_or_create_for_app", {"client_id": None}, user_context()),
    ("get_or_create_for_fingerprint", {"client_id": EVENT_CLIENT_ID, "fingerprint": None}, user_context()),
    (
        "check_authorization",
        {"client_id": EVENT_CLIENT_ID, "access_token": None},
        app_context(EVENT_CLIENT_ID),
    ),
    (
        "reset_authorization",
        {"client_id": EVENT_CLIENT_ID, "access_token": None},
        app_context(EVENT_CLIENT_ID),
    ),
    ("revoke_grant", {"client_id": None, "access_token": EVENT_TOKEN}, app_context(EVENT_CLIENT_ID)),
]


@FIXTURES_OK
@given(route=st.sampled_from(PATH_ROUTES), value=path_texts)
def test_path_parameters_are_a_4xx_never_a_500(
    route: tuple[str, dict[str, str | None], dict[str, str]],
    value: str,
    invoke: Callable[[str, dict[str, Any]], HttpResult],
    octocat: Any,
    oauth_app: Any,
    reliability_report: ReliabilityReport,
) -> None:
    folder, params, context = route
    filled = {name: value if given_ is None else given_ for name, given_ in params.items()}
    body: Any = {"client_secret": "x"} if folder.startswith("get_or_create") else {}
    result = invoke(folder, build_event(folder, path_params=filled, authorizer=context, body=body))
    assert_github_answer(result)
    reliability_report.add("hostile input: path parameters (in-process)", examples=1)


# ------------------------------------------------------------------------------------------------ bodies

BODY_ROUTES = [
    ("create_authorization", {}, user_context()),
    ("update_authorization", {"authorization_id": "1"}, user_context()),
    ("get_or_create_for_app", {"client_id": EVENT_CLIENT_ID}, user_context()),
    ("check_token", {"client_id": EVENT_CLIENT_ID}, app_context(EVENT_CLIENT_ID)),
    ("reset_token", {"client_id": EVENT_CLIENT_ID}, app_context(EVENT_CLIENT_ID)),
    ("delete_app_authorization", {"client_id": EVENT_CLIENT_ID}, app_context(EVENT_CLIENT_ID)),
]


@FIXTURES_OK
@given(route=st.sampled_from(BODY_ROUTES), body=bodies)
def test_json_bodies_are_a_4xx_never_a_500(
    route: tuple[str, dict[str, str], dict[str, str]],
    body: str,
    invoke: Callable[[str, dict[str, Any]], HttpResult],
    octocat: Any,
    oauth_app: Any,
    reliability_report: ReliabilityReport,
) -> None:
    folder, params, context = route
    result = invoke(folder, build_event(folder, path_params=params, authorizer=context, body=body))
    assert_github_answer(result)
    reliability_report.add("hostile input: JSON bodies (in-process)", examples=1)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"note": "' + "x" * (10 * 1024 * 1024) + '"}',
        '{"note": "a", "note": null}',
        '{"note": null}',
        '{"scopes": [null, 1, {}]}',
        '{"note": "\\ud800"}',
        '{"note": "nul \\u0000"}',
        "\ufeff{}",
    ],
    ids=[
        "deep-list",
        "deep-object",
        "10MB",
        "duplicate-keys",
        "null",
        "wrong-types",
        "surrogate",
        "nul",
        "bom",
    ],
)
def test_extreme_bodies(body: str, invoke: Callable[[str, dict[str, Any]], HttpResult], octocat: Any) -> None:
    result = invoke(
        "create_authorization", build_event("create_authorization", authorizer=user_context(), body=body)
    )
    assert_github_answer(result)
    assert result.status in (400, 422), result.body[:200]
    if result.status == 400:
        assert result.json["documentation_url"] == DOCS_URL
