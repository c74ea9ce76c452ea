"""The whole local API in-process: the real template, authorizer, handlers and the embedded store.

Only the path API Gateway itself owns is checked here in depth (gateway responses, the authorizer's
Allow-with-context flow, persistence, concurrent requests in separate instances); the API's behaviour
belongs to the end-to-end tests.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from oauth_authz.service.accounts import Accounts
from oauth_authz.store.repository import Repository
from oauth_authz_local import embedded_dynamodb
from oauth_authz_local.dynamodb_journal import read_journal
from oauth_authz_local.local_api import LocalApi, start_local_api

TABLE = "oauth-authz-local-api-test"
DOCS = "https://docs.github.com/rest"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def local_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    api = start_local_api(port=0, data_dir=tmp_path_factory.mktemp("local-api"), table=TABLE)
    try:
        yield api
    finally:
        api.stop()


def test_the_store_and_table_are_up(local_api: LocalApi) -> None:
    assert local_api.store is not None
    assert local_api.url.startswith("http://127.0.0.1:")
    described = embedded_dynamodb.client(local_api.endpoint).describe_table(TableName=TABLE)["Table"]
    assert [key["AttributeName"] for key in described["KeySchema"]] == ["PK", "SK"]


def test_no_credentials_is_the_unauthorized_gateway_response(local_api: LocalApi) -> None:
    response = requests.get(f"{local_api.url}/authorizations", timeout=30)
    assert response.status_code == 401
    assert response.json() == {"message": "Requires authentication", "documentation_url": DOCS}
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-GitHub-Media-Type"] == "github.v3; format=json"


def test_unknown_route_is_not_found(local_api: LocalApi) -> None:
    for method, path in (("GET", "/nope"), ("DELETE", "/authorizations")):
        response = requests.request(method, local_api.url + path, auth=("octocat", "x"), timeout=30)
        assert response.status_code == 404
        assert response.json() == {"message": "Not Found", "documentation_url": DOCS}


@pytest.mark.parametrize(
    ("headers", "path", "status", "message"),
    [
        (
            {"Authorization": "Basic " + "A" * 70_000},
            "/authorizations",
            431,
            "Request Header Fields Too Large",
        ),
        (
            {f"X-Header-{i}": "v" for i in range(120)},
            "/authorizations",
            431,
            "Request Header Fields Too Large",
        ),
        ({"Authorization": "Basic eDp5"}, "/authorizations/" + "9" * 70_000, 414, "Request-URI Too Long"),
    ],
    ids=["70-KB-header", "120-headers", "70-KB-url"],
)
def test_what_the_http_server_refuses_is_answered_in_github_shape(
    local_api: LocalApi, headers: dict[str, str], path: str, status: int, message: str
) -> None:
    """Found by the hostile-input tests: these came back as `{"message": "Bad Request"}`."""
    response = requests.get(local_api.url + path, headers=headers, timeout=30)
    assert (response.status_code, response.json()) == (
        status,
        {"message": message, "documentation_url": DOCS},
    )
    assert requests.get(f"{local_api.url}/nope", timeout=30).status_code == 404  # still serving


def test_a_client_that_stops_sending_its_body_is_dropped(
    local_api: LocalApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body announced and never sent must not hold a server thread for good: after the client timeout the
    server closes the connection (nobody waits for an answer), and goes on serving."""
    http_server = local_api.server._server
    assert http_server is not None
    monkeypatch.setattr(http_server, "client_timeout", 0.5)
    host, port = http_server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=10) as stalled:
        stalled.sendall(
            b"POST /authorizations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":'
        )
        started = time.monotonic()
        assert stalled.recv(1024) == b""  # closed by the server, no answer
        assert time.monotonic() - started < 8
    assert requests.get(f"{local_api.url}/nope", timeout=30).status_code == 404  # still serving


def test_wrong_credentials_go_through_the_authorizer_to_the_function(local_api: LocalApi) -> None:
    response = requests.get(f"{local_api.url}/authorizations", auth=("nobody", "wrong"), timeout=30)
    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"


def test_a_user_creates_and_lists_a_token(local_api: LocalApi, tmp_path: Path) -> None:
    Accounts(Repository(TABLE, embedded_dynamodb.client(local_api.endpoint))).create_user(
        "local-octocat", PASSWORD
    )
    auth = ("local-octocat", PASSWORD)
    created = requests.post(
        f"{local_api.url}/authorizations",
        json={"scopes": ["repo"], "note": "local api"},
        auth=auth,
        timeout=30,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["url"] == f"{local_api.url}/authorizations/{body['id']}"
    assert created.headers["Location"] == body["url"]
    assert body["token"].startswith("ghp_")
    listed = requests.get(f"{local_api.url}/authorizations", auth=auth, timeout=30)
    assert listed.status_code == 200
    assert [found["id"] for found in listed.json()] == [body["id"]]
    # and the store journaled it
    assert local_api.store is not None
    journal = local_api.store.journal_path
    tables = {
        json.loads(request_body).get("TableName") for _, request_body in read_journal(journal) if request_body
    }
    assert TABLE in tables


def test_a_percent_encoded_fingerprint_is_read_decoded(local_api: LocalApi) -> None:
    """The gateway passes pathParameters as sent (`my%20laptop%2Fhome`), as API Gateway does, and the handler
    decodes them: the fingerprint is `my laptop/home` however the client encoded it. Seen to fail while the
    handlers read pathParameters as they came (the fingerprint was stored still encoded)."""
    accounts = Accounts(Repository(TABLE, embedded_dynamodb.client(local_api.endpoint)))
    accounts.create_user("fingerprint-octocat", PASSWORD)
    app = accounts.create_app("Fingerprint App", "https://app.example.com")
    url = f"{local_api.url}/authorizations/clients/{app.app.client_id}"
    body = {"client_secret": app.client_secret, "scopes": ["repo"]}
    auth = ("fingerprint-octocat", PASSWORD)

    created = requests.put(f"{url}/my%20laptop%2Fhome", json=body, auth=auth, timeout=30)
    again = requests.put(f"{url}/my%20laptop%2fhome", json=body, auth=auth, timeout=30)

    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["fingerprint"] == again.json()["fingerprint"] == "my laptop/home"
    assert again.json()["id"] == created.json()["id"]


def test_concurrent_creates_each_get_their_own_answer(local_api: LocalApi) -> None:
    """Powertools keeps the current event and the correlation id process-wide: instances of a function
    must not share a process, or concurrent requests read each other's events."""
    login = "concurrent-octocat"
    Accounts(Repository(TABLE, embedded_dynamodb.client(local_api.endpoint))).create_user(login, PASSWORD)

    def create(index: int) -> tuple[int, dict[str, object]]:
        response = requests.post(
            f"{local_api.url}/authorizations",
            json={"note": f"x-{index}", "scopes": ["repo"]},
            auth=(login, PASSWORD),
            timeout=60,
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(create, range(48)))
    assert [status for status, _ in answers] == [201] * 48
    assert [body["note"] for _, body in answers] == [f"x-{index}" for index in range(48)]
    assert len({body["id"] for _, body in answers}) == 48
    workers = local_api.gateway.worker_pids()
    assert len(workers["CreateAuthorizationFunction"]) >= 2
    assert os.getpid() not in workers["CreateAuthorizationFunction"] + workers["AuthorizerFunction"]


def test_prewarmed_workers_are_gone_after_stop(tmp_path: Path) -> None:
    started = time.monotonic()
    api = start_local_api(port=0, data_dir=tmp_path, table=TABLE, prewarm=["AuthorizerFunction"])
    try:
        assert time.monotonic() - started < 60
        workers = api.gateway.worker_pids()
        assert len(workers["AuthorizerFunction"]) == 1
        assert [pid for name, pids in workers.items() if name != "AuthorizerFunction" for pid in pids] == []
        response = requests.get(f"{api.url}/authorizations", auth=("nobody", "wrong"), timeout=30)
        assert response.status_code == 401
        pids = [pid for found in api.gateway.worker_pids().values() for pid in found]
        assert len(pids) == 2  # the authorizer and ListAuthorizationsFunction
    finally:
        api.stop()
    assert all(found == [] for found in api.gateway.worker_pids().values())
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_prewarm_names_must_be_functions_of_the_template(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NoSuchFunction"):
        start_local_api(port=0, data_dir=tmp_path, table=TABLE, prewarm=["NoSuchFunction"])
