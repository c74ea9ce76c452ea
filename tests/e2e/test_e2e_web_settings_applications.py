"""The authorized OAuth apps page in a real browser (Debian's Chromium, driven by Playwright), as a user goes
through it: authorize an app through the web flow (sign in, Authorize, the app exchanges its code), see the
app listed under Settings, revoke it (after the confirmation step) and see the app's check
(`POST /applications/{client_id}/token`) refuse its token. The page is saved as a screenshot for the README.

Users: web-apps (made here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.callback_server import Callback
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import WEB_FLOW, CliApp, WebUser, new_user, register_app
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def app_callback() -> Iterator[Callback]:
    found = Callback()
    yield found
    found.close()


@pytest.fixture(scope="module")
def listed_app(cli: Cli, secrets: Secrets) -> CliApp:
    return register_app(cli, secrets, "Listed Demo", *WEB_FLOW, url="https://listed.example.com")


@pytest.fixture(scope="module")
def apps_user(cli: Cli, secrets: Secrets) -> WebUser:
    return new_user(cli, secrets, "web-apps")


def check_token(server: Server, app: CliApp, token: str) -> requests.Response:
    return requests.post(
        f"{server.url}/applications/{app.client_id}/token",
        auth=(app.client_id, app.client_secret),
        json={"access_token": token},
        headers={"Accept": "application/vnd.github+json"},
        timeout=30,
    )


def test_a_user_sees_an_authorized_app_and_revokes_it(
    server: Server,
    app_callback: Callback,
    listed_app: CliApp,
    apps_user: WebUser,
    secrets: Secrets,
) -> None:
    login, password = apps_user.login, apps_user.password
    query = f"client_id={listed_app.client_id}&scope=user%20gist&state=s1"
    authorize = f"{server.url}/login/oauth/authorize?{query}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 960, "height": 720})
        page.goto(authorize + f"&redirect_uri={app_callback.url}")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Authorize Listed Demo").click()
        page.wait_for_url(app_callback.url + "?*")
        code = parse_qs(urlsplit(page.url).query)["code"][0]
        secrets.add(code)
        exchanged = requests.post(
            server.url + "/login/oauth/access_token",
            data={
                "client_id": listed_app.client_id,
                "client_secret": listed_app.client_secret,
                "code": code,
            },
            headers={"Accept": "application/json"},
            timeout=30,
        )
        token = exchanged.json()["access_token"]
        secrets.add(token)
        assert check_token(server, listed_app, token).status_code == 200

        page.goto(server.url + "/settings/applications")
        expect(page).to_have_title("Authorized OAuth apps · oauth-authz")
        link = page.get_by_role("link", name="Listed Demo")
        assert link.get_attribute("href") == "https://listed.example.com"
        assert page.get_by_text("Update ALL user data").is_visible()
        assert page.get_by_text("Create gists").is_visible()
        assert token not in page.content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "settings-applications.png"), full_page=True)

        page.get_by_role("button", name="Revoke Listed Demo").click()
        expect(page).to_have_title("Revoke access · oauth-authz")
        page.get_by_role("button", name="I understand, revoke access").click()
        expect(page).to_have_title("Authorized OAuth apps · oauth-authz")
        assert page.get_by_text("No OAuth app has access to your account.").is_visible()
        chromium.close()

    refused = check_token(server, listed_app, token)
    assert refused.status_code == 404
    assert refused.json()["message"] == "Not Found"
