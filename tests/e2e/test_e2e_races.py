"""Races over HTTP against the local API, with real parallel clients (issue 6, part 1).

- 50 concurrent get-or-create calls for one (user, client_id, fingerprint): one 201, 49 200, one id;
- 50 concurrent personal-token creates with one note: one 201, 49 422 `already_exists`;
- delete-grant racing token creation for the same app: afterwards a token checks as valid only if its creation
  was answered after the delete was, every token created before the delete answered is dead, and the grant
  list agrees with the live tokens;
- reset racing check and revoke on one token: no token of the chain is ever seen valid after a later token
  was, none after the revoke answered, at most one at the end; and snapshots of the store taken throughout
  never hold two token items of the authorization.

They are `long` (`make reliability`, or `pytest --long`): each is hundreds of requests, most of them a
password check. After each race the server's whole table is scanned and every invariant of SPEC section 4
is checked.

Users and app are the module's own, written into the session server's store with a low-cost password hash
(`tests/support/workload.py`): with the product's argon2 cost the password checks would space the requests
out and the races would hardly race. rita: get-or-create, notes, reset; reese: the delete-grant race.
"""

from __future__ import annotations

import random
import secrets as random_secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import pytest
import requests

from tests.support.e2e import App, Client, Secrets, Server, User, assert_validation_failed, sha256
from tests.support.e2e_auth import TABLE, table_items
from tests.support.invariants import assert_invariants
from tests.support.reliability import ReliabilityReport
from tests.support.workload import make_accounts, store_repository

pytestmark = [pytest.mark.reliability, pytest.mark.long]

CLIENTS = 50
T = TypeVar("T")


@pytest.fixture(scope="module")
def racers(server: Server, secrets: Secrets) -> Iterator[tuple[User, User, App]]:
    accounts, app = make_accounts(server, 2)
    rita, reese = (
        User(a.login, a.password, 0, Client(server.url, secrets, (a.login, a.password))) for a in accounts
    )
    client = Client(server.url, secrets, (app.client_id, app.client_secret))
    secrets.add(app.client_secret)
    for user in (rita, reese):  # open every thread's connection for this user
        warm = all_at_once(CLIENTS, lambda _, user=user: user.client.get("/authorizations"))
        assert {response.status_code for response in warm} == {200}, summary(warm)
    yield rita, reese, App(app.client_id, app.client_secret, "Load App", "https://load.example.com", client)
    POOL.shutdown()


@pytest.fixture(scope="module")
def rita(racers: tuple[User, User, App]) -> User:
    return racers[0]


@pytest.fixture(scope="module")
def reese(racers: tuple[User, User, App]) -> User:
    return racers[1]


@pytest.fixture(scope="module")
def race_app(racers: tuple[User, User, App]) -> App:
    return racers[2]


# One pool for the module: its threads, and their HTTP sessions (one per thread and client), are reused, so
# that a race is not spread out by 50 TCP handshakes.
POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="racer")


def all_at_once(count: int, call: Callable[[int], T]) -> list[T]:
    """`call(i)` for i in range(count), from `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait(timeout=60)
        return call(i)

    return list(POOL.map(run, range(count)))


def summary(answers: list[requests.Response]) -> list[tuple[int, str]]:
    return [(response.status_code, response.text[:120]) for response in answers]


ROUNDS_OF_50 = 3  # each a fresh key: a race that happens not to interleave once gets two more chances


@pytest.mark.parametrize("round_", range(ROUNDS_OF_50))
def test_50_concurrent_get_or_create_calls_create_one(
    server: Server, rita: User, race_app: App, reliability_report: ReliabilityReport, round_: int
) -> None:
    fingerprint = "race-" + random_secrets.token_hex(4)
    path = f"/authorizations/clients/{race_app.client_id}/{fingerprint}"
    # The grant exists already (the warm-up made it): the racers only join it, so nothing but the fingerprint
    # claim keeps them apart.
    # Warm instances of the authorizer and the function (8 each), so that the 50 calls meet at once.
    warm = all_at_once(
        16, lambda i: rita.client.put(f"{path}-warm-{i}", {"client_secret": race_app.client_secret})
    )
    assert {response.status_code for response in warm} == {201}, summary(warm)

    answers = all_at_once(CLIENTS, lambda _: rita.client.put(path, {"client_secret": race_app.client_secret}))

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] * (CLIENTS - 1) + [201], summary(answers)
    bodies = [response.json() for response in answers]
    assert len({body["id"] for body in bodies}) == 1
    assert sum(1 for body in bodies if body["token"]) == 1
    listed = rita.client.get("/authorizations", params={"client_id": race_app.client_id, "per_page": "100"})
    assert [a["id"] for a in listed.json() if a["fingerprint"] == fingerprint] == [bodies[0]["id"]]
    assert_invariants(table_items(server))
    reliability_report.add("races: 50 concurrent get-or-create, one key", requests=CLIENTS + 1)


@pytest.mark.parametrize("round_", range(ROUNDS_OF_50))
def test_50_concurrent_creates_with_one_note_create_one(
    server: Server, rita: User, reliability_report: ReliabilityReport, round_: int
) -> None:
    note = "race note " + random_secrets.token_hex(4)

    answers = all_at_once(CLIENTS, lambda _: rita.client.post("/authorizations", {"note": note}))

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201] + [422] * (CLIENTS - 1), summary(answers)
    for response in answers:
        if response.status_code == 422:
            assert_validation_failed(response, ("description", "already_exists"))
    listed = rita.client.get("/authorizations", params={"per_page": "100"}).json()
    assert [a["note"] for a in listed].count(note) == 1
    assert_invariants(table_items(server))
    reliability_report.add("races: 50 concurrent personal creates, one note", requests=CLIENTS + 1)


# ------------------------------------------------------------------------------ delete grant vs create


@dataclass(frozen=True)
class Created:
    token: str
    scopes: list[str]
    sent: float
    answered: float


def check(app: App, token: str) -> requests.Response:
    return app.client.post(f"/applications/{app.client_id}/token", {"access_token": token})


ROUNDS = 3
CREATORS = 6
CREATES_EACH = 2


def test_delete_grant_racing_token_creation(
    server: Server, reese: User, race_app: App, reliability_report: ReliabilityReport
) -> None:
    created: list[Created] = []
    requests_sent = 0
    for round_ in range(ROUNDS):
        for i in range(4):  # the grant to delete, with tokens of its own
            response = reese.client.put(
                f"/authorizations/clients/{race_app.client_id}/before-{round_}-{i}",
                {"client_secret": race_app.client_secret, "scopes": ["repo"]},
            )
            assert response.status_code == 201, response.text
            created.append(Created(response.json()["token"], ["repo"], 0.0, time.monotonic()))
        (grant,) = reese.client.get("/applications/grants", params={"client_id": race_app.client_id}).json()
        delete_answered: list[float] = []

        def work(
            i: int,
            round_: int = round_,
            grant_id: int = grant["id"],
            delete_answered: list[float] = delete_answered,
        ) -> list[Created]:
            if i == 0:
                time.sleep(random.uniform(0, 0.3))
                response = reese.client.delete(f"/applications/grants/{grant_id}")
                assert response.status_code == 204, response.text
                delete_answered.append(time.monotonic())
                return []
            mine = []
            for n in range(CREATES_EACH):
                scopes = [random.choice(["repo", "user", "gist"])]
                sent = time.monotonic()
                response = reese.client.put(
                    f"/authorizations/clients/{race_app.client_id}/race-{round_}-{i}-{n}",
                    {"client_secret": race_app.client_secret, "scopes": scopes},
                )
                assert response.status_code == 201, response.text
                mine.append(Created(response.json()["token"], scopes, sent, time.monotonic()))
            return mine

        this_round = [item for mine in all_at_once(CREATORS + 1, work) for item in mine]
        created += this_round
        (deleted_at,) = delete_answered
        for item in created:
            status = check(race_app, item.token).status_code
            if item.answered < deleted_at:  # created before the delete answered: gone with the grant
                assert status == 404, (item, deleted_at)
            elif item in this_round and item.sent > deleted_at:  # created after it: alive
                assert status == 200, (item, deleted_at)
        requests_sent += 6 + CREATORS * CREATES_EACH + len(created)

    live = [item for item in created if check(race_app, item.token).status_code == 200]
    requests_sent += len(created) + 2
    assert all(item.answered > deleted_at for item in live)
    grants = reese.client.get("/applications/grants", params={"client_id": race_app.client_id}).json()
    if live:
        (grant,) = grants
        assert grant["scopes"] == sorted({scope for item in live for scope in item.scopes}), (grant, live)
    else:
        assert grants == []
    listed = reese.client.get("/authorizations", params={"client_id": race_app.client_id, "per_page": "100"})
    assert sorted(a["hashed_token"] for a in listed.json()) == sorted(sha256(item.token) for item in live)
    assert_invariants(table_items(server))
    reliability_report.add("races: delete grant vs token creation", requests=requests_sent)


# ---------------------------------------------------------------------------- reset vs check and revoke


@dataclass(frozen=True)
class Seen:
    index: int  # position of the token in the reset chain
    start: float
    end: float
    valid: bool


def test_reset_racing_check_and_revoke(
    server: Server, rita: User, race_app: App, reliability_report: ReliabilityReport
) -> None:
    response = rita.client.put(
        f"/authorizations/clients/{race_app.client_id}/reset-race-{random_secrets.token_hex(3)}",
        {"client_secret": race_app.client_secret},
    )
    assert response.status_code == 201, response.text
    chain = [response.json()["token"]]
    born = [time.monotonic()]  # when each token's creating answer arrived
    seen: list[Seen] = []
    revoked: list[tuple[int, float, int]] = []  # (index revoked, answered at, status)
    lock = threading.Lock()
    app_path = f"/applications/{race_app.client_id}/tokens/"
    assert race_app.client.get(app_path + chain[0]).status_code == 200  # warm: the race measures the server
    stop = time.monotonic() + 8

    def resetter() -> int:
        sent = 0
        while time.monotonic() < stop and not revoked:
            with lock:
                index = len(chain) - 1
                token = chain[index]
            answer = race_app.client.post(app_path + token)
            sent += 1
            if answer.status_code == 200:
                with lock:
                    assert index == len(chain) - 1, "two resets of one token both succeeded"
                    chain.append(answer.json()["token"])
                    born.append(time.monotonic())
            else:
                assert answer.status_code == 404, answer.text
        return sent

    def checker() -> int:
        sent = 0
        while time.monotonic() < stop:
            with lock:
                index = random.randrange(len(chain))
                token = chain[index]
            start = time.monotonic()
            answer = race_app.client.get(app_path + token)
            assert answer.status_code in (200, 404), answer.text
            seen.append(Seen(index, start, time.monotonic(), answer.status_code == 200))
            sent += 1
        return sent

    def revoker() -> int:
        time.sleep(5)
        with lock:
            index = len(chain) - 1
            token = chain[index]
        answer = race_app.client.delete(app_path + token)
        assert answer.status_code in (204, 404), answer.text
        revoked.append((index, time.monotonic(), answer.status_code))
        return 1

    auth_id = response.json()["id"]
    token_items: list[int] = []  # how many token items of the authorization each snapshot held

    def watcher() -> int:
        """Snapshots of the store (each Scan runs under the embedded store's one lock: a single moment):
        the moments no client can see, between a reset's write and its answer, are checked too."""
        store = store_repository(server)
        while time.monotonic() < stop:
            found = store.table.client.scan(
                TableName=TABLE,
                FilterExpression="#type = :token AND id = :id",
                ExpressionAttributeNames={"#type": "Type"},
                ExpressionAttributeValues={":token": {"S": "Token"}, ":id": {"N": str(auth_id)}},
                ConsistentRead=True,
            )
            assert "LastEvaluatedKey" not in found, "the table outgrew one scan page"
            token_items.append(len(found["Items"]))
            time.sleep(0.005)  # each scan holds the store's lock: leave room for the requests
        return 0

    roles = [resetter] * 4 + [checker] * 8 + [revoker, watcher]
    sent = sum(all_at_once(len(roles), lambda i: roles[i]()))
    assert token_items and max(token_items) <= 1, f"{max(token_items)} valid tokens at one moment"
    assert len(chain) >= 4 and len(seen) >= 40, (len(chain), len(seen))  # it did race

    # A token is never seen valid after a later token of its chain was known to be valid.
    for later in range(1, len(chain)):
        first_valid = min([born[later]] + [s.end for s in seen if s.index == later and s.valid])
        for s in seen:
            assert not (s.valid and s.index < later and s.start > first_valid), (s, later, first_valid)
    ((index, revoked_at, status),) = revoked
    if status == 204:
        assert not [s for s in seen if s.valid and s.start > revoked_at], "a token checked valid after revoke"
    final = [token for token in chain if race_app.client.get(app_path + token).status_code == 200]
    assert len(final) <= 1, final
    if status == 204:
        assert final == []
    assert_invariants(table_items(server))
    reliability_report.add("races: reset vs check vs revoke", requests=sent + len(chain) + 1)
