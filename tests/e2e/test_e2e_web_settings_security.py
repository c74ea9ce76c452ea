"""The security settings page in a real browser (Debian's Chromium, driven by Playwright), as a user goes
through it: sign in, set up two-factor authentication with a code computed from the seed the page shows (as
an authenticator app computes it, RFC 6238), sign out, sign in again with the password and a code, then turn
two-factor off with the password and a code. The setup page is saved as a screenshot for the README. And
"Sign out of all sessions": two browsers (Playwright contexts: separate cookie jars) signed in as one user,
one presses the button, the other's next page is the sign-in page.

Users: web-security, web-sessions (made here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import new_user
from tests.support.screenshots import SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def authenticator_code(seed: str, step: int) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), written here as an authenticator app computes it."""
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 1_000_000).zfill(6)


@pytest.fixture(scope="module")
def security_user(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    user = new_user(cli, secrets, "web-security")
    return user.login, user.password


def sign_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_user_turns_two_factor_on_signs_in_with_a_code_and_turns_it_off(
    server: Server, security_user: tuple[str, str], secrets: Secrets
) -> None:
    login, password = security_user
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 960, "height": 900})
        page.goto(server.url + "/settings/security")
        sign_in(page, login, password)
        expect(page).to_have_title("Password and authentication · oauth-authz")
        page.get_by_role("button", name="Set up two-factor authentication").click()

        expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        seed = page.locator("#totp-seed").inner_text()
        secrets.add(seed)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # the seed and its QR code masked: the test's user is real while the suite runs
        qr = page.get_by_role("img", name="QR code for your authenticator app")
        hidden = [page.locator("#totp-seed"), qr]
        page.screenshot(path=str(SCREENSHOTS / "settings-security.png"), full_page=True, mask=hidden)
        step = int(time.time()) // 30
        page.get_by_label("Verify the code from the app").fill(authenticator_code(seed, step))
        page.get_by_role("button", name="Enable two-factor authentication").click()
        expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()

        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page).to_have_title("Signed out · oauth-authz")
        page.goto(server.url + "/settings/security")
        sign_in(page, login, password)
        expect(page).to_have_title("Two-factor authentication · oauth-authz")
        page.get_by_label("Authentication code").fill(authenticator_code(seed, step + 1))  # the next: one use
        page.get_by_role("button", name="Verify").click()
        expect(page).to_have_title("Password and authentication · oauth-authz")
        assert seed not in page.content()

        while int(time.time()) // 30 <= step:  # step + 1 is spent: its successor is good once the clock moves
            time.sleep(1)
        page.get_by_label("Password").fill(password)
        page.get_by_label("Authentication code").fill(authenticator_code(seed, step + 2))
        page.get_by_role("button", name="Disable two-factor authentication").click()
        expect(page.get_by_text("Two-factor authentication is off")).to_be_visible()
        chromium.close()


def test_signing_out_every_session_signs_out_the_other_browser_too(
    server: Server, cli: Cli, secrets: Secrets
) -> None:
    """Seen red with `Sessions.sign_out_everywhere` ending only the caller's session (the phone's next page
    was the tokens page)."""
    user = new_user(cli, secrets, "web-sessions")
    login, password = user.login, user.password
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        laptop, phone = chromium.new_context(), chromium.new_context()
        pages = [laptop.new_page(), phone.new_page()]
        for page in pages:
            page.goto(server.url + "/settings/security")
            sign_in(page, login, password)
            expect(page).to_have_title("Password and authentication · oauth-authz")
        on_laptop, on_phone = pages

        on_laptop.get_by_role("button", name="Sign out of all sessions").click()

        expect(on_laptop).to_have_title("Sign in · oauth-authz")
        assert not [c for c in laptop.cookies() if c["name"] == "oauth_authz_session"]
        on_phone.goto(server.url + "/settings/tokens")
        expect(on_phone).to_have_title("Sign in · oauth-authz")
        on_laptop.goto(server.url + "/settings/security")
        expect(on_laptop).to_have_title("Sign in · oauth-authz")
        sign_in(on_phone, login, password)  # a new sign-in works as before
        expect(on_phone).to_have_title("Personal access tokens · oauth-authz")
        chromium.close()
