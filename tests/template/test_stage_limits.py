"""What the stage records and what it lets through (issue 13, items 2 and 5): no X-Ray segment of API Gateway
(its trace records the URL, and two app routes carry a token in the path), while the functions keep theirs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.template.conftest import Translate, deployed, resources, rules_hold


def test_the_stage_records_no_trace_the_functions_do(translated: dict[str, Any]) -> None:
    """API Gateway's X-Ray segment holds the request URL, so with stage tracing on, GET/POST/DELETE
    /applications/{client_id}/tokens/{access_token} and DELETE /applications/{client_id}/grants/{access_token}
    put plaintext tokens in X-Ray (kept 30 days). A sampling rule that never samples them is not reliable
    (README, Security), so stage tracing is off; Lambda's segments do not record the path.

    Seen red with the template as it was (`TracingEnabled: true` on the Api).
    """
    (stage,) = resources(translated, "AWS::ApiGateway::Stage").values()

    assert stage["Properties"].get("TracingEnabled", False) is False
    assert not resources(translated, "AWS::XRay::SamplingRule")  # nothing relies on sampling to hide a path
    for name, function in resources(translated, "AWS::Lambda::Function").items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name


# ---------------------------------------------------------------------------------------------- limits
# The stage's throttle, the authorizer's reserved pool, and the optional AWS WAF web ACL (issue 13, item 5).

WAF_ARN = (
    "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/corporate/0123abcd-0123-4567-89ab-0123456789ab"
)
STAGE_ARN = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${ApiStage}"


@pytest.fixture(scope="module")
def deploy(translate: Translate) -> Callable[..., dict[str, Any]]:
    """`deploy(Name=value, ...)`: what CloudFormation would create with those parameters."""

    def run(**parameters: object) -> dict[str, Any]:
        return deployed(translate(**parameters), parameters)

    return run


def _allowed(template: dict[str, Any], parameter: str, value: str) -> bool:
    return re.fullmatch(template["Parameters"][parameter]["AllowedPattern"], value) is not None


def test_the_stage_throttles_every_method(
    deploy: Callable[..., dict[str, Any]], template: dict[str, Any]
) -> None:
    """Seen red without `MethodSettings` on the Api (no cap but the account's 10 000 requests a second)."""
    (default_stage,) = resources(deploy(), "AWS::ApiGateway::Stage").values()
    (tuned_stage,) = resources(
        deploy(ThrottlingRateLimit=5, ThrottlingBurstLimit=10), "AWS::ApiGateway::Stage"
    ).values()

    assert default_stage["Properties"]["MethodSettings"] == [
        {"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": "100", "ThrottlingBurstLimit": "200"}
    ]
    assert tuned_stage["Properties"]["MethodSettings"] == [
        {"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": "5", "ThrottlingBurstLimit": "10"}
    ]
    for name in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
        assert template["Parameters"][name]["MinValue"] == 1  # 0 would refuse every request


def test_the_stage_logs_no_execution_details(translated: dict[str, Any]) -> None:
    """API Gateway's execution logs (`LoggingLevel`, `DataTraceEnabled`) hold the request's headers, the
    Authorization header among them; the template turns none of them on."""
    (stage,) = resources(translated, "AWS::ApiGateway::Stage").values()

    for setting in stage["Properties"].get("MethodSettings", []):
        assert setting.get("LoggingLevel", "OFF") == "OFF"
        assert setting.get("DataTraceEnabled", False) is False
    assert "AccessLogSetting" not in stage["Properties"]


def test_the_authorizer_has_a_reserved_pool(
    deploy: Callable[..., dict[str, Any]], template: dict[str, Any]
) -> None:
    """A reserved pool caps how many argon2 verifications run at once (and what they cost) and keeps the route
    functions' share of the account's concurrency. Seen red without `ReservedConcurrentExecutions` on the
    authorizer, and with a pattern that allowed 0 (a function reserved 0 never runs: every request a 500)."""
    functions = resources(deploy(), "AWS::Lambda::Function")
    without = resources(deploy(AuthorizerReservedConcurrency="none"), "AWS::Lambda::Function")
    tuned = resources(deploy(AuthorizerReservedConcurrency=50), "AWS::Lambda::Function")

    assert functions["AuthorizerFunction"]["Properties"]["ReservedConcurrentExecutions"] == "20"
    assert tuned["AuthorizerFunction"]["Properties"]["ReservedConcurrentExecutions"] == "50"
    assert "ReservedConcurrentExecutions" not in without["AuthorizerFunction"]["Properties"]
    for name, function in functions.items():  # the routes share the unreserved pool
        assert name == "AuthorizerFunction" or "ReservedConcurrentExecutions" not in function["Properties"]
    for value in ("1", "20", "1000", "none"):
        assert _allowed(template, "AuthorizerReservedConcurrency", value), value
    for value in ("0", "00", "-1", "", "020", "None", "20 "):
        assert not _allowed(template, "AuthorizerReservedConcurrency", value), value


def test_no_web_acl_unless_asked(deploy: Callable[..., dict[str, Any]]) -> None:
    created = deploy()

    assert not resources(created, "AWS::WAFv2::WebACL")
    assert not resources(created, "AWS::WAFv2::WebACLAssociation")


def test_a_web_acl_with_a_rate_rule_per_source_address(deploy: Callable[..., dict[str, Any]]) -> None:
    """`WafRateLimitPerIp=300`: one web ACL on the stage, one rule; a source IP address past 300 requests in
    5 minutes gets GitHub's 429 body; WAF keeps no sample of any request (a sample holds the headers and the
    URL). Seen red with `SampledRequestsEnabled: true` on the rule."""
    created = deploy(WafRateLimitPerIp=300)

    (acl,) = resources(created, "AWS::WAFv2::WebACL").values()
    (association,) = resources(created, "AWS::WAFv2::WebACLAssociation").values()
    properties = acl["Properties"]
    (rule,) = properties["Rules"]
    assert properties["Scope"] == "REGIONAL"
    assert properties["DefaultAction"] == {"Allow": {}}
    assert rule["Statement"] == {
        "RateBasedStatement": {"AggregateKeyType": "IP", "EvaluationWindowSec": 300, "Limit": "300"}
    }
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = properties["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"]) == {
        "message": "API rate limit exceeded",
        "documentation_url": "https://docs.github.com/rest",
    }
    assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is False
    assert properties["VisibilityConfig"]["SampledRequestsEnabled"] is False
    assert association["Properties"] == {
        "ResourceArn": {"Fn::Sub": STAGE_ARN},
        "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
    }


def test_an_existing_web_acl_is_put_in_front_of_the_stage(deploy: Callable[..., dict[str, Any]]) -> None:
    created = deploy(WebAclArn=WAF_ARN)

    (association,) = resources(created, "AWS::WAFv2::WebACLAssociation").values()
    assert not resources(created, "AWS::WAFv2::WebACL")
    assert association["Properties"] == {"ResourceArn": {"Fn::Sub": STAGE_ARN}, "WebACLArn": WAF_ARN}


def test_one_web_acl_at_most(translated: dict[str, Any], template: dict[str, Any]) -> None:
    """A stage takes one web ACL: CloudFormation refuses both parameters at once (the template's Rules)."""
    assert rules_hold(translated, {"WebAclArn": WAF_ARN, "WafRateLimitPerIp": "300"})["OneWebAcl"] is False
    assert rules_hold(translated, {"WebAclArn": WAF_ARN})["OneWebAcl"] is True
    assert rules_hold(translated, {"WafRateLimitPerIp": "300"})["OneWebAcl"] is True
    for value in ("0", "10", "300", "2000000000"):
        assert _allowed(template, "WafRateLimitPerIp", value), value
    for value in ("", "5", "-1", "030", "ten"):  # AWS WAF's smallest limit is 10
        assert not _allowed(template, "WafRateLimitPerIp", value), value
    assert not _allowed(template, "WebAclArn", "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1")
