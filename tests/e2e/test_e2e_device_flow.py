"""The device flow and the refresh grant over HTTP against the local API (SPEC section 10).

- every answer of section 10 (`POST /login/device/code` and the polls and refreshes on `POST /login/oauth/
  access_token`) in all three formats: form-encoded (no Accept), JSON and XML;
- a plain polling client that keeps to the interval it is given: it never sees `slow_down`;
- reliability: 50 parallel polls after the user approved give exactly one token; 50 parallel refreshes with
  one refresh token give one new pair, the others `bad_refresh_token`, the winner's pair intact; the server's
  whole table keeps its invariants after each.

Apps are registered, and users answer, on the server's own store (`approve`/`deny`, as the device page calls
them; the page and a real browser have tests of their own).
"""

from __future__ import annotations

import secrets as random_secrets
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - our own server's answers
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests

from oauth_authz import clock, tokens
from oauth_authz.models.domain import DeviceRequest
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.authorizations import AuthorizationService
from oauth_authz.service.device_flow import DEVICE_CODE_GRANT, DeviceFlow
from oauth_authz.settings import Settings
from oauth_authz.store.device_codes import DeviceCodes
from oauth_authz.store.repository import Repository
from tests.support.e2e import Server
from tests.support.e2e_auth import TABLE, table_items
from tests.support.invariants import assert_invariants
from tests.support.workload import make_accounts, store_repository

FORMATS = {"form": None, "json": "application/json", "xml": "application/xml"}
CLIENTS = 50
DEVICE_DOCS = "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow"


class World:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.repository: Repository = store_repository(server)
        settings = Settings(table_name=TABLE)
        self.flow = DeviceFlow(self.repository, settings, AuthorizationService(self.repository, settings))
        (account,), _ = make_accounts(server, 1)
        user = self.repository.get_user(account.login)
        assert user is not None
        self.user = user

    def app(self, device_flow: bool = True, expiring: bool = False) -> tuple[str, str]:
        created = Accounts(self.repository).create_app(
            "Device E2E", "https://device.example.com", device_flow=device_flow, expiring_tokens=expiring
        )
        return created.app.client_id, created.client_secret


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    return World(server)


def answer_of(response: requests.Response, kind: str) -> dict[str, str]:
    """The fields of an OAuth answer in `kind`'s format, checking its Content-Type; numbers as text."""
    content_type = response.headers["Content-Type"]
    if kind == "json":
        assert content_type == "application/json; charset=utf-8"
        return {k: str(v) for k, v in response.json().items()}
    if kind == "xml":
        assert content_type == "application/xml; charset=utf-8"
        root = ET.fromstring(response.text)  # noqa: S314 - our own server's answer
        assert root.tag == "OAuth"
        return {child.tag: child.text or "" for child in root}
    assert content_type == "application/x-www-form-urlencoded; charset=utf-8"
    return dict(parse_qsl(response.text, keep_blank_values=True))


def post(server: Server, path: str, form: dict[str, str], kind: str = "json") -> requests.Response:
    accept = FORMATS[kind]
    headers = {"Accept": accept} if accept else {}
    return requests.post(f"{server.url}{path}", data=form, headers=headers, timeout=30)


def request_codes(world: World, client_id: str, kind: str = "json", scope: str = "repo") -> dict[str, str]:
    response = post(world.server, "/login/device/code", {"client_id": client_id, "scope": scope}, kind)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return answer_of(response, kind)


def poll(world: World, client_id: str, device_code: str, kind: str = "json") -> dict[str, str]:
    form = {"client_id": client_id, "device_code": device_code, "grant_type": DEVICE_CODE_GRANT}
    response = post(world.server, "/login/oauth/access_token", form, kind)
    assert response.status_code == 200, response.text
    return answer_of(response, kind)


def error(code: str, description: str, uri: str = DEVICE_DOCS, **more: str) -> dict[str, str]:
    return {"error": code, "error_description": description, "error_uri": uri, **more}


@pytest.mark.parametrize("kind", list(FORMATS))
def test_the_codes_in_each_format(world: World, kind: str) -> None:
    client_id, _ = world.app()

    codes = request_codes(world, client_id, kind)

    assert set(codes) == {"device_code", "user_code", "verification_uri", "expires_in", "interval"}
    assert codes["verification_uri"] == f"{world.server.url}/login/device"
    assert (codes["expires_in"], codes["interval"]) == ("900", "5")
    assert len(codes["device_code"]) == 40 and len(codes["user_code"]) == 9


def test_the_codes_json_has_numbers(world: World) -> None:
    client_id, _ = world.app()
    response = post(world.server, "/login/device/code", {"client_id": client_id}, "json")
    body = response.json()
    assert list(body) == ["device_code", "user_code", "verification_uri", "expires_in", "interval"]
    assert (body["expires_in"], body["interval"]) == (900, 5)


def test_the_verification_uri_follows_the_layout(world: World) -> None:
    """Under the GitHub Enterprise layout the OAuth endpoints stay at /login (never under /api/v3)."""
    client_id, _ = world.app()
    response = requests.post(
        f"{world.server.url}/login/device/code",
        data={"client_id": client_id},
        headers={"Accept": "application/json", "Host": "ghe.example.com"},
        timeout=30,
    )
    # the gateway sets X-Forwarded-Proto itself (http here, https on AWS), as API Gateway does
    assert response.json()["verification_uri"] == "http://ghe.example.com/login/device"


@pytest.mark.parametrize("kind", list(FORMATS))
def test_every_error_of_section_10_in_each_format(world: World, kind: str) -> None:
    server = world.server
    client_id, client_secret = world.app()
    disabled_id, _ = world.app(device_flow=False)
    bad_client = error(
        "incorrect_client_credentials",
        "The client_id and/or client_secret passed are incorrect.",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
        "#incorrect-client-credentials",
    )

    disabled = post(server, "/login/device/code", {"client_id": disabled_id}, kind)
    assert disabled.status_code == 400
    assert answer_of(disabled, kind) == error(
        "device_flow_disabled",
        "Device Flow must be explicitly enabled for this App",
        "https://docs.github.com/developers/apps/building-oauth-apps/authorizing-oauth-apps#device-flow",
    )
    unknown = post(server, "/login/device/code", {"client_id": "0" * 20}, kind)
    assert (unknown.status_code, answer_of(unknown, kind)) == (400, bad_client)

    codes = request_codes(world, client_id, kind)
    device_code = codes["device_code"]
    assert poll(world, client_id, device_code, kind) == error(
        "authorization_pending", "The authorization request is still pending."
    )
    assert poll(world, client_id, device_code, kind) == error(
        "slow_down", "Too many requests have been made in the same timeframe.", interval="10"
    )
    assert poll(world, client_id, "0" * 40, kind) == error(
        "incorrect_device_code", "The device_code provided is not valid."
    )
    assert poll(world, "0" * 20, device_code, kind) == bad_client
    unsupported = post(
        server, "/login/oauth/access_token", {"client_id": client_id, "grant_type": "urn:x:nonsense"}, kind
    )
    assert answer_of(unsupported, kind) == error(
        "unsupported_grant_type",
        "The grant type must be authorization_code.",
        "https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
    )

    denied = request_codes(world, client_id, kind)
    world.flow.deny(denied["user_code"], world.user.id, world.user.login)
    assert poll(world, client_id, denied["device_code"], kind) == error(
        "access_denied", "The authorization request was denied."
    )

    expired_code = random_secrets.token_hex(20)
    moment = clock.now() - timedelta(seconds=901)
    DeviceCodes(world.repository.table).create(
        DeviceRequest(
            hashed_device_code=tokens.hash_token(expired_code),
            hashed_user_code=tokens.hash_token(random_secrets.token_hex(8)),
            client_id=client_id,
            app_name="Device E2E",
            app_url="https://device.example.com",
            scopes=[],
            offline=False,
            created_at=moment,
            expires_at=moment + timedelta(seconds=900),
            interval=5,
        )
    )
    assert poll(world, client_id, expired_code, kind) == error(
        "expired_token", "The `device_code` has expired."
    )

    refreshed = post(
        server,
        "/login/oauth/access_token",
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": tokens.new_token(tokens.TokenKind.REFRESH),
        },
        kind,
    )
    assert answer_of(refreshed, kind) == error(
        "bad_refresh_token",
        "The refresh token passed is incorrect or expired.",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/"
        "#bad-verification-code",
    )
    assert_invariants(table_items(server))


@pytest.mark.parametrize("kind", list(FORMATS))
def test_the_token_and_the_refresh_in_each_format(world: World, kind: str) -> None:
    client_id, _ = world.app(expiring=True)
    codes = request_codes(world, client_id, kind, scope="repo gist")
    world.flow.approve(codes["user_code"], world.user.id, world.user.login)

    token = poll(world, client_id, codes["device_code"], kind)

    assert set(token) == {
        "access_token",
        "token_type",
        "scope",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    }
    assert (token["token_type"], token["scope"]) == ("bearer", "repo,gist")
    assert (token["expires_in"], token["refresh_token_expires_in"]) == ("28800", "15897600")
    assert token["access_token"].startswith("gho_") and token["refresh_token"].startswith("ghr_")

    # a device has no client secret: the refresh needs none
    form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": token["refresh_token"]}
    renewed = answer_of(post(world.server, "/login/oauth/access_token", form, kind), kind)
    assert renewed["scope"] == "repo,gist" and renewed["refresh_token"] != token["refresh_token"]
    assert world.repository.get_by_token(tokens.hash_token(token["access_token"])) is None
    assert world.repository.get_by_token(tokens.hash_token(renewed["access_token"])) is not None


def test_a_polling_client_that_keeps_the_interval_never_sees_slow_down(world: World) -> None:
    """A plain client: waits `interval` seconds between polls, as RFC 8628 asks (real time)."""
    client_id, _ = world.app()
    codes = request_codes(world, client_id)
    seen: list[str] = []
    timer = threading.Timer(6, world.flow.approve, (codes["user_code"], world.user.id, world.user.login))
    timer.start()
    interval = int(codes["interval"])
    deadline = time.monotonic() + int(codes["expires_in"])
    try:
        while time.monotonic() < deadline:
            answer = poll(world, client_id, codes["device_code"])
            if "access_token" in answer:
                break
            seen.append(answer["error"])
            if answer["error"] == "slow_down":
                interval = int(answer["interval"])
            time.sleep(interval)
    finally:
        timer.cancel()
    assert "access_token" in answer
    assert seen and set(seen) == {"authorization_pending"}


def test_fifty_parallel_polls_after_approval_give_exactly_one_token(world: World) -> None:
    """Seen red with the spend's `attribute_not_exists(issued_auth_id)` and the poll's `next_poll` condition
    removed: several polls each got a token."""
    client_id, _ = world.app()
    codes = request_codes(world, client_id)
    world.flow.approve(codes["user_code"], world.user.id, world.user.login)
    barrier = threading.Barrier(CLIENTS)
    sessions = [requests.Session() for _ in range(CLIENTS)]
    form = {"client_id": client_id, "device_code": codes["device_code"], "grant_type": DEVICE_CODE_GRANT}

    def one(i: int) -> dict[str, Any]:
        barrier.wait(timeout=60)
        response = sessions[i].post(
            f"{world.server.url}/login/oauth/access_token",
            data=form,
            headers={"Accept": "application/json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(one, range(CLIENTS)))

    issued = [a["access_token"] for a in answers if "access_token" in a]
    assert len(issued) == 1, answers
    assert {a["error"] for a in answers if "error" in a} <= {"slow_down", "incorrect_device_code"}
    assert world.repository.get_by_token(tokens.hash_token(issued[0])) is not None
    assert_invariants(table_items(world.server))


def test_fifty_parallel_refreshes_give_one_pair_and_revoke_nothing(world: World) -> None:
    """A race (within 10 s of the spending), not a replay: the winner's pair stays good. Seen red with the
    race window at 0 (the losers, taken for replays, revoked the winner's pair)."""
    client_id, client_secret = world.app(expiring=True)
    codes = request_codes(world, client_id)
    world.flow.approve(codes["user_code"], world.user.id, world.user.login)
    token = poll(world, client_id, codes["device_code"])
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": token["refresh_token"],
    }
    barrier = threading.Barrier(CLIENTS)
    sessions = [requests.Session() for _ in range(CLIENTS)]

    def one(i: int) -> dict[str, Any]:
        barrier.wait(timeout=60)
        response = sessions[i].post(
            f"{world.server.url}/login/oauth/access_token",
            data=form,
            headers={"Accept": "application/json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(one, range(CLIENTS)))

    pairs = [a for a in answers if "access_token" in a]
    assert len(pairs) == 1, answers
    assert [a["error"] for a in answers if "error" in a] == ["bad_refresh_token"] * (CLIENTS - 1)
    winner = pairs[0]
    assert world.repository.get_by_token(tokens.hash_token(winner["access_token"])) is not None
    again = post(
        world.server, "/login/oauth/access_token", {**form, "refresh_token": winner["refresh_token"]}
    )
    assert "access_token" in again.json()
    assert_invariants(table_items(world.server))
