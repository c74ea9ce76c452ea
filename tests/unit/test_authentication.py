"""Basic auth: parsing the Authorization header, and the authenticator's decisions (a fake repository)."""

from __future__ import annotations

import base64
import dataclasses
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from oauth_authz import tokens, totp
from oauth_authz.app_secrets import hash_secret
from oauth_authz.errors import AuthFailure
from oauth_authz.models.domain import App, ClientSecret, FailedLogins, Principal, User
from oauth_authz.secretbox import new_local_key, seal
from oauth_authz.service import authentication
from oauth_authz.service.authentication import (
    MAX_HEADER,
    Authenticator,
    BasicCredentials,
    Outcome,
    is_app_route,
    parse_authorization,
)
from oauth_authz.settings import Settings
from tests.support.data import OCTOCAT_PASSWORD

T0 = datetime(2024, 11, 21, tzinfo=UTC)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# parsing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   ", "\t"])
def test_no_credentials_require_authentication(header: str | None) -> None:
    assert parse_authorization(header) is AuthFailure.REQUIRES_AUTHENTICATION


@pytest.mark.parametrize(
    "header", ["token ghp_abc", "Token abc", "TOKEN abc", "bearer abc", "Bearer ghp_abc", "  Bearer abc  "]
)
def test_tokens_are_not_passwords(header: str) -> None:
    assert parse_authorization(header) is AuthFailure.TOKEN_NOT_PASSWORD


@pytest.mark.parametrize("header", ["Digest username=x", "Negotiate abc", "Basicb2N0bw==", "b2N0b2NhdDpw"])
def test_other_schemes_are_no_credentials(header: str) -> None:
    assert parse_authorization(header) is AuthFailure.REQUIRES_AUTHENTICATION


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic b2N0b2NhdDpw?",
        "Basic b2N0b2NhdDpwYXM",  # "octocat:pas" without its padding
        "Basic " + b64(b"no-colon-here"),
        "Basic " + b64(b":password-without-user"),
        "Basic " + b64(b"\xff\xfe:latin-1 is not utf-8"),
        "Basic " + b64(b"oct\xc3ocat:pw"),  # truncated UTF-8 sequence
        "Basic ",
        "Basic",
    ],
)
def test_unreadable_basic_credentials_are_bad_credentials(header: str) -> None:
    assert parse_authorization(header) is AuthFailure.BAD_CREDENTIALS


def test_oversize_headers_are_bad_credentials() -> None:
    just_fits = "Basic " + b64(b"octocat:" + b"p" * 3000)
    assert len(just_fits) <= MAX_HEADER
    assert isinstance(parse_authorization(just_fits), BasicCredentials)

    too_long = "Basic " + b64(b"octocat:" + b"p" * 4000)
    assert len(too_long) > MAX_HEADER
    assert parse_authorization(too_long) is AuthFailure.BAD_CREDENTIALS


@pytest.mark.parametrize(
    ("raw", "username", "password"),
    [
        (b"octocat:hunter2-correct-horse", "octocat", "hunter2-correct-horse"),
        (b"octocat:pa:ss:word", "octocat", "pa:ss:word"),
        (b"octocat:", "octocat", ""),
        ("ünï:pässwörd 🙂".encode(), "ünï", "pässwörd 🙂"),
        (b"octocat: spaced ", "octocat", " spaced "),
    ],
)
def test_basic_credentials(raw: bytes, username: str, password: str) -> None:
    assert parse_authorization("Basic " + b64(raw)) == BasicCredentials(username, password)


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "Basic"])
def test_the_scheme_is_case_insensitive(scheme: str) -> None:
    assert parse_authorization(f"{scheme} {b64(b'a:b')}") == BasicCredentials("a", "b")


def test_credentials_never_show_in_a_repr() -> None:
    credentials = parse_authorization("Basic " + b64(b"octocat:" + OCTOCAT_PASSWORD.encode()))

    assert OCTOCAT_PASSWORD not in repr(credentials)
    assert OCTOCAT_PASSWORD not in str(credentials)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("/applications/{client_id}/token", True),
        ("/applications/{client_id}/tokens/{access_token}", True),
        ("/applications/{client_id}/grant", True),
        ("/applications/{client_id}/grants/{access_token}", True),
        ("/applications/grants", False),
        ("/applications/grants/{grant_id}", False),
        ("/authorizations", False),
        ("/authorizations/clients/{client_id}", False),
        ("", False),
    ],
)
def test_app_routes(resource: str, expected: bool) -> None:
    assert is_app_route(resource) is expected


# the authenticator ------------------------------------------------------------------------------------------


class FakeRepository:
    def __init__(self, users: dict[str, User] | None = None, apps: dict[str, App] | None = None) -> None:
        self.users = users or {}
        self.apps = apps or {}
        self.lookups: list[str] = []
        self.failures: dict[str, FailedLogins] = {}

    def get_user(self, login: str) -> User | None:
        self.lookups.append(f"user:{login}")
        return self.users.get(login.lower())

    def login_state(self, login: str) -> tuple[User | None, FailedLogins]:
        return self.get_user(login), self.failures.get(login.lower(), FailedLogins())

    def accept_totp_step(self, user: User, step: int, reserved: int | None = None) -> bool:
        current = self.users[user.login.lower()]
        if step <= current.totp_last_step:
            return False
        self.users[user.login.lower()] = dataclasses.replace(current, totp_last_step=step)
        if reserved is not None:
            self.release_attempt(user.login, reserved)
        return True

    def reserve_attempt(
        self, login: str, seen: FailedLogins, now: int, threshold: int, window: int
    ) -> int | None:
        current = self.failures.get(login.lower(), FailedLogins())
        if current.locked(now, threshold, window):
            return None
        if current.in_window(now, window):
            self.failures[login.lower()] = FailedLogins(current.count + 1, current.window_start)
        else:
            self.failures[login.lower()] = FailedLogins(1, now)
        return self.failures[login.lower()].window_start

    def release_attempt(self, login: str, window_start: int) -> None:
        current = self.failures[login.lower()]
        if current.window_start == window_start and current.count > 0:
            self.failures[login.lower()] = FailedLogins(current.count - 1, current.window_start)

    def attempt_open(self, login: str, now: int, threshold: int, window: int) -> bool:
        return not self.failures.get(login.lower(), FailedLogins()).locked(now, threshold, window)

    def get_app(self, client_id: str) -> App | None:
        self.lookups.append(f"app:{client_id}")
        return self.apps.get(client_id)


@pytest.fixture
def repository(password_hash: str) -> FakeRepository:
    user = User(id=1, login="octocat", created_at=T0, password_hash=password_hash)
    app = App(client_id="abcde12345fghij67890", id=1, name="App", url="https://a.example", created_at=T0,
              secrets=(ClientSecret(1, hash_secret("app-secret"), None, T0),))  # fmt: skip
    return FakeRepository({"octocat": user}, {app.client_id: app})


def authenticate(repository: FakeRepository, header: str | None, app_route: bool = False) -> Outcome:
    settings = Settings(table_name="oauth-authz")
    return Authenticator(repository, settings).authenticate(header, app_route)  # type: ignore[arg-type]


def basic(username: str, password: str) -> str:
    return "Basic " + b64(f"{username}:{password}".encode())


def test_the_right_password_gives_the_user(repository: FakeRepository) -> None:
    outcome = authenticate(repository, basic("octocat", OCTOCAT_PASSWORD))

    assert outcome == Outcome(principal=Principal(kind="user", user_id=1, login="octocat"))


def test_logins_are_case_insensitive(repository: FakeRepository) -> None:
    outcome = authenticate(repository, basic("OctoCat", OCTOCAT_PASSWORD))

    assert outcome.principal == Principal(kind="user", user_id=1, login="octocat")


def test_a_wrong_password_is_bad_credentials(repository: FakeRepository) -> None:
    assert authenticate(repository, basic("octocat", "wrong")) == Outcome(failure=AuthFailure.BAD_CREDENTIALS)


def test_an_unknown_login_spends_a_verification_and_is_bad_credentials(
    repository: FakeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    burned: list[str] = []
    monkeypatch.setattr(authentication, "burn_verify", burned.append)

    outcome = authenticate(repository, basic("nobody", "whatever"))

    assert outcome == Outcome(failure=AuthFailure.BAD_CREDENTIALS)
    assert burned == ["whatever"]


def test_a_token_as_password_is_refused_before_any_lookup(repository: FakeRepository) -> None:
    token = tokens.new_token(tokens.TokenKind.PERSONAL)

    outcome = authenticate(repository, basic("octocat", token))

    assert outcome == Outcome(failure=AuthFailure.TOKEN_NOT_PASSWORD)
    assert repository.lookups == []


def test_a_token_shaped_password_with_a_bad_checksum_is_just_a_password(repository: FakeRepository) -> None:
    token = tokens.new_token(tokens.TokenKind.PERSONAL)
    broken = token[:-1] + ("0" if token[-1] != "0" else "1")

    assert authenticate(repository, basic("octocat", broken)) == Outcome(failure=AuthFailure.BAD_CREDENTIALS)
    assert repository.lookups == ["user:octocat"]


@pytest.mark.parametrize(
    ("header", "failure"),
    [
        (None, AuthFailure.REQUIRES_AUTHENTICATION),
        ("token abc", AuthFailure.TOKEN_NOT_PASSWORD),
        ("Basic %%%", AuthFailure.BAD_CREDENTIALS),
    ],
)
def test_header_failures_on_user_routes(
    repository: FakeRepository, header: str | None, failure: AuthFailure
) -> None:
    assert authenticate(repository, header) == Outcome(failure=failure)
    assert repository.lookups == []


def test_the_app_with_its_secret(repository: FakeRepository) -> None:
    outcome = authenticate(repository, basic("abcde12345fghij67890", "app-secret"), app_route=True)

    assert outcome == Outcome(principal=Principal(kind="app", client_id="abcde12345fghij67890"))


@pytest.mark.parametrize(
    "header",
    [
        basic("abcde12345fghij67890", "wrong-secret"),
        basic("unknown-client-id", "app-secret"),
        basic("octocat", OCTOCAT_PASSWORD),  # a user's credentials on an app route
        "token gho_something",  # on app routes a token is just bad credentials
        "Bearer gho_something",
    ],
)
def test_app_routes_refuse_anything_but_the_apps_secret(repository: FakeRepository, header: str) -> None:
    assert authenticate(repository, header, app_route=True) == Outcome(failure=AuthFailure.BAD_CREDENTIALS)


def test_an_oversize_client_id_is_not_looked_up(repository: FakeRepository) -> None:
    outcome = authenticate(repository, basic("c" * 21, "app-secret"), app_route=True)

    assert outcome == Outcome(failure=AuthFailure.BAD_CREDENTIALS)
    assert repository.lookups == []


def test_no_credentials_on_an_app_route(repository: FakeRepository) -> None:
    assert authenticate(repository, None, app_route=True) == Outcome(
        failure=AuthFailure.REQUIRES_AUTHENTICATION
    )


def test_outcomes_hold_no_credentials(repository: FakeRepository) -> None:
    outcome: Any = authenticate(repository, basic("octocat", OCTOCAT_PASSWORD))

    assert OCTOCAT_PASSWORD not in repr(outcome)


# the second factor -----------------------------------------------------------------------------------------


@pytest.fixture
def two_factor(repository: FakeRepository, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    monkeypatch.delenv("TOTP_KMS_KEY_ID", raising=False)
    seed = totp.new_secret()
    octocat = repository.users["octocat"]
    repository.users["octocat"] = dataclasses.replace(octocat, totp_sealed=seal(seed, "octocat"))
    return seed


def authenticate_with_otp(repository: FakeRepository, otp: str | None) -> Outcome:
    settings = Settings(table_name="oauth-authz")
    authenticator = Authenticator(repository, settings)  # type: ignore[arg-type]
    return authenticator.authenticate(basic("octocat", OCTOCAT_PASSWORD), False, otp=otp)


def test_a_fresh_code_is_accepted_once_and_a_replay_is_not_a_failed_attempt(
    repository: FakeRepository, two_factor: str
) -> None:
    code = totp.code_at(two_factor, totp.step_at(time.time()))

    assert authenticate_with_otp(repository, code).principal is not None
    assert authenticate_with_otp(repository, code) == Outcome(failure=AuthFailure.OTP_REQUIRED)
    assert authenticate_with_otp(repository, None) == Outcome(failure=AuthFailure.OTP_REQUIRED)
    # clients resend their last code: that must not lock them out (each reserved attempt was given back)
    assert repository.failures["octocat"].count == 0


def test_a_wrong_code_is_a_failed_attempt(repository: FakeRepository, two_factor: str) -> None:
    code = totp.code_at(two_factor, totp.step_at(time.time()))
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    assert authenticate_with_otp(repository, wrong) == Outcome(failure=AuthFailure.OTP_REQUIRED)
    assert repository.failures["octocat"].count == 1
