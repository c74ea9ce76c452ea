"""PATCH (and POST) /authorizations/{id}: scopes, note, note_url and fingerprint under create's rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, assert_error, assert_not_found, assert_validation_failed
from tests.support.data import EVENT_APP_NAME, EVENT_CLIENT_ID, EVENT_CLIENT_SECRET
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.schemas import assert_matches_response
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")

APP = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}


@pytest.fixture
def personal(api: Api) -> dict[str, Any]:
    result = api.create(
        {"note": "admin script", "scopes": ["repo", "user"], "note_url": "https://example.com/a"}
    )
    assert result.status == 201
    return dict(result.json)


@pytest.fixture
def app_token(api: Api, oauth_app: Any) -> dict[str, Any]:
    result = api.create({**APP, "scopes": ["public_repo"], "fingerprint": "laptop", "note": "for CI"})
    assert result.status == 201
    return dict(result.json)


def grant_entries(table: TableView) -> dict[str, Any]:
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None
    return dict(grant["auths"])


# scopes -----------------------------------------------------------------------------------------------------


def test_scopes_replace(api: Api, personal: dict[str, Any], table: TableView) -> None:
    result = api.update(personal["id"], {"scopes": ["gist", "gist", "notifications"]})

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations/{authorization_id}", "patch", 200)
    assert result.json == {
        **personal,
        "token": "",
        "scopes": ["gist", "notifications"],
        "updated_at": result.json["updated_at"],
    }
    assert api.get(personal["id"]).json["scopes"] == ["gist", "notifications"]
    assert_table_invariants(table)


def test_add_scopes_appends_what_is_new_in_order(api: Api, personal: dict[str, Any]) -> None:
    result = api.update(personal["id"], {"add_scopes": ["gist", "repo", "admin:org", "gist"]})

    assert result.json["scopes"] == ["repo", "user", "gist", "admin:org"]


def test_remove_scopes(api: Api, personal: dict[str, Any]) -> None:
    result = api.update(personal["id"], {"remove_scopes": ["user", "gist", "not-a-scope"]})

    assert result.status == 200
    assert result.json["scopes"] == ["repo"]


def test_scopes_may_become_empty(api: Api, personal: dict[str, Any]) -> None:
    assert api.update(personal["id"], {"scopes": []}).json["scopes"] == []
    assert api.update(personal["id"], {"add_scopes": ["repo"]}).json["scopes"] == ["repo"]
    assert api.update(personal["id"], {"remove_scopes": ["repo"]}).json["scopes"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": ["repo"], "add_scopes": ["user"]},
        {"scopes": ["repo"], "remove_scopes": ["user"]},
        {"add_scopes": ["repo"], "remove_scopes": ["user"]},
        {"scopes": [], "add_scopes": [], "remove_scopes": []},
    ],
)
def test_only_one_of_the_scope_fields(api: Api, personal: dict[str, Any], body: dict[str, Any]) -> None:
    result = api.update(personal["id"], body)

    assert result.status == 422
    assert [(e["resource"], e["field"]) for e in result.json["errors"]] == [("OauthAccess", "scopes")]
    assert result.json["errors"][0]["code"] in ("custom", "invalid")
    assert api.get(personal["id"]).json["scopes"] == ["repo", "user"]


@pytest.mark.parametrize("field", ["scopes", "add_scopes"])
def test_unknown_scopes_are_refused(api: Api, personal: dict[str, Any], field: str) -> None:
    assert_validation_failed(
        api.update(personal["id"], {field: ["nope"]}), {"field": "scopes", "code": "invalid"}
    )


def test_an_app_tokens_grant_follows_its_scopes(
    api: Api, app_token: dict[str, Any], table: TableView
) -> None:
    result = api.update(app_token["id"], {"add_scopes": ["repo"]})

    assert result.json["scopes"] == ["public_repo", "repo"]
    assert grant_entries(table) == {str(app_token["id"]): {"scopes": ["public_repo", "repo"]}}
    assert_table_invariants(table)


# note, note_url ---------------------------------------------------------------------------------------------


def test_a_new_note_renames_a_personal_tokens_app(
    api: Api, personal: dict[str, Any], table: TableView
) -> None:
    result = api.update(personal["id"], {"note": "deploy script"})

    assert result.json["note"] == "deploy script"
    assert result.json["app"]["name"] == "deploy script"
    assert_table_invariants(table)


def test_an_app_token_keeps_its_apps_name(api: Api, app_token: dict[str, Any]) -> None:
    result = api.update(app_token["id"], {"note": "renamed"})

    assert result.json["note"] == "renamed"
    assert result.json["app"]["name"] == EVENT_APP_NAME


def test_notes_stay_unique_on_update(api: Api, personal: dict[str, Any], table: TableView) -> None:
    other = api.create({"note": "other script"}).json

    result = api.update(other["id"], {"note": "admin script", "scopes": ["gist"]})

    assert_validation_failed(result, {"field": "description", "code": "already_exists"})
    assert api.get(other["id"]).json == {**other, "token": ""}
    assert_table_invariants(table)


def test_a_changed_note_frees_the_old_one(api: Api, personal: dict[str, Any], table: TableView) -> None:
    assert api.update(personal["id"], {"note": "renamed"}).status == 200

    reused = api.create({"note": "admin script"})

    assert reused.status == 201
    assert_validation_failed(
        api.create({"note": "renamed"}), {"field": "description", "code": "already_exists"}
    )
    assert_table_invariants(table)


def test_keeping_the_same_note_is_fine(api: Api, personal: dict[str, Any], table: TableView) -> None:
    result = api.update(personal["id"], {"note": "admin script", "scopes": ["gist"]})

    assert result.status == 200
    assert result.json["scopes"] == ["gist"]
    assert_table_invariants(table)


def test_a_personal_token_cannot_lose_its_note(api: Api, personal: dict[str, Any]) -> None:
    assert_validation_failed(
        api.update(personal["id"], {"note": None}), {"field": "note", "code": "missing_field"}
    )
    assert api.get(personal["id"]).json["note"] == "admin script"


def test_an_app_token_may_lose_its_note(api: Api, app_token: dict[str, Any], table: TableView) -> None:
    result = api.update(app_token["id"], {"note": None})

    assert result.status == 200
    assert result.json["note"] is None
    assert_table_invariants(table)


def test_an_empty_note_changes_nothing(api: Api, personal: dict[str, Any]) -> None:
    result = api.update(personal["id"], {"note": ""})

    assert result.status == 200
    assert result.json == {**personal, "token": ""}


def test_note_url_changes_and_null_clears_it(api: Api, personal: dict[str, Any]) -> None:
    changed = api.update(personal["id"], {"note_url": "http://example.org/b"})
    kept = api.update(personal["id"], {"note_url": ""})
    cleared = api.update(personal["id"], {"note_url": None})

    assert changed.json["note_url"] == "http://example.org/b"
    assert kept.json["note_url"] == "http://example.org/b"
    assert cleared.json["note_url"] is None
    assert api.get(personal["id"]).json["note_url"] is None


@pytest.mark.parametrize("url", ["example.com", "ftp://example.com", "https://", "mailto:x@example.com"])
def test_note_url_is_validated_on_update(api: Api, personal: dict[str, Any], url: str) -> None:
    assert_validation_failed(
        api.update(personal["id"], {"note_url": url}), {"field": "note_url", "code": "invalid"}
    )
    assert api.get(personal["id"]).json["note_url"] == "https://example.com/a"


# fingerprint ------------------------------------------------------------------------------------------------


def test_a_new_fingerprint_moves_the_claim(api: Api, app_token: dict[str, Any], table: TableView) -> None:
    result = api.update(app_token["id"], {"fingerprint": "desktop"})

    assert result.json["fingerprint"] == "desktop"
    found = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET}, "desktop")
    assert (found.status, found.json["id"]) == (200, app_token["id"])
    freed = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET}, "laptop")
    assert freed.status == 201
    assert_table_invariants(table)


def test_fingerprints_stay_unique_on_update(api: Api, app_token: dict[str, Any], table: TableView) -> None:
    other = api.create({**APP, "fingerprint": "desktop"}).json

    result = api.update(other["id"], {"fingerprint": "laptop"})

    assert_validation_failed(result, {"field": "fingerprint", "code": "already_exists"})
    assert api.get(other["id"]).json["fingerprint"] == "desktop"
    assert_table_invariants(table)


def test_null_clears_the_fingerprint_which_is_then_the_absent_one(
    api: Api, app_token: dict[str, Any], table: TableView
) -> None:
    result = api.update(app_token["id"], {"fingerprint": None})

    assert result.json["fingerprint"] is None
    found = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET})
    assert (found.status, found.json["id"]) == (200, app_token["id"])
    assert_table_invariants(table)


def test_clearing_a_fingerprint_when_the_absent_one_is_taken(
    api: Api, app_token: dict[str, Any], table: TableView
) -> None:
    bare = api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET})
    assert bare.status == 201

    result = api.update(app_token["id"], {"fingerprint": None})

    assert_validation_failed(result, {"field": "fingerprint", "code": "already_exists"})
    assert_table_invariants(table)


def test_a_personal_tokens_fingerprint_is_no_claim(
    api: Api, personal: dict[str, Any], table: TableView
) -> None:
    other = api.create({"note": "second", "fingerprint": "laptop"}).json

    result = api.update(personal["id"], {"fingerprint": "laptop"})

    assert result.status == 200
    assert result.json["fingerprint"] == other["fingerprint"] == "laptop"
    assert_table_invariants(table)


# the rest ---------------------------------------------------------------------------------------------------


def test_post_is_an_alias_of_patch(api: Api, personal: dict[str, Any], table: TableView) -> None:
    result = api.update(personal["id"], {"add_scopes": ["gist"], "note": "via POST"}, method="POST")

    assert result.status == 200
    assert result.json["scopes"] == ["repo", "user", "gist"]
    assert result.json["note"] == "via POST"
    assert_table_invariants(table)


def test_updated_at_moves_and_created_at_stays(api: Api, frozen_clock: Any) -> None:
    created = api.create({"note": "timed"}).json
    frozen_clock.advance(90)

    result = api.update(created["id"], {"scopes": ["repo"]})

    assert result.json["created_at"] == created["created_at"]
    assert result.json["updated_at"] > created["updated_at"]
    assert api.get(created["id"]).json["updated_at"] == result.json["updated_at"]


def test_a_change_to_nothing_keeps_updated_at(api: Api, personal: dict[str, Any], frozen_clock: Any) -> None:
    frozen_clock.advance(90)

    for body in ({}, {"note": "admin script"}, {"scopes": ["repo", "user"]}, {"remove_scopes": ["gist"]}):
        result = api.update(personal["id"], body)
        assert result.json == {**personal, "token": ""}


def test_the_token_is_never_shown_again(api: Api, personal: dict[str, Any], table: TableView) -> None:
    result = api.update(personal["id"], {"scopes": ["gist"]})

    assert result.json["token"] == ""
    assert result.json["hashed_token"] == personal["hashed_token"]
    assert_no_secrets(table, [personal["token"]])


def test_missing_authorization_is_404(api: Api) -> None:
    assert_not_found(api.update(987654321, {"note": "x"}))


def test_malformed_json_is_400(api: Api, personal: dict[str, Any]) -> None:
    assert_error(api.update(personal["id"], '{"note": '), 400, "Problems parsing JSON")


def test_a_json_array_is_400(api: Api, personal: dict[str, Any]) -> None:
    assert api.update(personal["id"], ["note"]).status == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": "repo"}, "scopes"),
        ({"add_scopes": [1]}, "add_scopes"),
        ({"remove_scopes": {"a": 1}}, "remove_scopes"),
        ({"note": 3}, "note"),
        ({"note_url": ["https://x.example"]}, "note_url"),
        ({"fingerprint": 1.5}, "fingerprint"),
        ({"note": "a\u0000b"}, "note"),
        ({"note": "n" * 1025}, "note"),
        ({"fingerprint": "f" * 256}, "fingerprint"),
    ],
)
def test_wrong_fields_are_422(api: Api, personal: dict[str, Any], body: dict[str, Any], field: str) -> None:
    assert_validation_failed(api.update(personal["id"], body), {"field": field, "code": "invalid"})
    assert api.get(personal["id"]).json == {**personal, "token": ""}
