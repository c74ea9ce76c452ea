"""POST /authorizations: personal access tokens and tokens for an app (SPEC sections 3 and 4)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.scopes import GITHUB_SCOPES
from tests.support.api import Api, assert_error, assert_validation_failed
from tests.support.data import (
    BASE_URL,
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    OCTOCAT_PASSWORD,
    PERSONAL_CLIENT_ID,
)
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.schemas import assert_matches_response, assert_matches_schema
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")

PERSONAL_APP_URL = "https://developer.github.com/v3/oauth_authorizations/"


def authorizations(table: TableView) -> list[dict[str, Any]]:
    return [item for item in table.items() if item.get("Type") == "Authorization"]


# personal access tokens -------------------------------------------------------------------------------------


def test_a_personal_access_token(api: Api, table: TableView) -> None:
    result = api.create(
        {"scopes": ["repo", "user"], "note": "admin script", "note_url": "https://example.com/why"}
    )

    assert result.status == 201
    body = result.json
    assert_matches_response(body, "/authorizations", "post", 201)
    token = body["token"]
    assert tokens.is_well_formed(token, tokens.TokenKind.PERSONAL)
    assert len(token) == 40
    assert body == {
        "id": body["id"],
        "url": f"{BASE_URL}/authorizations/{body['id']}",
        "scopes": ["repo", "user"],
        "token": token,
        "token_last_eight": token[-8:],
        "hashed_token": hashlib.sha256(token.encode()).hexdigest(),
        "app": {"client_id": PERSONAL_CLIENT_ID, "name": "admin script", "url": PERSONAL_APP_URL},
        "note": "admin script",
        "note_url": "https://example.com/why",
        "updated_at": body["created_at"],
        "created_at": body["created_at"],
        "fingerprint": None,
        "expires_at": None,
    }
    assert isinstance(body["id"], int) and 0 < body["id"] < 2**53
    assert result.header("Location") == body["url"]
    assert_table_invariants(table)
    assert_no_secrets(table, [token, OCTOCAT_PASSWORD])


def test_the_token_is_shown_only_once(api: Api) -> None:
    created = api.create({"note": "once"}).json

    fetched = api.get(created["id"])
    listed = api.list()

    assert fetched.status == 200
    assert fetched.json == {**created, "token": ""}
    assert listed.json == [{**created, "token": ""}]


def test_every_token_is_new(api: Api) -> None:
    made = [api.create({"note": f"note {i}"}).json for i in range(5)]

    assert len({auth["token"] for auth in made}) == 5
    assert len({auth["id"] for auth in made}) == 5
    assert [auth["id"] for auth in made] == sorted(auth["id"] for auth in made)


@pytest.mark.parametrize(
    "body", [{}, {"scopes": ["repo"]}, {"note": ""}, {"note": None}, {"note_url": "https://x.example"}]
)
def test_a_personal_token_needs_a_note(api: Api, table: TableView, body: dict[str, Any]) -> None:
    assert_validation_failed(api.create(body), {"field": "note", "code": "missing_field"})
    assert authorizations(table) == []


def test_notes_are_unique_among_a_users_personal_tokens(api: Api, table: TableView) -> None:
    first = api.create({"note": "admin script"})

    again = api.create({"note": "admin script", "scopes": ["repo"]})

    assert first.status == 201
    # GitHub names the note "description" in this error, and clients look for that name
    assert_validation_failed(again, {"field": "description", "code": "already_exists"})
    assert [auth["id"] for auth in authorizations(table)] == [first.json["id"]]
    assert_table_invariants(table)


def test_another_user_may_use_the_same_note(api: Api, hubot: Any, table: TableView) -> None:
    mine = api.create({"note": "admin script"})
    theirs = api.as_user(hubot).create({"note": "admin script"})

    assert (mine.status, theirs.status) == (201, 201)
    assert_table_invariants(table)


def test_an_app_token_does_not_hold_a_note(api: Api, oauth_app: Any, table: TableView) -> None:
    app_token = api.create(
        {"note": "admin script", "client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}
    )
    personal = api.create({"note": "admin script"})
    second_app_token_note = api.create(
        {
            "note": "admin script",
            "client_id": EVENT_CLIENT_ID,
            "client_secret": EVENT_CLIENT_SECRET,
            "fingerprint": "f",
        }
    )

    assert (app_token.status, personal.status, second_app_token_note.status) == (201, 201, 201)
    assert_table_invariants(table)


def test_a_note_is_free_again_once_its_token_is_deleted(api: Api, table: TableView) -> None:
    first = api.create({"note": "admin script"}).json
    assert api.delete(first["id"]).status == 204

    again = api.create({"note": "admin script"})

    assert again.status == 201
    assert again.json["id"] != first["id"]
    assert_table_invariants(table)


def test_a_personal_token_may_carry_a_fingerprint(api: Api, table: TableView) -> None:
    result = api.create({"note": "laptop token", "fingerprint": "laptop"})

    assert result.status == 201
    assert result.json["fingerprint"] == "laptop"
    assert result.json["app"]["client_id"] == PERSONAL_CLIENT_ID
    assert_table_invariants(table)


def test_unicode_notes(api: Api) -> None:
    note = "déploiement 🚀 中文 " + json.loads('"\\ud83d\\ude00"')

    result = api.create({"note": note})

    assert result.status == 201
    assert result.json["note"] == note
    assert result.json["app"]["name"] == note
    assert api.get(result.json["id"]).json["note"] == note


# scopes -----------------------------------------------------------------------------------------------------


def test_scopes_are_deduplicated_in_the_order_given(api: Api) -> None:
    result = api.create({"note": "n", "scopes": ["user", "repo", "user", "gist", "repo"]})

    assert result.status == 201
    assert result.json["scopes"] == ["user", "repo", "gist"]


@pytest.mark.parametrize("scopes", [None, []])
def test_no_scopes(api: Api, scopes: Any) -> None:
    result = api.create({"note": "n", "scopes": scopes})

    assert result.status == 201
    assert result.json["scopes"] == []


@pytest.mark.parametrize("scopes", [["repo", "not-a-scope"], ["REPO"], ["repo "], ["admin"]])
def test_unknown_scopes_are_refused(api: Api, table: TableView, scopes: list[str]) -> None:
    assert_validation_failed(
        api.create({"note": "n", "scopes": scopes}), {"field": "scopes", "code": "invalid"}
    )
    assert authorizations(table) == []


def test_every_documented_scope_is_accepted(api: Api) -> None:
    result = api.create({"note": "n", "scopes": sorted(GITHUB_SCOPES)})

    assert result.status == 201
    assert result.json["scopes"] == sorted(GITHUB_SCOPES)


def test_the_known_scopes_can_be_configured(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_SCOPES", "repo,read:custom")

    allowed = api.create({"note": "a", "scopes": ["read:custom", "repo"]})
    refused = api.create({"note": "b", "scopes": ["user"]})

    assert allowed.status == 201
    assert allowed.json["scopes"] == ["read:custom", "repo"]
    assert_validation_failed(refused, {"field": "scopes", "code": "invalid"})


# tokens for an app ------------------------------------------------------------------------------------------


def app_body(**changes: Any) -> dict[str, Any]:
    return {
        "client_id": EVENT_CLIENT_ID,
        "client_secret": EVENT_CLIENT_SECRET,
        "scopes": ["public_repo"],
        **changes,
    }


def test_a_token_for_an_app(api: Api, oauth_app: Any, table: TableView) -> None:
    result = api.create(app_body(note="for CI", note_url="https://ci.example.com"))

    assert result.status == 201
    body = result.json
    assert_matches_response(body, "/authorizations", "post", 201)
    assert tokens.is_well_formed(body["token"], tokens.TokenKind.OAUTH)
    assert body["app"] == {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL}
    assert (body["note"], body["note_url"], body["fingerprint"]) == ("for CI", "https://ci.example.com", None)
    assert body["hashed_token"] == hashlib.sha256(body["token"].encode()).hexdigest()
    assert result.header("Location") == body["url"]
    grant = table.get("USER#1", f"GRANT#{EVENT_CLIENT_ID}")
    assert grant is not None
    assert grant["auths"] == {str(body["id"]): {"scopes": ["public_repo"]}}
    assert_table_invariants(table)
    assert_no_secrets(table, [body["token"], EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD])


def test_an_app_token_needs_no_note(api: Api, oauth_app: Any) -> None:
    result = api.create(app_body())

    assert result.status == 201
    assert result.json["note"] is None


def test_an_unknown_client_id_is_invalid(api: Api, oauth_app: Any, table: TableView) -> None:
    result = api.create(app_body(client_id="ffffffffffffffffffff"))

    assert_validation_failed(result, {"field": "client_id", "code": "invalid"})
    assert authorizations(table) == []


def test_the_personal_placeholder_is_no_app(api: Api) -> None:
    result = api.create(app_body(client_id=PERSONAL_CLIENT_ID, note="n"))

    assert_validation_failed(result, {"field": "client_id", "code": "invalid"})


def test_a_wrong_client_secret_is_invalid(api: Api, oauth_app: Any, table: TableView) -> None:
    result = api.create(app_body(client_secret="0" * 40))

    assert_validation_failed(result, {"field": "client_secret", "code": "invalid"})
    assert authorizations(table) == []


def test_a_client_id_needs_its_secret(api: Api, oauth_app: Any) -> None:
    for body in (app_body(client_secret=None), app_body(client_secret=""), {"client_id": EVENT_CLIENT_ID}):
        assert_validation_failed(api.create(body), {"field": "client_secret", "code": "missing_field"})


def test_an_empty_client_id_means_a_personal_token(api: Api, table: TableView) -> None:
    result = api.create({"client_id": "", "client_secret": "", "note": "from a widely used client"})

    assert result.status == 201
    assert result.json["app"]["client_id"] == PERSONAL_CLIENT_ID
    assert tokens.is_well_formed(result.json["token"], tokens.TokenKind.PERSONAL)
    assert_table_invariants(table)


def test_an_empty_client_id_with_a_secret_is_still_personal(api: Api) -> None:
    result = api.create({"client_id": "", "client_secret": EVENT_CLIENT_SECRET, "note": "n"})

    assert result.status == 201
    assert result.json["app"]["client_id"] == PERSONAL_CLIENT_ID


def test_an_empty_client_id_without_a_note_is_a_personal_token_missing_its_note(api: Api) -> None:
    assert_validation_failed(api.create({"client_id": ""}), {"field": "note", "code": "missing_field"})


def test_fingerprints_tell_tokens_of_one_app_apart(api: Api, oauth_app: Any, table: TableView) -> None:
    laptop = api.create(app_body(fingerprint="laptop"))
    desktop = api.create(app_body(fingerprint="desktop"))
    bare = api.create(app_body())

    assert (laptop.status, desktop.status, bare.status) == (201, 201, 201)
    assert len({laptop.json["id"], desktop.json["id"], bare.json["id"]}) == 3
    assert_table_invariants(table)


def test_one_token_per_app_and_fingerprint(api: Api, oauth_app: Any, table: TableView) -> None:
    assert api.create(app_body(fingerprint="laptop")).status == 201

    again = api.create(app_body(fingerprint="laptop", scopes=["repo"]))

    assert_validation_failed(again, {"field": "fingerprint", "code": "already_exists"})
    assert len(authorizations(table)) == 1
    assert_table_invariants(table)


def test_an_absent_fingerprint_is_its_own_value(api: Api, oauth_app: Any, table: TableView) -> None:
    assert api.create(app_body()).status == 201

    assert_validation_failed(api.create(app_body()), {"field": "fingerprint", "code": "already_exists"})
    assert_validation_failed(
        api.create(app_body(fingerprint="")), {"field": "fingerprint", "code": "already_exists"}
    )
    assert api.create(app_body(fingerprint="-")).status == 201
    assert_table_invariants(table)


def test_fingerprints_are_per_user(api: Api, oauth_app: Any, hubot: Any, table: TableView) -> None:
    assert api.create(app_body(fingerprint="laptop")).status == 201
    assert api.as_user(hubot).create(app_body(fingerprint="laptop")).status == 201
    assert_table_invariants(table)


def test_two_apps_keep_separate_fingerprints(
    api: Api, oauth_app: Any, make_app: Any, table: TableView
) -> None:
    other = make_app()

    first = api.create(app_body(fingerprint="laptop"))
    second = api.create(
        {"client_id": other.client_id, "client_secret": other.client_secret, "fingerprint": "laptop"}
    )

    assert (first.status, second.status) == (201, 201)
    assert second.json["app"] == {
        "client_id": other.client_id,
        "name": "Other App",
        "url": "https://other.example.com",
    }
    assert_table_invariants(table)
    assert_no_secrets(
        table, [other.client_secret, EVENT_CLIENT_SECRET, first.json["token"], second.json["token"]]
    )


# bodies -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["example.com/x", "/relative", "ftp://example.com", "javascript:alert(1)", "https://", "https://a b.com"],
)
def test_note_url_must_be_an_absolute_http_url(api: Api, url: str) -> None:
    assert_validation_failed(
        api.create({"note": "n", "note_url": url}), {"field": "note_url", "code": "invalid"}
    )


def test_malformed_json_is_400(api: Api, table: TableView) -> None:
    assert_error(api.create('{"note": "admin script"'), 400, "Problems parsing JSON")
    assert authorizations(table) == []


@pytest.mark.parametrize("text", ['[{"note": "n"}]', '"note"', "1", "null"])
def test_a_body_that_is_not_an_object_is_400(api: Api, text: str) -> None:
    result = api.create(text)

    assert result.status == 400
    assert set(result.json) == {"message", "documentation_url"}
    assert_matches_schema(result.json, "basic-error")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": 1}, "note"),
        ({"note": ["admin"]}, "note"),
        ({"note": "n", "scopes": "repo"}, "scopes"),
        ({"note": "n", "scopes": [True]}, "scopes"),
        ({"note": "n", "note_url": 12}, "note_url"),
        ({"note": "n", "fingerprint": {"a": 1}}, "fingerprint"),
        ({"client_id": 12345, "client_secret": "x"}, "client_id"),
    ],
)
def test_wrong_types_are_422_invalid(api: Api, body: dict[str, Any], field: str) -> None:
    assert_validation_failed(api.create(body), {"field": field, "code": "invalid"})


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"note": "admin\\u0000script"}', "note"),
        ('{"note": "\\ud800"}', "note"),
        ('{"note": "n", "fingerprint": "\\udfff"}', "fingerprint"),
        ('{"note": "n", "note_url": "https://example.com/\\u0000"}', "note_url"),
        ('{"note": "n", "scopes": ["repo\\u0000"]}', "scopes"),
    ],
)
def test_nul_and_lone_surrogates_are_422_not_a_storage_error(
    api: Api, table: TableView, text: str, field: str
) -> None:
    assert_validation_failed(api.create(text), {"field": field, "code": "invalid"})
    assert authorizations(table) == []


def test_a_megabyte_note_is_422(api: Api, table: TableView) -> None:
    result = api.create({"note": "n" * 1_000_000})

    assert_validation_failed(result, {"field": "note", "code": "invalid"})
    assert len(result.body) < 1000
    assert authorizations(table) == []


def test_a_megabyte_of_ignored_fields_is_fine(api: Api) -> None:
    result = api.create({"note": "n", "padding": "x" * 1_000_000})

    assert result.status == 201
    assert "padding" not in result.json


def test_secrets_in_a_refused_body_are_not_echoed(api: Api, oauth_app: Any) -> None:
    result = api.create(app_body(client_secret="wrong-" + EVENT_CLIENT_SECRET[:30]))

    assert result.status == 422
    assert EVENT_CLIENT_SECRET[:30] not in result.body


def test_a_body_that_is_not_utf8_is_400_not_500(api: Api, table: TableView) -> None:
    # the local API passes a body that is not UTF-8 base64-encoded, as API Gateway does binary bodies
    result = api.create(b'{"note": "caf\xe9"}')

    assert_error(result, 400, "Problems parsing JSON")
    assert authorizations(table) == []
