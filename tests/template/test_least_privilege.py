"""Every function may do exactly what its route needs and no more: read-only routes cannot write, no
resource is `*`, and every function has its log group with retention, tracing and JSON logs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.conftest import resources

READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "kms:Decrypt"}
# What each function's code calls (store/repository.py): transactions are authorized item by item as
# PutItem / UpdateItem / DeleteItem / ConditionCheckItem.
NEEDS = {
    "AuthorizerFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "kms:Decrypt",
    },
    "ListAuthorizationsFunction": {"dynamodb:Query"},
    "GetAuthorizationFunction": {"dynamodb:GetItem"},
    "CreateAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
    "GetOrCreateForAppFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
    "GetOrCreateForFingerprintFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
    "UpdateAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    },
    "DeleteAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    "ListGrantsFunction": {"dynamodb:Query"},
    "GetGrantFunction": {"dynamodb:Query"},
    "DeleteGrantFunction": {
        "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    "CheckAuthorizationFunction": {"dynamodb:GetItem"},
    "CheckTokenFunction": {"dynamodb:GetItem"},
    "ResetAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    },
    "ResetTokenFunction": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    },
    "RevokeAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    "DeleteTokenFunction": {
        "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    "RevokeGrantFunction": {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
    "DeleteAppAuthorizationFunction": {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
}  # fmt: skip
READ_ONLY = {
    "ListAuthorizationsFunction", "GetAuthorizationFunction", "ListGrantsFunction", "GetGrantFunction",
    "CheckAuthorizationFunction", "CheckTokenFunction",
}  # fmt: skip
# What SAM itself attaches: CloudWatch Logs and X-Ray, through AWS's managed policies.
SAM_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


def _statements(translated: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role_name = translated["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = translated["Resources"][role_name]["Properties"]
    assert set(role.get("ManagedPolicyArns", [])) <= SAM_MANAGED, function
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_every_function_is_listed(translated: dict[str, Any]) -> None:
    assert set(resources(translated, "AWS::Lambda::Function")) == set(NEEDS)


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_function_may_do_what_its_route_needs(translated: dict[str, Any], function: str) -> None:
    statements = _statements(translated, function)

    granted = set().union(*(_actions(s) for s in statements))

    assert granted == NEEDS[function]
    assert all(s["Effect"] == "Allow" for s in statements)
    if function in READ_ONLY:
        assert granted <= READ


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_no_resource_is_a_wildcard(translated: dict[str, Any], function: str) -> None:
    for statement in _statements(translated, function):
        resource = statement["Resource"]
        targets = resource if isinstance(resource, list) else [resource]
        for target in targets:
            assert target != "*" and "*" not in str(target), (function, target)
            expected = {"Fn::GetAtt": ["TotpKey", "Arn"]} if _actions(statement) == {"kms:Decrypt"} else None
            assert target == (expected or {"Fn::GetAtt": ["Table", "Arn"]}), (function, target)


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_logs_tracing_and_retention(
    translated: dict[str, Any], template: dict[str, Any], function: str
) -> None:
    properties = translated["Resources"][function]["Properties"]

    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["LoggingConfig"]["LogFormat"] == "JSON"
    group = template["Resources"][f"{function}LogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_the_table(template: dict[str, Any]) -> None:
    table = template["Resources"]["Table"]["Properties"]

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_ttl", "Enabled": True}
    assert template["Resources"]["Table"]["DeletionPolicy"] == "Retain"


def test_alarms_on_server_errors_and_throttles(template: dict[str, Any]) -> None:
    alarms = {
        r["Properties"]["MetricName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }

    assert alarms["5XXError"]["Namespace"] == "AWS/ApiGateway"
    assert alarms["ThrottledRequests"]["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "Table"}}]


def test_the_parameters_an_operator_sets(template: dict[str, Any]) -> None:
    assert {
        "Stage", "LogRetentionInDays", "LogLevel", "AllowedScopes", "MaxTokenLifetimeSeconds",
        "LockoutThreshold", "LockoutWindowSeconds", "AuthCacheSeconds",
    } <= set(template["Parameters"])  # fmt: skip
