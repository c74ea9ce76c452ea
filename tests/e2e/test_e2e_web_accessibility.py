"""Accessibility: axe-core (the npm package of tests/e2e/node, its axe.min.js injected by Playwright) run in
Chromium on every page a user meets: sign-in, two-factor, consent, sign-out, and each settings page and step
(tokens, a new token, Delete's confirmation, authorized apps, the developer settings (the list, the
registration form, refused, an app with one and two secrets, a secret's and the app's Delete confirmations),
security, the two-factor
setup, two-factor on).
No serious or critical violation on any of them (seen red with the Expiration select's label
dropped from the tokens page: `select-name`, critical).

The pages' CSP allows no inline script, which is what `add_script_tag` adds: the browser context bypasses
CSP for the test's own script only (`bypass_csp`), the pages are unchanged.

Users: web-axe (made here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import new_user

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(), reason="Chromium or the node harness (make node) is missing"
)


def totp_code(seed: str, step: int) -> str:
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000).zfill(6)


def serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands (rule id, impact, nodes)."""
    page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="module")
def axe_user(cli: Cli, secrets: Secrets) -> tuple[str, str]:
    user = new_user(cli, secrets, "web-axe")
    return user.login, user.password


@pytest.fixture(scope="module")
def axe_app(cli: Cli, secrets: Secrets) -> dict[str, str]:
    created = cli(
        "apps", "create", "--name", "Axe Demo", "--url", "https://axe.example.com",
        "--callback-url", "http://127.0.0.1:9/callback", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    app: dict[str, str] = created.json()
    secrets.add(app["client_secret"])
    return app


def test_no_page_has_a_serious_or_critical_violation(
    server: Server, axe_user: tuple[str, str], axe_app: dict[str, str], secrets: Secrets
) -> None:
    login, password = axe_user
    found: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = chromium.new_context(bypass_csp=True, viewport={"width": 960, "height": 800})
        page = context.new_page()

        def check(name: str, title: str) -> None:
            expect(page).to_have_title(f"{title} · oauth-authz")
            found[name] = serious(page)

        page.goto(f"{server.url}/login/oauth/authorize?client_id={axe_app['client_id']}&scope=repo&state=x")
        check("sign-in", "Sign in")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        check("consent", "Authorize Axe Demo")

        page.goto(server.url + "/settings/tokens")
        check("tokens", "Personal access tokens")
        page.get_by_label("Note", exact=True).fill("axe token")
        page.locator("#scope-repo").check()
        page.get_by_role("button", name="Generate token").click()
        expect(page.get_by_label("New token", exact=True)).to_be_visible()
        secrets.add(page.get_by_label("New token", exact=True).input_value())
        check("token-created", "Personal access tokens")
        page.get_by_role("button", name="Delete axe token").click()
        check("token-delete", "Delete personal access token")

        page.goto(server.url + "/settings/applications")
        check("applications", "Authorized OAuth apps")

        page.goto(server.url + "/settings/developers")
        check("developers", "OAuth Apps")
        page.get_by_role("link", name="Register a new application").click()
        check("developers-new", "Register a new OAuth app")
        page.get_by_label("Homepage URL").fill("not a url")
        page.get_by_role("button", name="Register application").click()
        expect(page.get_by_text("Application name can't be blank")).to_be_visible()
        check("developers-new-refused", "Register a new OAuth app")
        page.get_by_label("Application name").fill("Axe Owned")
        page.get_by_label("Homepage URL").fill("https://axe.example.com")
        page.get_by_label("Authorization callback URL").fill("http://127.0.0.1:9/callback")
        page.get_by_role("button", name="Register application").click()
        secrets.add(page.get_by_label("New client secret", exact=True).input_value())
        check("developers-registered", "Axe Owned")
        page.get_by_role("button", name="Generate a new client secret").click()
        secrets.add(page.get_by_label("New client secret", exact=True).input_value())
        check("developers-two-secrets", "Axe Owned")
        page.get_by_role("button", name=re.compile(r"^Delete client secret ")).first.click()
        check("developers-secret-delete", "Delete client secret")
        page.get_by_role("link", name="Cancel").click()
        page.get_by_role("button", name="Delete application").click()
        check("developers-delete", "Delete application")

        page.goto(server.url + "/settings/security")
        check("security", "Password and authentication")
        page.get_by_role("button", name="Set up two-factor authentication").click()
        check("two-factor-setup", "Password and authentication")
        seed = page.locator("#totp-seed").inner_text()
        secrets.add(seed)
        step = int(time.time()) // 30
        page.get_by_label("Verify the code from the app").fill(totp_code(seed, step))
        page.get_by_role("button", name="Enable two-factor authentication").click()
        expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
        check("two-factor-on", "Password and authentication")

        page.goto(server.url + "/logout")
        check("sign-out", "Signed in")
        page.get_by_role("button", name="Sign out").first.click()
        check("signed-out", "Signed out")
        page.goto(server.url + "/settings/security")
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        check("two-factor", "Two-factor authentication")
        chromium.close()

    assert found and all(not violations for violations in found.values()), found
