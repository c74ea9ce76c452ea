"""The developer settings pages (SPEC 11), each function run on its event (`events/<page>.json`) as it stands
and with one thing changed. Each security test's docstring names the deliberately broken build it was seen
red against."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from oauth_authz import clock
from oauth_authz.app_secrets import hash_secret
from oauth_authz.models.domain import App, ClientSecret, User
from oauth_authz.service.sessions import csrf_token
from oauth_authz.store.repository import Repository
from tests.integration.test_page_events import signed_in
from tests.integration.test_page_security import Run, run
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, EVENT_SESSION_ID
from tests.support.events import load_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, HttpResult, load_handler, to_result
from tests.support.tables import TableView

__all__ = ["run", "signed_in"]  # the fixtures, shared

FORMS = [
    "register_developer_app",
    "update_developer_app",
    "generate_client_secret",
    "delete_client_secret",
    "delete_developer_app",
]
BY_CLIENT_ID = ["developer_app_page", *FORMS[1:]]
APP_FIELDS = urlencode(
    {
        "name": "Octo Deploy",
        "url": "https://deploy.example.com",
        "callback_url": "https://deploy.example.com/cb",
    }
)
SECOND_SECRET = "e" * 40


def _csrf() -> str:
    return csrf_token(EVENT_SESSION_ID)


def make_app(repository: Repository, owner_id: int | None, secrets: int = 2) -> App:
    moment = clock.now()
    held = (
        ClientSecret(1, hash_secret(EVENT_CLIENT_SECRET), EVENT_CLIENT_SECRET[-8:], moment),
        ClientSecret(2, hash_secret(SECOND_SECRET), SECOND_SECRET[-8:], moment),
    )
    app = App(EVENT_CLIENT_ID, 1, "Octo Deploy", "https://deploy.example.com", moment, held[:secrets],
              "https://deploy.example.com/cb", owner_id=owner_id)  # fmt: skip
    repository.create_app(app)
    return app


@pytest.fixture
def owned(repository: Repository, signed_in: User) -> App:
    return make_app(repository, signed_in.id)


def page_of(client_id: str) -> HttpResult:
    """GET /settings/developers/{client_id} of another app than the event's."""
    event = json.loads(json.dumps(load_event("developer_app_page")).replace(EVENT_CLIENT_ID, client_id))
    handler = load_handler("developer_app_page")
    return to_result(handler.lambda_handler(event, FakeLambdaContext(function_name="developer_app_page")))


def shown_secret(body: str) -> str:
    found = re.search(r'id="new-client-secret" value="([0-9a-f]{40})" readonly[^>]*data-copy', body)
    assert found is not None, body
    return found.group(1)


@pytest.mark.parametrize("token", [None, "", "wrong"])
@pytest.mark.parametrize("folder", FORMS)
def test_a_form_without_its_csrf_token_changes_nothing(
    run: Run, owned: App, table: TableView, folder: str, token: str | None
) -> None:
    """Seen red with `require_csrf` removed from `register_developer_app` (an app made),
    `generate_client_secret` (a secret added) and `delete_developer_app` (the app deleted)."""
    evil = APP_FIELDS.replace("Octo", "Evil")
    fields = {"register_developer_app": APP_FIELDS, "update_developer_app": evil}
    body = fields.get(folder, "confirm=1")
    body = body if token is None else f"authenticity_token={token}&{body}"
    before = table.items()

    result = run(folder, body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert table.items() == before


@pytest.mark.parametrize("owner", ["hubot", "nobody", "unknown"])
@pytest.mark.parametrize("folder", BY_CLIENT_ID)
def test_an_app_not_the_users_is_not_found(
    run: Run, signed_in: User, hubot: User, repository: Repository, table: TableView, folder: str, owner: str
) -> None:
    """hubot's app, an app without an owner (the CLI's), and no app: the 404 page, nothing changed. Seen
    red with `DeveloperApps._owned` checking only that the app exists: octocat saw hubot's app, changed
    it, rotated its secrets and deleted it."""
    if owner != "unknown":
        make_app(repository, hubot.id if owner == "hubot" else None)
    before = table.items()
    confirmed = {"delete_developer_app": "confirm=1", "delete_client_secret": "confirm=1"}
    body = {"update_developer_app": APP_FIELDS, **confirmed}.get(folder, "")

    result = run(folder, body=f"authenticity_token={_csrf()}&{body}")

    assert result.status == 404 and "Octo Deploy" not in result.body
    assert table.items() == before


def test_registering_shows_the_secret_once_and_never_again(
    run: Run, signed_in: User, repository: Repository, table: TableView, capfd: pytest.CaptureFixture[str]
) -> None:
    """The secret is in the registration's answer only (no-store): not in the app's page, the list, a
    log line, or the table (its hash and last eight only). Seen red with `app_registry.client_secret`
    keeping the whole text as `last_eight` (the later page and the table held it)."""
    result = run("register_developer_app")

    assert result.status == 200 and result.header("Cache-Control") == "no-store"
    secret = shown_secret(result.body)
    (app,) = repository.owned_apps(signed_in.id)
    assert app.secrets[0].hash == hash_secret(secret) and app.secrets[0].last_eight == secret[-8:]
    later = [page_of(app.client_id), run("settings_developers_page")]
    assert [page.status for page in later] == [200, 200]
    assert f"*****{secret[-8:]}" in later[0].body and app.name in later[1].body
    assert not any(secret in page.body for page in later)
    logs = capfd.readouterr()
    assert secret not in logs.out + logs.err
    assert_no_secrets(table, [secret])
    assert_table_invariants(table)


def test_a_refused_registration_keeps_the_values_and_says_why(
    run: Run, signed_in: User, repository: Repository
) -> None:
    given = {"name": " ", "url": "ftp://x", "callback_url": "https://ok.example.com/cb", "device_flow": "1"}
    body = f"authenticity_token={_csrf()}&{urlencode(given)}"

    result = run("register_developer_app", body=body)

    assert result.status == 422
    assert '<p class="field-error" id="app-name-error">Application name can&#39;t be blank</p>' in result.body
    assert '<p class="field-error" id="app-url-error">Homepage URL must be a valid URL</p>' in result.body
    assert 'value="ftp://x"' in result.body and 'value="https://ok.example.com/cb"' in result.body
    assert 'id="app-device-flow" name="device_flow" value="1" checked' in result.body
    assert repository.owned_apps(signed_in.id) == []


@pytest.mark.parametrize("confirm", ["&confirm=1", ""])
def test_the_only_secret_is_not_deleted(
    run: Run, signed_in: User, repository: Repository, confirm: str
) -> None:
    """Refused at the confirmation step already, and at the deletion."""
    app = make_app(repository, signed_in.id, secrets=1)

    result = run("delete_client_secret", body=f"authenticity_token={_csrf()}{confirm}")

    assert result.status == 422 and "You can&#39;t delete the only client secret" in result.body
    assert repository.get_app(EVENT_CLIENT_ID) == app


def test_deleting_a_secret_asks_first_and_changes_nothing_until_confirmed(
    run: Run, owned: App, repository: Repository, table: TableView
) -> None:
    """Without `confirm=1` the page asks (naming the secret by its last eight characters) and posts back with
    it; nothing changes. Seen red with the confirmation step left out (the secret deleted at once, 303)."""
    before = table.items()

    result = run("delete_client_secret", body=f"authenticity_token={_csrf()}")

    assert result.status == 200 and table.items() == before
    named = f"<code>*****{EVENT_CLIENT_SECRET[-8:]}</code> of <strong>Octo Deploy</strong>"
    assert f"Delete the client secret {named}" in result.body
    action = f'<form method="post" action="/v1/settings/developers/{EVENT_CLIENT_ID}/secrets/1/delete">'
    assert action in result.body
    assert f'<input type="hidden" name="authenticity_token" value="{_csrf()}">' in result.body
    assert '<input type="hidden" name="confirm" value="1">' in result.body
    assert EVENT_CLIENT_SECRET not in result.body and SECOND_SECRET not in result.body

    confirmed = run("delete_client_secret", body=f"authenticity_token={_csrf()}&confirm=1")

    assert confirmed.status == 303
    app = repository.get_app(EVENT_CLIENT_ID)
    assert app is not None and [s.id for s in app.secrets] == [2]


@pytest.mark.parametrize("confirm", ["&confirm=1", ""])
def test_an_unknown_secret_is_not_found(
    run: Run, owned: App, repository: Repository, table: TableView, confirm: str
) -> None:
    """The event's path names secret 1, which this app no longer holds: the 404 page at either step."""
    repository.change_app(owned, replace(owned, secrets=owned.secrets[1:]))
    before = table.items()

    result = run("delete_client_secret", body=f"authenticity_token={_csrf()}{confirm}")

    assert result.status == 404 and table.items() == before


def test_a_lost_race_is_a_page_and_leaves_two_secrets_not_three(
    run: Run, signed_in: User, repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two generations at once: this one read the app before the other wrote its secret. Seen red with
    `change_app`'s condition on the revision removed: this write replaced the other's secret (lost) and
    answered 200."""
    stale = make_app(repository, signed_in.id, secrets=1)
    theirs = ClientSecret(2, hash_secret(SECOND_SECRET), SECOND_SECRET[-8:], clock.now())
    other = replace(stale, secrets=(*stale.secrets, theirs))
    won = repository.change_app(stale, other)
    reads = iter([stale])
    original = Repository.get_app
    monkeypatch.setattr(Repository, "get_app", lambda self, cid: next(reads, None) or original(self, cid))

    result = run("generate_client_secret")

    assert result.status == 409 and "changed by another request at the same time" in result.body
    assert repository.get_app(EVENT_CLIENT_ID) == won


@pytest.mark.parametrize("client_id", ["a" * 3000, "abc%2Fdef", "ab\u00e9", "..", "%00"])
def test_a_client_id_that_is_no_app_is_not_found_without_a_read(
    signed_in: User, table: TableView, client_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a key DynamoDB would take (a 3004-byte partition key is a ValidationException there, a 500; moto
    takes it): 404 without reading. Seen red with the length bound removed from `_owned` (the read made)."""
    asked: list[str] = []
    original = Repository.get_app
    monkeypatch.setattr(Repository, "get_app", lambda self, cid: asked.append(cid) or original(self, cid))
    before = table.items()

    assert page_of(client_id).status == 404
    assert table.items() == before and asked == []
