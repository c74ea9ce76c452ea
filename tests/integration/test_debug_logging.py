"""`LogLevel=DEBUG` logs no secret (issue 13, item 3).

On Lambda, `LogLevel` sets the root logger's level (advanced logging controls) and Powertools' level. Every
library logger inherits the root's level, and at DEBUG botocore logs each response body: the KMS Decrypt
answer (a user's TOTP seed) and the BatchGetItem answer (the user's argon2 hash), on every sign-in with a
second factor. Here the real authorizer runs in-process against moto (DynamoDB and KMS) with the root
logger and the function's logger at DEBUG, every log record and everything written to stdout and stderr is
kept, and nothing kept may hold a password, the stored hash, the seed (base32, the base64 KMS returns, raw),
a code or an Authorization header.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from oauth_authz import totp
from oauth_authz.observability import QUIET_LOGGERS, logger
from oauth_authz.service import authentication
from oauth_authz.service.accounts import Accounts
from oauth_authz_local.constants import REGION
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD
from tests.support.events import authorizer_event, basic, build_event

pytestmark = pytest.mark.usefixtures("octocat")

Authorize = Callable[[dict[str, Any]], dict[str, Any]]
WRONG_PASSWORD = "a-wrong-password-456"


class Logged:
    """Every record any logger emits (through the root logger) and the function's own JSON lines."""

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []
        self.function_lines = io.StringIO()

    def text(self, captured: pytest.CaptureFixture[str]) -> str:
        out, err = captured.readouterr()
        parts = [self.function_lines.getvalue(), out, err]
        for record in self.records:
            parts.append(record.getMessage())
            parts.append(str(record.args))
            parts.append(repr(record.__dict__))
        return "\n".join(parts)


class _Keep(logging.Handler):
    def __init__(self, logged: Logged) -> None:
        super().__init__(logging.DEBUG)
        self.logged = logged

    def emit(self, record: logging.LogRecord) -> None:
        self.logged.records.append(record)


@pytest.fixture
def debug_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[Logged]:
    """What `LogLevel=DEBUG` gives on Lambda: the root logger at DEBUG (Lambda sets it from
    AWS_LAMBDA_LOG_LEVEL) and Powertools' Logger at DEBUG (POWERTOOLS_LOG_LEVEL)."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    logged = Logged()
    root = logging.getLogger()
    keep = _Keep(logged)
    function_handler = logging.StreamHandler(logged.function_lines)
    function_handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.name)  # Powertools' logger does not propagate to the root
    saved = (root.level, service_logger.level)
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    service_logger.addHandler(function_handler)
    service_logger.setLevel(logging.DEBUG)
    try:
        yield logged
    finally:
        root.removeHandler(keep)
        service_logger.removeHandler(function_handler)
        root.setLevel(saved[0])
        service_logger.setLevel(saved[1])


@pytest.fixture
def auth_now(monkeypatch: pytest.MonkeyPatch) -> float:
    """The authenticator's clock held at one instant, so the code computed here is the one it expects."""
    now = 1_800_000_000.0
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=lambda: now))
    return now


@pytest.fixture
def kms_seed(accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> str:
    """octocat with two-factor authentication, the seed sealed with a KMS key (moto), as on AWS."""
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("TOTP_KMS_KEY_ID", key_id)
    return accounts.enable_two_factor("octocat").secret


def _secrets(seed: str, password_hash: str, headers: list[str]) -> list[str]:
    raw_seed = base64.b32decode(seed + "=" * (-len(seed) % 8))
    return [
        OCTOCAT_PASSWORD,
        WRONG_PASSWORD,
        EVENT_CLIENT_SECRET,
        password_hash,
        password_hash.rsplit("$", 1)[1],  # the digest alone
        seed,
        seed.lower(),
        base64.b64encode(seed.encode("ascii")).decode("ascii"),  # KMS Decrypt's Plaintext, as JSON carries it
        raw_seed.hex(),
        base64.b64encode(raw_seed).decode("ascii"),
        *headers,
        *(header.split(" ", 1)[1] for header in headers),
        "b2N0b2NhdD",  # base64 of "octocat:", the start of every octocat header
    ]


def test_debug_logs_of_a_two_factor_sign_in_hold_no_secret(
    authorize: Authorize,
    invoke: Any,
    kms_seed: str,
    auth_now: float,
    password_hash: str,
    oauth_app: Any,
    debug_logging: Logged,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Seen red with the library loggers left at the root's level (the `QUIET_LOGGERS` loop of
    `oauth_authz.observability` removed): botocore's DEBUG records held the argon2 hash (BatchGetItem's
    answer) and the seed (KMS Decrypt's answer)."""
    code = totp.code_at(kms_seed, totp.step_at(auth_now))
    wrong_code = "111111" if code != "111111" else "222222"
    right = basic("octocat", OCTOCAT_PASSWORD)
    headers = [right, basic("octocat", WRONG_PASSWORD), basic(EVENT_CLIENT_ID, EVENT_CLIENT_SECRET)]

    answers = [
        authorize(authorizer_event(right)),  # the challenge
        authorize(authorizer_event(right, headers={"X-GitHub-OTP": wrong_code})),  # seed opened, refused
        authorize(authorizer_event(right, headers={"X-GitHub-OTP": code})),  # seed opened, accepted
        authorize(authorizer_event(headers[1])),  # the hash read, refused
        authorize(authorizer_event(headers[2], resource="/applications/{client_id}/token")),
    ]
    signed_in = answers[2]
    context = {
        "principalId": signed_in["principalId"],
        **{k: str(v) for k, v in signed_in["context"].items()},
    }
    created = invoke("create_authorization", build_event("create_authorization", authorizer=context))

    assert [a["context"].get("auth_error") for a in answers] == [
        "otp_required",
        "otp_required",
        None,
        "bad_credentials",
        None,
    ]
    assert created.status == 201
    logged = debug_logging.text(capfd)
    assert debug_logging.function_lines.getvalue().count('"authentication"') == len(answers)  # DEBUG is on
    leaked = [secret for secret in _secrets(kms_seed, password_hash, headers) if secret in logged]
    assert not leaked
    assert not re.search(rf"(?<!\d){code}(?!\d)", logged)
    assert not re.search(rf"(?<!\d){wrong_code}(?!\d)", logged)
    assert created.json["token"] not in logged


@pytest.mark.parametrize("name", QUIET_LOGGERS)
def test_the_libraries_stay_at_warning_under_a_debug_root(name: str) -> None:
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.DEBUG)
    try:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
        assert logging.getLogger(f"{name}.any.child").getEffectiveLevel() == logging.WARNING
    finally:
        root.setLevel(saved)
