"""The personal access tokens page in a real browser (Debian's Chromium, driven by Playwright), as a user
goes through it: sign in (the page sends the browser to the sign-in page and back), generate a token, use it
on `GET /user`, see it listed without its value, delete it (after the confirmation step) and see `GET /user`
refuse it. The pages are saved as screenshots for the README (docs/screenshots/). The new token's Copy
button (`/login/assets/copy.js`) puts it on the clipboard; without JavaScript there is no button and the
read-only field still holds the token.

Users: web-tokens, web-copy (made here).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import new_user
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def tokens_user(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    user = new_user(cli, secrets, "web-tokens")
    return user.login, user.password


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


def generate(page: Page, server: Server, login: str, password: str, note: str) -> None:
    page.goto(server.url + "/settings/tokens")
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Personal access tokens · oauth-authz")
    page.get_by_label("Note", exact=True).fill(note)
    page.locator("#scope-user").check()
    page.get_by_role("button", name="Generate token").click()
    expect(page.get_by_role("heading", name=f"Your new personal access token: {note}")).to_be_visible()


@pytest.fixture(scope="module")
def copy_user(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    user = new_user(cli, secrets, "web-copy")
    return user.login, user.password


def test_the_copy_button_puts_the_new_token_on_the_clipboard(
    server: Server, copy_user: tuple[str, str], secrets: Secrets
) -> None:
    """Seen red with the `<script>` left out of base.html (no button), and with `script-src` dropped from
    the pages' CSP (the browser refused the script: no button)."""
    login, password = copy_user
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        refused: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            # the browser's own favicon request is the only 404 a page makes
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                refused.append(f"{message.text} {message.location}")

        page.on("console", on_console)
        generate(page, server, login, password, "copied token")
        token = page.get_by_label("New token", exact=True).input_value()
        secrets.add(token)

        copy = page.get_by_role("button", name="Copy New token", exact=True)
        expect(copy).to_have_text("Copy")
        copy.click()

        expect(page.get_by_role("status")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == token
        assert not refused, refused  # no CSP violation, no script error
        chromium.close()

    used = get_user(server, token)
    assert used.status_code == 200 and used.json()["login"] == login


def test_without_javascript_the_token_is_in_a_plain_field(
    server: Server, copy_user: tuple[str, str], secrets: Secrets
) -> None:
    login, password = copy_user
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_context(java_script_enabled=False).new_page()
        generate(page, server, login, password, "no script token")
        field = page.get_by_label("New token", exact=True)
        token = field.input_value()
        secrets.add(token)

        assert page.get_by_role("button", name="Copy New token").count() == 0
        assert token.startswith("ghp_") and field.get_attribute("readonly") is not None
        field.select_text()  # selectable, for the keyboard's copy
        chromium.close()

    assert get_user(server, token).status_code == 200
