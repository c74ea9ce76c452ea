"""The authorize side of the web flow (SPEC section 9): `parse_authorize_request`, `needs_consent`,
`approve` and `deny` on the moto table."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from oauth_authz.models.domain import User
from oauth_authz.service import oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.oauth_web_flow import NoCallbackUrl, RedirectError, UnknownClient
from tests.conftest import FrozenClock, RegisteredApp
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView
from tests.support.web_flow import CALLBACK, CHALLENGE, authorize, query, without_query

AUTHORIZE_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/"
)


@pytest.fixture
def web_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("Octo App", "https://octo-app.example.com", CALLBACK)
    return RegisteredApp(created.app, created.client_secret)


def test_a_plain_request_uses_the_registered_callback(web_app: RegisteredApp) -> None:
    request = authorize(web_app.client_id, scope="repo user user:email nonsense,gist", state="xyz")

    assert request.app.model_dump() == {
        "client_id": web_app.client_id,
        "name": "Octo App",
        "url": "https://octo-app.example.com",
        "callback_url": CALLBACK,
    }
    assert request.redirect_uri == CALLBACK
    assert request.redirect_uri_given is None
    assert request.scopes == ["repo", "user", "gist"]  # user:email is in user; nonsense is dropped
    assert request.state == "xyz"
    assert request.code_challenge is None


def test_the_optional_parameters_come_through(web_app: RegisteredApp) -> None:
    request = authorize(
        web_app.client_id,
        redirect_uri=CALLBACK + "/deeper",
        login="octocat",
        prompt="select_account",
        allow_signup="false",
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
    )
    assert request.redirect_uri == request.redirect_uri_given == CALLBACK + "/deeper"
    assert (request.login, request.prompt) == ("octocat", "select_account")
    assert (request.code_challenge, request.code_challenge_method) == (CHALLENGE, "S256")
    assert request.scopes == []


@pytest.mark.parametrize("client_id", ["", "0" * 20, "x" * 500, "abc\x00"])
def test_an_unknown_client_is_an_error_page_never_a_redirect(web_app: RegisteredApp, client_id: str) -> None:
    with pytest.raises(UnknownClient):
        authorize(client_id, redirect_uri=CALLBACK)


def test_an_app_without_a_callback_url_says_so(accounts: Accounts) -> None:
    created = accounts.create_app("Old App", "https://old.example.com")
    with pytest.raises(NoCallbackUrl) as raised:
        authorize(created.app.client_id)
    assert raised.value.app_name == "Old App"


@pytest.mark.parametrize(
    "bad",
    [
        "https://evil.example.com/oauth/callback",
        "https://evil@octo-app.example.com/oauth/callback",
        "https://octo-app.example.com/oauth/callback/../../evil",
        "https://octo-app.example.com/oauth/callback/%2e%2e/evil",
        "http://octo-app.example.com/oauth/callback",
        "https://octo-app.example.com:8443/oauth/callback",
    ],
)
def test_a_bad_redirect_uri_sends_the_error_to_the_registered_callback(
    web_app: RegisteredApp, bad: str
) -> None:
    """Seen red with `redirect_allowed` answering True (the page would have redirected to `bad`)."""
    with pytest.raises(RedirectError) as raised:
        authorize(web_app.client_id, redirect_uri=bad, state="s t&a=te")

    target = raised.value.redirect_to
    assert without_query(target) == CALLBACK
    assert query(target) == {
        "error": "redirect_uri_mismatch",
        "error_description": "The redirect_uri MUST match the registered callback URL for this application.",
        "error_uri": AUTHORIZE_DOCS + "#redirect-uri-mismatch",
        "state": "s t&a=te",
    }


@pytest.mark.parametrize(
    ("challenge", "method"),
    [(CHALLENGE, "plain"), (CHALLENGE, None), (CHALLENGE, "S512"), (None, "S256"), ("short", "S256")],
)
def test_pkce_is_s256_only(web_app: RegisteredApp, challenge: str | None, method: str | None) -> None:
    """Seen red with the method check removed (`plain` went through and bound a plain challenge)."""
    params = {"code_challenge": challenge, "code_challenge_method": method}
    with pytest.raises(RedirectError) as raised:
        authorize(
            web_app.client_id,
            redirect_uri=CALLBACK + "/x",
            state="st",
            **{k: v for k, v in params.items() if v},
        )
    target = raised.value.redirect_to
    assert without_query(target) == CALLBACK + "/x"  # the chosen redirect URI, which was valid
    answer = query(target)
    assert (answer["error"], answer["state"]) == ("invalid_request", "st")
    assert "S256" in answer["error_description"] or "code_challenge" in answer["error_description"]


def test_approve_stores_a_hashed_code_and_redirects_with_it(
    web_app: RegisteredApp, octocat: User, table: TableView
) -> None:
    request = authorize(
        web_app.client_id,
        scope="repo",
        state="abc",
        redirect_uri=CALLBACK + "?keep=1",
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
    )
    target = oauth_web_flow.approve(request, octocat.id)

    answer = query(target)
    assert without_query(target) == CALLBACK
    assert set(answer) == {"keep", "code", "state"}
    assert (answer["keep"], answer["state"]) == ("1", "abc")
    code = answer["code"]
    stored = [item for item in table.items() if item.get("Type") == "AuthorizationCode"]
    assert len(stored) == 1
    assert stored[0]["PK"] == "CODE#" + hashlib.sha256(code.encode()).hexdigest()
    assert stored[0]["client_id"] == web_app.client_id
    assert (stored[0]["user_id"], stored[0]["login"]) == (octocat.id, "octocat")
    assert stored[0]["redirect_uri"] == CALLBACK + "?keep=1"
    assert stored[0]["scopes"] == ["repo"]
    assert stored[0]["code_challenge"] == CHALLENGE
    assert_table_invariants(table)
    assert_no_secrets(table, [code])


def test_two_approvals_give_two_codes(web_app: RegisteredApp, octocat: User) -> None:
    request = authorize(web_app.client_id)
    first = query(oauth_web_flow.approve(request, octocat.id, octocat.login))["code"]
    second = query(oauth_web_flow.approve(request, octocat.id, octocat.login))["code"]
    assert first != second
    assert len(first) >= 21


def test_deny_redirects_with_access_denied(web_app: RegisteredApp) -> None:
    target = oauth_web_flow.deny(authorize(web_app.client_id, state="zz"))
    assert without_query(target) == CALLBACK
    assert query(target) == {
        "error": "access_denied",
        "error_description": "The user has denied your application access.",
        "error_uri": AUTHORIZE_DOCS + "#access-denied",
        "state": "zz",
    }


def test_deny_without_state_sends_none(web_app: RegisteredApp) -> None:
    assert "state" not in query(oauth_web_flow.deny(authorize(web_app.client_id)))


def test_consent_is_remembered_for_the_scopes_granted(
    web_app: RegisteredApp,
    octocat: User,
    exchanged: Callable[..., str],
) -> None:
    asked = authorize(web_app.client_id, scope="user,repo")
    assert oauth_web_flow.needs_consent(asked, octocat.id)

    exchanged(web_app, octocat, scope="user repo")

    assert not oauth_web_flow.needs_consent(asked, octocat.id)
    assert not oauth_web_flow.needs_consent(authorize(web_app.client_id, scope="user:email"), octocat.id)
    assert not oauth_web_flow.needs_consent(authorize(web_app.client_id), octocat.id)
    assert oauth_web_flow.needs_consent(authorize(web_app.client_id, scope="repo gist"), octocat.id)


def test_an_expired_grant_asks_again(
    web_app: RegisteredApp,
    octocat: User,
    exchanged: Callable[..., str],
    frozen_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_TOKEN_LIFETIME_SECONDS", "3600")
    exchanged(web_app, octocat, scope="repo")
    asked = authorize(web_app.client_id, scope="repo")
    assert not oauth_web_flow.needs_consent(asked, octocat.id)
    frozen_clock.advance(3601)
    assert oauth_web_flow.needs_consent(asked, octocat.id)


def test_approve_reads_the_login_when_not_given(
    web_app: RegisteredApp, octocat: User, table: TableView
) -> None:
    oauth_web_flow.approve(authorize(web_app.client_id), octocat.id)
    (code,) = [item for item in table.items() if item.get("Type") == "AuthorizationCode"]
    assert code["login"] == "octocat"
