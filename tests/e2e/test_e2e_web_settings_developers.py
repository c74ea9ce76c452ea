"""The developer settings pages in a real browser (Debian's Chromium, driven by Playwright), as an app's
developer goes through them: sign in, register an app with a loopback callback, copy its client id and
secret from the page, run the web flow with them (requests-oauthlib's `OAuth2Session`, the consent in the
browser, the test's callback server) and use the token on `GET /user`; generate a second secret (the old
one still works), delete the old one (the token endpoint answers `incorrect_client_credentials`, the new one
works); rename the app and see the new name on the consent page; delete the app and see its token refused.
The pages are saved as screenshots for the README (docs/screenshots/, the secrets masked).

Users: web-dev (made here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright
from requests_oauthlib import OAuth2Session

from tests.e2e.conftest import Cli
from tests.support.callback_server import Callback
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import new_user
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def developer(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    user = new_user(cli, secrets, "web-dev")
    return user.login, user.password


@pytest.fixture(scope="module")
def callback() -> Iterator[Callback]:
    found = Callback()
    yield found
    found.close()


def get_user(server: Server, token: str) -> requests.Response:
    headers = {"Authorization": f"token {token}", "Accept": "application/json"}
    return requests.get(server.url + "/user", headers=headers, timeout=30)


def code_in_browser(page: Page, server: Server, client_id: str, callback: Callback, scope: str,
                    consent: str | None = None) -> str:  # fmt: skip
    """The authorize URL opened in the signed-in browser (the consent page when `consent` names the app,
    Authorize clicked): the code the callback got."""
    client = OAuth2Session(client_id, redirect_uri=callback.url, scope=[scope])
    url, state = client.authorization_url(server.url + "/login/oauth/authorize")
    page.goto(url)
    if consent is not None:
        expect(page).to_have_title(f"Authorize {consent} · oauth-authz")
        page.get_by_role("button", name=f"Authorize {consent}").click()
    page.wait_for_url(callback.url + "?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == [state]
    return query["code"][0]


def exchange(server: Server, client_id: str, secret: str, code: str) -> dict[str, str]:
    answer = requests.post(
        server.url + "/login/oauth/access_token",
        data={"client_id": client_id, "client_secret": secret, "code": code},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


def test_a_developer_registers_an_app_rotates_its_secret_renames_it_and_deletes_it(
    server: Server, developer: tuple[str, str], callback: Callback, secrets: Secrets,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local API is plain http
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")  # GitHub's comma list of scopes
    login, password = developer
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 960, "height": 1000})
        page.goto(server.url + "/settings/developers")
        expect(page).to_have_title("Sign in · oauth-authz")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

        expect(page).to_have_title("OAuth Apps · oauth-authz")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.get_by_role("link", name="Register a new application").click()
        expect(page).to_have_title("Register a new OAuth app · oauth-authz")
        page.get_by_label("Application name").fill("Dev Demo")
        page.get_by_label("Homepage URL").fill("https://dev.example.com")
        page.get_by_label("Authorization callback URL").fill(callback.url)
        page.get_by_label("Enable Device Flow").check()
        page.screenshot(path=str(SCREENSHOTS / "settings-developers-new.png"), full_page=True)
        page.get_by_role("button", name="Register application").click()

        expect(page).to_have_title("Dev Demo · oauth-authz")
        client_id = page.get_by_label("Client ID", exact=True).input_value()
        first = page.get_by_label("New client secret", exact=True).input_value()
        secrets.add(first)
        assert len(client_id) == 20 and len(first) == 40
        assert page.get_by_role("cell", name=f"*****{first[-8:]}").is_visible()
        masked = [page.get_by_label(label, exact=True) for label in ("New client secret", "Client ID")]
        page.screenshot(path=str(SCREENSHOTS / "settings-developers-app.png"), full_page=True, mask=masked)

        # the web flow with the id and secret copied from the page: a token that works on GET /user
        oauth = OAuth2Session(client_id, redirect_uri=callback.url, scope=["user"])
        url, _ = oauth.authorization_url(server.url + "/login/oauth/authorize")
        page.goto(url)
        page.get_by_role("button", name="Authorize Dev Demo").click()
        page.wait_for_url(callback.url + "?*")
        code = parse_qs(urlsplit(page.url).query)["code"][0]
        secrets.add(code)
        token = oauth.fetch_token(
            server.url + "/login/oauth/access_token", code=code, client_secret=first, include_client_id=True
        )["access_token"]
        secrets.add(token)
        used = get_user(server, token)
        assert used.status_code == 200 and used.json()["login"] == login

        # a second secret: shown once; the first keeps working until it is deleted
        page.goto(f"{server.url}/settings/developers/{client_id}")
        assert first not in page.content()
        page.get_by_role("button", name="Generate a new client secret").click()
        second = page.get_by_label("New client secret", exact=True).input_value()
        secrets.add(second)
        assert second != first
        assert page.get_by_role("button", name="Generate a new client secret").count() == 0  # two at most
        code = code_in_browser(page, server, client_id, callback, "user")
        with_first = exchange(server, client_id, first, code)
        secrets.add(with_first["access_token"])
        assert get_user(server, with_first["access_token"]).status_code == 200

        page.goto(f"{server.url}/settings/developers/{client_id}")
        page.get_by_role("button", name=f"Delete client secret *****{first[-8:]}").click()
        expect(page).to_have_title("Delete client secret · oauth-authz")  # asked first
        page.get_by_role("button", name="I understand, delete this client secret").click()
        expect(page).to_have_title("Dev Demo · oauth-authz")
        assert page.get_by_role("cell", name=f"*****{first[-8:]}").count() == 0
        code = code_in_browser(page, server, client_id, callback, "user")
        refused = exchange(server, client_id, first, code)
        assert refused["error"] == "incorrect_client_credentials", refused
        with_second = exchange(server, client_id, second, code)
        secrets.add(with_second["access_token"])
        assert get_user(server, with_second["access_token"]).status_code == 200

        # renamed: the consent page (a new scope asks again) shows the new name
        page.goto(f"{server.url}/settings/developers/{client_id}")
        page.get_by_label("Application name").fill("Dev Demo Renamed")
        page.get_by_role("button", name="Update application").click()
        expect(page.get_by_text("Application updated.")).to_be_visible()
        code = code_in_browser(page, server, client_id, callback, "gist", consent="Dev Demo Renamed")
        secrets.add(code)

        # deleted: its tokens go with it
        page.goto(f"{server.url}/settings/developers/{client_id}")
        page.get_by_role("button", name="Delete application").click()
        expect(page).to_have_title("Delete application · oauth-authz")
        page.screenshot(path=str(SCREENSHOTS / "settings-developers-delete.png"))
        page.get_by_role("button", name="I understand, delete this application").click()
        expect(page).to_have_title("OAuth Apps · oauth-authz")
        assert page.get_by_role("link", name="Dev Demo Renamed").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "settings-developers.png"), full_page=True)
        chromium.close()

    for gone in (token, with_first["access_token"], with_second["access_token"]):
        answer = get_user(server, gone)
        assert answer.status_code == 401 and answer.json()["message"] == "Bad credentials"
