"""Secret hygiene, proven on a server of this module's own started with `LogLevel=DEBUG` (and a lockout
threshold of 4): one workload uses every kind of secret in every place a request can carry it, then every line
the server wrote (its stdout and stderr: the gateway's access log and every function instance's JSON logs) and
every attribute of every item of its table (a Scan at its DynamoDB endpoint while it runs, and its journal
file afterwards) are searched for each password, token, client secret, TOTP seed, TOTP code and
Authorization header value used: none may be there. The TOTP seed is sealed in the journal, and the data dir's
TOTP key is readable by its owner only.

Six-digit codes are searched as whole tokens (not inside a longer run of letters and digits).
"""

from __future__ import annotations

import base64
import json
import re
import secrets as random_secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.e2e import Client, Secrets, run_cli, sha256
from tests.support.e2e_auth import (
    BAD_CREDENTIALS,
    BASIC_ONLY,
    LOCKED_OUT,
    LocalServer,
    assert_otp_challenge,
    assert_refusal,
    attribute_texts,
    base32_key,
    code_for_step,
    codes_in,
    current_step,
    process_group,
    running_server,
    table_items,
    wrong_code,
)

THRESHOLD = 4
LIST = "/authorizations"
TOKEN_SHAPED = re.compile(r"gh[a-z]_[A-Za-z0-9]{30,}")


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with running_server(
        tmp_path_factory.mktemp("auth-secrets-data"),
        tmp_path_factory.mktemp("auth-secrets-logs"),
        {"LogLevel": "DEBUG", "LockoutThreshold": str(THRESHOLD), "LockoutWindowSeconds": "600"},
    ) as running:
        yield running


class Workload:
    """Everything the workload used that must stay secret."""

    def __init__(self, local: LocalServer) -> None:
        self.local = local
        self.secrets = Secrets()
        self.codes: set[str] = set()
        self.seeds: list[str] = []
        self.tokens: list[str] = []

    def cli(self, *args: str, stdin: str | None = None) -> Any:
        result = run_cli(*args, data_dir=self.local.server.data_dir, stdin=stdin, secrets=self.secrets)
        assert result.returncode == 0, result.stderr
        return result.json()

    def user(self, login: str) -> Client:
        password = "pw-" + random_secrets.token_urlsafe(18)
        self.cli("users", "create", login, "--json", stdin=password + "\n")
        return Client(self.local.server.url, self.secrets, (login, password))

    def app(self, name: str) -> tuple[str, str, Client]:
        created = self.cli("apps", "create", "--name", name, "--url", "https://hygiene.example.com", "--json")
        client_id, client_secret = created["client_id"], created["client_secret"]
        assert client_secret in self.secrets.values
        return (
            client_id,
            client_secret,
            Client(self.local.server.url, self.secrets, (client_id, client_secret)),
        )

    def token(self, response: requests.Response, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, (response.status_code, response.text)
        body: dict[str, Any] = response.json()
        assert TOKEN_SHAPED.fullmatch(body["token"]), body
        assert body["token"] in self.secrets.values  # the client records every token it receives
        self.tokens.append(body["token"])
        return body


def run_workload(work: Workload) -> None:
    alice = work.user("hy-alice")
    bob = work.user("hy-bob")
    one_id, one_secret, one = work.app("Hygiene One")
    two_id, two_secret, two = work.app("Hygiene Two")

    # Two-factor: a seed and its URI, then a missing, a wrong, a right, a replayed and a next code.
    shown = work.cli("users", "enable-2fa", "hy-alice", "--json")
    seed = shown["secret"]
    work.seeds.append(seed)
    work.secrets.add(seed, shown["otpauth_uri"])
    now = (
        current_step()
    )  # the codes below are good (or wrong) whichever of now-1 .. now+1 the server's step is
    assert_otp_challenge(alice.get(LIST))
    wrong = wrong_code(seed, now)
    right, following = code_for_step(seed, now), code_for_step(seed, now + 1)
    work.codes |= {wrong, right, following}
    assert_otp_challenge(alice.get(LIST, headers={"X-GitHub-OTP": wrong}))
    personal = work.token(
        alice.post(LIST, {"note": "hygiene", "scopes": ["repo"]}, headers={"X-GitHub-OTP": right})
    )
    assert_otp_challenge(alice.get(LIST, headers={"X-GitHub-OTP": right}))
    listed = alice.get(LIST, headers={"X-GitHub-OTP": following})
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [personal["id"]], listed.text

    # Personal tokens: created, listed, read, updated, deleted.
    mine = work.token(bob.post(LIST, {"note": "bob's", "scopes": ["gist"]}))
    assert bob.get(LIST).status_code == 200
    assert bob.get(f"{LIST}/{mine['id']}").status_code == 200
    assert bob.patch(f"{LIST}/{mine['id']}", {"add_scopes": ["repo"], "note": "bob's too"}).status_code == 200
    # App tokens, three ways.
    first = work.token(
        bob.put(f"/authorizations/clients/{one_id}", {"client_secret": one_secret, "scopes": ["repo"]})
    )
    second = work.token(
        bob.put(f"/authorizations/clients/{one_id}/hygiene-fp", {"client_secret": one_secret})
    )
    third = work.token(
        bob.post(
            LIST, {"client_id": two_id, "client_secret": two_secret, "note": "third", "scopes": ["user"]}
        )
    )
    # Checked (path and body), reset (path, then body: the old token dies), revoked (path and body).
    assert one.get(f"/applications/{one_id}/tokens/{first['token']}").status_code == 200
    assert one.post(f"/applications/{one_id}/token", {"access_token": first["token"]}).status_code == 200
    reset = work.token(one.post(f"/applications/{one_id}/tokens/{first['token']}"), 200)
    again = work.token(one.patch(f"/applications/{one_id}/token", {"access_token": reset["token"]}), 200)
    assert one.get(f"/applications/{one_id}/tokens/{first['token']}").status_code == 404
    assert one.post(f"/applications/{one_id}/token", {"access_token": reset["token"]}).status_code == 404
    assert one.post(f"/applications/{one_id}/token", {"access_token": again["token"]}).status_code == 200
    assert one.delete(f"/applications/{one_id}/tokens/{again['token']}").status_code == 204
    assert one.delete(f"/applications/{one_id}/token", {"access_token": second["token"]}).status_code == 204
    # Grants: revoked by the app (path form) and deleted by the user.
    assert two.delete(f"/applications/{two_id}/grants/{third['token']}").status_code == 204
    fourth = work.token(
        bob.put(f"/authorizations/clients/{one_id}/hygiene-grant", {"client_secret": one_secret})
    )
    [grant] = bob.get("/applications/grants").json()
    assert bob.delete(f"/applications/grants/{grant['id']}").status_code == 204
    assert one.post(f"/applications/{one_id}/token", {"access_token": fourth["token"]}).status_code == 404
    fifth = work.token(bob.put(f"/authorizations/clients/{two_id}", {"client_secret": two_secret}))
    assert two.delete(f"/applications/{two_id}/grant", {"access_token": fifth["token"]}).status_code == 204
    # Another app's token in the path and in the body; a personal token at an app.
    assert two.get(f"/applications/{two_id}/tokens/{personal['token']}").status_code == 404
    assert two.post(f"/applications/{two_id}/token", {"access_token": mine["token"]}).status_code == 404
    assert bob.delete(f"{LIST}/{mine['id']}").status_code == 204

    # Failures: a wrong password, an unknown login, tokens instead of a password, a wrong app secret, a body
    # that does not parse (with a password in it), and a lockout.
    assert_refusal(bob.get(LIST, auth=("hy-bob", "not-bobs-" + one_secret[:8])), 401, BAD_CREDENTIALS)
    assert_refusal(
        bob.get(LIST, auth=("hy-nobody", "pw-" + random_secrets.token_urlsafe(12))), 401, BAD_CREDENTIALS
    )
    assert_refusal(bob.get(LIST, auth=("hy-bob", personal["token"])), 403, BASIC_ONLY)
    for scheme in ("token", "Bearer"):
        refused = bob.get(LIST, auth=None, headers={"Authorization": f"{scheme} {fifth['token']}"})
        assert_refusal(refused, 403, BASIC_ONLY)
    wrong_secret = one.post(
        f"/applications/{one_id}/token", {"access_token": personal["token"]}, auth=(one_id, two_secret)
    )
    assert_refusal(wrong_secret, 401, BAD_CREDENTIALS)
    broken = bob.request(
        "POST", LIST, data='{"note": "' + one_secret, headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400, broken.text
    ghost = ("hy-ghost", "pw-" + random_secrets.token_urlsafe(12))
    for _ in range(THRESHOLD):
        assert_refusal(bob.get(LIST, auth=ghost), 401, BAD_CREDENTIALS)
    assert_refusal(bob.get(LIST, auth=ghost), 403, LOCKED_OUT)


def search(text: str, work: Workload) -> list[str]:
    """The secrets found in `text`, shown by their first characters only."""
    found = [value[:6] + "..." for value in work.secrets.found_in(text)]
    found += [f"code {code[:2]}...." for code in codes_in(text, work.codes)]
    found += [match[:8] + "..." for match in TOKEN_SHAPED.findall(text)]
    return found


def seed_forms(seed: str) -> list[str]:
    """A TOTP seed in any plain form: base32 (either case), its key in hex and base64."""
    key = base32_key(seed)
    return [seed, seed.lower(), key.hex(), base64.b64encode(key).decode().rstrip("=")]


def test_no_secret_in_any_log_line_nor_any_item(local: LocalServer) -> None:
    work = Workload(local)
    run_workload(work)
    server = local.server
    values = work.secrets.values
    # What is searched for: every kind of secret, the Authorization headers whole and as their base64 part.
    assert len(work.tokens) >= 9 and set(work.tokens) <= values
    assert any(value.startswith("Basic ") for value in values)
    assert any(re.fullmatch(r"[A-Za-z0-9+/]+=*", value) and len(value) > 20 for value in values)
    assert len(work.codes) == 3 and len(work.seeds) == 1

    # Every attribute of every item, while it runs.
    items = table_items(server)
    texts = "\n".join(attribute_texts(items))
    assert sha256(work.tokens[0]) in texts  # the search does reach the tokens' items
    assert not search(texts, work), search(texts, work)
    sealed = [item["totp_sealed"]["S"] for item in items if "totp_sealed" in item]
    assert len(sealed) == 1 and sealed[0].startswith("local:"), sealed
    for form in seed_forms(work.seeds[0]):
        assert form not in texts
    # The functions ran at the DEBUG level (the workers' environment says so).
    levels = set()
    for pid, _ in process_group(server.process.pid):
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        levels |= {v.partition(b"=")[2] for v in environment if v.startswith(b"POWERTOOLS_LOG_LEVEL=")}
    assert levels == {b"DEBUG"}, levels
    key_file = server.data_dir / "totp.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    # Every line it ever wrote, once it has stopped (exit 0 on SIGTERM, nothing left running).
    local.stop()
    logs = server.logs()
    assert not search(logs, work), search(logs, work)
    for form in seed_forms(work.seeds[0]):
        assert form not in logs
    # The logs are there: the access log for each request, the authorizer's outcome for each.
    access = [
        line for line in server.stderr().splitlines() if re.search(r" INFO \S+ [A-Z]+ \S+ \d{3} ", line)
    ]
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    outcomes = [r["outcome"] for r in records if r.get("message") == "authentication"]
    assert len(access) >= 40 and len(outcomes) >= 35, (len(access), len(outcomes))
    assert {"allowed", "otp_required", "bad_credentials", "token_not_password", "locked_out"} <= set(outcomes)
    assert any(" /applications/{client_id}/tokens/{access_token} " in line for line in access)
    for record in records:
        assert not {"headers", "multiValueHeaders", "body", "authorization", "event"} & set(record), record

    # The journal (the store's data at rest) holds none either, and no plain seed.
    journal = (server.data_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert sha256(work.tokens[-1]) in journal  # it is the store's data
    assert not search(journal, work), search(journal, work)
    for form in seed_forms(work.seeds[0]):
        assert form not in journal
    assert sealed[0].partition(":")[2][:40] in journal
