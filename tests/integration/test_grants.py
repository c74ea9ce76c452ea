"""GET/DELETE /applications/grants[/{grant_id}]: one grant per app holding tokens of the user (SPEC 2-4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.models.domain import User
from oauth_authz.store.repository import Repository
from tests.support.api import Api, assert_not_found
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

SECRET = {"client_secret": EVENT_CLIENT_SECRET}


def app_token(api: Api, fingerprint: str | None = None, scopes: list[str] | None = None) -> dict[str, Any]:
    result = api.get_or_create(EVENT_CLIENT_ID, {**SECRET, "scopes": scopes or []}, fingerprint)
    assert result.status == 201, result.body
    return dict(result.json)


def test_a_grant_per_app_with_the_union_of_its_tokens_scopes(api: Api, table: TableView) -> None:
    app_token(api, "a", ["user", "repo"])
    app_token(api, "b", ["repo", "gist"])
    api.create({"note": "personal tokens have no grant", "scopes": ["admin:org"]})

    result = api.list_grants()

    assert result.status == 200
    assert_matches_response(result.json, "/applications/grants", "get", 200)
    (grant,) = result.json
    assert grant == {
        "id": grant["id"],
        "url": f"{BASE_URL}/applications/grants/{grant['id']}",
        "app": {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL},
        "created_at": grant["created_at"],
        "updated_at": grant["updated_at"],
        "scopes": ["gist", "repo", "user"],
    }
    assert api.get_grant(grant["id"]).json == grant
    assert_matches_response(api.get_grant(grant["id"]).json, "/applications/grants/{grant_id}", "get", 200)
    assert_table_invariants(table)


def test_the_grant_follows_updates_and_deletes(api: Api) -> None:
    a = app_token(api, "a", ["repo"])
    b = app_token(api, "b", ["user"])
    grant_id = api.list_grants().json[0]["id"]

    api.update(a["id"], {"add_scopes": ["gist"]})
    assert api.get_grant(grant_id).json["scopes"] == ["gist", "repo", "user"]
    api.delete(b["id"])
    assert api.get_grant(grant_id).json["scopes"] == ["gist", "repo"]


def test_no_tokens_no_grant(api: Api) -> None:
    token = app_token(api)
    grant_id = api.list_grants().json[0]["id"]

    assert api.delete(token["id"]).status == 204

    assert api.list_grants().json == []
    assert_not_found(api.get_grant(grant_id))
    assert_not_found(api.delete_grant(grant_id))


def test_grants_by_client_id_and_in_pages(api: Api, make_app: Any) -> None:
    others = [make_app(f"App {i}", f"https://app{i}.example.com") for i in range(3)]
    app_token(api)
    for other in others:
        api.get_or_create(other.client_id, {"client_secret": other.client_secret})

    everything = api.list_grants()
    only_one = api.list_grants({"client_id": others[1].client_id})
    none = api.list_grants({"client_id": "ffffffffffffffffffff"})
    page = api.list_grants({"per_page": "2", "page": "2"})

    assert len(everything.json) == 4
    assert [g["id"] for g in everything.json] == sorted(g["id"] for g in everything.json)
    assert [g["app"]["client_id"] for g in only_one.json] == [others[1].client_id]
    assert none.json == []
    assert page.json == everything.json[2:]
    url = f"{BASE_URL}/applications/grants?per_page=2"
    assert page.header("Link") == f'<{url}&page=1>; rel="first", <{url}&page=1>; rel="prev"'


def test_a_prefix_of_a_client_id_matches_no_grant(api: Api, make_app: Any) -> None:
    """`?client_id=` is an exact match: the first 8 characters of the app's client_id (the grants' sort keys
    begin with it) give `[]`. Seen red with the repository's exact-match filter dropped (the Query's
    `begins_with` alone): the grant was listed."""
    other = make_app("Prefixed", "https://prefixed.example.com")
    api.get_or_create(other.client_id, {"client_secret": other.client_secret})

    assert [g["app"]["client_id"] for g in api.list_grants({"client_id": other.client_id}).json] == [
        other.client_id
    ]
    assert api.list_grants({"client_id": other.client_id[:8]}).json == []
    assert api.list_grants({"client_id": other.client_id[:-1]}).json == []


def test_another_users_grant_is_404(api: Api, hubot: User) -> None:
    app_token(api)
    grant_id = api.list_grants().json[0]["id"]

    assert_not_found(api.as_user(hubot).get_grant(grant_id))
    assert_not_found(api.as_user(hubot).delete_grant(grant_id))
    assert api.get_grant(grant_id).status == 200


@pytest.mark.parametrize("grant_id", ["0", "-1", "abc", "9007199254740992", "١"])
def test_ids_that_are_no_ids_are_404(api: Api, grant_id: str) -> None:
    assert_not_found(api.get_grant(grant_id))
    assert_not_found(api.delete_grant(grant_id))


def test_delete_a_grant_revokes_every_token_of_the_app(
    api: Api, hubot: User, make_app: Any, table: TableView
) -> None:
    mine = [app_token(api, fp, ["repo"]) for fp in (None, "a", "b")]
    theirs = api.as_user(hubot).get_or_create(EVENT_CLIENT_ID, SECRET).json
    other = make_app()
    other_token = api.get_or_create(other.client_id, {"client_secret": other.client_secret}).json
    personal = api.create({"note": "kept"}).json
    grant_id = api.list_grants({"client_id": EVENT_CLIENT_ID}).json[0]["id"]

    result = api.delete_grant(grant_id)

    assert result.status == 204
    assert result.body == ""
    for token in mine:
        assert_not_found(api.get(token["id"]))
    assert api.as_user(hubot).get(theirs["id"]).status == 200
    assert api.get(other_token["id"]).status == 200
    assert api.get(personal["id"]).status == 200
    assert [g["app"]["client_id"] for g in api.list_grants().json] == [other.client_id]
    assert_not_found(api.get_grant(grant_id))
    assert table.get(f"GRANTID#{grant_id}", "GRANTID") is None
    assert_table_invariants(table)
    issued = [t["token"] for t in (*mine, theirs, other_token, personal)]
    assert_no_secrets(table, [*issued, OCTOCAT_PASSWORD, EVENT_CLIENT_SECRET, other.client_secret])


def test_after_a_deleted_grant_the_app_starts_over(api: Api, table: TableView) -> None:
    app_token(api, "a")
    old_id = api.list_grants().json[0]["id"]
    assert api.delete_grant(old_id).status == 204

    again = app_token(api, "a")

    grants = api.list_grants().json
    assert [g["id"] for g in grants] != [old_id]
    assert grants[0]["scopes"] == again["scopes"]
    assert_table_invariants(table)


def test_delete_a_grant_with_more_tokens_than_one_transaction_holds(
    api: Api, octocat: User, repository: Repository, table: TableView
) -> None:
    first = app_token(api, "fp-0", ["repo"])
    grant = repository.list_grants(octocat.id, EVENT_CLIENT_ID)[0]
    template = repository.get_authorization(octocat.id, first["id"])
    assert template is not None
    for i in range(1, 31):  # 31 in all: more than one part of Repository.GRANT_PART (30)
        token = tokens.new_token(tokens.TokenKind.OAUTH)
        repository.create_authorization(
            replace(
                template,
                id=template.id + i,
                hashed_token=tokens.hash_token(token),
                token_last_eight=tokens.last_eight(token),
                fingerprint=f"fp-{i}",
            )
        )
    assert len(repository.list_authorizations(octocat.id)) == 31 > Repository.GRANT_PART
    assert_table_invariants(table)

    assert api.delete_grant(grant.id).status == 204

    assert api.list().json == []
    assert [item for item in table.items() if item.get("Type") in ("Authorization", "Token", "Grant")] == []
    assert_table_invariants(table)


def test_grants_etag_and_304(api: Api) -> None:
    app_token(api)
    etag = api.list_grants().header("ETag")

    cached = api.list_grants(headers={"If-None-Match": etag})

    assert cached.status == 304
    assert cached.body == ""


def test_expired_tokens_leave_the_grant(api: Api, monkeypatch: pytest.MonkeyPatch, frozen_clock: Any) -> None:
    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", "60")
    app_token(api, "a", ["repo"])
    grant_id = api.list_grants().json[0]["id"]
    frozen_clock.advance(30)
    app_token(api, "b", ["user"])
    assert api.get_grant(grant_id).json["scopes"] == ["repo", "user"]

    frozen_clock.advance(31)
    assert api.get_grant(grant_id).json["scopes"] == ["user"]

    frozen_clock.advance(30)
    assert api.list_grants().json == []
    assert_not_found(api.get_grant(grant_id))
