"""The whole web flow as an app's developer meets it: a real OAuth client, unmodified, builds the authorize
URL; headless Chromium (Debian's, driven by Playwright) signs in (and gives the two-factor code), consents and
lands on the app's callback (a small HTTP server of the test); the same client exchanges the code; the token
is then checked by the app (`POST /applications/{client_id}/token`, SPEC section 8: `GET /user` is not on
main yet).

Clients: requests-oauthlib's `OAuth2Session` (with and without PKCE), PyGithub's `get_oauth_application`
(`get_login_url`, `get_access_token`; its OAuth URLs follow `base_url`), octokit's `@octokit/oauth-methods`
(`getWebFlowAuthorizationUrl`, `exchangeWebFlowCode` with `request` on the local base URL) through the node
harness in tests/e2e/node (installed by `make test`; skipped only when node is missing).

Users: web-client-*, made here.
"""

from __future__ import annotations

import json
import secrets as random_secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from github import Github
from playwright.sync_api import Browser, Page, expect, sync_playwright
from requests_oauthlib import OAuth2Session

from oauth_authz import totp
from tests.e2e.conftest import Cli
from tests.support.callback_server import Callback
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import WEB_FLOW, CliApp, WebUser, new_user, register_app

CHROMIUM = Path("/usr/bin/chromium")
NODE_HARNESS = Path(__file__).resolve().parent / "node"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def callback() -> Iterator[Callback]:
    found = Callback()
    yield found
    found.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) for each test."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def sign_in(page: Page, user: WebUser) -> None:
    expect(page).to_have_title("Sign in · oauth-authz")  # waits for the navigation (a loaded machine)
    page.get_by_label("Username").fill(user.login)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    if user.seed is not None:
        expect(page).to_have_title("Two-factor authentication · oauth-authz")
        step = totp.step_at(time.time())
        page.get_by_label("Authentication code").fill(totp.code_at(user.seed, step))
        page.get_by_role("button", name="Verify").click()


def authorize_in_browser(
    page: Page, url: str, user: WebUser, app: CliApp, callback: Callback
) -> dict[str, str]:
    """Open the client's authorize URL, sign in, click Authorize: the callback's query (one value each)."""
    page.goto(url)
    sign_in(page, user)
    expect(page).to_have_title(f"Authorize {app.name} · oauth-authz")
    page.get_by_role("button", name=f"Authorize {app.name}").click()
    page.wait_for_url(callback.url + "?*")
    query = {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}
    assert callback.queries[-1] == {name: [value] for name, value in query.items()}
    return query


def checked(server: Server, app: CliApp, token: str, secrets: Secrets) -> dict[str, Any]:
    """The app checks its token (SPEC 8): the authorization it belongs to."""
    secrets.add(token)
    answer = requests.post(
        f"{server.url}/applications/{app.client_id}/token",
        auth=(app.client_id, app.client_secret),
        json={"access_token": token},
        headers={"Accept": "application/vnd.github+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    assert found["token_last_eight"] == token[-8:] and found["app"]["client_id"] == app.client_id
    return found


@pytest.mark.parametrize("pkce", [True, False], ids=["pkce", "no-pkce"])
def test_requests_oauthlib_through_the_browser(
    server: Server,
    cli: Cli,
    secrets: Secrets,
    callback: Callback,
    page: Page,
    monkeypatch: pytest.MonkeyPatch,
    pkce: bool,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local API is plain http
    # GitHub answers `scope` as a comma list ("repo,user"), which oauthlib reads as one changed scope: its
    # users relax the check for GitHub itself too.
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
    app = register_app(cli, secrets, "Oauthlib Demo " + ("PKCE" if pkce else "Plain"), *WEB_FLOW)
    user = new_user(cli, secrets, "web-client-" + ("pkce" if pkce else "plain"))
    client = OAuth2Session(
        app.client_id, redirect_uri=callback.url, scope=["repo", "user"], pkce="S256" if pkce else None
    )
    url, state = client.authorization_url(server.url + "/login/oauth/authorize")
    assert ("code_challenge_method=S256" in url) is pkce

    query = authorize_in_browser(page, url, user, app, callback)
    assert query["state"] == state
    secrets.add(query["code"])
    token = client.fetch_token(
        server.url + "/login/oauth/access_token",
        code=query["code"],
        client_secret=app.client_secret,
        include_client_id=True,
    )

    assert token["token_type"] == "bearer"
    assert token["scope"] == ["repo,user"]
    found = checked(server, app, token["access_token"], secrets)
    assert found["user"]["login"] == user.login
    assert sorted(found["scopes"]) == ["repo", "user"]


def test_a_consented_user_goes_straight_back_and_a_two_factor_user_gives_the_code(
    server: Server,
    cli: Cli,
    secrets: Secrets,
    callback: Callback,
    chromium: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A two-factor user signs in with the code computed from the seed; signed in again in a fresh browser,
    the app's second request for the same scopes goes straight back with a code (no consent page)."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    app = register_app(cli, secrets, "Two Factor Demo", *WEB_FLOW)
    user = new_user(cli, secrets, "web-client-tfa", two_factor=True)
    client = OAuth2Session(app.client_id, redirect_uri=callback.url, scope=["gist"], pkce="S256")
    context = chromium.new_context()
    page = context.new_page()
    url, _ = client.authorization_url(server.url + "/login/oauth/authorize")
    first = authorize_in_browser(page, url, user, app, callback)
    secrets.add(first["code"])
    token = client.fetch_token(
        server.url + "/login/oauth/access_token", code=first["code"], client_secret=app.client_secret
    )
    assert checked(server, app, token["access_token"], secrets)["user"]["login"] == user.login

    again = OAuth2Session(app.client_id, redirect_uri=callback.url, scope=["gist"])
    url, state = again.authorization_url(server.url + "/login/oauth/authorize")
    page.goto(url)  # the same browser, still signed in: no sign-in, no consent
    page.wait_for_url(callback.url + "?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == [state] and query["code"][0] != first["code"]
    secrets.add(query["code"][0])
    context.close()


def test_pygithub_get_login_url_and_get_access_token(
    server: Server, cli: Cli, secrets: Secrets, callback: Callback, page: Page
) -> None:
    """PyGithub (`ApplicationOAuth.get_oauth_url`) builds `scheme://host:port/login/oauth/...` from any
    `base_url` other than GitHub's: the local API's `/api/v3`."""
    app = register_app(cli, secrets, "PyGithub Demo", *WEB_FLOW)
    user = new_user(cli, secrets, "web-client-pygithub")
    gh = Github(base_url=server.url + "/api/v3", retry=None)
    oauth_app = gh.get_oauth_application(app.client_id, app.client_secret)
    state = random_secrets.token_urlsafe(12)
    url = oauth_app.get_login_url(redirect_uri=callback.url, state=state, login=user.login)
    assert url.startswith(server.url + "/login/oauth/authorize?")

    query = authorize_in_browser(page, url, user, app, callback)
    assert query["state"] == state
    secrets.add(query["code"])
    access = oauth_app.get_access_token(query["code"])

    assert access.type == "bearer" and access.scope == ""
    found = checked(server, app, access.token, secrets)
    assert found["user"]["login"] == user.login and found["scopes"] == []


def _octokit(step: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    assert (NODE_HARNESS / "node_modules" / "@octokit" / "oauth-methods").is_dir(), "run make node-harness"
    done = subprocess.run(
        [node, "web_flow.mjs"],
        cwd=NODE_HARNESS,
        input=json.dumps(step),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip(), done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, answer
    return answer


def test_octokit_web_flow_authorization_url_and_code_exchange(
    server: Server, cli: Cli, secrets: Secrets, callback: Callback, page: Page
) -> None:
    app = register_app(cli, secrets, "Octokit Demo", *WEB_FLOW)
    user = new_user(cli, secrets, "web-client-octokit")
    base = {"baseUrl": server.url + "/api/v3", "clientId": app.client_id, "redirectUrl": callback.url}
    state = random_secrets.token_urlsafe(12)
    url = _octokit({"step": "url", **base, "scopes": ["repo", "read:org"], "state": state})["url"]
    assert url.startswith(server.url + "/login/oauth/authorize?")

    query = authorize_in_browser(page, url, user, app, callback)
    assert query["state"] == state
    secrets.add(query["code"])
    exchanged = _octokit(
        {"step": "exchange", **base, "clientSecret": app.client_secret, "code": query["code"]}
    )

    found = checked(server, app, exchanged["token"], secrets)
    assert found["user"]["login"] == user.login
    assert sorted(found["scopes"]) == ["read:org", "repo"]
    assert exchanged["scopes"] == [
        "repo,read:org"
    ]  # octokit splits GitHub's comma list on spaces, as on GitHub


def test_another_site_cannot_frame_the_pages(server: Server, page: Page) -> None:
    """Chromium refuses to show the sign-in page (and the authorize page's answer) inside another site's
    frame. Seen red with both `X-Frame-Options` and `frame-ancestors` dropped from
    `rendering.security_headers` (the frame showed the sign-in form)."""
    page.set_content(
        f'<iframe name="login" src="{server.url}/login"></iframe>'
        f'<iframe name="authorize" src="{server.url}/login/oauth/authorize?client_id=nobody"></iframe>'
    )
    page.wait_for_timeout(1500)
    for name in ("login", "authorize"):
        frame = page.frame(name=name)
        assert frame is not None
        assert not frame.url.startswith(server.url), frame.url  # Chromium's error page instead
        assert frame.locator("input[name=password]").count() == 0
