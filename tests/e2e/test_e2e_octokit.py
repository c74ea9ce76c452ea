"""octokit (`@octokit/rest`, the JavaScript client GitHub publishes) against the local API:
`users.getAuthenticated` with `baseUrl` at the root and at `/api/v3` (issue 14). The harness is
tests/e2e/node (package.json and its lock); `make node` installs it from the npm registry into its
git-ignored node_modules. User: vera (a token of this module's own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.e2e import Secrets, Server, User

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None or not (NODE_DIR / "node_modules" / "@octokit" / "rest").is_dir():
        pytest.skip("node or tests/e2e/node/node_modules missing: run `make node`")
    return found


@pytest.mark.parametrize("layout", ["", "/api/v3"])
def test_octokit_gets_the_authenticated_user(
    node: str, server: Server, vera: User, secrets: Secrets, layout: str
) -> None:
    created = vera.client.post("/authorizations", {"note": f"octokit {layout or 'root'}", "scopes": ["user"]})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    secrets.add(token)

    answer = subprocess.run(  # noqa: S603 - our own script
        [node, str(NODE_DIR / "octokit_user.mjs"), server.url + layout],
        capture_output=True, text=True, timeout=60, check=False, cwd=NODE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "OCTOKIT_TOKEN": token},
    )  # fmt: skip

    assert answer.returncode == 0, answer.stderr
    got = json.loads(answer.stdout)
    assert got == {
        "login": "vera", "name": got["name"], "url": f"{server.url}{layout}/users/vera", "status": 200,
        "scopes": "user",
    }  # fmt: skip
