"""`with_retries`: an optimistic step runs again when it lost a race, and gives up with 503."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from oauth_authz.errors import StoreUnavailable, ValidationFailed
from oauth_authz.service import retries
from oauth_authz.service.retries import ATTEMPTS, with_retries
from oauth_authz.store.repository import WriteConflict


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(retries, "time", SimpleNamespace(sleep=slept.append))
    return slept


def test_success_at_once(sleeps: list[float]) -> None:
    assert with_retries(lambda: "done") == "done"
    assert sleeps == []


def test_a_lost_race_is_run_again(sleeps: list[float]) -> None:
    calls = iter([WriteConflict({"grant"}), WriteConflict({"token"}), "done"])

    def attempt() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert with_retries(attempt) == "done"
    assert len(sleeps) == 2
    assert all(0 <= pause <= 0.02 for pause in sleeps)


def test_losing_every_time_is_503(sleeps: list[float]) -> None:
    def attempt() -> None:
        raise WriteConflict({"grant"})

    with pytest.raises(StoreUnavailable):
        with_retries(attempt)
    assert len(sleeps) == ATTEMPTS
    assert all(0 <= pause <= 0.01 * 2**round_ for round_, pause in enumerate(sleeps))


def test_other_errors_are_not_retried(sleeps: list[float]) -> None:
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise ValidationFailed()

    with pytest.raises(ValidationFailed):
        with_retries(attempt)
    assert calls == [1]
