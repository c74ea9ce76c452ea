"""The sign-in page's two-factor step (`Authenticator.second_factor`, after the password made a pending
session) under the same atomic lockout as `sign_in`: a burst of parallel codes has at most
`LockoutThreshold` of them verified, one fresh code lets exactly one browser in, and every refusal of a
code reads the same. The threads, the serial moto client and the slowed verifications are
`test_parallel_sign_in`'s."""

from __future__ import annotations

import time

from oauth_authz import totp
from oauth_authz.errors import AuthFailure
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authentication import Authenticator
from tests.integration.test_parallel_sign_in import (
    BURST,
    THRESHOLD,
    Verifications,
    authenticator,
    burst,
    failures,
    seed,
    verifications,
)
from tests.support.tables import TableView

__all__ = ["authenticator", "seed", "verifications"]  # the fixtures, shared


def current(seed: str) -> str:
    return totp.code_at(seed, totp.step_at(time.time()))


def test_a_parallel_burst_of_wrong_codes_has_at_most_threshold_verified(
    authenticator: Authenticator, verifications: Verifications, table: TableView, seed: str
) -> None:
    """Seen red with `second_factor`'s reservation skipped (the lockout checked, then the code verified and
    never counted, as the pages' first version did): all 16 codes verified."""
    right = current(seed)
    wrong = [f"{(int(right) + 1 + n) % 10**6:06d}" for n in range(BURST)]

    answers = burst([lambda c=c: authenticator.second_factor("octocat", c) for c in wrong])

    assert len(verifications.codes) == THRESHOLD
    assert [a.failure for a in answers].count(AuthFailure.OTP_REQUIRED) == THRESHOLD
    assert [a.failure for a in answers].count(AuthFailure.LOCKED_OUT) == BURST - THRESHOLD
    assert failures(table, "octocat") == THRESHOLD
    assert authenticator.second_factor("octocat", current(seed)).failure is AuthFailure.LOCKED_OUT


def test_one_fresh_code_presented_twice_at_once_lets_exactly_one_in(
    authenticator: Authenticator, verifications: Verifications, table: TableView, seed: str
) -> None:
    """Seen red with `accept_totp_step`'s condition `totp_last_step < :step` dropped (both accepted)."""
    code = current(seed)

    answers = burst([lambda: authenticator.second_factor("octocat", code)] * 2)

    assert sum(a.principal is not None for a in answers) == 1
    assert [a.failure for a in answers].count(AuthFailure.OTP_REQUIRED) == 1
    assert failures(table, "octocat") == 0  # the success and the replay both gave their attempt back


def test_refusals_read_the_same_and_a_replay_is_not_counted(
    authenticator: Authenticator, verifications: Verifications, table: TableView, seed: str
) -> None:
    """A wrong code, an empty one and a replayed one are all `OTP_REQUIRED`; only the wrong one counts.
    Seen red with the attempt kept for a replay (failures 2)."""
    code = current(seed)
    assert authenticator.second_factor("octocat", code).principal is not None

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [authenticator.second_factor("octocat", c) for c in (wrong, "", code)]

    assert [a.failure for a in answers] == [AuthFailure.OTP_REQUIRED] * 3
    assert failures(table, "octocat") == 1


def test_no_second_factor_any_more_is_refused(
    authenticator: Authenticator, accounts: Accounts, seed: str, verifications: Verifications
) -> None:
    """The second factor removed between the password and the code: the pending session signs nobody in.
    Seen red with the pages' first version (a principal without any code)."""
    accounts.disable_two_factor("octocat")

    assert authenticator.second_factor("octocat", "").failure is AuthFailure.BAD_CREDENTIALS
    assert authenticator.second_factor("nobody", "123456").failure is AuthFailure.BAD_CREDENTIALS
