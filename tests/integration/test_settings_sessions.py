"""Sign out every session (SPEC 11, /settings/security): the function run on its event
(`events/sign_out_everywhere.json`) with sessions started by the sign-in function itself, two browsers of
octocat's and one of hubot's. Each security test's docstring names the deliberately broken build it was seen
red against."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from oauth_authz.models.domain import User
from oauth_authz.service.sessions import csrf_token, hashed
from tests.integration.test_page_security import Run, run, session_id_set
from tests.support.events import load_event
from tests.support.invariants import assert_table_invariants
from tests.support.tables import TableView

__all__ = ["run"]  # the fixture, shared

FOLDER = "sign_out_everywhere"


def sign_in(run: Run, login: str) -> str:
    """A browser signed in through the sign-in function (every fixture user has the events' password): its
    session cookie's value."""
    body = load_event("create_session")["body"].replace("login=octocat", f"login={login}")
    result = run("create_session", body=body)
    assert result.status == 303, result.body
    return session_id_set(result)


def signed_in_as(run: Run, session_id: str) -> bool:
    """Whether the security page opens for this cookie (not a redirect to the sign-in page)."""
    result = run("settings_security_page", cookie=f"oauth_authz_session={session_id}")
    return result.status == 200


@pytest.fixture
def browsers(run: Run, octocat: User, hubot: User) -> tuple[str, str, str]:
    """(octocat's laptop, octocat's phone, hubot's), each signed in."""
    found = sign_in(run, "octocat"), sign_in(run, "octocat"), sign_in(run, "hubot")
    assert all(signed_in_as(run, session_id) for session_id in found)
    return found


def test_the_button_is_on_the_security_page(run: Run, browsers: tuple[str, str, str]) -> None:
    laptop, _, _ = browsers
    body = run("settings_security_page", cookie=f"oauth_authz_session={laptop}").body

    assert '<form method="post" action="/v1/settings/security/sessions/sign-out">' in body
    assert f'<input type="hidden" name="authenticity_token" value="{csrf_token(laptop)}">' in body
    assert '<button type="submit" class="danger">Sign out of all sessions</button>' in body


def test_every_session_of_the_user_ends_and_no_one_elses(
    run: Run, browsers: tuple[str, str, str], table: TableView
) -> None:
    """Seen red with `sign_out_everywhere` ending only this browser's session (the phone stayed signed in),
    and with `SessionStore.start` writing no reference (neither session ended)."""
    laptop, phone, hubots = browsers

    result = run(
        FOLDER, cookie=f"oauth_authz_session={laptop}", body=f"authenticity_token={csrf_token(laptop)}"
    )

    assert result.status == 303
    assert result.header("Location") == "/v1/login"
    cleared = [v for v in result.headers.get("set-cookie", []) if v.startswith("oauth_authz_session=")]
    assert len(cleared) == 1 and "Max-Age=0" in cleared[0]
    assert result.header("Cache-Control") == "no-store"
    assert not signed_in_as(run, laptop) and not signed_in_as(run, phone)
    assert signed_in_as(run, hubots)
    assert table.get(f"SESSION#{hashed(laptop)}", "SESSION") is None
    assert table.get(f"SESSION#{hashed(phone)}", "SESSION") is None
    assert table.get(f"SESSION#{hashed(hubots)}", "SESSION") is not None
    assert not [i for i in table.items() if i["PK"] == "USER#1" and i["SK"].startswith("SESSION#")]
    assert_table_invariants(table)


@pytest.mark.parametrize("token", [None, "", "wrong", "hubot's"])
def test_without_its_csrf_token_nothing_changes(
    run: Run, browsers: tuple[str, str, str], table: TableView, token: str | None
) -> None:
    """Missing, empty, wrong, or the token of another browser's cookie: a 422 page, every session kept.
    Seen red with `require_csrf` removed from the `sign_out_everywhere` function (both of octocat's
    sessions ended)."""
    laptop, phone, hubots = browsers
    sent = csrf_token(hubots) if token == "hubot's" else token
    before = table.items()
    body = "" if sent is None else urlencode({"authenticity_token": sent})

    result = run(FOLDER, cookie=f"oauth_authz_session={laptop}", body=body)

    assert result.status == 422 and "Invalid authenticity token" in result.body
    assert not result.headers.get("set-cookie")
    assert table.items() == before
    assert signed_in_as(run, laptop) and signed_in_as(run, phone)


def test_signed_out_goes_to_the_sign_in_page(run: Run, octocat: User, table: TableView) -> None:
    """No session (the event's cookie names none): the sign-in page, nothing written."""
    before = table.items()

    result = run(FOLDER)

    assert result.status == 303
    assert result.header("Location") == "/v1/login?return_to=%2Fv1%2Fsettings%2Fsecurity"
    assert table.items() == before
