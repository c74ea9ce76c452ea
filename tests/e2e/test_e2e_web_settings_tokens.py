"""The personal access tokens page in a real browser (Debian's Chromium, driven by Playwright), as a user
goes through it: sign in (the page sends the browser to the sign-in page and back), generate a token, use it
on `GET /user`, see it listed without its value, delete it (after the confirmation step) and see `GET /user`
refuse it. The pages are saved as screenshots for the README (docs/screenshots/).

Users: web-tokens (made here).
"""

from __future__ import annotations

import secrets as random_secrets
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def tokens_user(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    password = "pw-" + random_secrets.token_urlsafe(15)
    secrets.add(password)
    result = cli("users", "create", "web-tokens", "--json", stdin=password + "\n")
    assert result.returncode == 0, result.stderr
    return "web-tokens", password


def get_user(server: Server, token: str) -> requests.Response:
    headers = {"Authorization": f"token {token}", "Accept": "application/json"}
    return requests.get(server.url + "/user", headers=headers, timeout=30)


def test_a_user_generates_a_token_uses_it_and_deletes_it(
    server: Server, tokens_user: tuple[str, str], secrets: Secrets
) -> None:
    login, password = tokens_user
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 960, "height": 900})
        page.goto(server.url + "/settings/tokens")
        expect(page).to_have_title("Sign in · oauth-authz")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

        expect(page).to_have_title("Personal access tokens · oauth-authz")
        assert page.get_by_text(f"Signed in as {login}").is_visible()
        assert page.get_by_text("You have no personal access tokens.").is_visible()
        page.get_by_label("Note", exact=True).fill("deploy script")
        page.get_by_label("Expiration", exact=True).select_option("30")
        page.locator("#scope-user").check()
        page.locator("#scope-gist").check()
        page.get_by_role("button", name="Generate token").click()

        shown = page.get_by_role("heading", name="Your new personal access token: deploy script")
        expect(shown).to_be_visible()
        token = page.get_by_label("New token", exact=True).input_value()
        secrets.add(token)
        assert token.startswith("ghp_")
        assert page.get_by_role("cell", name=f"…{token[-8:]}").is_visible()
        assert page.get_by_role("cell", name="gist, user").is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # the new token masked: a token-shaped string in docs/ would trip secret scanners
        new_token = page.get_by_label("New token", exact=True)
        page.screenshot(path=str(SCREENSHOTS / "settings-tokens.png"), full_page=True, mask=[new_token])

        used = get_user(server, token)
        assert used.status_code == 200, used.text
        assert used.json()["login"] == login
        assert used.headers["X-OAuth-Scopes"] == "gist, user"

        # shown once: never again in a page after the one that showed it
        page.goto(server.url + "/settings/tokens")
        expect(page).to_have_title("Personal access tokens · oauth-authz")
        assert token not in page.content()
        assert page.get_by_role("cell", name="deploy script", exact=True).is_visible()
        assert page.get_by_role("cell", name="Never used").count() == 0  # GET /user stamped its last use

        page.get_by_role("button", name="Delete deploy script").click()
        expect(page).to_have_title("Delete personal access token · oauth-authz")
        assert token not in page.content()
        page.screenshot(path=str(SCREENSHOTS / "settings-token-delete.png"))
        page.get_by_role("button", name="I understand, delete this token").click()
        expect(page).to_have_title("Personal access tokens · oauth-authz")
        assert page.get_by_text("You have no personal access tokens.").is_visible()
        chromium.close()

    refused = get_user(server, token)
    assert refused.status_code == 401
    assert refused.json()["message"] == "Bad credentials"
