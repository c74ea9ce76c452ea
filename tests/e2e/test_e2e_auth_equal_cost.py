"""An unknown login costs what a wrong password costs: one argon2 verification with the same parameters, one
read of the login's state, one failed attempt counted; the same refusal. Read on the code path itself (the
real Authenticator and argon2 hasher, counted), not timed: timings belong to the benchmarks.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher, extract_parameters

from oauth_authz import passwords
from oauth_authz.errors import AuthFailure
from oauth_authz.models.domain import FailedLogins, User
from oauth_authz.service import authentication
from oauth_authz.service.authentication import Authenticator, Outcome
from oauth_authz.settings import Settings

PASSWORD = "the-right-password"


class CountingHasher:
    """The real hasher, counting what it is asked: ("verify", the hash's argon2 parameters) or ("hash",)."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.calls: list[tuple[Any, ...]] = []

    def verify(self, hash: str, password: str) -> bool:  # noqa: A002 - argon2's name
        self.calls.append(("verify", extract_parameters(hash)))
        return self.real.verify(hash, password)

    def hash(self, password: str) -> str:
        self.calls.append(("hash",))
        return self.real.hash(password)

    def check_needs_rehash(self, hash: str) -> bool:  # noqa: A002
        return self.real.check_needs_rehash(hash)


@dataclass
class CountingRepository:
    """What the authenticator asks of the table, for one user."""

    user: User
    calls: list[str] = field(default_factory=list)

    def login_state(self, login: str) -> tuple[User | None, FailedLogins]:
        self.calls.append("login_state")
        return (self.user if login.lower() == self.user.login else None), FailedLogins()

    def reserve_attempt(self, login: str, seen: FailedLogins, now: int, threshold: int, window: int) -> int:
        self.calls.append("reserve_attempt")
        return now

    def release_attempt(self, login: str, window_start: int) -> None:
        self.calls.append("release_attempt")


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    """The counting hasher in place of the real one, in a process that has verified no dummy hash yet (as an
    instance right after its cold start)."""
    counting = CountingHasher(passwords._HASHER)
    monkeypatch.setattr(passwords, "_HASHER", counting)
    passwords._dummy_hash.cache_clear()
    yield counting
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def user() -> User:
    return User(
        id=1,
        login="octocat",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        password_hash=passwords.hash_password(PASSWORD),
    )


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def attempt(
    user: User, hasher: CountingHasher, username: str, password: str
) -> tuple[Outcome, list[Any], list[str]]:
    repository = CountingRepository(user)
    hasher.calls.clear()
    settings = Settings(table_name="oauth-authz")
    outcome = Authenticator(repository, settings).authenticate(basic(username, password), app_route=False)  # type: ignore[arg-type]
    return outcome, list(hasher.calls), repository.calls


def test_an_unknown_login_costs_one_verification_like_a_wrong_password(
    user: User, hasher: CountingHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    burned: list[str] = []
    real_burn = authentication.burn_verify
    monkeypatch.setattr(
        authentication, "burn_verify", lambda password: burned.append(password) or real_burn(password)
    )
    parameters = extract_parameters(user.password_hash)
    refused = Outcome(failure=AuthFailure.BAD_CREDENTIALS)
    one_verification = [("verify", parameters)]
    counted = ["login_state", "reserve_attempt"]

    # The first unknown login of a fresh instance, then a wrong password, then unknown logins again.
    assert attempt(user, hasher, "nobody", "some-password") == (refused, one_verification, counted)
    assert burned == ["some-password"]
    assert attempt(user, hasher, "octocat", "a-wrong-password") == (refused, one_verification, counted)
    assert burned == ["some-password"]  # a known login verifies its own hash
    assert attempt(user, hasher, "NOBODY-else", PASSWORD) == (refused, one_verification, counted)
    assert attempt(user, hasher, "Octocat", PASSWORD + " ") == (refused, one_verification, counted)
    # The right password: the same one verification.
    outcome, calls, asked = attempt(user, hasher, "octocat", PASSWORD)
    assert (outcome.principal is not None, calls, asked) == (
        True,
        one_verification,
        ["login_state", "reserve_attempt", "release_attempt"],
    )
    # A login longer than any can be: the same verification, nothing to count it under.
    assert attempt(user, hasher, "n" * 200, "some-password") == (refused, one_verification, [])
    assert len(burned) == 3


def test_the_dummy_hash_has_the_parameters_of_a_users_hash() -> None:
    """The dummy is as expensive as a real hash (same type, memory, passes, lanes, lengths), and never
    needs computing (it would cost an unknown login a hash on top, the first time)."""
    made = passwords.hash_password("some password")
    assert extract_parameters(passwords._dummy_hash()) == extract_parameters(made)
    assert passwords._dummy_hash() == passwords._DUMMY_HASH
    assert not passwords.verify_password(passwords._dummy_hash(), "some password")
