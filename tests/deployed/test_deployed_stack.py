"""Against a deployed stack, opt-in: `AWS_SAM_STACK_NAME=<stack> make test PYTEST_ARGS=tests/deployed`.

The stack's outputs give the API URL, the table and the TOTP key; a throwaway user and app are created with
the admin CLI's code (as an operator would) and removed afterwards. Skipped without the variable or without
AWS credentials.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
requests = pytest.importorskip("requests")

STACK = os.environ.get("AWS_SAM_STACK_NAME", "")

pytestmark = pytest.mark.skipif(not STACK, reason="set AWS_SAM_STACK_NAME to test a deployed stack")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    if boto3.session.Session().get_credentials() is None:
        pytest.skip("no AWS credentials")
    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture(scope="module")
def accounts(outputs: dict[str, str]) -> Any:
    from oauth_authz.service.accounts import Accounts
    from oauth_authz.store.repository import Repository

    os.environ["TOTP_KMS_KEY_ID"] = outputs["TotpKeyId"]
    return Accounts(Repository(outputs["TableName"], boto3.client("dynamodb")))


@pytest.fixture(scope="module")
def user(accounts: Any) -> Iterator[tuple[str, str]]:
    login, password = f"e2e-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    accounts.create_user(login, password)
    yield login, password
    accounts.delete_user(login)


@pytest.fixture(scope="module")
def app(accounts: Any) -> Iterator[tuple[str, str]]:
    created = accounts.create_app("oauth-authz e2e", "https://example.com/e2e")
    yield created.app.client_id, created.client_secret
    accounts.delete_app(created.app.client_id)


def test_a_personal_token_lives_and_dies(outputs: dict[str, str], user: tuple[str, str]) -> None:
    api = outputs["ApiUrl"]
    created = requests.post(
        f"{api}/authorizations", json={"note": "e2e", "scopes": ["repo"]}, auth=user, timeout=30
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == body["url"] == f"{api}/authorizations/{body['id']}"
    assert body["hashed_token"] == hashlib.sha256(body["token"].encode()).hexdigest()

    listed = requests.get(f"{api}/authorizations", auth=user, timeout=30)
    assert [a["id"] for a in listed.json()] == [body["id"]]
    assert listed.json()[0]["token"] == ""

    assert requests.delete(body["url"], auth=user, timeout=30).status_code == 204
    gone = requests.get(body["url"], auth=user, timeout=30)
    assert gone.status_code == 404
    assert gone.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def test_the_app_side(outputs: dict[str, str], user: tuple[str, str], app: tuple[str, str]) -> None:
    api, (client_id, secret) = outputs["ApiUrl"], app
    made = requests.put(
        f"{api}/authorizations/clients/{client_id}/e2e", json={"client_secret": secret}, auth=user, timeout=30
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]

    checked = requests.post(
        f"{api}/applications/{client_id}/token", json={"access_token": token}, auth=app, timeout=30
    )
    assert checked.status_code == 200
    assert checked.json()["user"]["login"] == user[0]

    grants = requests.get(f"{api}/applications/grants", auth=user, timeout=30).json()
    assert [g["app"]["client_id"] for g in grants] == [client_id]

    revoked = requests.delete(
        f"{api}/applications/{client_id}/grant", json={"access_token": token}, auth=app, timeout=30
    )
    assert revoked.status_code == 204
    again = requests.post(
        f"{api}/applications/{client_id}/token", json={"access_token": token}, auth=app, timeout=30
    )
    assert again.status_code == 404


def test_gateway_and_authorizer_answers(outputs: dict[str, str], user: tuple[str, str]) -> None:
    api = outputs["ApiUrl"]
    docs = "https://docs.github.com/rest"

    missing = requests.get(f"{api}/authorizations", timeout=30)
    assert (missing.status_code, missing.json()) == (
        401,
        {"message": "Requires authentication", "documentation_url": docs},
    )
    wrong = requests.get(f"{api}/authorizations", auth=(user[0], "not-the-password"), timeout=30)
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"message": "Bad credentials", "documentation_url": docs},
    )
    unknown = requests.get(f"{api}/nowhere", auth=user, timeout=30)
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Not Found", "documentation_url": docs})
    assert unknown.headers["Content-Type"] == "application/json; charset=utf-8"
