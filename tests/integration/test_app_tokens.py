"""The application endpoints: an app checks, resets and revokes its own tokens, the token in the path or in
the body (both forms behave the same), and revokes a user's whole grant (SPEC sections 2-5)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from oauth_authz import tokens
from oauth_authz.models.domain import User
from oauth_authz.store.table import dynamodb_client
from tests.support.api import Api, AppApi, assert_error, assert_not_found, assert_validation_failed
from tests.support.data import (
    APPS_DOCS,
    BASE_URL,
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    EVENT_TOKEN,
    OCTOCAT_PASSWORD,
)
from tests.support.events import auth_error_context
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.schemas import assert_matches_response
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat", "oauth_app")

FORMS = ["path", "body"]
DOCUMENTED = {
    ("check", "path"): ("/applications/{client_id}/tokens/{access_token}", "get"),
    ("check", "body"): ("/applications/{client_id}/token", "post"),
    ("reset", "path"): ("/applications/{client_id}/tokens/{access_token}", "post"),
    ("reset", "body"): ("/applications/{client_id}/token", "patch"),
}
SECRET = {"client_secret": EVENT_CLIENT_SECRET}
# a well-formed gho_ token that was never issued
NEVER_ISSUED = "gho_" + "N" * 30 + tokens.checksum("N" * 30)


@pytest.fixture
def issued(api: Api) -> dict[str, Any]:
    result = api.get_or_create(
        EVENT_CLIENT_ID, {**SECRET, "scopes": ["repo", "user"], "note": "CI"}, "laptop"
    )
    assert result.status == 201
    return dict(result.json)


@pytest.mark.parametrize("form", FORMS)
def test_check_gives_the_authorization_and_its_user(
    app_api: AppApi, issued: dict[str, Any], form: str
) -> None:
    result = app_api.check(issued["token"], form)

    assert result.status == 200
    assert_matches_response(result.json, *DOCUMENTED[("check", form)], 200)
    body = result.json
    user = body.pop("user")
    assert body == {**issued, "token": ""}
    assert (user["login"], user["id"], user["type"], user["site_admin"]) == ("octocat", 1, "User", False)
    assert user["url"] == f"{BASE_URL}/users/octocat"
    assert (result.header("ETag") is not None) == (form == "path")  # a GET has one, the POST form none


@pytest.mark.parametrize("form", FORMS)
def test_reset_issues_a_new_token_and_the_old_one_stops_at_once(
    app_api: AppApi, api: Api, issued: dict[str, Any], table: TableView, form: str
) -> None:
    result = app_api.reset(issued["token"], form)

    assert result.status == 200
    assert_matches_response(result.json, *DOCUMENTED[("reset", form)], 200)
    new = result.json["token"]
    assert tokens.is_well_formed(new, tokens.TokenKind.OAUTH)
    assert new != issued["token"]
    assert result.json["id"] == issued["id"]
    assert result.json["hashed_token"] == hashlib.sha256(new.encode()).hexdigest()
    assert result.json["token_last_eight"] == new[-8:]
    assert (result.json["scopes"], result.json["fingerprint"], result.json["note"]) == (
        ["repo", "user"],
        "laptop",
        "CI",
    )
    assert result.json["user"]["login"] == "octocat"
    assert_not_found(app_api.check(issued["token"], form))
    assert app_api.check(new, form).status == 200
    assert api.get(issued["id"]).json["hashed_token"] == result.json["hashed_token"]
    assert_table_invariants(table)
    assert_no_secrets(table, [issued["token"], new, EVENT_CLIENT_SECRET])


def test_a_reset_token_can_be_reset_again(app_api: AppApi, issued: dict[str, Any], table: TableView) -> None:
    first = app_api.reset(issued["token"]).json["token"]
    second = app_api.reset(first, "body").json["token"]

    assert len({issued["token"], first, second}) == 3
    assert_not_found(app_api.reset(issued["token"]))
    assert_not_found(app_api.check(first))
    assert app_api.check(second).status == 200
    assert_table_invariants(table)


@pytest.mark.parametrize("form", FORMS)
def test_revoke_one_token(
    app_api: AppApi, api: Api, issued: dict[str, Any], table: TableView, form: str
) -> None:
    other = api.get_or_create(EVENT_CLIENT_ID, SECRET, "desktop").json

    result = app_api.revoke(issued["token"], form)

    assert result.status == 204
    assert result.body == ""
    assert_not_found(app_api.check(issued["token"], form))
    assert_not_found(app_api.revoke(issued["token"], form))
    assert_not_found(api.get(issued["id"]))
    assert app_api.check(other["token"]).status == 200
    assert_table_invariants(table)


@pytest.mark.parametrize("form", FORMS)
def test_revoke_the_grant_of_the_tokens_owner(
    app_api: AppApi, api: Api, hubot: User, issued: dict[str, Any], make_app: Any, table: TableView, form: str
) -> None:
    second = api.get_or_create(EVENT_CLIENT_ID, SECRET).json
    theirs = api.as_user(hubot).get_or_create(EVENT_CLIENT_ID, SECRET).json
    other = make_app()
    other_token = api.get_or_create(other.client_id, {"client_secret": other.client_secret}).json

    result = app_api.revoke_grant(issued["token"], form)

    assert result.status == 204
    assert result.body == ""
    for token in (issued, second):
        assert_not_found(app_api.check(token["token"]))
    assert app_api.check(theirs["token"]).status == 200
    assert app_api.for_client(other.client_id).check(other_token["token"]).status == 200
    assert [g["app"]["client_id"] for g in api.list_grants().json] == [other.client_id]
    assert_not_found(app_api.revoke_grant(issued["token"], form))
    assert_table_invariants(table)
    all_tokens = [issued["token"], second["token"], theirs["token"], other_token["token"]]
    assert_no_secrets(table, [*all_tokens, EVENT_CLIENT_SECRET, other.client_secret, OCTOCAT_PASSWORD])


OPERATIONS = ["check", "reset", "revoke", "revoke_grant"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("form", FORMS)
def test_another_apps_token_is_404(
    app_api: AppApi, api: Api, make_app: Any, table: TableView, operation: str, form: str
) -> None:
    other = make_app()
    theirs = api.get_or_create(other.client_id, {"client_secret": other.client_secret}).json
    before = table.items()

    assert_not_found(app_api.call(operation, theirs["token"], form))
    assert table.items() == before


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("form", FORMS)
def test_the_path_must_name_the_signed_in_app(
    app_api: AppApi, issued: dict[str, Any], make_app: Any, table: TableView, operation: str, form: str
) -> None:
    other = make_app()
    before = table.items()

    assert_not_found(app_api.signed_in_as(other.client_id).call(operation, issued["token"], form))
    assert table.items() == before


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("form", FORMS)
def test_personal_tokens_are_no_apps_business(
    app_api: AppApi, api: Api, table: TableView, operation: str, form: str
) -> None:
    personal = api.create({"note": "mine"}).json
    before = table.items()

    assert_not_found(app_api.call(operation, personal["token"], form))
    assert table.items() == before


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "token",
    [NEVER_ISSUED, "gho_" + "N" * 30 + "000000", "gho_short", "not-a-token", "x" * 5000, "ghp_" + "N" * 36],
)
def test_unknown_and_malformed_tokens_are_404(
    app_api: AppApi, table: TableView, operation: str, form: str, token: str
) -> None:
    assert_not_found(app_api.call(operation, token, form))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_expired_token_is_404(
    app_api: AppApi, api: Api, monkeypatch: pytest.MonkeyPatch, frozen_clock: Any, operation: str
) -> None:
    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", "60")
    token = api.get_or_create(EVENT_CLIENT_ID, SECRET).json["token"]
    assert app_api.check(token).status == 200
    frozen_clock.advance(60)

    assert_not_found(app_api.call(operation, token))


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(("body", "code"), [({}, "missing_field"), ({"access_token": 5}, "invalid")])
def test_the_body_form_needs_an_access_token(
    app_api: AppApi, table: TableView, operation: str, body: dict[str, Any], code: str
) -> None:
    result = app_api.call(operation, "", "body", body=body)

    assert_validation_failed(result, {"field": "access_token", "code": code}, documentation_url=APPS_DOCS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_body_form_reads_json(app_api: AppApi, table: TableView, operation: str) -> None:
    assert_error(app_api.call(operation, "", "body", body='{"access_token": '), 400, "Problems parsing JSON")


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("context", "status", "message"),
    [
        (auth_error_context("bad_credentials"), 401, "Bad credentials"),
        (auth_error_context("requires_authentication"), 401, "Requires authentication"),
        ({"principalId": "user:1", "principal_type": "user", "user_id": "1", "login": "octocat"}, 401,
         "Requires authentication"),
    ],
)  # fmt: skip
def test_only_the_app_itself_may_call(
    app_api: AppApi,
    issued: dict[str, Any],
    operation: str,
    form: str,
    context: Any,
    status: int,
    message: str,
) -> None:
    assert_error(app_api.call(operation, issued["token"], form, authorizer=context), status, message)
    assert app_api.check(issued["token"]).status == 200


def test_the_app_is_named_as_registered(app_api: AppApi, issued: dict[str, Any]) -> None:
    result = app_api.check(issued["token"], "body")

    assert result.json["app"] == {"client_id": EVENT_CLIENT_ID, "name": EVENT_APP_NAME, "url": EVENT_APP_URL}


# malformed tokens: refused without a read (SPEC section 4) -------------------------------------------------


def _malformed() -> dict[str, str]:
    body = EVENT_TOKEN[4:34]
    changed = "A" if EVENT_TOKEN[-1] != "A" else "B"
    return {
        "a changed checksum character": EVENT_TOKEN[:-1] + changed,
        "a short token": EVENT_TOKEN[:-1],
        "a personal (ghp_) token": "ghp_" + body + tokens.checksum(body),  # well-formed, but not an app's
        "non-base62 characters": "gho_" + body[:-2] + "-_" + tokens.checksum(body[:-2] + "-_"),
    }


@pytest.mark.usefixtures("event_app_authorization")
@pytest.mark.parametrize("operation", list(AppApi.PATH_FORMS))
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", list(_malformed()))
def test_a_malformed_token_is_refused_without_a_store_read(
    app_api: AppApi, operation: str, form: str, kind: str
) -> None:
    """Every app route, in both forms: 404 and not one call to DynamoDB (its answer for a malformed token
    would be the same 404, so only the count of calls can tell). Seen red with the service's
    `tokens.is_well_formed` check removed (each case then made a GetItem), and, for the `ghp_` case alone,
    with the check made without the kind (`is_well_formed(token)`)."""
    token = _malformed()[kind]
    assert not tokens.is_well_formed(token, tokens.TokenKind.OAUTH)
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = dynamodb_client().meta.events
    events.register("provide-client-params.dynamodb", count)
    try:
        result = app_api.call(operation, token, form)
    finally:
        events.unregister("provide-client-params.dynamodb", count)

    assert_not_found(result)
    assert calls == []
