"""The REQUEST authorizer: always Allow for the called method, with the principal or the reason to refuse."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.observability import logger
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import dynamodb_client
from tests.support.api import assert_error
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic, build_event, load_event

pytestmark = pytest.mark.usefixtures("octocat")

# well-formed tokens, fixed so that test ids are the same in every process (pytest-xdist compares them)
PERSONAL_TOKEN = "ghp_" + "0123456789abcdefghijABCDEFGHIJ" + tokens.checksum("0123456789abcdefghijABCDEFGHIJ")
OAUTH_TOKEN = "gho_" + "KLMNOPQRSTklmnopqrst0123456789" + tokens.checksum("KLMNOPQRSTklmnopqrst0123456789")


def allow(event: dict[str, Any], principal_id: str, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
        "context": context,
    }


def refused(event: dict[str, Any], code: str) -> dict[str, Any]:
    return allow(event, "anonymous", {"auth_error": code})


def test_the_fixed_tokens_are_well_formed() -> None:
    assert tokens.is_well_formed(PERSONAL_TOKEN, tokens.TokenKind.PERSONAL)
    assert tokens.is_well_formed(OAUTH_TOKEN, tokens.TokenKind.OAUTH)


def test_the_users_password_lets_them_in(authorize: Any) -> None:
    event = load_event("authorizer")

    assert authorize(event) == allow(
        event, "user:1", {"principal_type": "user", "user_id": 1, "login": "octocat"}
    )


def test_logins_are_case_insensitive(authorize: Any) -> None:
    event = authorizer_event(basic("OctoCat", OCTOCAT_PASSWORD))

    assert authorize(event)["context"] == {"principal_type": "user", "user_id": 1, "login": "octocat"}


@pytest.mark.parametrize(
    ("method", "resource", "path"),
    [
        ("POST", "/authorizations", "/authorizations"),
        ("DELETE", "/authorizations/{authorization_id}", "/authorizations/42"),
        ("PUT", "/authorizations/clients/{client_id}/{fingerprint}", "/authorizations/clients/abc/fp"),
    ],
)
def test_the_policy_allows_exactly_the_called_method(
    authorize: Any, method: str, resource: str, path: str
) -> None:
    event = authorizer_event(basic("octocat", OCTOCAT_PASSWORD), method=method, resource=resource, path=path)

    answer = authorize(event)

    assert answer["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": f"arn:aws:execute-api:us-east-1:123456789012:abc123/v1/{method}{path}",
        }
    ]
    assert answer["principalId"] == "user:1"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (basic("octocat", "wrong password"), "bad_credentials"),
        (basic("octocat", ""), "bad_credentials"),
        (basic("nobody", OCTOCAT_PASSWORD), "bad_credentials"),
        (basic("octocat", PERSONAL_TOKEN), "token_not_password"),
        (basic("octocat", OAUTH_TOKEN), "token_not_password"),
        ("token xyz", "token_not_password"),
        ("Bearer " + PERSONAL_TOKEN, "token_not_password"),
        ("Basic not-base64!", "bad_credentials"),
        ("Digest realm=x", "requires_authentication"),
        (None, "requires_authentication"),
        ("", "requires_authentication"),
    ],
)
def test_failures_are_allowed_with_the_reason(authorize: Any, header: str | None, code: str) -> None:
    event = authorizer_event(header)

    assert authorize(event) == refused(event, code)


def test_the_app_with_its_secret_on_an_app_route(authorize: Any, oauth_app: Any) -> None:
    event = authorizer_event(
        basic(EVENT_CLIENT_ID, EVENT_CLIENT_SECRET),
        method="POST",
        resource="/applications/{client_id}/token",
        path=f"/applications/{EVENT_CLIENT_ID}/token",
    )

    assert authorize(event) == allow(
        event, f"app:{EVENT_CLIENT_ID}", {"principal_type": "app", "client_id": EVENT_CLIENT_ID}
    )


@pytest.mark.parametrize(
    "header",
    [
        basic(EVENT_CLIENT_ID, "0" * 40),
        basic("ffffffffffffffffffff", EVENT_CLIENT_SECRET),
        basic("octocat", OCTOCAT_PASSWORD),
        "token " + OAUTH_TOKEN,
    ],
)
def test_anything_else_on_an_app_route_is_bad_credentials(
    authorize: Any, oauth_app: Any, header: str
) -> None:
    event = authorizer_event(
        header,
        method="POST",
        resource="/applications/{client_id}/token",
        path=f"/applications/{EVENT_CLIENT_ID}/token",
    )

    assert authorize(event) == refused(event, "bad_credentials")


def test_the_apps_secret_is_no_user_password(authorize: Any, oauth_app: Any) -> None:
    event = authorizer_event(basic(EVENT_CLIENT_ID, EVENT_CLIENT_SECRET))

    assert authorize(event) == refused(event, "bad_credentials")


TOKEN_MESSAGE = "This API can only be accessed with username and password Basic Auth"


def as_api_gateway_passes_it(context: dict[str, Any], principal_id: str) -> dict[str, str]:
    """API Gateway hands the function the authorizer's context, every value a string, and the principalId."""
    return {"principalId": principal_id, **{k: str(v) for k, v in context.items()}}


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        (basic("octocat", "wrong password"), 401, "Bad credentials"),
        (basic("ghost", "whatever-password"), 401, "Bad credentials"),
        (basic("octocat", PERSONAL_TOKEN), 403, TOKEN_MESSAGE),
        ("token xyz", 403, TOKEN_MESSAGE),
        ("Negotiate abc", 401, "Requires authentication"),
    ],
)  # fmt: skip
def test_authorizer_then_function(
    authorize: Any, invoke: Any, header: str, status: int, message: str
) -> None:
    answer = authorize(authorizer_event(header))
    context = as_api_gateway_passes_it(answer["context"], answer["principalId"])

    result = invoke("list_authorizations", build_event("list_authorizations", authorizer=context))

    assert_error(result, status, message)


def test_authorizer_then_function_signed_in(authorize: Any, invoke: Any) -> None:
    answer = authorize(load_event("authorizer"))
    context = as_api_gateway_passes_it(answer["context"], answer["principalId"])

    result = invoke("create_authorization", build_event("create_authorization", authorizer=context))

    assert result.status == 201
    assert result.json["note"] == "admin script"


def test_credentials_are_never_logged(
    authorize: Any, oauth_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    token = tokens.new_token(tokens.TokenKind.PERSONAL)
    headers = [
        basic("octocat", OCTOCAT_PASSWORD),
        basic("octocat", "a-wrong-password-123"),
        basic("octocat", token),
        "Bearer " + token,
    ]
    # the function's own log lines (Powertools' logger does not propagate), at every level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.name)
    level = service_logger.level
    service_logger.addHandler(handler)
    service_logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)  # and everything else (boto3, botocore, moto) through the root logger
    try:
        for header in headers:
            authorize(authorizer_event(header))
        authorize(
            authorizer_event(
                basic(EVENT_CLIENT_ID, EVENT_CLIENT_SECRET), resource="/applications/{client_id}/token"
            )
        )
    finally:
        service_logger.removeHandler(handler)
        service_logger.setLevel(level)

    logged = stream.getvalue() + "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert stream.getvalue().count('"authentication"') == 5  # the log lines were captured ...
    for secret in (OCTOCAT_PASSWORD, "a-wrong-password-123", token, EVENT_CLIENT_SECRET, *headers):
        assert secret not in logged  # ... and hold no credential
    assert "b2N0b2NhdD" not in logged  # base64 of "octocat:"


def test_a_login_outside_the_account_grammar_is_refused_before_any_look_up(
    authorize: Any, monkeypatch: pytest.MonkeyPatch, table: Any
) -> None:
    """The Kelvin sign U+212A lower-cases to `k`: `\u212aate` would have been looked up, counted and signed in
    as the account `kate`. Outside the grammar (ASCII, 1-39, single inner hyphens), a login is refused with
    the unknown login's answer and cost (one dummy argon2 verification), and nothing is read or written.
    Seen red with only the length checked (as before): `\u212aate` signed in as `kate`."""
    from oauth_authz.service import accounts, authentication

    accounts.Accounts(Repository(table.name)).create_user("kate", OCTOCAT_PASSWORD)
    burned: list[str] = []
    monkeypatch.setattr(authentication, "burn_verify", burned.append)
    calls: list[str] = []
    events = dynamodb_client().meta.events

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events.register("provide-client-params.dynamodb", count)
    try:
        answers = [
            authorize(authorizer_event(basic(login, OCTOCAT_PASSWORD)))["context"]
            for login in ("\u212aate", "kate\n", "-kate", "ka--te", "k" * 40, "kåte")
        ]
    finally:
        events.unregister("provide-client-params.dynamodb", count)

    assert answers == [{"auth_error": "bad_credentials"}] * 6
    assert burned == [OCTOCAT_PASSWORD] * 6
    assert calls == []
    assert authorize(authorizer_event(basic("KATE", OCTOCAT_PASSWORD)))["context"]["login"] == "kate"


def test_failed_sign_ins_are_logged_with_the_source_address_and_no_secret(authorize: Any) -> None:
    """Seen red without the `source_ip` field (the refusal logged, but not where it came from)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.name)
    level = service_logger.level
    service_logger.addHandler(handler)
    service_logger.setLevel(logging.INFO)
    try:
        authorize(authorizer_event(basic("octocat", "a-wrong-password-456")))
        authorize(authorizer_event(basic("octocat", OCTOCAT_PASSWORD)))
    finally:
        service_logger.removeHandler(handler)
        service_logger.setLevel(level)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused, allowed = (line for line in lines if line["message"] == "authentication")
    assert (refused["outcome"], refused["source_ip"]) == ("bad_credentials", "203.0.113.10")
    assert (allowed["outcome"], "source_ip" in allowed) == ("allowed", False)
    assert "a-wrong-password-456" not in stream.getvalue() and "octocat" not in json.dumps(refused)
