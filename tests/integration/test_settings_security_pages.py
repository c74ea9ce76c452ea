"""The security settings pages (SPEC 11): two-factor on and off for the signed-in user, each function run on
its event (`events/<page>.json`) as it stands and with one thing changed. Each security test's docstring
names the deliberately broken build it was seen red against."""

from __future__ import annotations

import html
import re
import time
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from oauth_authz import totp
from oauth_authz.models.domain import User
from oauth_authz.secretbox import new_local_key, open_sealed, seal
from oauth_authz.service import authentication
from oauth_authz.service.sessions import csrf_token
from oauth_authz.store.repository import Repository
from tests.integration.test_page_events import signed_in
from tests.integration.test_page_security import Run, run
from tests.support.data import EVENT_MOMENT, EVENT_SESSION_ID, EVENT_TOTP_SEED, OCTOCAT_PASSWORD
from tests.support.invariants import assert_no_secrets
from tests.support.tables import TableView

__all__ = ["run", "signed_in"]  # the fixtures, shared

CSRF = csrf_token(EVENT_SESSION_ID)
PAGES = ["settings_security_page", "enable_two_factor", "disable_two_factor"]


@pytest.fixture(autouse=True)
def local_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())


@pytest.fixture
def two_factor_on(signed_in: User, repository: Repository, monkeypatch: pytest.MonkeyPatch) -> User:
    """octocat with the events' seed; the authenticator's clock at the event's moment (its code's)."""
    monkeypatch.setattr(authentication, "time", SimpleNamespace(time=lambda: float(EVENT_MOMENT)))
    repository.set_totp(signed_in, seal(EVENT_TOTP_SEED, signed_in.login))
    return signed_in


def offered(body: str) -> tuple[str, str]:
    """(the seed shown as text, the sealed seed in the form)."""
    seed = re.search(r'<code id="totp-seed">([A-Z2-7]+)</code>', body)
    sealed = re.search(r'name="sealed_seed" value="([^"]+)"', body)
    assert seed is not None and sealed is not None, body
    return seed.group(1), html.unescape(sealed.group(1))


def setup_form(sealed: str, code: str) -> str:
    return f"authenticity_token={CSRF}&sealed_seed={quote(sealed)}&app_otp={code}"


def login_item(table: TableView) -> dict[str, object]:
    item = table.get("LOGIN#octocat", "USER")
    assert item is not None
    return item


def test_the_page_offers_the_setup_when_two_factor_is_off(run: Run, signed_in: User) -> None:
    result = run("settings_security_page")

    assert result.status == 200
    assert "Two-factor authentication is <strong>off</strong>" in result.body
    assert 'action="/v1/settings/security/two-factor"' in result.body


def test_setup_shows_a_seed_as_qr_code_and_text_and_stores_nothing(
    run: Run, signed_in: User, table: TableView
) -> None:
    before = table.items()

    result = run("enable_two_factor")

    assert result.status == 200
    seed, sealed = offered(result.body)
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in result.body
    assert open_sealed(sealed, "octocat") == seed
    assert table.items() == before


def test_the_first_code_turns_two_factor_on(run: Run, signed_in: User, table: TableView) -> None:
    seed, sealed = offered(run("enable_two_factor").body)
    code = totp.code_at(seed, totp.step_at(time.time()))

    result = run("enable_two_factor", body=setup_form(sealed, code))

    assert result.status == 303 and result.header("Location") == "/v1/settings/security"
    stored = login_item(table)
    assert open_sealed(str(stored["totp_sealed"]), "octocat") == seed
    assert int(str(stored["totp_last_step"])) >= totp.step_at(time.time()) - 1  # the code is spent
    assert_no_secrets(table, [seed])
    assert "is <strong>on</strong>" in run("settings_security_page").body


def test_a_wrong_code_shows_the_same_seed_and_stores_nothing(
    run: Run, signed_in: User, table: TableView
) -> None:
    seed, sealed = offered(run("enable_two_factor").body)
    wrong = str((int(totp.code_at(seed, totp.step_at(time.time()))) + 1) % 1_000_000).zfill(6)
    before = table.items()

    result = run("enable_two_factor", body=setup_form(sealed, wrong))

    assert result.status == 422 and offered(result.body)[0] == seed
    assert table.items() == before


def test_a_seed_sealed_for_another_login_is_not_taken(run: Run, signed_in: User, table: TableView) -> None:
    """A form's seed is opened under the signed-in login (the seal's context): hubot's seed, with its own
    right code, is not one of octocat's: a new setup is offered and nothing is stored."""
    seed = totp.new_secret()
    sealed = seal(seed, "hubot")
    code = totp.code_at(seed, totp.step_at(time.time()))
    before = table.items()

    result = run("enable_two_factor", body=setup_form(sealed, code))

    assert result.status == 200 and offered(result.body)[0] != seed  # a new setup instead
    assert table.items() == before


def test_the_password_and_a_code_turn_two_factor_off(run: Run, two_factor_on: User, table: TableView) -> None:
    result = run("disable_two_factor")

    assert result.status == 303
    assert "totp_sealed" not in login_item(table)


@pytest.mark.parametrize("field", ["password", "app_otp"])
def test_a_wrong_password_or_code_keeps_two_factor_on(
    run: Run, two_factor_on: User, table: TableView, field: str
) -> None:
    """Seen red with `TwoFactorSettings.disable` not looking at the sign-in's outcome (two-factor off)."""
    code = totp.code_at(EVENT_TOTP_SEED, totp.step_at(EVENT_MOMENT))
    values = {"password": OCTOCAT_PASSWORD, "app_otp": code}
    values[field] = "wrong-password" if field == "password" else str((int(code) + 1) % 1_000_000).zfill(6)
    body = f"authenticity_token={CSRF}&password={quote(values['password'])}&app_otp={values['app_otp']}"

    result = run("disable_two_factor", body=body)

    assert result.status == 422 and "Incorrect password or two-factor code." in result.body
    assert "totp_sealed" in login_item(table)


@pytest.mark.parametrize("token", [None, "", "wrong"])
@pytest.mark.parametrize("folder", ["enable_two_factor", "disable_two_factor"])
def test_a_form_without_its_csrf_token_changes_nothing(
    run: Run, two_factor_on: User, table: TableView, folder: str, token: str | None
) -> None:
    """Seen red with `require_csrf` removed from `enable_two_factor` (a 303 instead of the refusal) and from
    `disable_two_factor` (two-factor turned off)."""
    code = totp.code_at(EVENT_TOTP_SEED, totp.step_at(EVENT_MOMENT))
    fields = f"password={quote(OCTOCAT_PASSWORD)}&app_otp={code}"
    body = fields if token is None else f"authenticity_token={token}&{fields}"
    before = table.items()

    result = run(folder, body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert table.items() == before


@pytest.mark.parametrize("folder", PAGES)
def test_signed_out_goes_to_the_sign_in_page_and_back(run: Run, octocat: User, folder: str) -> None:
    result = run(folder)

    assert result.status == 303
    assert result.header("Location") == "/v1/login?return_to=%2Fv1%2Fsettings%2Fsecurity"


@pytest.mark.parametrize("folder", PAGES)
def test_the_security_pages_are_not_stored(run: Run, signed_in: User, folder: str) -> None:
    """Seen red with `Cache-Control` dropped from `rendering.security_headers`."""
    assert run(folder).header("Cache-Control") == "no-store"
