"""The authorizer's two-factor challenge (TOTP, `X-GitHub-OTP`) and its lockout after repeated failures
(SPEC section 5), and what the functions answer for them."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest

from oauth_authz import tokens, totp
from oauth_authz.secretbox import new_local_key
from oauth_authz.service import authentication
from oauth_authz.service.accounts import Accounts
from oauth_authz_local.constants import REGION
from tests.support.api import assert_error
from tests.support.data import OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic, build_event
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView

pytestmark = pytest.mark.usefixtures("octocat")

Authorize = Callable[[dict[str, Any]], dict[str, Any]]
OCTOCAT = {"principal_type": "user", "user_id": 1, "login": "octocat"}
RIGHT = basic("octocat", OCTOCAT_PASSWORD)
WRONG = basic("octocat", "not the password")


class Clock:
    """The authenticator's `time.time()`, standing still until moved."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def time(self) -> float:
        return self.now


@pytest.fixture
def auth_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=clock.time))
    return clock


def context_of(authorize: Authorize, header: str | None, otp: str | None = None) -> dict[str, Any]:
    answer = authorize(authorizer_event(header, headers={"X-GitHub-OTP": otp} if otp is not None else None))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    return dict(answer["context"])


# lockout ----------------------------------------------------------------------------------------------------


@pytest.fixture
def lockout(monkeypatch: pytest.MonkeyPatch, auth_clock: Clock) -> Clock:
    monkeypatch.setenv("LOCKOUT_THRESHOLD", "3")
    monkeypatch.setenv("LOCKOUT_WINDOW_SECONDS", "60")
    return auth_clock


def test_after_n_failures_even_the_right_password_is_locked_out(
    authorize: Authorize, lockout: Clock, table: TableView
) -> None:
    for _ in range(3):
        assert context_of(authorize, WRONG) == {"auth_error": "bad_credentials"}

    assert context_of(authorize, RIGHT) == {"auth_error": "locked_out"}
    assert context_of(authorize, WRONG) == {"auth_error": "locked_out"}
    assert_table_invariants(table)
    assert_no_secrets(table, [OCTOCAT_PASSWORD, "not the password"])


def test_fewer_failures_do_not_lock(authorize: Authorize, lockout: Clock) -> None:
    for _ in range(2):
        context_of(authorize, WRONG)

    assert context_of(authorize, RIGHT) == OCTOCAT


def test_the_lockout_ends_with_its_window(authorize: Authorize, lockout: Clock) -> None:
    for _ in range(3):
        context_of(authorize, WRONG)
    lockout.now += 59
    assert context_of(authorize, RIGHT) == {"auth_error": "locked_out"}

    lockout.now += 1

    assert context_of(authorize, RIGHT) == OCTOCAT


def test_failures_outside_the_window_do_not_add_up(authorize: Authorize, lockout: Clock) -> None:
    context_of(authorize, WRONG)
    context_of(authorize, WRONG)
    lockout.now += 61
    context_of(authorize, WRONG)

    assert context_of(authorize, RIGHT) == OCTOCAT


def test_unknown_logins_lock_out_alike(authorize: Authorize, lockout: Clock) -> None:
    ghost = basic("ghost", "any password")
    for _ in range(3):
        assert context_of(authorize, ghost) == {"auth_error": "bad_credentials"}

    assert context_of(authorize, ghost) == {"auth_error": "locked_out"}


def test_one_login_locked_out_leaves_the_others(authorize: Authorize, lockout: Clock, hubot: Any) -> None:
    for _ in range(3):
        context_of(authorize, WRONG)

    assert context_of(authorize, basic("hubot", OCTOCAT_PASSWORD)) == {
        "principal_type": "user",
        "user_id": 2,
        "login": "hubot",
    }


def test_logins_are_counted_whatever_their_case(authorize: Authorize, lockout: Clock) -> None:
    for login in ("octocat", "OctoCat", "OCTOCAT"):
        context_of(authorize, basic(login, "wrong"))

    assert context_of(authorize, RIGHT) == {"auth_error": "locked_out"}


def test_a_token_sent_as_password_is_no_failed_attempt(
    authorize: Authorize, lockout: Clock, table: TableView
) -> None:
    token = "ghp_" + "A" * 30 + tokens.checksum("A" * 30)
    for _ in range(5):
        assert context_of(authorize, basic("octocat", token)) == {"auth_error": "token_not_password"}
    assert table.get("LOGINFAIL#octocat", "LOGINFAIL") is None  # no attempt reserved for a token

    assert context_of(authorize, RIGHT) == OCTOCAT
    assert table.get("LOGINFAIL#octocat", "LOGINFAIL")["count"] == 0  # the success gave its attempt back


def test_the_function_answers_a_lockout_with_403(invoke: Any, authorize: Authorize, lockout: Clock) -> None:
    for _ in range(3):
        context_of(authorize, WRONG)
    answer = authorize(authorizer_event(RIGHT))
    context = {"principalId": answer["principalId"], **{k: str(v) for k, v in answer["context"].items()}}

    result = invoke("list_authorizations", build_event("list_authorizations", authorizer=context))

    assert_error(result, 403, "Maximum number of login attempts exceeded. Please try again later.")


# two-factor -------------------------------------------------------------------------------------------------


@pytest.fixture
def seed(accounts: Accounts, monkeypatch: pytest.MonkeyPatch, auth_clock: Clock) -> str:
    """octocat with TOTP enabled (seed sealed with a local AES-GCM key)."""
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    setup = accounts.enable_two_factor("octocat")
    uri = urlsplit(setup.uri)
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", "/oauth-authz:octocat")
    assert parse_qs(uri.query) == {
        "secret": [setup.secret],
        "issuer": ["oauth-authz"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    return setup.secret


def code(seed: str, clock: Clock, steps: int = 0) -> str:
    return totp.code_at(seed, totp.step_at(clock.now) + steps)


def test_the_password_alone_gets_the_otp_challenge(authorize: Authorize, seed: str) -> None:
    assert context_of(authorize, RIGHT) == {"auth_error": "otp_required"}
    assert context_of(authorize, RIGHT, otp="") == {"auth_error": "otp_required"}


def test_password_and_code_let_the_user_in(authorize: Authorize, seed: str, auth_clock: Clock) -> None:
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock)) == OCTOCAT


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_of_clock_drift_is_tolerated(
    authorize: Authorize, seed: str, auth_clock: Clock, steps: int
) -> None:
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock, steps)) == OCTOCAT


@pytest.mark.parametrize("steps", [-2, 2])
def test_more_drift_is_refused(authorize: Authorize, seed: str, auth_clock: Clock, steps: int) -> None:
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock, steps)) == {"auth_error": "otp_required"}


def test_a_code_is_good_once(authorize: Authorize, seed: str, auth_clock: Clock) -> None:
    first = code(seed, auth_clock)
    assert context_of(authorize, RIGHT, otp=first) == OCTOCAT

    assert context_of(authorize, RIGHT, otp=first) == {"auth_error": "otp_required"}
    auth_clock.now += 30
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock)) == OCTOCAT


@pytest.mark.parametrize("otp", ["000000", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_a_wrong_code_gets_the_challenge_again(
    authorize: Authorize, seed: str, auth_clock: Clock, otp: str
) -> None:
    if otp == code(seed, auth_clock):
        otp = "111111" if otp != "111111" else "222222"

    assert context_of(authorize, RIGHT, otp=otp) == {"auth_error": "otp_required"}


def test_a_wrong_password_with_a_right_code_is_bad_credentials(
    authorize: Authorize, seed: str, auth_clock: Clock
) -> None:
    assert context_of(authorize, WRONG, otp=code(seed, auth_clock)) == {"auth_error": "bad_credentials"}


def test_wrong_codes_count_towards_the_lockout(
    authorize: Authorize, seed: str, auth_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCKOUT_THRESHOLD", "2")
    wrong = "111111" if code(seed, auth_clock) != "111111" else "222222"
    context_of(authorize, RIGHT, otp=wrong)
    context_of(authorize, RIGHT, otp=wrong)

    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock)) == {"auth_error": "locked_out"}


def test_the_function_answers_the_challenge_with_githubs_header(
    invoke: Any, authorize: Authorize, seed: str
) -> None:
    answer = authorize(authorizer_event(RIGHT))
    context = {"principalId": answer["principalId"], **{k: str(v) for k, v in answer["context"].items()}}

    result = invoke("create_authorization", build_event("create_authorization", authorizer=context))

    assert_error(result, 401, "Must specify two-factor authentication OTP code.")
    assert result.header("X-GitHub-OTP") == "required; app"


def test_the_seed_is_sealed_at_rest(
    seed: str, table: TableView, authorize: Authorize, auth_clock: Clock
) -> None:
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock)) == OCTOCAT

    stored = table.get("LOGIN#octocat", "USER")
    assert stored is not None and stored["totp_sealed"].startswith("local:")
    assert_no_secrets(table, [seed, seed.lower(), OCTOCAT_PASSWORD])
    assert_table_invariants(table)


def test_disabling_two_factor_drops_the_challenge(
    accounts: Accounts, authorize: Authorize, seed: str
) -> None:
    accounts.disable_two_factor("octocat")

    assert context_of(authorize, RIGHT) == OCTOCAT


def test_app_routes_need_no_code(authorize: Authorize, seed: str, oauth_app: Any) -> None:
    event = authorizer_event(
        basic(oauth_app.client_id, oauth_app.client_secret), resource="/applications/{client_id}/token"
    )

    assert authorize(event)["context"] == {"principal_type": "app", "client_id": oauth_app.client_id}


def test_a_kms_sealed_seed(
    accounts: Accounts,
    authorize: Authorize,
    auth_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    table: TableView,
) -> None:
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("TOTP_KMS_KEY_ID", key_id)

    seed = accounts.enable_two_factor("octocat").secret

    stored = table.get("LOGIN#octocat", "USER")
    assert stored is not None and stored["totp_sealed"].startswith("kms:")
    assert context_of(authorize, RIGHT) == {"auth_error": "otp_required"}
    assert context_of(authorize, RIGHT, otp=code(seed, auth_clock)) == OCTOCAT
    assert_no_secrets(table, [seed])
