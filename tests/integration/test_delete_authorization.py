"""DELETE /authorizations/{id}: 204, then gone, with every item that belonged to it."""

from __future__ import annotations

from typing import Any

import pytest

from oauth_authz.models.domain import User
from tests.support.api import Api, assert_not_found
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")


def items_mentioning(table: TableView, auth: dict[str, Any]) -> list[tuple[str, str]]:
    """Every item that is, copies, guards or claims for this authorization."""
    found = []
    for item in table.items():
        key = (item["PK"], item["SK"])
        if (
            item.get("id") == auth["id"]
            or item.get("auth_id") == auth["id"]
            or item["PK"] in (f"AUTHID#{auth['id']}", f"TOKEN#{auth['hashed_token']}")
            or item.get("hashed_token") == auth["hashed_token"]
        ):
            found.append(key)
    return found


def test_delete_a_personal_token(api: Api, table: TableView) -> None:
    created = api.create({"note": "doomed", "scopes": ["repo"]}).json
    kept = api.create({"note": "kept"}).json
    assert (
        len(items_mentioning(table, created)) == 4
    )  # the authorization, its token copy, id guard, note claim

    result = api.delete(created["id"])

    assert result.status == 204
    assert result.body == ""
    assert result.header("Content-Type") is None
    # only the id guard stays, until its TTL (a day after the token's creation)
    assert items_mentioning(table, created) == [(f"AUTHID#{created['id']}", "AUTHID")]
    assert_not_found(api.get(created["id"]))
    assert_not_found(api.delete(created["id"]))
    assert [auth["id"] for auth in api.list().json] == [kept["id"]]
    assert_table_invariants(table)
    assert_no_secrets(table, [created["token"], kept["token"], OCTOCAT_PASSWORD])


def test_delete_an_app_token_leaves_the_rest_of_the_grant(api: Api, oauth_app: Any, table: TableView) -> None:
    body = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}
    first = api.create({**body, "fingerprint": "a", "scopes": ["repo"]}).json
    second = api.create({**body, "fingerprint": "b", "scopes": ["user"]}).json
    assert len(items_mentioning(table, first)) == 4  # the same four, a fingerprint claim instead of a note's
    assert str(first["id"]) in (table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}") or {})["auths"]

    assert api.delete(first["id"]).status == 204

    assert items_mentioning(table, first) == [(f"AUTHID#{first['id']}", "AUTHID")]
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None and grant["auths"] == {str(second["id"]): {"scopes": ["user"]}}
    assert_table_invariants(table)


def test_deleting_the_last_app_token_empties_the_grant(api: Api, oauth_app: Any, table: TableView) -> None:
    created = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET}).json

    assert api.delete(created["id"]).status == 204

    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is None or grant["auths"] == {}
    assert [item for item in table.items() if item.get("Type") in ("Authorization", "Token")] == []
    assert_table_invariants(table)
    assert_no_secrets(table, [created["token"], EVENT_CLIENT_SECRET])


def test_another_users_token_is_404_and_stays(api: Api, hubot: User, table: TableView) -> None:
    theirs = api.as_user(hubot).create({"note": "hubot's"}).json

    assert_not_found(api.delete(theirs["id"]))

    assert api.as_user(hubot).get(theirs["id"]).status == 200
    assert len(items_mentioning(table, theirs)) == 4


def test_a_missing_token_is_404(api: Api) -> None:
    assert_not_found(api.delete(123))


def test_delete_ignores_a_body(api: Api) -> None:
    created = api.create({"note": "doomed"}).json

    assert api.delete(created["id"], body="{not json").status == 204
