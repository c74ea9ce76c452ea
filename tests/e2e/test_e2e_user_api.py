"""The token-authenticated user API over HTTP, as users run it (issue 14): PyGithub, github3.py and curl
against the local API, at the root and in GitHub Enterprise's `/api/v3` layout; hostile Authorization headers;
a token revoked while 50 clients call `GET /user`. Users: vera (and lara for the revocation race)."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import github
import github3
import pytest

from tests.support.e2e import Client, Secrets, Server, User
from tests.support.schemas import USERS_REFERENCE, assert_matches_response

LAYOUTS = ["", "/api/v3"]


@pytest.fixture(scope="module")
def vera_token(vera: User, cli: Any, secrets: Secrets) -> str:
    result = cli("users", "update", "vera", "--name", "Vera Rubin", "--email", "vera@example.com", "--json")
    assert result.returncode == 0, result.stderr
    assert result.json()["email"] == "vera@example.com"
    created = vera.client.post("/authorizations", {"note": "user api", "scopes": ["user", "repo"]})
    assert created.status_code == 201, created.text
    token: str = created.json()["token"]
    secrets.add(token)
    return token


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pygithub_gets_the_user_and_their_emails(server: Server, vera_token: str, layout: str) -> None:
    client = github.Github(auth=github.Auth.Token(vera_token), base_url=server.url + layout)

    me = client.get_user()
    assert (me.login, me.name, me.email) == ("vera", "Vera Rubin", "vera@example.com")
    assert me.url == f"{server.url}{layout}/users/vera"
    emails = me.get_emails()
    assert [(e.email, e.primary, e.verified) for e in emails] == [("vera@example.com", True, True)]
    assert sorted(me.raw_headers["x-oauth-scopes"].split(", ")) == ["repo", "user"]


def test_github3_me_at_the_root_and_as_an_enterprise_host(server: Server, vera_token: str) -> None:
    root = github3.GitHub(token=vera_token)
    root.session.base_url = server.url
    assert root.me().login == "vera"

    enterprise = github3.GitHubEnterprise(server.url, token=vera_token)
    me = enterprise.me()
    assert (me.login, me.name) == ("vera", "Vera Rubin")
    assert me._api == f"{server.url}/api/v3/users/vera"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_headers_with_curl(server: Server, vera_token: str, layout: str) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    answer = subprocess.run(  # noqa: S603 - our own arguments
        [curl, "-sS", "-i", "-H", f"Authorization: token {vera_token}", f"{server.url}{layout}/user"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    head = answer.stdout.replace("\r\n", "\n").split("\n\n", 1)[0].lower()
    assert head.startswith("http/1.1 200")
    for line in ("status: 200 ok", "x-oauth-scopes: repo, user", "x-accepted-oauth-scopes: ",
                 "cache-control: private, max-age=60, s-maxage=60",
                 "vary: accept, authorization, x-github-otp", "x-github-request-id: "):  # fmt: skip
        assert "\n" + line in head, line


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_api_root_and_schemas(anonymous: Client, vera_token: str, layout: str) -> None:
    root = anonymous.get(f"{layout}/")
    assert root.status_code == 200
    assert_matches_response(root.json(), "/", "get", 200, USERS_REFERENCE)
    assert root.json()["current_user_url"] == f"{anonymous.base_url}{layout}/user"
    assert root.headers["Status"] == "200 OK"

    me = anonymous.get(f"{layout}/user", headers={"Authorization": f"Bearer {vera_token}"}, auth=None)
    assert_matches_response(me.json(), "/user", "get", 200, USERS_REFERENCE)


def test_pages_are_not_under_api_v3_and_the_api_needs_credentials(anonymous: Client) -> None:
    assert anonymous.get("/api/v3/user").status_code == 401
    assert anonymous.get("/api/v3/nothing-here").status_code == 404
    assert anonymous.get("/api/v3/api/v3/user").status_code == 404


# hostile input ----------------------------------------------------------------------------------------------


def _raw(server: Server, headers: list[tuple[str, str]], path: str = "/user") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest("GET", path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()  # all of it: a close with unread data would reset the connection
        return response.status
    finally:
        connection.close()


def test_hostile_authorization_headers_are_401_or_403_never_5xx(server: Server, vera_token: str) -> None:
    flipped = vera_token[:-1] + ("A" if vera_token[-1] != "A" else "B")
    shapes = [
        f"token {flipped}", f"token {vera_token[:-1]}", f"token {vera_token}x", "token ", "token",
        f"tOkEn {'x' * 4000}", f"Bearer {'ghp_' * 2000}", f"bEaReR {vera_token[:4]}",
        "token ghp_\u00e9\u00e9",
        f"token  {vera_token}  extra", "Basic", "Basic !!!", "Digest abc", f"token {vera_token.upper()}",
    ]  # fmt: skip
    for shape in shapes:
        for path in ("/user", "/api/v3/user/emails", "/authorizations"):
            status = _raw(server, [("Authorization", shape.encode("utf-8").decode("latin-1"))], path)
            assert status in (401, 403), (shape[:40], path, status)
    # the same header twice: API Gateway passes the last one on; never a 5xx
    twice = _raw(server, [("Authorization", f"token {flipped}"), ("Authorization", f"token {vera_token}")])
    assert twice in (200, 401, 403)
    assert _raw(server, [("Authorization", f"token {vera_token}"), ("Authorization", "token nope")]) in (
        401,
        403,
    )


# reliability ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_token_revoked_during_50_parallel_clients_is_refused_after_the_revocation(
    lara: User, anonymous: Client, secrets: Secrets
) -> None:
    created = lara.client.post("/authorizations", {"note": "race", "scopes": ["user"]})
    token, auth_id = created.json()["token"], created.json()["id"]
    secrets.add(token)
    revoked_at: list[float] = []
    stop = threading.Event()
    late_successes: list[float] = []
    counts = {"ok": 0, "refused": 0, "other": 0}
    lock = threading.Lock()

    def hammer() -> None:
        client = anonymous.as_(None)
        while not stop.is_set():
            started = time.monotonic()
            answer = client.get("/user", headers={"Authorization": f"token {token}"}, auth=None)
            with lock:
                if answer.status_code == 200:
                    counts["ok"] += 1
                    if revoked_at and started > revoked_at[0]:
                        late_successes.append(started - revoked_at[0])
                elif answer.status_code == 401:
                    counts["refused"] += 1
                else:
                    counts["other"] += 1

    with ThreadPoolExecutor(max_workers=50) as pool:
        for _ in range(50):
            pool.submit(hammer)
        time.sleep(2.0)
        assert lara.client.delete(f"/authorizations/{auth_id}").status_code == 204
        revoked_at.append(time.monotonic())
        time.sleep(2.0)
        stop.set()

    assert counts["ok"] > 0 and counts["refused"] > 0 and counts["other"] == 0, counts
    assert late_successes == [], f"{len(late_successes)} requests started after the revocation got 200"
