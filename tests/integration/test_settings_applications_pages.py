"""The authorized OAuth apps pages (SPEC 11), each function run on its event (`events/<page>.json`) as it
stands and with one thing changed. Each security test's docstring names the deliberately broken build it was
seen red against."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oauth_authz import clock, tokens
from oauth_authz.models.domain import Authorization, Grant, GrantEntry, IssuedToken, User
from oauth_authz.service.sessions import csrf_token
from oauth_authz.store.repository import Repository
from tests.integration.test_page_events import signed_in
from tests.integration.test_page_security import Run, run
from tests.support.data import EVENT_APP_NAME, EVENT_GRANT_ID, EVENT_SESSION_ID, EVENT_TOKEN
from tests.support.invariants import assert_table_invariants
from tests.support.tables import TableView

__all__ = ["run", "signed_in"]  # the fixtures, shared

PAGES = ["settings_applications_page", "revoke_application"]
CSRF = csrf_token(EVENT_SESSION_ID)


@pytest.fixture
def granted(signed_in: User, event_app_authorization: IssuedToken) -> IssuedToken:
    return event_app_authorization


def app_items(table: TableView) -> list[dict[str, object]]:
    return [item for item in table.items() if str(item["SK"]).startswith(("AUTH#", "GRANT#"))]


def test_the_applications_page_lists_each_grant(
    run: Run, granted: IssuedToken, repository: Repository
) -> None:
    used = clock.now() - timedelta(days=1)
    repository.record_token_use(granted.authorization.hashed_token, used, used)

    result = run("settings_applications_page")

    assert result.status == 200
    assert f'rel="noopener noreferrer">{EVENT_APP_NAME}</a>' in result.body
    assert "<strong>public_repo</strong>: Access public repositories" in result.body
    assert f"Last used {used.strftime('%b %-d, %Y')}" in result.body
    assert EVENT_TOKEN not in result.body


def test_revoke_asks_first_then_deletes_the_grant_and_its_tokens(
    run: Run, granted: IssuedToken, table: TableView
) -> None:
    asked = run("revoke_application", body=f"authenticity_token={CSRF}")

    assert asked.status == 200 and "I understand, revoke access" in asked.body
    assert len(app_items(table)) == 2

    result = run("revoke_application")

    assert result.status == 303 and result.header("Location") == "/v1/settings/applications"
    assert app_items(table) == []
    assert table.get(f"TOKEN#{tokens.hash_token(EVENT_TOKEN)}", "TOKEN") is None
    assert_table_invariants(table)


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_revoke_without_its_csrf_token_changes_nothing(
    run: Run, granted: IssuedToken, table: TableView, token: str | None
) -> None:
    """Seen red with `require_csrf` removed from `revoke_application` (the grant revoked)."""
    body = "confirm=1" if token is None else f"authenticity_token={token}&confirm=1"
    before = table.items()

    result = run("revoke_application", body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert table.items() == before


@pytest.mark.parametrize("confirm", ["1", "0"])
def test_another_users_grant_is_not_found(
    run: Run,
    signed_in: User,
    hubot: User,
    repository: Repository,
    oauth_app: object,
    table: TableView,
    confirm: str,
) -> None:
    """Seen red with `ConnectedApps.get` and `revoke` given hubot's user id instead of the session's:
    hubot's grant was shown, then revoked."""
    _grant_for(repository, hubot)
    before = table.items()

    result = run("revoke_application", body=f"authenticity_token={CSRF}&confirm={confirm}")

    assert result.status == 404
    assert table.items() == before


def _grant_for(repository: Repository, user: User) -> None:
    moment = clock.now()
    token = tokens.new_token(tokens.TokenKind.OAUTH)
    auth = Authorization(
        id=7, user_id=user.id, login=user.login, client_id="abcde12345fghij67890", app_name=EVENT_APP_NAME,
        app_url="https://octo-app.example.com", scopes=["repo"], hashed_token=tokens.hash_token(token),
        token_last_eight=tokens.last_eight(token), note=None, note_url=None, fingerprint=None,
        created_at=moment, updated_at=moment,
    )  # fmt: skip
    grant = Grant(
        id=EVENT_GRANT_ID, user_id=user.id, client_id=auth.app_client_id, app_name=EVENT_APP_NAME,
        app_url=auth.app_url, created_at=moment, updated_at=moment, entries={7: GrantEntry(scopes=["repo"])},
    )  # fmt: skip
    repository.create_authorization(auth, new_grant=grant)


@pytest.mark.parametrize("folder", PAGES)
def test_signed_out_goes_to_the_sign_in_page_and_back(run: Run, octocat: User, folder: str) -> None:
    result = run(folder)

    assert result.status == 303
    assert result.header("Location") == "/v1/login?return_to=%2Fv1%2Fsettings%2Fapplications"


@pytest.mark.parametrize("folder", PAGES)
def test_the_applications_pages_are_not_stored(run: Run, granted: IssuedToken, folder: str) -> None:
    """Seen red with `Cache-Control` dropped from `rendering.security_headers`."""
    result = run(folder)

    assert result.header("Cache-Control") == "no-store"
