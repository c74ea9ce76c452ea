"""apigw.authorizer: the authorizer's answer as API Gateway takes it, its policy evaluated, results cached."""

from __future__ import annotations

import time

import pytest

from oauth_authz_local.apigw.authorizer import (
    AuthorizerCache,
    AuthorizerError,
    AuthorizerResult,
    denied_message,
    evaluate_policy,
    parse_authorizer_result,
)

ARN = "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/1"


def statement(effect: str, resource: object, action: object = "execute-api:Invoke") -> dict[str, object]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([statement("Allow", ARN)], True),
        (statement("Allow", ARN), True),
        ([statement("Allow", [ARN.replace("/1", "/2"), ARN])], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/*")], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/*/*")], True),
        ([statement("Allow", "arn:aws:execute-api:*:*:*")], True),
        ([statement("Allow", "*")], True),
        (
            [
                statement(
                    "Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/authorizations/?"
                )
            ],
            True,
        ),
        ([statement("Allow", ARN, "execute-api:*")], True),
        ([statement("Allow", ARN, "EXECUTE-API:invoke")], True),
        ([statement("Allow", ARN, ["s3:GetObject", "execute-api:Invoke"])], True),
        ([statement("Allow", ARN, "s3:GetObject")], False),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/POST/*")], False),
        ([statement("Allow", ARN.upper())], False),
        ([statement("Allow", ARN), statement("Deny", ARN)], False),
        ([statement("Deny", ARN), statement("Allow", "*")], False),
        ([statement("Deny", ARN.replace("/1", "/2")), statement("Allow", "*")], True),
        ([statement("Deny", ARN)], False),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": ARN}], False),
        ([{"Effect": "Allow", "NotAction": "s3:*", "Resource": ARN}], True),
    ],
)
def test_policy_evaluation(statements: object, allowed: bool) -> None:
    assert evaluate_policy({"Version": "2012-10-17", "Statement": statements}, ARN) is allowed


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"Statement": []},
        {"Statement": ["Allow"]},
        {"Statement": [{"Effect": "allow", "Action": "execute-api:Invoke", "Resource": ARN}]},
        {"Statement": [{"Effect": "Allow", "Resource": ARN}]},
        {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke"}]},
    ],
)
def test_malformed_policies(policy: dict[str, object]) -> None:
    with pytest.raises(AuthorizerError):
        evaluate_policy(policy, ARN)


def test_authorizer_result_context_becomes_strings() -> None:
    result = parse_authorizer_result(
        {
            "principalId": "user:1",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"login": "octocat", "user_id": 1, "ratio": 1.5, "admin": False, "otp": True},
        }
    )
    assert result.request_context() == {
        "principalId": "user:1",
        "login": "octocat",
        "user_id": "1",
        "ratio": "1.5",
        "admin": "false",
        "otp": "true",
    }


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Allow",
        {"policyDocument": {"Statement": [statement("Allow", ARN)]}},
        {"principalId": "p"},
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": {"b": 1}},
        },
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": [1]},
        },
        {
            "principalId": "p",
            "policyDocument": {"Statement": [statement("Allow", ARN)]},
            "context": {"a": None},
        },
        {"principalId": "p", "policyDocument": {"Statement": [statement("Allow", ARN)]}, "context": "x"},
    ],
)
def test_malformed_authorizer_results(result: object) -> None:
    with pytest.raises(AuthorizerError):
        parse_authorizer_result(result)


def test_the_denied_message_says_when_a_deny_matched() -> None:
    assert denied_message({"Statement": [statement("Deny", ARN)]}, ARN) == (
        "User is not authorized to access this resource with an explicit deny"
    )
    assert denied_message({"Statement": [statement("Allow", ARN.replace("/1", "/2"))]}, ARN) == (
        "User is not authorized to access this resource"
    )


def test_cached_results_last_their_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = AuthorizerCache()
    result = AuthorizerResult("user:1", {"Statement": [statement("Allow", ARN)]}, {"login": "octocat"})
    key = ("Basic", ("Basic eDp5",))
    assert cache.get(key) is None
    cache.put(key, result, 60)
    assert cache.get(key) is result
    assert cache.get(("Basic", ("Basic b3RoZXI=",))) is None  # another identity: another entry
    now[0] += 60
    assert cache.get(key) is result
    now[0] += 0.001
    assert cache.get(key) is None
