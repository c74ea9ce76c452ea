"""Every function may do exactly what its route needs and no more: read-only routes cannot write, no
resource is `*`, and every function has its log group with retention, tracing and JSON logs."""

from __future__ import annotations

import fnmatch
from types import SimpleNamespace
from typing import Any

import pytest

from oauth_authz import totp
from oauth_authz.secretbox import new_local_key
from oauth_authz.service import authentication
from oauth_authz.service.accounts import Accounts
from oauth_authz.store import keys
from oauth_authz.store import table as store_client
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic
from tests.template.conftest import resources

READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "kms:Decrypt"}
# What each function's code calls (store/repository.py): transactions are authorized item by item as
# PutItem / UpdateItem / DeleteItem / ConditionCheckItem.
NEEDS = {
    "AuthorizerFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem", "kms:Decrypt",
    },
    "ListAuthorizationsFunction": {"dynamodb:Query"},
    "GetAuthorizationFunction": {"dynamodb:GetItem"},
    "GetUserFunction": {"dynamodb:GetItem"},
    "ListEmailsFunction": {"dynamodb:GetItem"},
    "ApiRootFunction": set(),
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
    "DeviceCodeFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"},
    "AccessTokenFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    },
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
    # the web pages (SPEC 9, 11): writes limited by LeadingKeys to sessions, sign-in counters and codes
    "LoginPageFunction": {"dynamodb:GetItem"},
    "CreateSessionFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "kms:Decrypt",
    },
    "TwoFactorPageFunction": {"dynamodb:GetItem"},
    "VerifyTwoFactorFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "kms:Decrypt",
    },
    "LogoutPageFunction": {"dynamodb:GetItem"},
    "SignOutFunction": {"dynamodb:DeleteItem"},
    "SignOutEverywhereFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"},
    "AuthorizePageFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"},
    "AuthorizeDecisionFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"},
    "PageStylesheetFunction": set(),
    "PageScriptFunction": set(),
    # the device pages (SPEC 10): writes limited by LeadingKeys to the request and the wrong codes' count
    "DevicePageFunction": {"dynamodb:GetItem"},
    "DeviceEntryFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    "DeviceDecisionFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
    # the settings pages (SPEC 11): the session's read, then the Authorizations API's own operations
    "SettingsTokensPageFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
    "GenerateTokenFunction": {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:PutItem",
        "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    "SettingsApplicationsPageFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
    "RevokeApplicationFunction": {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
    "SettingsSecurityPageFunction": {"dynamodb:GetItem"},
    "EnableTwoFactorFunction": {"dynamodb:GetItem", "dynamodb:UpdateItem", "kms:Encrypt", "kms:Decrypt"},
    "DisableTwoFactorFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "kms:Decrypt",
    },
    "DeletePersonalTokenFunction": {
        "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
    },
    # /settings/developers: the owner's references (Query) and apps (BatchGetItem); an app's item changes
    # by a conditional Put; its deletion queries the ByClientId index (`INDEX_READERS`)
    "SettingsDevelopersPageFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
    "NewDeveloperAppPageFunction": {"dynamodb:GetItem"},
    "RegisterDeveloperAppFunction": {"dynamodb:GetItem", "dynamodb:PutItem"},
    "DeveloperAppPageFunction": {"dynamodb:GetItem"},
    "UpdateDeveloperAppFunction": {"dynamodb:GetItem", "dynamodb:PutItem"},
    "GenerateClientSecretFunction": {"dynamodb:GetItem", "dynamodb:PutItem"},
    "DeleteClientSecretFunction": {"dynamodb:GetItem", "dynamodb:PutItem"},
    "DeleteDeveloperAppFunction": {
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    },
}  # fmt: skip
# The functions that may Query the ByClientId index, and only that (no other index, no other action).
INDEX_READERS = {"DeleteDeveloperAppFunction"}
INDEX_ARN = {"Fn::Sub": "${Table.Arn}/index/ByClientId"}
READ_ONLY = {
    "ListAuthorizationsFunction", "GetAuthorizationFunction", "ListGrantsFunction", "GetGrantFunction",
    "CheckAuthorizationFunction", "CheckTokenFunction", "GetUserFunction", "ListEmailsFunction",
    "ApiRootFunction",
    "LoginPageFunction", "TwoFactorPageFunction",
    "LogoutPageFunction", "PageStylesheetFunction", "PageScriptFunction", "DevicePageFunction",
    "SettingsTokensPageFunction",
    "SettingsApplicationsPageFunction", "SettingsSecurityPageFunction", "SettingsDevelopersPageFunction",
    "NewDeveloperAppPageFunction", "DeveloperAppPageFunction",
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
            kms = _actions(statement) in ({"kms:Decrypt"}, {"kms:Encrypt"})  # the seeds' key, nothing else
            if target == INDEX_ARN:
                assert function in INDEX_READERS and _actions(statement) == {"dynamodb:Query"}, function
                continue
            expected = {"Fn::GetAtt": ["TotpKey", "Arn"]} if kms else None
            assert target == (expected or {"Fn::GetAtt": ["Table", "Arn"]}), (function, target)


def test_only_the_app_deletion_queries_the_index(translated: dict[str, Any]) -> None:
    """Seen red with the index statement dropped from DeleteDeveloperAppFunction (its deletion would be
    AccessDenied on AWS, while moto does not check IAM)."""
    readers = {
        function
        for function in NEEDS
        for statement in _statements(translated, function)
        if statement["Resource"] == INDEX_ARN
    }
    assert readers == INDEX_READERS


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

    (index,) = table["GlobalSecondaryIndexes"]
    assert index == {
        "IndexName": "ByClientId",
        "KeySchema": [
            {"AttributeName": "client_id", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }

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
        "LockoutThreshold", "LockoutWindowSeconds", "AuthCacheSeconds", "AllowTokensWithoutExpiry",
    } <= set(template["Parameters"])  # fmt: skip


# The authorizer writes (store/keys.py): the failed-login counter of any login, known or not, and the last
# TOTP step on a user's own item. Nothing else: no token, authorization, grant, app or id guard.
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
AUTHORIZER_PARTITIONS = ["LOGINFAIL#*", "LOGIN#*", "TOKEN#*"]


def _write_statements(translated: dict[str, Any], function: str) -> list[dict[str, Any]]:
    return [
        s
        for s in _statements(translated, function)
        if _actions(s) & (WRITES | {"dynamodb:ConditionCheckItem"})
    ]


def _leading_keys(statement: dict[str, Any]) -> list[str]:
    patterns: list[str] = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    return patterns


def test_the_authorizer_writes_only_its_own_items(translated: dict[str, Any]) -> None:
    """The authorizer reads users and apps, but may write only the partitions it keeps: `dynamodb:LeadingKeys`
    (the partition key of every item a request touches) limited to `LOGINFAIL#*`, `LOGIN#*` and `TOKEN#*` (a
    token's last use). A flaw in it (it parses attacker-chosen headers) cannot then write an authorization, a
    grant or an app. Seen red with
    the statement's `Condition` removed."""
    (statement,) = _write_statements(translated, "AuthorizerFunction")

    assert set(statement["Condition"]) == {"ForAllValues:StringLike"}
    assert _leading_keys(statement) == AUTHORIZER_PARTITIONS
    assert _actions(statement) == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}
    patterns = _leading_keys(statement)
    allowed = [
        keys.failed_logins_key("Octocat")["PK"],
        keys.login_key("octocat")["PK"],
        keys.token_key("0" * 64)["PK"],  # a token's last use (issue 14 item 5), conditional, on its own item
    ]
    refused = [
        keys.app_key(EVENT_CLIENT_ID)["PK"],
        keys.user_id_key(1)["PK"],
        keys.user_partition(1),
        keys.authorization_id_key(1)["PK"],
        keys.grant_id_key(1)["PK"],
    ]
    for partition in allowed:  # IAM's StringLike: `*` and `?` wildcards, case-sensitive
        assert any(fnmatch.fnmatchcase(partition, pattern) for pattern in patterns), partition
    for partition in refused:
        assert not any(fnmatch.fnmatchcase(partition, pattern) for pattern in patterns), partition


# IAM has no TransactWriteItems action: a transaction is authorized as each of its actions.
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _written_partitions(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(the IAM action, the partition) of every item a call writes or checks."""
    if operation == "PutItem":
        return [(operation, params["Item"]["PK"]["S"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(operation, params["Key"]["PK"]["S"])]
    if operation == "TransactWriteItems":
        found = []
        for action in params["TransactItems"]:
            ((kind, body),) = action.items()
            found.append((TRANSACT_ACTIONS[kind], (body.get("Item") or body["Key"])["PK"]["S"]))
        return found
    if operation == "BatchWriteItem":
        return [
            (
                "BatchWriteItem",
                (request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"])["PK"]["S"],
            )
            for requests in params["RequestItems"].values()
            for request in requests
        ]
    return []


def test_what_the_authorizer_writes_is_within_its_policy(
    translated: dict[str, Any],
    authorize: Any,
    accounts: Accounts,
    octocat: Any,
    oauth_app: Any,
    write_personal_authorization: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The policy above, held against what the code does: every write the authorizer makes, through every
    path that writes (failures of known and unknown logins, a wrong and a right second factor, an app), is
    an action and a partition the policy allows. Seen red with the policy narrowed to `LOGINFAIL#*` (the
    TOTP step's write on `LOGIN#octocat` fell outside it); a store change that writes elsewhere turns it red
    too."""
    (statement,) = _write_statements(translated, "AuthorizerFunction")
    now = 1_800_000_000.0
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=lambda: now))
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    seed = accounts.enable_two_factor("octocat").secret
    code = totp.code_at(seed, totp.step_at(now))
    right = basic("octocat", OCTOCAT_PASSWORD)
    writes: list[tuple[str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        writes.extend(_written_partitions(model.name, params))

    issued = write_personal_authorization(octocat, 1)
    events = store_client.dynamodb_client().meta.events
    events.register("provide-client-params.dynamodb", record)
    try:
        authorize(authorizer_event(basic("octocat", "wrong")))
        authorize(authorizer_event(basic("octocat", "wrong again")))
        authorize(authorizer_event(basic("nobody-here", "any")))
        authorize(
            authorizer_event(right, headers={"X-GitHub-OTP": "000000" if code != "000000" else "111111"})
        )
        authorize(authorizer_event(right, headers={"X-GitHub-OTP": code}))
        accounts.disable_two_factor("octocat")
        authorize(authorizer_event(right))  # argon2, a reservation given back
        authorize(authorizer_event(right))  # verified lately: a ConditionCheck
        authorize(
            authorizer_event(
                basic(EVENT_CLIENT_ID, EVENT_CLIENT_SECRET), resource="/applications/{client_id}/token"
            )
        )
        authorize(authorizer_event(f"token {issued.token}", resource="/user"))  # the token's last use
    finally:
        events.unregister("provide-client-params.dynamodb", record)

    assert {partition.split("#")[0] for _, partition in writes} == {"LOGINFAIL", "LOGIN", "TOKEN"}  # all ran
    for operation, partition in writes:
        assert f"dynamodb:{operation}" in _actions(statement), operation
        assert any(fnmatch.fnmatchcase(partition, pattern) for pattern in _leading_keys(statement)), partition
