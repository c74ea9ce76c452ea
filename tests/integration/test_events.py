"""Every function run on its own `events/<name>.json`, unchanged, as `sam local invoke -e` would run it."""

from __future__ import annotations

from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.models.domain import IssuedToken
from tests.support.data import (
    BASE_URL,
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    EVENT_FINGERPRINT,
    EVENT_TOKEN,
    OCTOCAT_PASSWORD,
    PERSONAL_CLIENT_ID,
)
from tests.support.events import load_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.schemas import assert_matches_response
from tests.support.tables import TableView

PERSONAL_APP_URL = "https://developer.github.com/v3/oauth_authorizations/"


def test_authorizer_event_allows_octocat_with_the_principal_context(authorize: Any, octocat: Any) -> None:
    event = load_event("authorizer")

    answer = authorize(event)

    assert answer == {
        "principalId": "user:1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
        "context": {"principal_type": "user", "user_id": 1, "login": "octocat"},
    }


def test_create_authorization_event(invoke: Any, octocat: Any, table: TableView) -> None:
    result = invoke("create_authorization", load_event("create_authorization"))

    assert result.status == 201
    body = result.json
    assert_matches_response(body, "/authorizations", "post", 201)
    assert body["url"] == f"{BASE_URL}/authorizations/{body['id']}"
    assert result.header("Location") == body["url"]
    assert body["scopes"] == ["public_repo"]
    assert body["note"] == "admin script"
    assert body["app"] == {"client_id": PERSONAL_CLIENT_ID, "name": "admin script", "url": PERSONAL_APP_URL}
    assert tokens.is_well_formed(body["token"], tokens.TokenKind.PERSONAL)
    assert_table_invariants(table)
    assert_no_secrets(table, [body["token"], OCTOCAT_PASSWORD])


def test_list_authorizations_event(invoke: Any, authorization_one: IssuedToken) -> None:
    result = invoke("list_authorizations", load_event("list_authorizations"))

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations", "get", 200)
    assert [auth["id"] for auth in result.json] == [1]
    assert result.json[0]["token"] == ""
    assert result.header("Link") is None


def test_get_authorization_event(invoke: Any, authorization_one: IssuedToken) -> None:
    result = invoke("get_authorization", load_event("get_authorization"))

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations/{authorization_id}", "get", 200)
    assert result.json["id"] == 1
    assert result.json["url"] == f"{BASE_URL}/authorizations/1"
    assert result.json["token"] == ""
    assert result.json["hashed_token"] == authorization_one.authorization.hashed_token


def test_update_authorization_event(invoke: Any, authorization_one: IssuedToken, table: TableView) -> None:
    result = invoke("update_authorization", load_event("update_authorization"))

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations/{authorization_id}", "patch", 200)
    assert result.json["scopes"] == ["public_repo", "repo"]
    assert result.json["note"] == "updated"
    assert result.json["app"]["name"] == "updated"
    assert_table_invariants(table)


def test_delete_authorization_event(invoke: Any, authorization_one: IssuedToken, table: TableView) -> None:
    result = invoke("delete_authorization", load_event("delete_authorization"))

    assert result.status == 204
    assert result.body == ""
    assert table.get("USER#1", "AUTH#0000000000000001") is None
    assert_table_invariants(table)


def test_get_or_create_for_app_event(invoke: Any, octocat: Any, oauth_app: Any, table: TableView) -> None:
    created = invoke("get_or_create_for_app", load_event("get_or_create_for_app"))
    again = invoke("get_or_create_for_app", load_event("get_or_create_for_app"))

    assert created.status == 201
    assert_matches_response(created.json, "/authorizations/clients/{client_id}", "put", 201)
    assert created.header("Location") == created.json["url"]
    assert tokens.is_well_formed(created.json["token"], tokens.TokenKind.OAUTH)
    assert created.json["app"] == {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL}
    assert created.json["fingerprint"] is None
    assert again.status == 200
    assert_matches_response(again.json, "/authorizations/clients/{client_id}", "put", 200)
    assert again.json == {**created.json, "token": ""}
    assert_table_invariants(table)
    assert_no_secrets(table, [created.json["token"], EVENT_CLIENT_SECRET])


def test_get_or_create_for_fingerprint_event(
    invoke: Any, octocat: Any, oauth_app: Any, table: TableView
) -> None:
    created = invoke("get_or_create_for_fingerprint", load_event("get_or_create_for_fingerprint"))
    again = invoke("get_or_create_for_fingerprint", load_event("get_or_create_for_fingerprint"))

    assert created.status == 201
    path = "/authorizations/clients/{client_id}/{fingerprint}"
    assert_matches_response(created.json, path, "put", 201)
    assert created.json["fingerprint"] == EVENT_FINGERPRINT
    assert created.header("Location") == created.json["url"]
    assert again.status == 200
    assert_matches_response(again.json, path, "put", 200)
    assert again.json == {**created.json, "token": ""}
    assert_table_invariants(table)
    assert_no_secrets(table, [created.json["token"], EVENT_CLIENT_SECRET])


# grants and the application endpoints ----------------------------------------------------------------------

APP_PATH = "/applications/{client_id}/tokens/{access_token}"
APP_BODY = "/applications/{client_id}/token"


def test_list_grants_event(invoke: Any, event_app_authorization: IssuedToken) -> None:
    result = invoke("list_grants", load_event("list_grants"))

    assert result.status == 200
    assert_matches_response(result.json, "/applications/grants", "get", 200)
    assert result.json == [
        {
            "id": 1,
            "url": f"{BASE_URL}/applications/grants/1",
            "app": {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL},
            "created_at": result.json[0]["created_at"],
            "updated_at": result.json[0]["updated_at"],
            "scopes": ["public_repo"],
        }
    ]


def test_get_grant_event(invoke: Any, event_app_authorization: IssuedToken) -> None:
    result = invoke("get_grant", load_event("get_grant"))

    assert result.status == 200
    assert_matches_response(result.json, "/applications/grants/{grant_id}", "get", 200)
    assert result.json["id"] == 1
    assert result.json["scopes"] == ["public_repo"]


def test_delete_grant_event(invoke: Any, event_app_authorization: IssuedToken, table: TableView) -> None:
    result = invoke("delete_grant", load_event("delete_grant"))

    assert result.status == 204
    assert [i for i in table.items() if i.get("Type") in ("Authorization", "Token", "Grant")] == []
    assert_table_invariants(table)


@pytest.mark.parametrize(
    ("folder", "path", "method"),
    [("check_authorization", APP_PATH, "get"), ("check_token", APP_BODY, "post")],
)
def test_check_events(
    invoke: Any, event_app_authorization: IssuedToken, folder: str, path: str, method: str
) -> None:
    result = invoke(folder, load_event(folder))

    assert result.status == 200
    assert_matches_response(result.json, path, method, 200)
    assert result.json["id"] == 2
    assert result.json["token"] == ""
    assert result.json["hashed_token"] == tokens.hash_token(EVENT_TOKEN)
    assert result.json["user"]["login"] == "octocat"
    assert result.json["user"]["id"] == 1


@pytest.mark.parametrize(
    ("folder", "path", "method"),
    [("reset_authorization", APP_PATH, "post"), ("reset_token", APP_BODY, "patch")],
)
def test_reset_events(
    invoke: Any, event_app_authorization: IssuedToken, table: TableView, folder: str, path: str, method: str
) -> None:
    result = invoke(folder, load_event(folder))

    assert result.status == 200
    assert_matches_response(result.json, path, method, 200)
    assert result.json["id"] == 2
    assert tokens.is_well_formed(result.json["token"], tokens.TokenKind.OAUTH)
    assert result.json["token"] != EVENT_TOKEN
    assert result.json["hashed_token"] == tokens.hash_token(result.json["token"])
    assert table.get(f"TOKEN#{tokens.hash_token(EVENT_TOKEN)}", "TOKEN") is None
    assert_table_invariants(table)
    assert_no_secrets(table, [result.json["token"], EVENT_TOKEN, EVENT_CLIENT_SECRET])


@pytest.mark.parametrize(
    "folder", ["revoke_authorization", "delete_token", "revoke_grant", "delete_app_authorization"]
)
def test_revoke_events(
    invoke: Any, event_app_authorization: IssuedToken, table: TableView, folder: str
) -> None:
    result = invoke(folder, load_event(folder))

    assert result.status == 204
    assert result.body == ""
    assert table.get("USER#1", "AUTH#0000000000000002") is None
    assert table.get(f"TOKEN#{tokens.hash_token(EVENT_TOKEN)}", "TOKEN") is None
    assert_table_invariants(table)
