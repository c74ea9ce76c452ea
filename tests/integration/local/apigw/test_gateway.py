"""apigw.gateway over HTTP, on the fake API: routing, the Lambda authorizer's flow, the proxy event and the
function's answer, gateway responses, the function's environment."""

from __future__ import annotations

import base64
import os
import time
from typing import Any

import pytest
import requests

from oauth_authz_local.constants import MAX_BODY_BYTES
from tests.support.fake_api import FakeApi, get


def test_allow_runs_the_function_with_the_rest_proxy_event(api: FakeApi) -> None:
    response = requests.get(
        f"{api.url}/items/a%20b?x=1&x=2&y=",
        headers={"Authorization": "allow", "X-Forwarded-For": "10.0.0.1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    assert response.headers["x-amzn-RequestId"]
    answer = response.json()
    event = answer["event"]
    assert event["resource"] == "/items/{item_id}"
    assert event["path"] == "/items/a%20b"  # as sent, and so is the parameter (REST APIs do not decode it)
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"item_id": "a%20b"}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["stageVariables"] is None
    assert event["isBase64Encoded"] is False
    assert answer["bodyLength"] == 0
    port = api.url.rsplit(":", 1)[1]
    headers = event["headers"]
    assert headers["Authorization"] == "allow"
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == port
    assert headers["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["multiValueHeaders"]["Authorization"] == ["allow"]
    context = event["requestContext"]
    assert context["authorizer"] == {"principalId": "user-1", "login": "octocat", "n": "5", "flag": "true"}
    assert context["resourcePath"] == "/items/{item_id}"
    assert context["path"] == "/items/a%20b"
    assert context["stage"] == "local"
    assert context["apiId"] == "local"
    assert context["httpMethod"] == "GET"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == response.request.headers["User-Agent"]
    assert context["domainName"] == f"127.0.0.1:{port}"
    assert context["protocol"] == "HTTP/1.1"
    assert answer["context"]["function_name"] == "EchoFunction"
    assert answer["context"]["memory_limit_in_mb"] == 256
    assert (
        answer["context"]["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    )
    assert answer["context"]["aws_request_id"] == context["requestId"]
    assert answer["context"]["log_group_name"] == "/aws/lambda/EchoFunction"
    assert 4000 < answer["context"]["remaining"] <= 5000
    assert api.authorizer_calls()[-1] == (
        "REQUEST arn:aws:execute-api:us-east-1:123456789012:local/local/GET/items/a%20b"
    )


def test_post_body_and_binary_bodies(api: FakeApi) -> None:
    text = requests.post(
        f"{api.url}/echo", data='{"note": "é"}'.encode(), headers={"Authorization": "allow"}, timeout=10
    )
    assert text.status_code == 200
    assert text.json()["bodyHead"] == '{"note": "é"}'
    assert text.json()["event"]["isBase64Encoded"] is False
    binary = requests.post(
        f"{api.url}/echo", data=b"\xff\xfe\x00", headers={"Authorization": "allow"}, timeout=10
    )
    assert binary.json()["event"]["isBase64Encoded"] is True
    assert binary.json()["bodyHead"] == base64.b64encode(b"\xff\xfe\x00").decode()
    out = requests.get(f"{api.url}/echo?binary=1", headers={"Authorization": "allow"}, timeout=10)
    assert out.status_code == 200
    assert out.content == b"\x00\xffbin"
    assert out.headers["Content-Type"] == "application/octet-stream"


def test_status_from_the_function(api: FakeApi) -> None:
    created = requests.get(f"{api.url}/echo?status=201", headers={"Authorization": "allow"}, timeout=10)
    assert created.status_code == 201
    empty = requests.get(f"{api.url}/echo?status=204", headers={"Authorization": "allow"}, timeout=10)
    assert empty.status_code == 204
    assert empty.content == b""


def test_no_authorization_header_is_unauthorized_without_calling_the_authorizer(api: FakeApi) -> None:
    before = len(api.authorizer_calls())
    for headers in ({}, {"Authorization": ""}):
        response = requests.get(f"{api.url}/echo", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"message": "Requires authentication"}
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.headers["X-Hint"] == "basic"
    assert len(api.authorizer_calls()) == before


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        ("deny", 403, {"message": "Forbidden", "principal": "user-1"}),
        ("elsewhere", 403, {"message": "Forbidden", "principal": "user-1"}),
        ("boom", 500, {"message": "Server Error"}),
        ("malformed", 500, {"message": "Server Error"}),
        ("nested", 500, {"message": "Server Error"}),
        ("unauthorized", 401, {"message": "Requires authentication"}),
    ],
)
def test_authorizer_outcomes(api: FakeApi, token: str, status: int, body: dict[str, Any]) -> None:
    response = requests.get(f"{api.url}/echo", headers={"Authorization": token}, timeout=10)
    assert (response.status_code, response.json()) == (status, body)


def test_wildcard_policies(api: FakeApi) -> None:
    assert (
        requests.get(f"{api.url}/echo", headers={"Authorization": "wildcard"}, timeout=10).status_code == 200
    )
    assert (
        requests.post(f"{api.url}/echo", headers={"Authorization": "wildcard"}, timeout=10).status_code == 403
    )


def test_route_without_authorizer(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/public", timeout=10)
    assert response.status_code == 200
    assert "authorizer" not in response.json()["event"]["requestContext"]


def test_static_segments_beat_parameters(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/items/special", headers={"Authorization": "allow"}, timeout=10)
    assert (response.status_code, response.text) == (200, "special")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("DELETE", "/echo"), ("GET", "/items"), ("PUT", "/")]
)
def test_unknown_route_or_method_is_the_missing_token_response(api: FakeApi, method: str, path: str) -> None:
    response = requests.request(method, api.url + path, headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_request_too_large(api: FakeApi) -> None:
    response = requests.post(
        f"{api.url}/echo", data=b"x" * (MAX_BODY_BYTES + 1), headers={"Authorization": "allow"}, timeout=30
    )
    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large"}
    at_limit = requests.post(
        f"{api.url}/echo", data=b"x" * MAX_BODY_BYTES, headers={"Authorization": "allow"}, timeout=30
    )
    assert at_limit.status_code == 200
    assert at_limit.json()["bodyLength"] == MAX_BODY_BYTES


@pytest.mark.parametrize("path", ["/boom", "/bad", "/broken"])
def test_function_failures_are_502_in_the_templates_shape(api: FakeApi, path: str) -> None:
    response = requests.get(api.url + path, headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Server Error"}


def test_function_timeout_is_504(api: FakeApi) -> None:
    started = time.monotonic()
    response = requests.get(f"{api.url}/slow", headers={"Authorization": "allow"}, timeout=10)
    assert response.status_code == 504
    assert response.json() == {"message": "Timed out"}
    assert time.monotonic() - started < 2.0


def test_environment_from_the_template(api: FakeApi) -> None:
    response = requests.get(f"{api.url}/env", headers={"Authorization": "allow"}, timeout=10)
    # Fixed when the instance starts, as on Lambda: the function's own variables included.
    everything = {"TABLE_NAME": "fake-table", "GREETING": "hello-test", "OWN": "only-mine"}
    assert response.json() == {"import": everything, "call": everything}


def test_the_authorizer_runs_in_worker_processes_too(api: FakeApi) -> None:
    assert get(api.url, "/public").status_code == 200
    assert get(api.url, "/echo").status_code == 200
    authorizers = api.gateway.worker_pids()["AuthFunction"]
    assert authorizers
    assert os.getpid() not in authorizers
