"""Expiring tokens and refresh tokens (SPEC section 10) on the moto table: which tokens expire, what the
answer carries, rotation in one transaction, a race as opposed to a replay, and revocation ending a family."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from oauth_authz import clock, tokens, views
from oauth_authz.clock import iso
from oauth_authz.errors import NotFound
from oauth_authz.models.domain import Principal, User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.app_tokens import app_token_service
from oauth_authz.service.authorizations import AuthorizationService, authorization_service
from oauth_authz.service.grants import grant_service
from oauth_authz.service.refresh import Refresher
from oauth_authz.settings import get_settings
from oauth_authz.store import table as store_table
from oauth_authz.store.repository import Repository
from oauth_authz.token_answers import (
    BAD_REFRESH_TOKEN,
    INCORRECT_CLIENT_CREDENTIALS,
    TokenError,
    TokenResponse,
)
from tests.conftest import FrozenClock, RegisteredApp
from tests.support.events import authorizer_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.serial_client import SerialClient
from tests.support.tables import TableView
from tests.support.web_flow import CALLBACK, code_for

EIGHT_HOURS = 28800
SIX_MONTHS = 15897600


@pytest.fixture
def expiring_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app(
        "Expiring App", "https://expiring.example.com", CALLBACK, expiring_tokens=True
    )
    return RegisteredApp(created.app, created.client_secret)


@pytest.fixture
def plain_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("Plain App", "https://plain.example.com", CALLBACK)
    return RegisteredApp(created.app, created.client_secret)


def exchange(app: RegisteredApp, user: User, **params: str) -> TokenResponse:
    code = code_for(app.client_id, user, **params)
    answer = oauth_web_flow.exchange(
        {"client_id": app.client_id, "client_secret": app.client_secret, "code": code}, None
    )
    assert isinstance(answer, TokenResponse), answer
    return answer


def refresh(app: RegisteredApp, refresh_token: str, **params: str) -> TokenResponse | TokenError:
    given = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": refresh_token,
        **params,
    }
    return oauth_web_flow.exchange({k: v for k, v in given.items() if v}, None)


def check(app: RegisteredApp, token: str) -> bool:
    try:
        app_token_service().check(Principal(kind="app", client_id=app.client_id), app.client_id, token)
    except NotFound:
        return False
    return True


Pair = Callable[[], TokenResponse]


@pytest.fixture
def pair(expiring_app: RegisteredApp, octocat: User) -> Pair:
    return lambda: exchange(expiring_app, octocat, scope="repo gist")


def test_an_app_with_expiring_tokens_gets_a_pair(
    pair: Pair, expiring_app: RegisteredApp, repository: Repository, table: TableView
) -> None:
    answer = pair()

    assert (answer.expires_in, answer.refresh_token_expires_in) == (EIGHT_HOURS, SIX_MONTHS)
    assert answer.refresh_token is not None
    assert tokens.is_well_formed(answer.refresh_token, tokens.TokenKind.REFRESH)
    assert answer.refresh_token.startswith("ghr_") and len(answer.refresh_token) == 40
    assert answer.scope == "repo,gist"
    auth = repository.get_by_token(tokens.hash_token(answer.access_token))
    assert auth is not None and auth.expires_at == auth.created_at + timedelta(seconds=EIGHT_HOURS)
    assert table.get(f"TOKEN#{auth.hashed_token}", "TOKEN")["expires_ttl"] == int(auth.expires_at.timestamp())
    stored = table.get(f"REFRESH#{tokens.hash_token(answer.refresh_token)}", "REFRESH")
    assert stored["expires_ttl"] == int(auth.created_at.timestamp()) + SIX_MONTHS
    assert_no_secrets(table, [answer.access_token, answer.refresh_token, expiring_app.client_secret])
    assert_table_invariants(table)


def test_expires_at_shows_in_the_authorization(pair: Pair, octocat: User, repository: Repository) -> None:
    answer = pair()
    auth = repository.get_by_token(tokens.hash_token(answer.access_token))
    assert auth is not None and auth.expires_at is not None

    [listed] = authorization_service().list_authorizations(
        Principal(kind="user", user_id=octocat.id, login="octocat")
    )

    assert listed.expires_at == auth.expires_at
    assert views.authorization(listed, "https://api.example.com").expires_at == iso(auth.expires_at)


def test_offline_access_asks_for_a_pair_and_is_not_a_scope(
    plain_app: RegisteredApp, octocat: User, repository: Repository
) -> None:
    answer = exchange(plain_app, octocat, scope="offline_access repo")

    assert answer.refresh_token is not None and answer.expires_in == EIGHT_HOURS
    assert answer.scope == "repo"
    auth = repository.get_by_token(tokens.hash_token(answer.access_token))
    assert auth is not None and auth.scopes == ["repo"]


def test_an_app_without_expiring_tokens_gets_a_token_that_does_not_expire(
    plain_app: RegisteredApp, octocat: User, repository: Repository
) -> None:
    answer = exchange(plain_app, octocat, scope="repo")

    assert (answer.expires_in, answer.refresh_token, answer.refresh_token_expires_in) == (None, None, None)
    auth = repository.get_by_token(tokens.hash_token(answer.access_token))
    assert auth is not None and auth.expires_at is None


def test_a_refresh_gives_a_new_pair_with_the_same_scopes_and_ends_the_old(
    pair: Pair, expiring_app: RegisteredApp, octocat: User, table: TableView
) -> None:
    first = pair()
    assert first.refresh_token is not None

    second = refresh(expiring_app, first.refresh_token)

    assert isinstance(second, TokenResponse)
    assert second.scope == "repo,gist" and second.refresh_token is not None
    assert (second.expires_in, second.refresh_token_expires_in) == (EIGHT_HOURS, SIX_MONTHS)
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert not check(expiring_app, first.access_token)
    assert check(expiring_app, second.access_token)
    assert isinstance(refresh(expiring_app, second.refresh_token), TokenResponse)
    assert_table_invariants(table)


def test_a_refresh_after_the_access_token_expired(
    pair: Pair, expiring_app: RegisteredApp, frozen_clock: FrozenClock, table: TableView
) -> None:
    first = pair()
    frozen_clock.advance(EIGHT_HOURS + 60)
    assert not check(expiring_app, first.access_token)
    assert first.refresh_token is not None

    second = refresh(expiring_app, first.refresh_token)

    assert isinstance(second, TokenResponse) and check(expiring_app, second.access_token)
    assert_table_invariants(table)


def test_an_expired_refresh_token_is_bad(
    pair: Pair, expiring_app: RegisteredApp, frozen_clock: FrozenClock
) -> None:
    first = pair()
    assert first.refresh_token is not None
    frozen_clock.advance(SIX_MONTHS)

    assert refresh(expiring_app, first.refresh_token) == BAD_REFRESH_TOKEN


@pytest.mark.parametrize(
    "presented",
    ["", "ghr_", "ghr_" + "A" * 36, "gho_16C7e42F292c6912E7710c838347Ae178B4a", "x" * 5000],
)
def test_malformed_refresh_tokens_are_bad(expiring_app: RegisteredApp, presented: str) -> None:
    assert refresh(expiring_app, presented or "") == BAD_REFRESH_TOKEN


def test_an_unknown_refresh_token_is_bad(expiring_app: RegisteredApp) -> None:
    assert refresh(expiring_app, tokens.new_token(tokens.TokenKind.REFRESH)) == BAD_REFRESH_TOKEN


def test_client_credentials_are_checked(
    pair: Pair, expiring_app: RegisteredApp, plain_app: RegisteredApp
) -> None:
    """Seen red with the secret check skipped for refresh tokens of the web flow."""
    first = pair()
    assert first.refresh_token is not None

    assert refresh(expiring_app, first.refresh_token, client_secret="0" * 40) == INCORRECT_CLIENT_CREDENTIALS
    assert refresh(expiring_app, first.refresh_token, client_secret="") == INCORRECT_CLIENT_CREDENTIALS
    assert refresh(expiring_app, first.refresh_token, client_id="0" * 20) == INCORRECT_CLIENT_CREDENTIALS
    # another app's credentials: that app holds no such refresh token
    other = refresh(plain_app, first.refresh_token)
    assert other == BAD_REFRESH_TOKEN
    assert isinstance(refresh(expiring_app, first.refresh_token), TokenResponse)  # none of it spent it


def test_credentials_as_basic_auth(pair: Pair, expiring_app: RegisteredApp) -> None:
    import base64

    first = pair()
    assert first.refresh_token is not None
    basic = (
        "Basic "
        + base64.b64encode(f"{expiring_app.client_id}:{expiring_app.client_secret}".encode()).decode()
    )
    answer = oauth_web_flow.exchange(
        {"grant_type": "refresh_token", "refresh_token": first.refresh_token}, basic
    )
    assert isinstance(answer, TokenResponse)


def test_a_race_within_the_window_spends_nothing_more(
    pair: Pair, expiring_app: RegisteredApp, frozen_clock: FrozenClock, table: TableView
) -> None:
    """A spent refresh token presented again within the race window: bad_refresh_token, the winner keeps its
    pair. Seen red with the window at 0 (every second presentation a replay; the parallel test below too)."""
    first = pair()
    assert first.refresh_token is not None
    winner = refresh(expiring_app, first.refresh_token)
    assert isinstance(winner, TokenResponse) and winner.refresh_token is not None
    frozen_clock.advance(9)  # within the 10 s window

    assert refresh(expiring_app, first.refresh_token) == BAD_REFRESH_TOKEN

    assert check(expiring_app, winner.access_token)
    assert isinstance(refresh(expiring_app, winner.refresh_token), TokenResponse)
    assert_table_invariants(table)


def test_a_replay_ends_every_token_descended_from_it(
    pair: Pair, expiring_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock, table: TableView
) -> None:
    """A spent refresh token presented after the race window: bad_refresh_token, and the family's live
    access token and refresh token go (two rotations down the chain). Seen red with `_end_family` doing
    nothing (the descendants lived on)."""
    first = pair()
    assert first.refresh_token is not None
    second = refresh(expiring_app, first.refresh_token)
    assert isinstance(second, TokenResponse) and second.refresh_token is not None
    third = refresh(expiring_app, second.refresh_token)
    assert isinstance(third, TokenResponse) and third.refresh_token is not None
    other_family = pair()  # another family of the same user and app stays
    frozen_clock.advance(10)  # the window is over

    assert refresh(expiring_app, first.refresh_token) == BAD_REFRESH_TOKEN

    assert not check(expiring_app, third.access_token)
    assert refresh(expiring_app, third.refresh_token) == BAD_REFRESH_TOKEN
    assert check(expiring_app, other_family.access_token)
    assert other_family.refresh_token is not None
    assert isinstance(refresh(expiring_app, other_family.refresh_token), TokenResponse)
    assert_table_invariants(table)


def test_fifty_parallel_refreshes_give_one_pair(
    pair: Pair, expiring_app: RegisteredApp, table: TableView
) -> None:
    """One refresh token presented 50 times at once: one new pair, 49 `bad_refresh_token` (a race: the
    winner's pair stays good). Seen red with the window at 0 (the losers revoked the winner's pair)."""
    first = pair()
    assert first.refresh_token is not None
    token = first.refresh_token
    repository = Repository(table.name, SerialClient(table.client))
    settings = get_settings()
    refresher = Refresher(repository, settings, AuthorizationService(repository, settings))
    params = {
        "grant_type": "refresh_token",
        "client_id": expiring_app.client_id,
        "client_secret": expiring_app.client_secret,
        "refresh_token": token,
    }
    barrier = threading.Barrier(50)

    def attempt(_: int) -> TokenResponse | TokenError:
        barrier.wait()
        return refresher.refresh(params, None)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(attempt, range(50)))

    pairs = [a for a in answers if isinstance(a, TokenResponse)]
    assert len(pairs) == 1
    assert all(a == BAD_REFRESH_TOKEN for a in answers if not isinstance(a, TokenResponse))
    assert check(expiring_app, pairs[0].access_token)  # the race revoked nothing
    assert pairs[0].refresh_token is not None
    assert isinstance(refresh(expiring_app, pairs[0].refresh_token), TokenResponse)
    assert_table_invariants(table)


def test_revoking_the_grant_ends_its_refresh_tokens(
    pair: Pair, expiring_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock
) -> None:
    """Seen red with the grant's condition left out of the rotation (a revoked grant's refresh token made a
    new pair)."""
    first = pair()
    assert first.refresh_token is not None
    frozen_clock.advance(EIGHT_HOURS + 1)  # the access token expired: the grant is held by the refresh token
    user = Principal(kind="user", user_id=octocat.id, login="octocat")
    [grant] = grant_service().list_grants(user)
    assert grant.scopes(clock.now()) == ["gist", "repo"]

    grant_service().delete_grant(user, grant.id)

    assert refresh(expiring_app, first.refresh_token) == BAD_REFRESH_TOKEN


def test_revoking_the_access_token_ends_its_refresh_token(pair: Pair, expiring_app: RegisteredApp) -> None:
    first = pair()
    assert first.refresh_token is not None

    app_token_service().revoke(
        Principal(kind="app", client_id=expiring_app.client_id), expiring_app.client_id, first.access_token
    )

    assert refresh(expiring_app, first.refresh_token) == BAD_REFRESH_TOKEN


def test_a_new_login_after_expiry_keeps_the_old_family(
    pair: Pair, expiring_app: RegisteredApp, octocat: User, frozen_clock: FrozenClock, table: TableView
) -> None:
    """The grant is held while a refresh token lives: a new token joins it rather than starting afresh."""
    first = pair()
    assert first.refresh_token is not None
    frozen_clock.advance(EIGHT_HOURS + 1)
    pair()

    assert isinstance(refresh(expiring_app, first.refresh_token), TokenResponse)
    assert_table_invariants(table)


def test_a_refresh_after_the_app_reset_its_access_token(
    pair: Pair, expiring_app: RegisteredApp, table: TableView
) -> None:
    """The refresh token knows the access token's hash from its issue; a reset changed it: the rotation still
    removes every item of the reset token. Seen red with the hash's condition left out (the reset token's
    copy outlived it: the invariants broke, and the reset token still passed the app's check)."""
    first = pair()
    assert first.refresh_token is not None
    app = Principal(kind="app", client_id=expiring_app.client_id)
    reset = app_token_service().reset(app, expiring_app.client_id, first.access_token)

    second = refresh(expiring_app, first.refresh_token)

    assert isinstance(second, TokenResponse)
    assert not check(expiring_app, reset.token)
    assert check(expiring_app, second.access_token)
    assert_table_invariants(table)


def test_an_expiring_token_works_for_get_user_until_it_expires(
    pair: Pair, authorize: Callable[[dict[str, Any]], dict[str, Any]], frozen_clock: FrozenClock
) -> None:
    first = pair()
    event = authorizer_event(f"token {first.access_token}", resource="/user")
    assert authorize(event)["context"]["principal_type"] == "user"

    frozen_clock.advance(EIGHT_HOURS)

    assert authorize(event)["context"] == {"auth_error": "bad_credentials"}


def test_a_refresh_token_is_never_an_access_token(
    pair: Pair, authorize: Callable[[dict[str, Any]], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `ghr_` token on `GET /user` is bad credentials before any read. Seen red with `is_well_formed`
    taking any kind when none is asked for (the refresh token's hash was looked up)."""
    first = pair()
    assert first.refresh_token is not None
    seen: list[str] = []
    original = store_table.Table._send

    def counting(self: store_table.Table, operation: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(operation)
        return original(self, operation, *args, **kwargs)

    monkeypatch.setattr(store_table.Table, "_send", counting)
    for scheme in ("token", "Bearer"):
        answer = authorize(authorizer_event(f"{scheme} {first.refresh_token}", resource="/user"))
        assert answer["context"] == {"auth_error": "bad_credentials"}
    assert seen == []
