"""The personal access tokens pages (SPEC 11), each function run on its event (`events/<page>.json`) as it
stands and with one thing changed. Each security test's docstring names the deliberately broken build it was
seen red against."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from oauth_authz.models.domain import IssuedToken, User
from oauth_authz.service.sessions import csrf_token
from oauth_authz.tokens import hash_token
from tests.integration.test_page_events import signed_in
from tests.integration.test_page_security import Run, run
from tests.support.data import EVENT_PERSONAL_TOKEN_ID, EVENT_SESSION_ID
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView

__all__ = ["run", "signed_in"]  # the fixtures, shared

SETTINGS_PAGES = ["settings_tokens_page", "generate_token", "delete_personal_token"]
GENERATE = "note=deploy+script&expiration=30&expiration_date=&scopes%5B%5D=repo"


@pytest.fixture
def event_token(signed_in: User, write_personal_authorization: Callable[..., IssuedToken]) -> IssuedToken:
    return write_personal_authorization(signed_in, EVENT_PERSONAL_TOKEN_ID, note="event token")


def auth_items(table: TableView) -> list[dict[str, object]]:
    return [item for item in table.items() if str(item["SK"]).startswith("AUTH#")]


def shown_token(body: str) -> str:
    found = re.search(r'id="new-token" name="new-token" value="(ghp_[A-Za-z0-9]+)"', body)
    assert found is not None, body
    return found.group(1)


def test_the_tokens_page_lists_the_users_tokens_without_their_values(
    run: Run, event_token: IssuedToken
) -> None:
    result = run("settings_tokens_page")

    assert result.status == 200
    assert "<td>event token</td>" in result.body
    assert f"…{event_token.token[-8:]}" in result.body
    assert event_token.token not in result.body
    assert "Signed in as <strong>octocat</strong>" in result.body


def test_generate_shows_the_new_token_once(run: Run, signed_in: User, table: TableView) -> None:
    """The new token is in the answer to Generate only (stored as its hash): the list after it shows its
    last eight."""
    result = run("generate_token")

    assert result.status == 200
    token = shown_token(result.body)
    (stored,) = auth_items(table)
    assert stored["hashed_token"] == hash_token(token) and stored["scopes"] == ["repo"]
    assert stored["note"] == "deploy script"
    assert_no_secrets(table, [token])
    assert_table_invariants(table)

    after = run("settings_tokens_page")
    assert after.status == 200 and token not in after.body and f"…{token[-8:]}" in after.body


def test_delete_asks_first_then_deletes(run: Run, event_token: IssuedToken, table: TableView) -> None:
    asked = run("delete_personal_token", body=f"authenticity_token={_csrf()}")

    assert asked.status == 200 and "I understand, delete this token" in asked.body
    assert len(auth_items(table)) == 1

    result = run("delete_personal_token")

    assert result.status == 303 and result.header("Location") == "/v1/settings/tokens"
    assert auth_items(table) == []
    assert table.get(f"TOKEN#{event_token.authorization.hashed_token}", "TOKEN") is None


def _csrf() -> str:
    return csrf_token(EVENT_SESSION_ID)


@pytest.mark.parametrize("token", [None, "", "wrong"])
@pytest.mark.parametrize("folder", ["generate_token", "delete_personal_token"])
def test_a_form_without_its_csrf_token_changes_nothing(
    run: Run, event_token: IssuedToken, table: TableView, folder: str, token: str | None
) -> None:
    """Seen red with `require_csrf` removed from `generate_token` (a token made) and from
    `delete_personal_token` (the token deleted)."""
    fields = GENERATE if folder == "generate_token" else "confirm=1"
    body = fields if token is None else f"authenticity_token={token}&{fields}"
    before = table.items()

    result = run(folder, body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert table.items() == before


@pytest.mark.parametrize("confirm", ["1", "0"])
def test_another_users_token_is_not_found(
    run: Run,
    signed_in: User,
    hubot: User,
    write_personal_authorization: Callable[..., IssuedToken],
    table: TableView,
    confirm: str,
) -> None:
    """The id is read in the signed-in user's partition only. Seen red with `PersonalTokens.get` and
    `delete` given hubot's user id instead of the session's: hubot's token was shown, then deleted."""
    write_personal_authorization(hubot, EVENT_PERSONAL_TOKEN_ID, note="hubot's token")
    before = table.items()

    result = run("delete_personal_token", body=f"authenticity_token={_csrf()}&confirm={confirm}")

    assert result.status == 404 and "hubot" not in result.body
    assert table.items() == before


@pytest.mark.parametrize("folder", SETTINGS_PAGES)
def test_signed_out_goes_to_the_sign_in_page_and_back(run: Run, octocat: User, folder: str) -> None:
    result = run(folder)

    assert result.status == 303
    assert result.header("Location") == "/v1/login?return_to=%2Fv1%2Fsettings%2Ftokens"


@pytest.mark.parametrize("folder", SETTINGS_PAGES)
def test_the_settings_pages_are_not_stored(run: Run, event_token: IssuedToken, folder: str) -> None:
    """Seen red with `Cache-Control` dropped from `rendering.security_headers`."""
    result = run(folder)

    assert result.header("Cache-Control") == "no-store"
    assert "default-src 'none'" in (result.header("Content-Security-Policy") or "")
