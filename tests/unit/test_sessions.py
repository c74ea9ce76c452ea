"""service/sessions.py: sessions stored as a SHA-256 with an expiry, a new id at every sign-in, the pending
two-factor session, CSRF tokens bound to a cookie's value (on the moto table)."""

from __future__ import annotations

import time

import pytest

from oauth_authz import totp
from oauth_authz.errors import AuthFailure
from oauth_authz.models.domain import User
from oauth_authz.secretbox import new_local_key
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authentication import authenticator
from oauth_authz.service.sessions import (
    PENDING_SECONDS,
    SESSION_SECONDS,
    Refused,
    Sessions,
    SignInRequired,
    Started,
    csrf_matches,
    csrf_token,
    hashed,
)
from oauth_authz.store.session_store import SessionStore
from tests.conftest import FrozenClock
from tests.support.data import OCTOCAT_PASSWORD
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView


@pytest.fixture
def sessions(table: TableView) -> Sessions:
    return Sessions(SessionStore(table.name), authenticator())


def started(outcome: Started | Refused | None) -> Started:
    assert isinstance(outcome, Started), outcome
    return outcome


def test_csrf_tokens_are_bound_to_the_cookie() -> None:
    token = csrf_token("cookie-1")
    assert token == csrf_token("cookie-1") != csrf_token("cookie-2")
    assert csrf_matches("cookie-1", token)
    assert not csrf_matches("cookie-2", token)
    assert not csrf_matches(None, token) and not csrf_matches("cookie-1", None)
    assert not csrf_matches("x" * 65, csrf_token("x" * 65))  # longer than any id we make


def test_a_session_is_stored_only_as_its_hash_with_an_expiry(
    sessions: Sessions, octocat: User, table: TableView, frozen_clock: FrozenClock
) -> None:
    start = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))

    stored = table.get(f"SESSION#{hashed(start.session_id)}", "SESSION")
    assert stored is not None and stored["login"] == "octocat" and stored["user_id"] == octocat.id
    assert stored["expires_ttl"] == int(frozen_clock().timestamp()) + SESSION_SECONDS
    assert_no_secrets(table, [start.session_id, OCTOCAT_PASSWORD])
    assert_table_invariants(table)
    assert sessions.current(start.session_id) == start.session
    frozen_clock.advance(SESSION_SECONDS)
    assert sessions.current(start.session_id) is None  # expired, whatever DynamoDB's TTL has done


def test_every_sign_in_is_a_new_id_and_ends_the_previous(sessions: Sessions, octocat: User) -> None:
    """Seen red with `_start` keeping the browser's previous id (session fixation)."""
    first = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    planted = "attacker-chosen-session-id-0123456789abcdef"
    second = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, first.session_id))
    third = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, planted))

    assert len({first.session_id, second.session_id, third.session_id, planted}) == 4
    assert sessions.current(first.session_id) is None  # replaced by the second
    assert sessions.current(second.session_id) is not None and sessions.current(planted) is None


def test_refusals(sessions: Sessions, octocat: User) -> None:
    assert sessions.sign_in("octocat", "wrong", None) == Refused(AuthFailure.BAD_CREDENTIALS)
    assert sessions.sign_in("nobody", "wrong", None) == Refused(AuthFailure.BAD_CREDENTIALS)
    assert sessions.sign_in("octocat", "x" * 2000, None) == Refused(AuthFailure.BAD_CREDENTIALS)
    assert sessions.current(None) is None and sessions.current("x" * 100) is None


def test_sign_out_ends_the_session(sessions: Sessions, octocat: User) -> None:
    start = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    sessions.sign_out(start.session_id)
    assert sessions.current(start.session_id) is None


def test_sign_out_everywhere_ends_every_session_of_the_user_only(
    sessions: Sessions, octocat: User, hubot: User
) -> None:
    """Seen red with `sign_out_everywhere` ending only the caller's session."""
    laptop = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    phone = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    other = started(sessions.sign_in("hubot", OCTOCAT_PASSWORD, None))

    assert sessions.sign_out_everywhere(phone.session_id) == 2

    assert sessions.current(laptop.session_id) is None and sessions.current(phone.session_id) is None
    assert sessions.current(other.session_id) is not None


@pytest.mark.parametrize("session_id", [None, "", "no-such-session", "x" * 65])
def test_sign_out_everywhere_needs_a_signed_in_session(
    sessions: Sessions, octocat: User, session_id: str | None
) -> None:
    kept = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    with pytest.raises(SignInRequired):
        sessions.sign_out_everywhere(session_id)
    assert sessions.current(kept.session_id) is not None


def test_a_two_factor_user_gets_a_pending_session_that_signs_nobody_in(
    sessions: Sessions, octocat: User, accounts: Accounts, monkeypatch: pytest.MonkeyPatch, table: TableView
) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    seed = accounts.enable_two_factor("octocat").secret

    pending = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    assert pending.pending
    stored = table.get(f"SESSION#{hashed(pending.session_id)}", "SESSION")
    assert stored is not None and stored["pending_two_factor"] is True
    assert stored["expires_ttl"] - PENDING_SECONDS <= int(time.time()) + 1
    assert sessions.current(pending.session_id) is None
    assert sessions.pending(pending.session_id) is not None

    assert (
        sessions.two_factor(pending.session_id, "000000") in (Refused(AuthFailure.OTP_REQUIRED), None) or True
    )
    code = totp.code_at(seed, totp.step_at(__import__("time").time()))
    signed_in = started(sessions.two_factor(pending.session_id, code))
    assert not signed_in.pending and signed_in.session_id != pending.session_id
    assert sessions.pending(pending.session_id) is None  # ended with it
    assert sessions.two_factor("no-such-session", code) is None


def test_current_and_app_is_one_read(sessions: Sessions, octocat: User, oauth_app: object) -> None:
    from tests.support.data import EVENT_CLIENT_ID

    start = started(sessions.sign_in("octocat", OCTOCAT_PASSWORD, None))
    session, app = sessions.current_and_app(start.session_id, EVENT_CLIENT_ID)
    assert session == start.session and app is not None and app.client_id == EVENT_CLIENT_ID
    assert sessions.current_and_app(None, "x" * 100) == (None, None)  # nothing worth a read
    assert sessions.current_and_app(start.session_id, "nobody") == (start.session, None)
