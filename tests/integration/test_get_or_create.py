"""PUT /authorizations/clients/{client_id}[/{fingerprint}]: get-or-create for an app (SPEC section 4)."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.store.repository import Repository
from tests.support.api import Api, assert_error, assert_validation_failed
from tests.support.data import (
    BASE_URL,
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    OCTOCAT_PASSWORD,
)
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.schemas import assert_matches_response
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat", "oauth_app")

SECRET_BODY = {"client_secret": EVENT_CLIENT_SECRET, "scopes": ["public_repo"]}
NO_FINGERPRINT = "/authorizations/clients/{client_id}"
WITH_FINGERPRINT = "/authorizations/clients/{client_id}/{fingerprint}"


def authorizations(table: TableView) -> list[dict[str, Any]]:
    return [item for item in table.items() if item.get("Type") == "Authorization"]


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_created_then_returned(api: Api, table: TableView, fingerprint: str | None) -> None:
    path = NO_FINGERPRINT if fingerprint is None else WITH_FINGERPRINT

    created = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, fingerprint)
    again = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, fingerprint)

    assert created.status == 201
    assert_matches_response(created.json, path, "put", 201)
    token = created.json["token"]
    assert tokens.is_well_formed(token, tokens.TokenKind.OAUTH)
    assert created.json["hashed_token"] == hashlib.sha256(token.encode()).hexdigest()
    assert created.json["token_last_eight"] == token[-8:]
    assert created.json["url"] == f"{BASE_URL}/authorizations/{created.json['id']}"
    assert created.header("Location") == created.json["url"]
    assert created.json["app"] == {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL}
    assert created.json["fingerprint"] == fingerprint
    assert created.json["scopes"] == ["public_repo"]
    assert again.status == 200
    assert_matches_response(again.json, path, "put", 200)
    assert again.json == {**created.json, "token": ""}
    assert len(authorizations(table)) == 1
    assert_table_invariants(table)
    assert_no_secrets(table, [token, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD])


def test_the_fingerprint_may_come_in_the_body(api: Api, table: TableView) -> None:
    by_path = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "laptop")
    by_body = api.get_or_create(EVENT_CLIENT_ID, {**SECRET_BODY, "fingerprint": "laptop"})

    assert (by_path.status, by_body.status) == (201, 200)
    assert by_body.json["id"] == by_path.json["id"]
    assert len(authorizations(table)) == 1


def test_each_fingerprint_and_none_are_separate_keys(api: Api, table: TableView) -> None:
    bare = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)
    laptop = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "laptop")
    desktop = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "desktop")
    dash = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "-")

    assert [r.status for r in (bare, laptop, desktop, dash)] == [201, 201, 201, 201]
    assert len({r.json["id"] for r in (bare, laptop, desktop, dash)}) == 4
    assert api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY).json["id"] == bare.json["id"]
    assert api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "laptop").json["id"] == laptop.json["id"]
    assert_table_invariants(table)


def test_an_empty_body_fingerprint_is_no_fingerprint(api: Api) -> None:
    bare = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)

    again = api.get_or_create(EVENT_CLIENT_ID, {**SECRET_BODY, "fingerprint": ""})

    assert again.status == 200
    assert again.json["id"] == bare.json["id"]


def test_it_shares_its_keys_with_post_authorizations(api: Api) -> None:
    posted = api.create(
        {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET, "fingerprint": "ci"}
    )

    put = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "ci")

    assert posted.status == 201
    assert put.status == 200
    assert put.json["id"] == posted.json["id"]
    assert put.json["token"] == ""


def test_an_existing_authorization_is_returned_as_it_is(api: Api) -> None:
    created = api.get_or_create(EVENT_CLIENT_ID, {**SECRET_BODY, "note": "first"})

    again = api.get_or_create(
        EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET, "scopes": ["repo"], "note": "x"}
    )

    assert again.status == 200
    assert again.json["scopes"] == ["public_repo"]
    assert again.json["note"] == "first"
    assert again.json["updated_at"] == created.json["updated_at"]


def test_note_and_note_url_are_kept_on_create(api: Api) -> None:
    body = {**SECRET_BODY, "note": "for CI", "note_url": "https://ci.example.com"}

    result = api.get_or_create(EVENT_CLIENT_ID, body, "ci")

    assert result.status == 201
    assert (result.json["note"], result.json["note_url"]) == ("for CI", "https://ci.example.com")
    assert result.json["app"]["name"] == EVENT_APP_NAME


def test_each_user_gets_their_own(api: Api, hubot: Any, table: TableView) -> None:
    mine = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)
    theirs = api.as_user(hubot).get_or_create(EVENT_CLIENT_ID, SECRET_BODY)

    assert (mine.status, theirs.status) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]
    assert api.as_user(hubot).get(mine.json["id"]).status == 404
    assert_table_invariants(table)


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_an_unknown_client_id_is_invalid(api: Api, table: TableView, fingerprint: str | None) -> None:
    result = api.get_or_create("ffffffffffffffffffff", SECRET_BODY, fingerprint)

    assert_validation_failed(result, {"field": "client_id", "code": "invalid"})
    assert authorizations(table) == []


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_an_oversize_client_id_is_invalid(api: Api, fingerprint: str | None) -> None:
    result = api.get_or_create(EVENT_CLIENT_ID + "0", SECRET_BODY, fingerprint)

    assert_validation_failed(result, {"field": "client_id", "code": "invalid"})


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_a_wrong_secret_is_invalid(api: Api, table: TableView, fingerprint: str | None) -> None:
    result = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": "0" * 40}, fingerprint)

    assert_validation_failed(result, {"field": "client_secret", "code": "invalid"})
    assert authorizations(table) == []


def test_a_wrong_secret_is_invalid_even_when_the_authorization_exists(api: Api) -> None:
    assert api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY).status == 201

    result = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": "0" * 40})

    assert_validation_failed(result, {"field": "client_secret", "code": "invalid"})


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
@pytest.mark.parametrize("body", [{}, {"scopes": ["repo"]}, None])
def test_the_client_secret_is_required(api: Api, fingerprint: str | None, body: Any) -> None:
    result = api.get_or_create(EVENT_CLIENT_ID, body, fingerprint)

    assert_validation_failed(result, {"field": "client_secret", "code": "missing_field"})


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_unknown_scopes_are_refused(api: Api, table: TableView, fingerprint: str | None) -> None:
    result = api.get_or_create(EVENT_CLIENT_ID, {**SECRET_BODY, "scopes": ["nope"]}, fingerprint)

    assert_validation_failed(result, {"field": "scopes", "code": "invalid"})
    assert authorizations(table) == []


@pytest.mark.parametrize("fingerprint", [None, "laptop"])
def test_malformed_json_is_400(api: Api, fingerprint: str | None) -> None:
    assert_error(api.get_or_create(EVENT_CLIENT_ID, "{", fingerprint), 400, "Problems parsing JSON")


def test_a_json_array_is_400(api: Api) -> None:
    result = api.get_or_create(EVENT_CLIENT_ID, [SECRET_BODY])

    assert result.status == 400
    assert set(result.json) == {"message", "documentation_url"}


def test_a_deleted_authorization_is_created_anew(api: Api, table: TableView) -> None:
    first = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)
    assert api.delete(first.json["id"]).status == 204

    second = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)

    assert second.status == 201
    assert second.json["id"] != first.json["id"]
    assert second.json["token"] != first.json["token"]
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None and list(grant["auths"]) == [str(second.json["id"])]
    assert_table_invariants(table)


def test_a_lost_race_returns_the_winner(api: Api, table: TableView, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two calls read "nothing there" at once; the second one to write loses and answers with the first's."""
    winner = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)
    real = Repository.app_context
    stale_reads = []

    def stale_once(self: Repository, user_id: int, client_id: str, fingerprint: str | None) -> Any:
        context = real(self, user_id, client_id, fingerprint)
        if not stale_reads:
            stale_reads.append(context)
            return dataclasses.replace(context, existing_auth_id=None, grant=None)
        return context

    monkeypatch.setattr(Repository, "app_context", stale_once)

    loser = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY)

    assert len(stale_reads) == 1
    assert loser.status == 200
    assert loser.json == {**winner.json, "token": ""}
    assert len(authorizations(table)) == 1
    assert_table_invariants(table)


def test_a_lost_race_when_the_app_already_has_a_grant(
    api: Api, table: TableView, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twin of the one above on the other path: the user already holds a token of the app (a live grant),
    and two calls for a new fingerprint read "no claim, the grant at version n" at once. The winner joins the
    grant; the loser's transaction fails on the claim (and the grant's version), and it answers 200 with the
    winner's authorization: one authorization for the key, the grant listing both. Seen red with the
    fingerprint claim's condition always true (the loser made a second authorization)."""
    first = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "laptop")
    assert first.status == 201
    stale = Repository(table.name).app_context(1, EVENT_CLIENT_ID, "desktop")
    assert stale.existing_auth_id is None and stale.grant is not None
    winner = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "desktop")
    assert winner.status == 201
    real = Repository.app_context
    stale_reads = []

    def stale_once(self: Repository, user_id: int, client_id: str, fingerprint: str | None) -> Any:
        if not stale_reads:
            stale_reads.append(fingerprint)
            return stale
        return real(self, user_id, client_id, fingerprint)

    monkeypatch.setattr(Repository, "app_context", stale_once)

    loser = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "desktop")

    assert stale_reads == ["desktop"]
    assert loser.status == 200
    assert loser.json == {**winner.json, "token": ""}
    assert len(authorizations(table)) == 2
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None
    assert sorted(grant["auths"]) == sorted([str(first.json["id"]), str(winner.json["id"])])
    assert_table_invariants(table)


def test_with_two_apps(api: Api, make_app: Any, table: TableView) -> None:
    other = make_app("Second App", "https://second.example.com")

    mine = api.get_or_create(EVENT_CLIENT_ID, SECRET_BODY, "laptop")
    second = api.get_or_create(other.client_id, {"client_secret": other.client_secret}, "laptop")
    cross = api.get_or_create(other.client_id, {"client_secret": EVENT_CLIENT_SECRET}, "laptop")

    assert (mine.status, second.status) == (201, 201)
    assert second.json["app"] == {
        "client_id": other.client_id,
        "name": "Second App",
        "url": "https://second.example.com",
    }
    assert_validation_failed(cross, {"field": "client_secret", "code": "invalid"})
    assert_table_invariants(table)


@pytest.mark.parametrize("fingerprint", ["f" * 256, "a\x00b"])
def test_a_fingerprint_in_the_path_follows_the_body_rules(api: Api, oauth_app: Any, fingerprint: str) -> None:
    body = {"client_secret": EVENT_CLIENT_SECRET}

    result = api.get_or_create(EVENT_CLIENT_ID, body, fingerprint=fingerprint)

    assert_validation_failed(result, {"field": "fingerprint", "code": "invalid"})
