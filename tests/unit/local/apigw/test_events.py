"""apigw.events: the proxy integration's and the Lambda authorizer's events, field by field."""

from __future__ import annotations

import base64

from oauth_authz_local.apigw.events import build_authorizer_event, build_proxy_event, method_arn
from oauth_authz_local.sam_model import Authorizer
from tests.support.apigw import SPEC, TABLE, request


def test_method_arn() -> None:
    assert method_arn("get", "/authorizations/1") == (
        "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/1"
    )
    assert method_arn("GET", "/") == "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/"


def test_proxy_event_has_the_rest_shape() -> None:
    match = TABLE.match("PUT", "/authorizations/clients/abc/a%2Fb")
    assert match is not None
    event = build_proxy_event(
        request(method="PUT", body=b'{"a": 1}'), match, {"principalId": "user:1", "login": "x"}
    )
    context = event.pop("requestContext")
    assert event == {
        "resource": "/authorizations/clients/{client_id}/{fingerprint}",
        "path": "/authorizations/clients/abc/a%2Fb",
        "httpMethod": "PUT",
        "headers": {
            "Host": "127.0.0.1:3000",
            "User-Agent": "curl/8",
            "Authorization": "Basic eDp5",
            "Accept": "b",
        },
        "multiValueHeaders": {
            "Host": ["127.0.0.1:3000"],
            "User-Agent": ["curl/8"],
            "Authorization": ["Basic eDp5"],
            "Accept": ["a", "b"],
        },
        "queryStringParameters": {"page": "3", "per_page": "5", "empty": ""},
        "multiValueQueryStringParameters": {"page": ["2", "3"], "per_page": ["5"], "empty": [""]},
        "pathParameters": {"client_id": "abc", "fingerprint": "a%2Fb"},
        "stageVariables": None,
        "body": '{"a": 1}',
        "isBase64Encoded": False,
    }
    assert context["resourcePath"] == "/authorizations/clients/{client_id}/{fingerprint}"
    assert context["httpMethod"] == "PUT"
    assert context["path"] == "/authorizations/clients/abc/a%2Fb"  # as sent, like path
    assert context["stage"] == "local"
    assert context["apiId"] == "local"
    assert context["accountId"] == "123456789012"
    assert context["requestId"] == "11111111-2222-3333-4444-555555555555"
    assert context["requestTimeEpoch"] == 1732200000250
    assert context["requestTime"] == "21/Nov/2024:14:40:00 +0000"
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == "127.0.0.1:3000"
    assert context["identity"]["sourceIp"] == "127.0.0.9"
    assert context["identity"]["userAgent"] == "curl/8"
    assert context["authorizer"] == {"principalId": "user:1", "login": "x"}
    assert isinstance(context["extendedRequestId"], str) and context["extendedRequestId"]


def test_proxy_event_without_query_body_or_parameters() -> None:
    match = TABLE.match("GET", "/authorizations")
    assert match is not None
    event = build_proxy_event(request(path="/authorizations", query="", headers=[]), match, None)
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["headers"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"]


def test_a_body_that_is_not_utf8_goes_base64() -> None:
    match = TABLE.match("POST", "/authorizations")
    assert match is not None
    event = build_proxy_event(request(method="POST", path="/authorizations", body=b"\xff\x00ok"), match, None)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00ok"


def test_request_authorizer_event() -> None:
    match = TABLE.match("GET", "/authorizations/7")
    assert match is not None
    authorizer = Authorizer("Auth", SPEC, "REQUEST", ("Authorization",), (), 0)
    event = build_authorizer_event(request(path="/authorizations/7", query=""), match, authorizer)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/7"
    assert event["resource"] == "/authorizations/{authorization_id}"
    assert event["path"] == "/authorizations/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["Authorization"] == "Basic eDp5"
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["queryStringParameters"] is None
    assert event["pathParameters"] == {"authorization_id": "7"}
    assert event["stageVariables"] is None
    assert event["requestContext"]["resourcePath"] == "/authorizations/{authorization_id}"
    assert "body" not in event


def test_token_authorizer_event() -> None:
    match = TABLE.match("GET", "/authorizations/7")
    assert match is not None
    authorizer = Authorizer("Auth", SPEC, "TOKEN", ("Authorization",), (), 300)
    assert build_authorizer_event(request(path="/authorizations/7"), match, authorizer) == {
        "type": "TOKEN",
        "authorizationToken": "Basic eDp5",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/7",
    }
