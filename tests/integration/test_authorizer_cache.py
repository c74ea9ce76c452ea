"""A warm authorizer does not run argon2 again for a password it verified within AUTH_CACHE_SECONDS (60 by
default), and nothing it remembers weakens the checks: a changed password misses at once, a lockout refuses
even a remembered password, a second factor is still asked for every time, no plaintext secret is kept."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from argon2 import PasswordHasher

from oauth_authz import totp
from oauth_authz.models.domain import User
from oauth_authz.secretbox import new_local_key
from oauth_authz.service import authentication
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authentication import VerifiedPasswords
from tests.support.data import OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")

Authorize = Callable[[dict[str, Any]], dict[str, Any]]
OCTOCAT = {"principal_type": "user", "user_id": 1, "login": "octocat"}
RIGHT = basic("octocat", OCTOCAT_PASSWORD)
WRONG = basic("octocat", "not the password")


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the authenticator runs (of a real user's hash), by the password hash."""
    seen: list[str] = []
    real = authentication.verify_password

    def counting(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(authentication, "verify_password", counting)
    return seen


def context_of(authorize: Authorize, header: str, otp: str | None = None) -> dict[str, Any]:
    answer = authorize(authorizer_event(header, headers={"X-GitHub-OTP": otp} if otp is not None else None))
    return dict(answer["context"])


def test_a_warm_authorizer_does_not_hash_again(authorize: Authorize, verifications: list[str]) -> None:
    assert context_of(authorize, RIGHT) == OCTOCAT
    assert context_of(authorize, RIGHT) == OCTOCAT
    assert context_of(authorize, RIGHT) == OCTOCAT

    assert len(verifications) == 1


def test_a_wrong_password_is_still_verified_and_refused(
    authorize: Authorize, verifications: list[str], table: TableView
) -> None:
    assert context_of(authorize, RIGHT) == OCTOCAT

    assert context_of(authorize, WRONG) == {"auth_error": "bad_credentials"}

    assert len(verifications) == 2
    assert (table.get("LOGINFAIL#octocat", "LOGINFAIL") or {}).get("count") == 1
    assert context_of(authorize, RIGHT) == OCTOCAT  # the right one is still remembered
    assert len(verifications) == 2


def test_a_changed_password_misses_at_once(
    authorize: Authorize, verifications: list[str], table: TableView
) -> None:
    assert context_of(authorize, RIGHT) == OCTOCAT
    new_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("a brand new password")
    table.client.update_item(
        TableName=table.name,
        Key={"PK": {"S": "LOGIN#octocat"}, "SK": {"S": "USER"}},
        UpdateExpression="SET password_hash = :hash",
        ExpressionAttributeValues={":hash": {"S": new_hash}},
    )

    assert context_of(authorize, RIGHT) == {"auth_error": "bad_credentials"}
    assert verifications[-1] == new_hash  # verified against the new hash, not answered from memory
    assert context_of(authorize, basic("octocat", "a brand new password")) == OCTOCAT


def test_a_lockout_refuses_even_a_remembered_password(
    authorize: Authorize, monkeypatch: pytest.MonkeyPatch, verifications: list[str]
) -> None:
    monkeypatch.setenv("LOCKOUT_THRESHOLD", "3")
    assert context_of(authorize, RIGHT) == OCTOCAT
    for _ in range(3):
        assert context_of(authorize, WRONG) == {"auth_error": "bad_credentials"}

    assert context_of(authorize, RIGHT) == {"auth_error": "locked_out"}


def test_two_factor_users_give_their_code_every_time(
    authorize: Authorize, accounts: Accounts, monkeypatch: pytest.MonkeyPatch, verifications: list[str]
) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    seed = accounts.enable_two_factor("octocat").secret
    now = [float(int(time.time()))]
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=lambda: now[0]))

    assert context_of(authorize, RIGHT, otp=totp.code_at(seed, totp.step_at(now[0]))) == OCTOCAT
    assert context_of(authorize, RIGHT) == {"auth_error": "otp_required"}
    now[0] += 30
    assert context_of(authorize, RIGHT, otp=totp.code_at(seed, totp.step_at(now[0]))) == OCTOCAT

    assert len(verifications) == 1


def test_no_plaintext_secret_is_remembered(authorize: Authorize) -> None:
    assert context_of(authorize, RIGHT) == OCTOCAT
    cache = authentication.authenticator().verified

    assert len(cache) == 1
    held = repr(vars(cache)).encode() + b"".join(digest for digest, _ in cache._entries.values())
    assert OCTOCAT_PASSWORD.encode() not in held
    assert OCTOCAT_PASSWORD not in repr(vars(cache))


def test_the_cache_can_be_turned_off(
    authorize: Authorize, monkeypatch: pytest.MonkeyPatch, verifications: list[str]
) -> None:
    monkeypatch.setenv("AUTH_CACHE_SECONDS", "0")

    for _ in range(3):
        assert context_of(authorize, RIGHT) == OCTOCAT

    assert len(verifications) == 3
    assert len(authentication.authenticator().verified) == 0


# the cache itself ----------------------------------------------------------------------------------------


def user(password_hash: str = "$argon2id$stored", user_id: int = 1) -> User:
    return User(id=user_id, login=f"user{user_id}", created_at=datetime.now(UTC), password_hash=password_hash)


def test_an_entry_holds_for_its_seconds_then_goes() -> None:
    now = [100.0]
    cache = VerifiedPasswords(60, clock=lambda: now[0])
    cache.remember(user(), "pw")

    now[0] += 59.9
    assert cache.holds(user(), "pw")
    assert not cache.holds(user(), "other")
    assert not cache.holds(user("$argon2id$changed"), "pw")
    now[0] += 0.1
    assert not cache.holds(user(), "pw")
    assert len(cache) == 0


def test_the_cache_is_bounded() -> None:
    cache = VerifiedPasswords(60)
    for user_id in range(VerifiedPasswords.MAX_ENTRIES + 10):
        cache.remember(user(user_id=user_id), "pw")

    assert len(cache) == VerifiedPasswords.MAX_ENTRIES
    assert not cache.holds(user(user_id=0), "pw")
    assert cache.holds(user(user_id=VerifiedPasswords.MAX_ENTRIES + 9), "pw")


def test_two_processes_never_share_a_digest() -> None:
    first, second = VerifiedPasswords(60), VerifiedPasswords(60)
    first.remember(user(), "pw")
    second.remember(user(), "pw")

    assert first._entries[1][0] != second._entries[1][0]
