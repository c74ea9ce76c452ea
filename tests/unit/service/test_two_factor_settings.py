"""`service/two_factor_settings.py`: two-factor on (a seed offered sealed in the form, confirmed with its
first code) and off (the password and a code, as a sign-in checks them), for the signed-in user (on the moto
table, codes computed from the seed as an authenticator app does)."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from oauth_authz import clock, totp
from oauth_authz.models.domain import User, WebSession
from oauth_authz.secretbox import new_local_key, open_sealed, seal
from oauth_authz.service.authentication import authenticator
from oauth_authz.service.sessions import MAX_FIELD, Sessions, SignInRequired, hashed
from oauth_authz.service.two_factor_settings import MAX_SEALED, TwoFactorSettings
from oauth_authz.store.repository import Repository
from oauth_authz.store.session_store import SessionStore
from tests.support.data import OCTOCAT_PASSWORD
from tests.support.invariants import assert_no_secrets
from tests.support.tables import TableView


@pytest.fixture(autouse=True)
def local_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())


@pytest.fixture
def service(table: TableView) -> TwoFactorSettings:
    return TwoFactorSettings(Sessions(SessionStore(table.name), authenticator()), authenticator())


def start_session(table: TableView, user_id: int, login: str, session_id: str = "browser") -> str:
    session = WebSession(user_id, login, clock.now() + timedelta(hours=1))
    SessionStore(table.name).start(hashed(session_id), session)
    return session_id


def now_code(seed: str) -> str:
    return totp.code_at(seed, totp.step_at(time.time()))


def reread(repository: Repository, login: str) -> User:
    user = repository.get_user(login)
    assert user is not None
    return user


def enabled(service: TwoFactorSettings, user: User) -> tuple[str, User]:
    """Two-factor on through the service: (the seed, the user as stored)."""
    setup = service.setup(user.login)
    assert service.enable(user, setup, now_code(setup.seed))
    return setup.seed, reread(service.repository, user.login)


# ------------------------------------------------------------------------------------------------ status


def test_status_is_the_signed_in_users(service: TwoFactorSettings, table: TableView, octocat: User) -> None:
    session, user = service.status(start_session(table, octocat.id, "octocat"))
    assert session.user_id == user.id == octocat.id and not user.has_two_factor


@pytest.mark.parametrize("session_id", [None, "", "unknown", "x" * 65])
def test_signed_out_is_sign_in_required(
    service: TwoFactorSettings, octocat: User, session_id: str | None
) -> None:
    with pytest.raises(SignInRequired):
        service.status(session_id)


def test_a_session_of_a_deleted_or_replaced_user_is_sign_in_required(
    service: TwoFactorSettings, table: TableView, octocat: User
) -> None:
    """The session names a login whose user is gone, or is another user now (another id)."""
    with pytest.raises(SignInRequired):
        service.status(start_session(table, 99, "nobody", "gone"))
    with pytest.raises(SignInRequired):
        service.status(start_session(table, octocat.id + 100, "octocat", "replaced"))


# ------------------------------------------------------------------------------------------------- setup


def test_setup_offers_a_new_seed_sealed_for_the_login_and_stores_nothing(
    service: TwoFactorSettings, table: TableView, octocat: User
) -> None:
    before = table.items()

    setup = service.setup("octocat")

    assert setup.seed != service.setup("octocat").seed  # a new one each time
    assert open_sealed(setup.sealed, "octocat") == setup.seed
    uri = urlsplit(setup.uri)
    assert uri.scheme == "otpauth" and parse_qs(uri.query)["secret"] == [setup.seed]
    assert table.items() == before


def test_offered_opens_only_what_it_sealed_for_this_login(service: TwoFactorSettings) -> None:
    setup = service.setup("octocat")

    again = service.offered("octocat", setup.sealed)

    assert again is not None and again.seed == setup.seed and again.sealed == setup.sealed
    for sealed in ("", "garbage", "local:not-base64!", setup.sealed[:-4], "x" * (MAX_SEALED + 1)):
        assert service.offered("octocat", sealed) is None, sealed
    assert service.offered("hubot", setup.sealed) is None  # sealed for another login


# ------------------------------------------------------------------------------------------------ enable


def test_the_current_code_turns_it_on_with_its_step_spent(
    service: TwoFactorSettings, table: TableView, octocat: User
) -> None:
    setup = service.setup("octocat")
    code = now_code(setup.seed)

    assert service.enable(octocat, setup, code)

    stored = reread(service.repository, "octocat")
    assert stored.totp_sealed is not None and open_sealed(stored.totp_sealed, "octocat") == setup.seed
    assert stored.totp_last_step >= totp.step_at(time.time()) - 1
    assert_no_secrets(table, [setup.seed])


def test_the_confirming_code_cannot_be_replayed(service: TwoFactorSettings, octocat: User) -> None:
    """The code that turned it on signs nobody in, and does not turn it off. Seen red with `enable` storing
    `last_step=0`."""
    setup = service.setup("octocat")
    code = now_code(setup.seed)
    assert service.enable(octocat, setup, code)

    assert authenticator().sign_in("octocat", OCTOCAT_PASSWORD, code).principal is None
    user = reread(service.repository, "octocat")
    assert not service.disable(user, code, OCTOCAT_PASSWORD)
    assert reread(service.repository, "octocat").has_two_factor


@pytest.mark.parametrize("wrong", ["wrong", "", "12345", "1234567", "x" * (MAX_FIELD + 1), "next"])
def test_a_wrong_code_stores_nothing(
    service: TwoFactorSettings, table: TableView, octocat: User, wrong: str
) -> None:
    setup = service.setup("octocat")
    right = now_code(setup.seed)
    code = str((int(right) + 1) % 1_000_000).zfill(6) if wrong == "next" else wrong
    before = table.items()

    assert not service.enable(octocat, setup, code)

    assert table.items() == before


# ----------------------------------------------------------------------------------------------- disable


def test_the_password_and_a_fresh_code_turn_it_off(
    service: TwoFactorSettings, octocat: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed, user = enabled(service, octocat)
    later = time.time() + 30  # the next step: the confirming one is spent
    monkeypatch.setattr(time, "time", lambda: later)

    assert service.disable(user, totp.code_at(seed, totp.step_at(later)), OCTOCAT_PASSWORD)

    assert not reread(service.repository, "octocat").has_two_factor


@pytest.mark.parametrize("wrong", ["password", "code", "long password", "long code"])
def test_a_wrong_password_or_code_keeps_it_on(
    service: TwoFactorSettings, octocat: User, monkeypatch: pytest.MonkeyPatch, wrong: str
) -> None:
    seed, user = enabled(service, octocat)
    later = time.time() + 30
    monkeypatch.setattr(time, "time", lambda: later)
    code = totp.code_at(seed, totp.step_at(later))
    password = OCTOCAT_PASSWORD
    if wrong == "password":
        password = "not-the-password"
    elif wrong == "code":
        code = str((int(code) + 1) % 1_000_000).zfill(6)
    elif wrong == "long password":
        password = "p" * (MAX_FIELD + 1)
    else:
        code = "1" * (MAX_FIELD + 1)

    assert not service.disable(user, code, password)

    stored = reread(service.repository, "octocat")
    assert stored.has_two_factor and stored.totp_sealed == user.totp_sealed


def test_a_seed_sealed_elsewhere_is_not_a_setup(service: TwoFactorSettings) -> None:
    """`seal` under another login's context: the form of one user cannot carry a seed to another."""
    assert service.offered("octocat", seal(totp.new_secret(), "hubot")) is None
