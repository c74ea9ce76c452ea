"""apigw.integration: a Lambda proxy answer checked and turned into status, headers and body."""

from __future__ import annotations

import pytest

from oauth_authz_local.apigw.integration import proxy_result_to_response
from oauth_authz_local.lambda_runtime.failures import InvocationError


def test_proxy_result_to_response() -> None:
    status, headers, body = proxy_result_to_response(
        {
            "statusCode": 201,
            "headers": {"Location": "http://x/1", "X-Both": "single", "Content-Length": "999"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["m1", "m2"]},
            "body": '{"id": 1}',
            "isBase64Encoded": False,
        }
    )
    assert status == 201
    assert headers == [
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Both", "m1"),
        ("X-Both", "m2"),
        ("Location", "http://x/1"),
        ("X-Both", "single"),
        ("Content-Type", "application/json"),
    ]
    assert body == b'{"id": 1}'


def test_a_pair_in_both_maps_appears_once() -> None:
    """API Gateway's documented merge: the same name (any case) and value in both maps appears once, from
    multiValueHeaders; another value of that name is kept (an earlier emulator dropped it)."""
    _, headers, _ = proxy_result_to_response(
        {
            "statusCode": 200,
            "headers": {"vary": "Cookie", "Vary": "Accept", "Cache-Control": "no-store"},
            "multiValueHeaders": {"Vary": ["Cookie"], "cache-control": ["no-store"]},
        }
    )
    assert headers == [
        ("Vary", "Cookie"),
        ("cache-control", "no-store"),
        ("Vary", "Accept"),
        ("Content-Type", "application/json"),
    ]


def test_proxy_result_base64_and_defaults() -> None:
    assert proxy_result_to_response({"statusCode": "204"}) == (
        204,
        [("Content-Type", "application/json")],
        b"",
    )
    status, headers, body = proxy_result_to_response(
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png", "X-N": 5},
            "body": "AP8=",
            "isBase64Encoded": True,
        }
    )
    assert (status, headers, body) == (200, [("content-type", "image/png"), ("X-N", "5")], b"\x00\xff")


@pytest.mark.parametrize(
    "result",
    [
        None,
        "ok",
        [],
        {"statusCode": 200, "extra": 1},
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": True},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": 200, "headers": []},
        {"statusCode": 200, "headers": {"X": {"a": 1}}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "headers": {"X": "a\r\nInjected: 1"}},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
    ],
)
def test_malformed_proxy_results(result: object) -> None:
    with pytest.raises(InvocationError):
        proxy_result_to_response(result)
