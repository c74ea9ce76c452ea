"""The device flow as a command-line tool's developer meets it (SPEC section 10), over HTTP against the local
API, with real clients, unmodified:

- octokit's `@octokit/auth-oauth-device` (`createOAuthDeviceAuth`) through the node harness in tests/e2e/node:
  its `onVerification` hands the user code to a real headless Chromium (Debian's, driven by Playwright),
  which signs in, types the code at `/login/device` and consents; octokit's own polling then gets the token.
  With expiring tokens, octokit's `refreshToken` (`@octokit/oauth-methods`) renews it;
- requests-oauthlib's `OAuth2Session.refresh_token` for the refresh grant of a web flow token;
- the browser's Cancel: the device gets `access_denied`.

Users: device-client-*, made here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.support.e2e import Secrets, Server
from tests.support.e2e_accounts import CliApp, WebUser, new_user, register_app

CHROMIUM = Path("/usr/bin/chromium")
CLI_URL = "https://cli.example.com"
NODE_HARNESS = Path(__file__).resolve().parent / "node"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def enter_code_in_browser(
    page: Page, verification: dict[str, Any], user: WebUser, app: CliApp, choice: str
) -> None:
    """What the user does: open the verification URI, sign in, type the code (lower case, without the
    hyphen: as a hurried user might), then Authorize or Cancel."""
    page.goto(verification["verification_uri"])
    expect(page).to_have_title("Sign in · oauth-authz")
    page.get_by_label("Username").fill(user.login)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Device Activation · oauth-authz")
    page.get_by_label("Enter the code displayed on your device").fill(
        verification["user_code"].replace("-", "").lower()
    )
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(f"Authorize {app.name} · oauth-authz")
    if choice == "authorize":
        page.get_by_role("button", name=f"Authorize {app.name}").click()
        expect(page).to_have_title("Congratulations, you're all set! · oauth-authz")
        expect(page.get_by_text("Your device is now connected.")).to_be_visible()
    else:
        page.get_by_role("button", name="Cancel", exact=True).click()
        expect(page).to_have_title("Authorization cancelled · oauth-authz")


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or not (NODE_HARNESS / "node_modules" / "@octokit" / "auth-oauth-device").exists():
        pytest.skip("node or the octokit harness (make test installs it) is missing")
    return node


def octokit_device_flow(
    server: Server, app: CliApp, scopes: list[str], on_verification: Any, client_type: str = "oauth-app"
) -> dict[str, Any]:
    """Run octokit's device flow: `on_verification(verification)` (the browser, in this thread: Playwright's
    sync API is bound to it) while octokit polls; its last line is read meanwhile by another thread."""
    node = node_or_skip()
    process = subprocess.Popen(  # noqa: S603 - our harness, our arguments
        [node, str(NODE_HARNESS / "device_flow.mjs")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    stdout = process.stdout
    payload = {
        "step": "device",
        "baseUrl": server.url + "/api/v3",
        "clientId": app.client_id,
        "scopes": scopes,
        "clientType": client_type,
    }
    process.stdin.write(json.dumps(payload))
    process.stdin.close()
    first = json.loads(stdout.readline())
    assert "verification" in first, first
    last: list[str] = []
    reader = threading.Thread(target=lambda: last.append(stdout.readline()))
    reader.start()
    try:
        on_verification(first["verification"])
    finally:
        reader.join(timeout=120)
        process.wait(timeout=120)
    assert last and last[0], process.stderr.read() if process.stderr else "no answer"
    return {"verification": first["verification"], **json.loads(last[0])}


def octokit_refresh(server: Server, app: CliApp, refresh_token: str) -> dict[str, Any]:
    node = node_or_skip()
    payload = {
        "step": "refresh",
        "baseUrl": server.url + "/api/v3",
        "clientId": app.client_id,
        "clientSecret": app.client_secret,
        "refreshToken": refresh_token,
    }
    done = subprocess.run(  # noqa: S603 - our harness, our arguments
        [node, str(NODE_HARNESS / "device_flow.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def checked(server: Server, app: CliApp, token: str) -> dict[str, Any]:
    answer = requests.post(
        f"{server.url}/applications/{app.client_id}/token",
        auth=(app.client_id, app.client_secret),
        json={"access_token": token},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_octokit_device_flow_through_a_real_browser(
    server: Server, cli: Cli, secrets: Secrets, page: Page
) -> None:
    app = register_app(cli, secrets, "Octokit Device Demo", "--device-flow", url=CLI_URL)
    user = new_user(cli, secrets, "device-client-octokit")

    result = octokit_device_flow(
        server, app, ["repo", "gist"], lambda v: enter_code_in_browser(page, v, user, app, "authorize")
    )

    assert "error" not in result, result
    secrets.add(result["token"])
    assert result["verification"]["verification_uri"] == f"{server.url}/login/device"
    assert (result["verification"]["expires_in"], result["verification"]["interval"]) == (900, 5)
    # GitHub's `scope` is comma-separated ("repo,gist"); octokit splits it on spaces, against GitHub too
    assert result["token"].startswith("gho_") and result["scopes"] == ["repo,gist"]
    assert result["refreshToken"] is None  # an app without expiring tokens
    found = checked(server, app, result["token"])
    assert found["user"]["login"] == user.login and found["expires_at"] is None


def test_octokit_device_flow_with_expiring_tokens_then_octokits_refresh(
    server: Server, cli: Cli, secrets: Secrets, page: Page
) -> None:
    app = register_app(
        cli, secrets, "Octokit Expiring Demo", "--device-flow", "--expiring-tokens", url=CLI_URL
    )
    user = new_user(cli, secrets, "device-client-expiring")
    # octokit reads the refresh token of a device flow as a GitHub App's (its oauth-app type drops it)
    result = octokit_device_flow(
        server,
        app,
        ["repo"],
        lambda v: enter_code_in_browser(page, v, user, app, "authorize"),
        client_type="github-app",
    )
    assert "error" not in result, result
    secrets.add(result["token"])
    secrets.add(result["refreshToken"])
    assert result["refreshToken"].startswith("ghr_") and result["expiresAt"]
    assert checked(server, app, result["token"])["expires_at"] is not None

    renewed = octokit_refresh(server, app, result["refreshToken"])

    assert "error" not in renewed, renewed
    secrets.add(renewed["token"])
    secrets.add(renewed["refreshToken"])
    assert renewed["refreshToken"] != result["refreshToken"] and renewed["refreshTokenExpiresAt"]
    assert checked(server, app, renewed["token"])["scopes"] == ["repo"]
    gone = requests.post(
        f"{server.url}/applications/{app.client_id}/token",
        auth=(app.client_id, app.client_secret),
        json={"access_token": result["token"]},
        timeout=30,
    )
    assert gone.status_code == 404  # the old access token went with the rotation
    again = octokit_refresh(server, app, result["refreshToken"])
    assert again.get("error") and "bad_refresh_token" in json.dumps(again)


def test_the_user_cancels_in_the_browser(server: Server, cli: Cli, secrets: Secrets, page: Page) -> None:
    app = register_app(cli, secrets, "Octokit Cancel Demo", "--device-flow", url=CLI_URL)
    user = new_user(cli, secrets, "device-client-cancel")

    result = octokit_device_flow(
        server, app, ["repo"], lambda v: enter_code_in_browser(page, v, user, app, "cancel")
    )

    assert "access_denied" in json.dumps(result), result


def test_requests_oauthlib_refreshes_a_pair(
    server: Server, cli: Cli, secrets: Secrets, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests-oauthlib's `OAuth2Session.refresh_token` (with the app's secret, as for a web flow token) on a
    pair a device got through the browser."""
    from requests_oauthlib import OAuth2Session

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the local API is plain http
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")  # GitHub's comma-separated `scope`
    app = register_app(
        cli, secrets, "Oauthlib Refresh Demo", "--device-flow", "--expiring-tokens", url=CLI_URL
    )
    user = new_user(cli, secrets, "device-client-oauthlib")
    result = octokit_device_flow(
        server,
        app,
        ["gist"],
        lambda v: enter_code_in_browser(page, v, user, app, "authorize"),
        client_type="github-app",
    )
    assert "error" not in result, result
    secrets.add(result["token"])
    secrets.add(result["refreshToken"])
    session = OAuth2Session(
        app.client_id,
        token={
            "access_token": result["token"],
            "refresh_token": result["refreshToken"],
            "token_type": "bearer",
        },
    )

    token = session.refresh_token(
        server.url + "/login/oauth/access_token",
        client_id=app.client_id,
        client_secret=app.client_secret,
        headers={"Accept": "application/json"},
    )

    secrets.add(token["access_token"])
    secrets.add(token["refresh_token"])
    assert token["refresh_token"] != result["refreshToken"] and token["expires_in"] == 28800
    assert checked(server, app, token["access_token"])["user"]["login"] == user.login
