"""What the server logs: never a password, a token, a client secret or an Authorization header.

This module runs after the others (the conftest orders it last), so the logs it reads hold the whole
session's traffic; it also makes traffic of its own, so it means something when run alone. The server
fixture repeats the search once the server has stopped, over everything it ever wrote.
"""

from __future__ import annotations

import json
import re
import time

from tests.support.e2e import App, Secrets, Server, User

TOKEN_SHAPED = re.compile(r"gh[a-z]_[A-Za-z0-9]{30,}")


def _traffic(alice: User, alpha: App) -> None:
    """Secrets in every place a request can carry them: Basic auth, token/Bearer headers, paths, bodies."""
    issued = alice.client.put(
        f"/authorizations/clients/{alpha.client_id}/logs-{int(time.time())}",
        {"client_secret": alpha.client_secret},
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert alpha.client.get(f"/applications/{alpha.client_id}/tokens/{token}").status_code == 200
    reset = alpha.client.post(f"/applications/{alpha.client_id}/tokens/{token}")
    assert reset.status_code == 200
    new = reset.json()["token"]
    assert (
        alpha.client.post(f"/applications/{alpha.client_id}/token", {"access_token": new}).status_code == 200
    )
    assert alpha.client.get(f"/applications/{alpha.client_id}/tokens/{token}").status_code == 404
    assert (
        alice.client.get("/authorizations", auth=(alice.login, alice.password + "-wrong")).status_code == 401
    )
    assert alice.client.get("/authorizations", auth=(alice.login, new)).status_code == 403
    assert (
        alice.client.get("/authorizations", auth=None, headers={"Authorization": f"Bearer {new}"}).status_code
        == 403
    )
    assert (
        alice.client.get("/authorizations", auth=None, headers={"Authorization": f"token {new}"}).status_code
        == 403
    )
    wrong_secret = alpha.client.post(
        f"/applications/{alpha.client_id}/token", {"access_token": new}, auth=(alpha.client_id, "e" * 40)
    )
    assert wrong_secret.status_code == 401
    # A request that fails to parse, with a secret in it.
    assert (
        alice.client.request(
            "POST",
            "/authorizations",
            data='{"note": "' + alice.password,
            headers={"Content-Type": "application/json"},
        ).status_code
        == 400
    )
    assert alpha.client.delete(f"/applications/{alpha.client_id}/tokens/{new}").status_code == 204


def test_no_secret_in_the_server_logs(server: Server, secrets: Secrets, alice: User, alpha: App) -> None:
    _traffic(alice, alpha)
    time.sleep(0.5)  # the last function log lines
    logs = server.logs()
    values = secrets.values
    assert len(values) >= 8, values  # the passwords, tokens, secrets and headers of the session at least
    assert any(value.startswith("Basic ") for value in values)
    assert any(value.startswith(("gho_", "ghp_")) for value in values)
    leaked = secrets.found_in(logs)
    assert not leaked, [
        (value[:10] + "...", next(line[:200] for line in logs.splitlines() if value in line))
        for value in leaked
    ]
    assert not TOKEN_SHAPED.findall(logs)
    # The access log names routes by their template, never by the path that was asked for.
    access = [line for line in server.stderr().splitlines() if re.search(r" INFO \S+ [A-Z]+ ", line)]
    assert access, server.stderr()[-2000:]
    assert any(" /applications/{client_id}/tokens/{access_token} " in line for line in access)
    assert not any("/applications/" + alpha.client_id in line for line in access)
    # The functions' log lines are JSON, and none carries a request's headers or body.
    for line in logs.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            assert not {"headers", "multiValueHeaders", "body", "authorization"} & set(record), record
