"""MAX_TOKEN_LIFETIME_SECONDS: tokens get `expires_at`, and once expired they are gone for every route."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from oauth_authz.clock import iso
from tests.support.api import Api, assert_not_found
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET
from tests.support.invariants import assert_table_invariants
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")

LIFETIME = 3600


@pytest.fixture
def lifetime(monkeypatch: pytest.MonkeyPatch, frozen_clock: Any) -> Any:
    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", str(LIFETIME))
    return frozen_clock


def test_tokens_do_not_expire_by_default(api: Api, table: TableView) -> None:
    created = api.create({"note": "forever"}).json

    assert created["expires_at"] is None
    assert "expires_ttl" not in (table.get("USER#1", f"AUTH#{created['id']:016d}") or {"expires_ttl": 0})


def test_a_token_gets_expires_at_and_a_ttl(api: Api, lifetime: Any, table: TableView) -> None:
    created = api.create({"note": "short"})

    expected = lifetime.moment + timedelta(seconds=LIFETIME)
    assert created.status == 201
    assert created.json["expires_at"] == iso(expected)
    item = table.get("USER#1", f"AUTH#{created.json['id']:016d}")
    assert item is not None and item["expires_ttl"] == int(expected.timestamp())
    token_copy = table.get(f"TOKEN#{created.json['hashed_token']}", "TOKEN")
    assert token_copy is not None and token_copy["expires_ttl"] == int(expected.timestamp())
    assert_table_invariants(table)


def test_a_token_is_alive_until_its_last_second(api: Api, lifetime: Any) -> None:
    created = api.create({"note": "short"}).json
    lifetime.advance(LIFETIME - 1)

    assert api.get(created["id"]).status == 200
    assert [auth["id"] for auth in api.list().json] == [created["id"]]


def test_an_expired_token_is_404_everywhere_and_not_listed(api: Api, lifetime: Any) -> None:
    expired = api.create({"note": "short"}).json
    lifetime.advance(LIFETIME)
    fresh = api.create({"note": "fresh"}).json

    assert_not_found(api.get(expired["id"]))
    assert_not_found(api.update(expired["id"], {"scopes": ["repo"]}))
    assert_not_found(api.delete(expired["id"]))
    assert [auth["id"] for auth in api.list().json] == [fresh["id"]]


def test_get_or_create_replaces_an_expired_token(
    api: Api, lifetime: Any, oauth_app: Any, table: TableView
) -> None:
    body = {"client_secret": EVENT_CLIENT_SECRET, "scopes": ["repo"]}
    first = api.get_or_create(EVENT_CLIENT_ID, body)
    assert api.get_or_create(EVENT_CLIENT_ID, body).status == 200
    lifetime.advance(LIFETIME + 1)

    second = api.get_or_create(EVENT_CLIENT_ID, body)

    assert second.status == 201
    assert second.json["id"] != first.json["id"]
    assert second.json["expires_at"] == iso(lifetime.moment + timedelta(seconds=LIFETIME))
    assert api.get_or_create(EVENT_CLIENT_ID, body).json["id"] == second.json["id"]
    assert_not_found(api.get(first.json["id"]))
    assert_table_invariants(table)


def test_an_app_token_carries_its_expiry_into_the_grant(
    api: Api, lifetime: Any, oauth_app: Any, table: TableView
) -> None:
    created = api.create({"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}).json

    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")

    assert grant is not None
    assert grant["auths"][str(created["id"])] == {"scopes": [], "expires_at": created["expires_at"]}
    assert_table_invariants(table)


def test_a_lifetime_of_one_second_in_real_time(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", "1")
    created = api.create({"note": "blink"}).json

    time.sleep(1.05)  # expires_at is the creation second + 1: a second later it has passed

    assert_not_found(api.get(created["id"]))


def test_a_new_app_token_after_all_others_expired_starts_a_fresh_grant(
    api: Api, lifetime: Any, oauth_app: Any, table: TableView
) -> None:
    app = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}
    old = api.create({**app, "fingerprint": "a", "scopes": ["repo"]}).json
    old_grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    lifetime.advance(LIFETIME + 1)

    new = api.create({**app, "fingerprint": "b", "scopes": ["user"]})

    assert new.status == 201
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None and old_grant is not None
    assert grant["id"] != old_grant["id"]
    assert grant["auths"] == {str(new.json["id"]): {"scopes": ["user"], "expires_at": new.json["expires_at"]}}
    assert table.get(f"GRANTID#{old_grant['id']}", "GRANTID") is None
    assert_not_found(api.get(old["id"]))
    assert_table_invariants(table)


def test_the_note_of_an_expired_token_can_be_used_again(api: Api, lifetime: Any) -> None:
    assert api.create({"note": "admin script"}).status == 201
    lifetime.advance(LIFETIME)

    assert api.create({"note": "admin script"}).status == 201


def test_the_note_of_an_expired_token_can_be_taken_by_an_update(api: Api, lifetime: Any) -> None:
    assert api.create({"note": "admin script"}).status == 201
    lifetime.advance(LIFETIME)
    other = api.create({"note": "other"}).json

    assert api.update(other["id"], {"note": "admin script"}).status == 200


def test_the_fingerprint_of_an_expired_token_can_be_used_again_by_post(
    api: Api, lifetime: Any, oauth_app: Any
) -> None:
    app = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET, "fingerprint": "laptop"}
    assert api.create(app).status == 201
    lifetime.advance(LIFETIME)

    assert api.create(app).status == 201
