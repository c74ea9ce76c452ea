"""Concurrent requests: each gets its own answer, and concurrent get-or-create calls for one key create one.

Users: conny, and bob's personal token (bob has no other personal token named "concurrency ...").
The races of issue 6 with 50 clients (get-or-create, notes, delete grant, reset) are in test_e2e_races.py
(`long`: `make reliability`); this is the quick version that runs with every `make test`.
"""

from __future__ import annotations

import secrets as random_secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.support.e2e import App, User, sha256

WORKERS = 8


def test_concurrent_get_or_create_for_one_key_creates_one(conny: User, alpha: App) -> None:
    fingerprint = "race-" + random_secrets.token_hex(4)
    path = f"/authorizations/clients/{alpha.client_id}/{fingerprint}"

    def put(_: int) -> requests.Response:
        return conny.client.put(path, {"client_secret": alpha.client_secret, "scopes": ["repo"]})

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(pool.map(put, range(WORKERS)))
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] * (WORKERS - 1) + [201], [(r.status_code, r.text[:200]) for r in answers]
    bodies = [response.json() for response in answers]
    assert {body["id"] for body in bodies} == {bodies[0]["id"]}
    assert {body["fingerprint"] for body in bodies} == {fingerprint}
    [winner] = [body for body in bodies if body["token"]]
    assert all(body["token"] == "" for body in bodies if body is not winner)
    listed = conny.client.get(
        "/authorizations", params={"client_id": alpha.client_id, "per_page": "100"}
    ).json()
    assert [item["id"] for item in listed if item["fingerprint"] == fingerprint] == [winner["id"]]


def test_concurrent_checks_by_two_apps_each_get_their_own_answer(conny: User, alpha: App, beta: App) -> None:
    issued: dict[str, dict[str, Any]] = {}
    for app in (alpha, beta):
        response = conny.client.put(
            f"/authorizations/clients/{app.client_id}/mixed-{random_secrets.token_hex(3)}",
            {"client_secret": app.client_secret},
        )
        assert response.status_code == 201, response.text
        issued[app.client_id] = response.json()
    calls = [(app, form) for _ in range(10) for app in (alpha, beta) for form in ("path", "body")]

    def check(call: tuple[App, str]) -> tuple[App, requests.Response]:
        app, form = call
        token = issued[app.client_id]["token"]
        if form == "path":
            return app, app.client.get(f"/applications/{app.client_id}/tokens/{token}")
        return app, app.client.post(f"/applications/{app.client_id}/token", {"access_token": token})

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(pool.map(check, calls))
    wrong = [
        (app.name, response.status_code, response.text[:200])
        for app, response in answers
        if response.status_code != 200
        or response.json()["hashed_token"] != sha256(issued[app.client_id]["token"])
        or response.json()["app"]["client_id"] != app.client_id
    ]
    assert not wrong, f"{len(wrong)} of {len(answers)} answers were someone else's: {wrong[:3]}"


def test_concurrent_users_each_see_their_own(conny: User, bob: User) -> None:
    mine: dict[str, int] = {}
    for user in (conny, bob):
        response = user.client.post("/authorizations", {"note": f"concurrency {random_secrets.token_hex(4)}"})
        assert response.status_code == 201, response.text
        mine[user.login] = response.json()["id"]
    calls = [(user, other) for _ in range(4) for user, other in ((conny, bob), (bob, conny))]

    def read(call: tuple[User, User]) -> tuple[int, int, int, int]:
        user, other = call
        own = user.client.get(f"/authorizations/{mine[user.login]}")
        theirs = user.client.get(f"/authorizations/{mine[other.login]}")
        return own.status_code, own.json().get("id", 0), theirs.status_code, mine[user.login]

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(pool.map(read, calls))
    assert [(own, got, theirs) for own, got, theirs, _ in answers] == [
        (200, expected, 404) for _, _, _, expected in answers
    ]
