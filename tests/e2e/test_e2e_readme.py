"""README.md's two walk-throughs, run as they are written, with bash, against the session's server.

The shell blocks of "Walk-through: a user and their tokens" and "Walk-through: an OAuth app and its tokens"
are run in order in one bash (the second uses what the first set up), one command at a time, from the
repository's root, with three changes that keep the run to the test's own server and files: `API` is the
test server's URL instead of `http://127.0.0.1:3000`, `OAUTH_AUTHZ_DATA_DIR` points the CLI at the server's
data dir (the CLI's default store is `$OAUTH_AUTHZ_DATA_DIR`, else `.local-data`), and `/tmp/` is a temporary
directory of the test's. `curl` is wrapped to also dump each answer's headers (`-D`), so every command's
HTTP status is known. Every command must succeed, and every answer must say what the README says of it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.support.e2e import REPO_ROOT, Secrets, Server, clean_environment, sha256
from tests.support.schemas import USERS_REFERENCE, assert_matches_response, assert_matches_schema

SECTIONS = ("Walk-through: a user and their tokens", "Walk-through: an OAuth app and its tokens")
README_API = "API=http://127.0.0.1:3000"
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Command:
    text: str  # with its continuation lines
    comments: list[str]  # the comment lines right before it, and its own trailing comment, and right after it


@dataclass
class Outcome:
    command: Command
    returncode: int
    stdout: str
    stderr: str
    status: int | None  # the HTTP status of the curl in it, if any

    def json(self) -> Any:
        return json.loads(self.stdout)


def section_blocks(readme: str, title: str) -> list[str]:
    """The ```sh blocks of one `## ` section of the README."""
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    section = readme[start : end if end != -1 else len(readme)]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, f"no sh block in the README's section {title!r}"
    return blocks


def split_commands(block: str) -> list[Command]:
    """Commands (continuation lines joined) with the comments around them."""
    commands: list[Command] = []
    pending: list[str] = []
    lines = block.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        index += 1
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            if (
                commands
                and not pending
                and lines[index - 2].strip()
                and not lines[index - 2].strip().startswith("#")
            ):
                commands[-1].comments.append(stripped)  # a comment right after a command speaks of it
            else:
                pending.append(stripped)
            continue
        text = line
        while text.endswith("\\") and index < len(lines):
            text = text + "\n" + lines[index]
            index += 1
        own = re.search(r"\s#\s.*$", text.splitlines()[-1])
        comments = [*pending, own.group(0).strip()] if own else list(pending)
        commands.append(Command(text, comments))
        pending = []
    return commands


def walkthrough_commands() -> list[Command]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return [
        command
        for title in SECTIONS
        for block in section_blocks(readme, title)
        for command in split_commands(block)
    ]


def run_walkthrough(server: Server, workdir: Path, commands: list[Command]) -> list[Outcome]:
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)  # a later run in the same workdir sees the files of the earlier one
    assert re.fullmatch(r"[\w/.-]+", str(tmp)), tmp  # safe inside the README's quotes
    script = [
        "set -u -o pipefail",
        f"cd {json.dumps(str(REPO_ROOT))}",
        'curl() { command curl -D "$E2E_DIR/headers-$E2E_STEP" "$@"; }',
    ]
    for number, command in enumerate(commands):
        text = command.text.replace(README_API, f"API={server.url}").replace("/tmp/", f"{tmp}/")
        script += [
            f"E2E_STEP={number}",
            f'{{\n{text}\n}} > "$E2E_DIR/out-{number}" 2> "$E2E_DIR/err-{number}"',
            f'echo $? > "$E2E_DIR/rc-{number}"',
        ]
    (workdir / "walkthrough.sh").write_text("\n".join(script) + "\n", encoding="utf-8")
    completed = subprocess.run(
        ["bash", str(workdir / "walkthrough.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_environment({"E2E_DIR": str(workdir), "OAUTH_AUTHZ_DATA_DIR": str(server.data_dir)}),
        check=False,
    )
    assert completed.returncode == 0, completed
    outcomes = []
    for number, command in enumerate(commands):
        headers = workdir / f"headers-{number}"
        status = None
        if headers.exists():
            statuses = re.findall(r"^HTTP/[\d.]+ (\d{3})", headers.read_text(), flags=re.MULTILINE)
            status = int(statuses[-1])
        outcomes.append(
            Outcome(
                command,
                int((workdir / f"rc-{number}").read_text()),
                (workdir / f"out-{number}").read_text(),
                (workdir / f"err-{number}").read_text(),
                status,
            )
        )
    return outcomes


# What each command's answer must be, as the README's text and comments say; keyed by a piece of the command.
Check = Callable[[Outcome, dict[str, Any]], None]


def _created_token(outcome: Outcome, seen: dict[str, Any]) -> None:
    body = outcome.json()
    assert outcome.status == 201
    assert body["token"].startswith("ghp_") and body["hashed_token"] == sha256(body["token"])
    assert (body["note"], body["scopes"]) == ("my laptop", ["repo", "user"])
    assert_matches_schema(body, "authorization")
    seen["created"] = body


def _listed(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200
    [item] = outcome.json()
    assert item == {**seen["created"], "token": ""}  # "the token is "" from now on"
    assert (item["token_last_eight"], item["hashed_token"]) == (
        seen["created"]["token"][-8:],
        sha256(seen["created"]["token"]),
    )


def _updated(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200
    body = outcome.json()
    assert (body["id"], body["scopes"], body["note"]) == (
        seen["created"]["id"],
        ["repo", "user", "gist"],
        "my old laptop",
    )


def _status_line(expected: int) -> Check:
    def check(outcome: Outcome, seen: dict[str, Any]) -> None:
        assert (outcome.status, outcome.stdout) == (expected, f"{expected}\n")

    return check


def _gone(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 404
    assert outcome.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def _me(outcome: Outcome, seen: dict[str, Any]) -> None:
    """GET /user with the walk-through's token: the user while it lives, 401 once it is deleted."""
    if "me" in seen:
        assert outcome.status == 401 and outcome.json()["message"] == "Bad credentials"
        return
    assert outcome.status == 200
    body = outcome.json()
    assert_matches_response(body, "/user", "get", 200, USERS_REFERENCE)
    assert (body["login"], body["name"], body["email"]) == ("octocat", "The Octocat", "octocat@example.com")
    seen["me"] = body


def _emails(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200
    assert outcome.json() == [
        {"email": "octocat@example.com", "primary": True, "verified": True, "visibility": "public"}
    ]


def _app_registered(outcome: Outcome, seen: dict[str, Any]) -> None:
    body = outcome.json()
    assert (body["name"], body["url"]) == ("My CI", "https://ci.example.com")
    assert re.fullmatch(r"[0-9a-f]{20}", body["client_id"]) and re.fullmatch(
        r"[0-9a-f]{40}", body["client_secret"]
    )
    seen["app"] = body


def _app_token(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 201  # "201 the first time"
    body = outcome.json()
    assert body["token"].startswith("gho_")
    assert body["fingerprint"] == "ci-runner-1" and body["scopes"] == ["repo"]
    assert body["app"] == {
        "client_id": seen["app"]["client_id"],
        "name": "My CI",
        "url": "https://ci.example.com",
    }
    seen["app_token"] = body


def _grants(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200
    [grant] = outcome.json()
    assert_matches_schema(grant, "application-grant")
    assert (grant["app"]["client_id"], grant["scopes"]) == (seen["app"]["client_id"], ["repo"])


def _checked(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200  # "200 with the authorization and its user"
    body = outcome.json()
    assert body["id"] == seen["app_token"]["id"] and body["user"]["login"] == "octocat"
    assert_matches_schema(body["user"], "simple-user")


def _reset(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert outcome.status == 200
    body = outcome.json()
    assert body["id"] == seen["app_token"]["id"]  # the same authorization
    assert body["token"].startswith("gho_") and body["token"] != seen["app_token"]["token"]
    seen["reset"] = body


def _no_output(outcome: Outcome, seen: dict[str, Any]) -> None:
    assert (outcome.status, outcome.stdout) == (None, "")


def _error(status: int, message: str, field: tuple[str, str] | None = None) -> Check:
    def check(outcome: Outcome, seen: dict[str, Any]) -> None:
        assert outcome.status == status
        body = outcome.json()
        assert body["message"] == message
        if field is not None:
            assert [(e["field"], e["code"]) for e in body["errors"]] == [field]

    return check


EXPECTED: list[tuple[str, Check]] = [
    ("export PATH=", _no_output),
    ("oauth-authz users create octocat", lambda o, s: None),
    ('"note": "my laptop"', _created_token),
    ("ID=$(", _no_output),
    ("oauth-authz users update octocat", lambda o, s: None),
    ('"$API/api/v3/user/emails"', _emails),
    ('token $TOKEN" "$API/user"', _me),
    ('"$API/authorizations?per_page=10"', _listed),
    ('-X PATCH "$API/authorizations/$ID"', _updated),
    ('-X DELETE "$API/authorizations/$ID"', _status_line(204)),
    ('"$API/authorizations/$ID"', _gone),
    ('curl -s "$API/authorizations"', _error(401, "Requires authentication")),
    ("octocat:wrong", _error(401, "Bad credentials")),
    ("""-d '{"scopes": ["repo"]}'""", _error(422, "Validation Failed", ("note", "missing_field"))),
    ("oauth-authz apps create", _app_registered),
    ("CLIENT_ID=$(", _no_output),
    ("CLIENT_SECRET=$(", _no_output),
    ("ci-runner-1", _app_token),
    ("TOKEN=$(", _no_output),
    ('"$API/applications/grants"', _grants),
    ('-X POST "$API/applications/$CLIENT_ID/token" -d', _checked),
    ('-X PATCH "$API/applications/$CLIENT_ID/token"', _reset),
    ("NEW=$(", _no_output),
    ('%{http_code}\\n\' -u "$CLIENT_ID:$CLIENT_SECRET" -X POST', _status_line(404)),
    ('/grant"', _status_line(204)),
]


def _comment_claims(outcome: Outcome) -> None:
    """`# NNN {"message": "..."}` next to a command: that status and that message."""
    for comment in outcome.command.comments:
        claim = re.match(r"#\s*(\d{3})\b(.*)$", comment)
        if claim is None:
            continue
        assert outcome.status == int(claim.group(1)), (outcome.command.text, comment, outcome.status)
        message = re.search(r'"message":\s*"([^"]+)"', claim.group(2))
        if message and outcome.stdout.strip().startswith("{"):
            assert outcome.json()["message"] == message.group(1), comment


def test_the_readme_walkthroughs_work_as_written(server: Server, secrets: Secrets, tmp_path: Path) -> None:
    commands = walkthrough_commands()
    assert any(README_API in command.text for command in commands), (
        "the README no longer sets API=... as expected"
    )
    secrets.add(PASSWORD)
    outcomes = run_walkthrough(server, tmp_path, commands)
    for outcome in outcomes:
        secrets.add_from_text(outcome.stdout)
        secrets.add(*re.findall(r'"client_secret": "([0-9a-f]+)"', outcome.stdout))

    unexplained = [o.command.text for o in outcomes if not any(key in o.command.text for key, _ in EXPECTED)]
    assert not unexplained, f"README commands this test does not know what to expect of: {unexplained}"
    seen: dict[str, Any] = {}
    for outcome in outcomes:
        where = (
            f"README command:\n{outcome.command.text}\n"
            f"stdout: {outcome.stdout[:500]}\nstderr: {outcome.stderr[:500]}"
        )
        assert outcome.returncode == 0, where
        assert outcome.stderr == "", where
        key, check = next((key, check) for key, check in EXPECTED if key in outcome.command.text)
        try:
            check(outcome, seen)
            _comment_claims(outcome)
        except (AssertionError, ValueError, KeyError) as error:
            raise AssertionError(f"{where}\nexpected ({key!r}): {error!r}") from error

    # After the walk-through: the reset token died with the grant, and the user has no grant left.
    app = seen["app"]
    auth = (app["client_id"], app["client_secret"])
    dead = requests.post(
        f"{server.url}/applications/{app['client_id']}/token",
        json={"access_token": seen["reset"]["token"]},
        auth=auth,
        timeout=60,
    )
    assert dead.status_code == 404
    grants = requests.get(f"{server.url}/applications/grants", auth=("octocat", PASSWORD), timeout=60)
    assert grants.json() == []
    # "201 the first time, 200 after": the same get-or-create twice.
    put = f"{server.url}/authorizations/clients/{app['client_id']}/ci-runner-1"
    body = {"client_secret": app["client_secret"], "scopes": ["repo"]}
    first = requests.put(put, json=body, auth=("octocat", PASSWORD), timeout=60)
    second = requests.put(put, json=body, auth=("octocat", PASSWORD), timeout=60)
    secrets.add(first.json().get("token"))
    assert (first.status_code, second.status_code, second.json()["token"]) == (201, 200, "")
