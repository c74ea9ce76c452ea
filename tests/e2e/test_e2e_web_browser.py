"""The web flow in a real browser: headless Chromium (Debian's, driven by Playwright) opens the authorize URL
an OAuth client built (requests-oauthlib's `OAuth2Session`, with PKCE), signs in, clicks Authorize, and lands
on the app's callback, a small HTTP server of the test that records the query it gets. The sign-in and consent
pages are saved as screenshots for the README (docs/screenshots/).

Users: web-browser (made here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright
from requests_oauthlib import OAuth2Session

from tests.e2e.conftest import Cli
from tests.support.callback_server import Callback
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import WEB_FLOW, CliApp, WebUser, new_user, register_app
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def callback() -> Iterator[Callback]:
    found = Callback()
    yield found
    found.close()


@pytest.fixture(scope="module")
def flow_app(cli: Cli, secrets: Secrets) -> CliApp:
    return register_app(cli, secrets, "Browser Demo", *WEB_FLOW)


@pytest.fixture(scope="module")
def browser_user(cli: Cli, secrets: Secrets) -> WebUser:
    return new_user(cli, secrets, "web-browser")


def test_a_browser_signs_in_consents_and_lands_on_the_callback_with_a_code(
    server: Server,
    callback: Callback,
    flow_app: CliApp,
    browser_user: WebUser,
    secrets: Secrets,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local API is plain http
    client = OAuth2Session(flow_app.client_id, redirect_uri=callback.url, scope=["repo", "user"], pkce="S256")
    authorize_url, state = client.authorization_url(server.url + "/login/oauth/authorize")
    login, password = browser_user.login, browser_user.password

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 720, "height": 640})
        page.goto(authorize_url)
        expect(page).to_have_title("Sign in · oauth-authz")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "sign-in.png"))
        page.get_by_role("button", name="Sign in").click()

        expect(page).to_have_title("Authorize Browser Demo · oauth-authz")
        assert (
            page.get_by_role("link", name="Browser Demo").get_attribute("href") == "https://demo.example.com"
        )
        assert page.get_by_text("Full control of private repositories").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "consent.png"))
        page.get_by_role("button", name="Authorize Browser Demo").click()
        page.wait_for_url(callback.url + "?*")
        landed = page.url
        chromium.close()

    query = parse_qs(urlsplit(landed).query)
    assert query["state"] == [state]
    assert len(query["code"]) == 1 and query["code"][0]
    secrets.add(query["code"][0])
    assert callback.queries[-1] == query
