"""README.md's "Walk-through: the web application flow", run as written (with `test_e2e_readme`'s runner
and its changes: the test server's URL for `API`, the CLI on the server's data dir, a temporary directory
for `/tmp/`), plus one of its own: the app's callback `127.0.0.1:8000` is a small server of the test on a
free port. Between the two shell blocks the README's reader opens the printed URL in a browser: here
headless Chromium signs in (a user of this test's), clicks Authorize, and the code it lands with replaces
the README's `CODE=...`.

Users: readme-web (made here).
"""

from __future__ import annotations

import json
import re
import secrets as random_secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import Cli
from tests.e2e.test_e2e_readme import (
    Command,
    Outcome,
    run_walkthrough,
    section_blocks,
    split_commands,
)
from tests.e2e.test_e2e_web_clients import CHROMIUM
from tests.support.callback_server import Callback
from tests.support.e2e import REPO_ROOT, Secrets, Server

SECTION = "Walk-through: the web application flow"
README_CALLBACK = "127.0.0.1:8000"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def _setup() -> Command:
    """The first walk-through's `export PATH=... API=...`, which this one builds on."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first = split_commands(section_blocks(readme, "Walk-through: a user and their tokens")[0])[0]
    assert first.text.startswith("export PATH=") and "API=" in first.text
    return first


def _blocks(callback: Callback) -> list[list[Command]]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    port = urlsplit(callback.url).port
    return [
        [
            Command(c.text.replace(README_CALLBACK, f"127.0.0.1:{port}"), c.comments)
            for c in split_commands(block)
        ]
        for block in section_blocks(readme, SECTION)
    ]


def _run(server: Server, workdir: Path, commands: list[Command]) -> list[Outcome]:
    for leftover in workdir.glob("*-*"):  # the earlier run's answers (not tmp/, the README's files)
        leftover.unlink()
    outcomes = run_walkthrough(server, workdir, [_setup(), *commands])[1:]
    for outcome in outcomes:
        where = f"README command:\n{outcome.command.text}\nstdout: {outcome.stdout[:500]}"
        assert outcome.returncode == 0 and outcome.stderr == "", where + f"\nstderr: {outcome.stderr[:500]}"
    return outcomes


def test_the_web_flow_walkthrough_works_as_written(
    server: Server, cli: Cli, secrets: Secrets, tmp_path: Path
) -> None:
    password = "pw-" + random_secrets.token_urlsafe(15)
    secrets.add(password)
    assert cli("users", "create", "readme-web", stdin=password + "\n").returncode == 0
    callback = Callback()
    try:
        register, exchange = _blocks(callback)
        assert [c.text.split("=")[0].split()[0] for c in register] == [
            "oauth-authz",
            "CLIENT_ID",
            "CLIENT_SECRET",
            "echo",
        ]

        first = _run(server, tmp_path, register)
        app = json.loads(first[0].stdout)
        secrets.add(app["client_secret"])
        assert (app["name"], app["url"], app["callback_url"]) == (
            "My Web App",
            "https://app.example.com",
            callback.url,
        )
        url = first[-1].stdout.strip()
        assert url == (
            f"{server.url}/login/oauth/authorize?client_id={app['client_id']}&scope=repo%20user&state=af0ifjsldkj"
        )

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = chromium.new_page()
            page.goto(url)
            page.get_by_label("Username").fill("readme-web")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Full control of private repositories")).to_be_visible()
            page.get_by_role("button", name="Authorize My Web App").click()
            page.wait_for_url(callback.url + "?*")
            landed = parse_qs(urlsplit(page.url).query)
            chromium.close()
        assert landed["state"] == ["af0ifjsldkj"]
        code = landed["code"][0]
        secrets.add(code)

        again = [c for c in register if c.text.startswith(("CLIENT_ID=", "CLIENT_SECRET="))]
        steps = again + [
            Command(f"CODE={code}", c.comments) if c.text.startswith("CODE=...") else c for c in exchange
        ]
        second = _run(server, tmp_path, steps)
    finally:
        callback.close()

    token_answer = next(o for o in second if "/login/oauth/access_token" in o.command.text)
    assert token_answer.status == 200
    token = json.loads(token_answer.stdout)
    secrets.add(token["access_token"])
    assert re.fullmatch(r"gho_[A-Za-z0-9]{36}", token["access_token"])
    assert (token["token_type"], token["scope"]) == ("bearer", "repo,user")  # the README's comment
    check = next(o for o in second if "/applications/$CLIENT_ID/token" in o.command.text)
    assert check.status == 200  # "200 with the authorization, its scopes and its user"
    body = json.loads(check.stdout)
    assert body["user"]["login"] == "readme-web" and body["scopes"] == ["repo", "user"]
    assert body["app"]["client_id"] == app["client_id"]
    assert [o.stdout for o in second if o.command.text.startswith(("CODE=", "TOKEN=", "CLIENT_"))] == [""] * 4
