"""README.md's "Walk-through: the device flow" and "Walk-through: expiring tokens and refresh tokens", run as
written (with `test_e2e_readme`'s runner and its changes: the test server's URL for `API`, the CLI on the
server's data dir, a temporary directory for `/tmp/`). Where the README's reader opens /login/device in a
browser (step 3; "the user approves at /login/device as above"), headless Chromium signs in as a user of
this test's (the README names `octocat`, whom the first walk-through makes: this test does not depend on
another test having run), types the user code in lower case without its hyphen (the README says any case,
with or without the hyphen), and clicks Authorize.

Each shell block runs in a bash of its own, so the assignments a later command needs (`CLI_ID=...`,
`DEVICE_CODE=...`) are run again before it, from the README's own text.

Users: readme-device (made here).
"""

from __future__ import annotations

import json
import re
import secrets as random_secrets
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.e2e.test_e2e_readme import Command, Outcome, run_walkthrough, section_blocks, split_commands
from tests.e2e.test_e2e_web_clients import CHROMIUM
from tests.support.e2e import REPO_ROOT, Secrets, Server

DEVICE = "Walk-through: the device flow"
REFRESH = "Walk-through: expiring tokens and refresh tokens"
APPROVAL = "# ... the user approves at /login/device as above"
LOGIN = "readme-device"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def _commands(title: str) -> list[list[Command]]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return [split_commands(block) for block in section_blocks(readme, title)]


def _setup() -> Command:
    """The first walk-through's `export PATH=... API=...`, which these build on."""
    first = _commands("Walk-through: a user and their tokens")[0][0]
    assert first.text.startswith("export PATH=") and "API=" in first.text
    return first


def _run(server: Server, workdir: Path, commands: list[Command]) -> list[Outcome]:
    for leftover in workdir.glob("*-*"):  # the earlier run's answers (not tmp/, the README's files)
        leftover.unlink()
    outcomes = run_walkthrough(server, workdir, [_setup(), *commands])[1:]
    for outcome in outcomes:
        where = f"README command:\n{outcome.command.text}\nstdout: {outcome.stdout[:500]}"
        assert outcome.returncode == 0 and outcome.stderr == "", where + f"\nstderr: {outcome.stderr[:500]}"
    return outcomes


def _assignment(commands: list[Command], name: str) -> Command:
    return next(c for c in commands if c.text.startswith(f"{name}="))


def _approve(server: Server, password: str, user_code: str, app_name: str) -> None:
    """What the README's reader does in a browser: sign in at /login/device, type the code, Authorize."""
    typed = user_code.replace("-", "").lower()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = chromium.new_page()
        page.goto(f"{server.url}/login/device")
        page.get_by_label("Username").fill(LOGIN)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Enter the code displayed on your device").fill(typed)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name=f"Authorize {app_name}").click()
        expect(page.get_by_text("Your device is now connected.")).to_be_visible()
        chromium.close()


def _me(server: Server, token: str) -> requests.Response:
    return requests.get(f"{server.url}/user", headers={"Authorization": f"token {token}"}, timeout=30)


def _codes(outcome: Outcome, server: Server, secrets: Secrets) -> dict[str, object]:
    """`POST /login/device/code`'s answer, as the README's comment shows it."""
    assert outcome.status == 200, outcome.stdout
    codes = json.loads(outcome.stdout)
    secrets.add(codes["device_code"])
    secrets.add(codes["user_code"])
    assert sorted(codes) == ["device_code", "expires_in", "interval", "user_code", "verification_uri"]
    assert re.fullmatch(r"[0-9a-f]{40}", str(codes["device_code"]))
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", str(codes["user_code"]))
    assert (codes["verification_uri"], codes["expires_in"], codes["interval"]) == (
        f"{server.url}/login/device",
        900,
        5,
    )
    return codes


def test_the_device_and_refresh_walkthroughs_work_as_written(
    server: Server, cli: Cli, secrets: Secrets, tmp_path: Path
) -> None:
    password = "pw-" + random_secrets.token_urlsafe(15)
    secrets.add(password)
    assert cli("users", "create", LOGIN, stdin=password + "\n").returncode == 0
    ask, poll = _commands(DEVICE)
    (refresh,) = _commands(REFRESH)

    # The device walk-through, block 1: the app, the codes, a poll that is pending.
    first = _run(server, tmp_path, ask)
    app = json.loads(first[0].stdout)
    assert (app["name"], app["url"], app["device_flow"]) == ("Octo CLI", "https://cli.example.com", True)
    secrets.add(app["client_secret"])
    codes = _codes(first[2], server, secrets)
    assert first[-1].status == 200  # the token endpoint's errors are 200 too (SPEC section 9)
    assert json.loads(first[-1].stdout) == {
        "error": "authorization_pending",
        "error_description": "The authorization request is still pending.",
        "error_uri": "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow",
    }

    # Step 3: the user, in a browser.
    _approve(server, password, str(codes["user_code"]), "Octo CLI")

    # Block 2: after `interval` seconds, the token (once).
    again = [_assignment(ask, "CLI_ID"), _assignment(ask, "DEVICE_CODE")]
    second = _run(server, tmp_path, again + poll)
    assert [o.command.text for o in second[2:]] == [c.text for c in poll]
    token = json.loads(second[-1].stdout)
    secrets.add(token["access_token"])
    assert second[-1].status == 200
    assert re.fullmatch(r"gho_[A-Za-z0-9]{36}", token["access_token"])
    assert (token["token_type"], token["scope"]) == ("bearer", "repo,gist")
    me = _me(server, token["access_token"])
    assert (me.status_code, me.json()["login"]) == (200, LOGIN)

    # Expiring tokens: the block up to the user's approval, the approval, then the rest.
    carrier = next(i for i, c in enumerate(refresh) if APPROVAL in " ".join(c.comments))
    assert refresh[carrier].text.startswith("DEVICE_CODE="), "the approval comes after the codes are read"
    before, after = refresh[: carrier + 1], refresh[carrier + 1 :]
    third = _run(server, tmp_path, [_assignment(ask, "CLI_ID"), *before])
    updated = json.loads(third[1].stdout)
    assert (updated["client_id"], updated["expiring_tokens"]) == (app["client_id"], True)
    codes = _codes(third[2], server, secrets)
    _approve(server, password, str(codes["user_code"]), "Octo CLI")

    fourth = _run(server, tmp_path, [_assignment(ask, "CLI_ID"), _assignment(before, "DEVICE_CODE"), *after])
    pair = json.loads(fourth[2].stdout)
    secrets.add(pair["access_token"])
    secrets.add(pair["refresh_token"])
    assert fourth[2].status == 200
    assert sorted(pair) == [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
        "token_type",
    ]
    assert (pair["token_type"], pair["scope"], pair["expires_in"], pair["refresh_token_expires_in"]) == (
        "bearer",
        "repo",
        28800,
        15897600,
    )
    assert re.fullmatch(r"ghr_[A-Za-z0-9]{36}", pair["refresh_token"])
    renewed = json.loads(fourth[-1].stdout)
    secrets.add(renewed["access_token"])
    secrets.add(renewed["refresh_token"])
    assert fourth[-1].status == 200
    assert (renewed["scope"], renewed["expires_in"]) == ("repo", 28800)
    assert renewed["refresh_token"] != pair["refresh_token"]
    assert renewed["access_token"] != pair["access_token"]

    # "the old refresh token is spent and the old access token revoked in the same transaction"
    assert _me(server, pair["access_token"]).status_code == 401
    assert _me(server, renewed["access_token"]).status_code == 200
