"""DynamoDB faults under every route (issue 6, part 2), in-process on moto with hooks on the real client.

- transient throttling or internal errors are retried by botocore with backoff: the answer is the usual one,
  with exactly the writes of an undisturbed run;
- when the retries run out: 503 `Service Unavailable` in GitHub's shape with `Retry-After`, and the table is
  exactly what it was (no partial write) when the first call fails; when a later call of a multi-call route
  fails, every invariant still holds;
- a handler killed (a Lambda timeout) after any number `k` of its DynamoDB calls leaves the table consistent,
  and the same request sent again afterwards succeeds (or finds its work done).

The internal-error variant and the exhaustion at every later call are `long` (`make reliability`).
After every fault `assert_invariants` scans the table (SPEC section 4: claims, token copies and grants
match live authorizations, nothing orphaned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from oauth_authz.models.domain import User
from oauth_authz.store.repository import Repository
from oauth_authz.store.table import RETRY_CONFIG
from tests.support.api import Api, AppApi
from tests.support.data import DOCS_URL, EVENT_CLIENT_ID, EVENT_CLIENT_SECRET
from tests.support.events import auth_error_context, build_event
from tests.support.faults import CONNECTION_CLOSED, INTERNAL, THROTTLING, LambdaTimeout, inject
from tests.support.invariants import assert_invariants
from tests.support.lambdas import HttpResult
from tests.support.tables import TableView

pytestmark = [pytest.mark.usefixtures("octocat", "oauth_app"), pytest.mark.reliability]

SECRET = {"client_secret": EVENT_CLIENT_SECRET}
FOREVER = 10**6
ATTEMPTS = RETRY_CONFIG.retries["total_max_attempts"]  # the first attempt and its retries


@dataclass
class World:
    """octocat with one personal token and three tokens of the events' app (one grant, in parts of two)."""

    api: Api
    app_api: AppApi
    personal_id: int
    app_ids: list[int]
    app_tokens: list[str]
    grant_id: int


@pytest.fixture
def world(api: Api, app_api: AppApi, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(Repository, "GRANT_PART", 2)  # revoking the grant takes several transactions
    personal = api.create({"note": "personal", "scopes": ["gist"]})
    assert personal.status == 201, personal.body
    made = [api.get_or_create(EVENT_CLIENT_ID, {**SECRET, "scopes": ["repo"]}, f"fp-{i}") for i in range(3)]
    assert [result.status for result in made] == [201] * 3
    (grant,) = api.list_grants().json
    return World(
        api,
        app_api,
        personal.json["id"],
        [result.json["id"] for result in made],
        [result.json["token"] for result in made],
        grant["id"],
    )


Operation = Callable[[World], HttpResult]

# name -> (call, statuses it may answer when it runs whole: a repeat after a kill may find its work done)
OPERATIONS: dict[str, tuple[Operation, set[int]]] = {
    "create personal": (lambda w: w.api.create({"note": "new one", "scopes": ["repo"]}), {201, 422}),
    "create for app": (
        lambda w: w.api.create({"client_id": EVENT_CLIENT_ID, **SECRET, "fingerprint": "n"}),
        {201, 422},
    ),
    "get-or-create, new": (lambda w: w.api.get_or_create(EVENT_CLIENT_ID, SECRET, "brand-new"), {200, 201}),
    "get-or-create, existing": (lambda w: w.api.get_or_create(EVENT_CLIENT_ID, SECRET, "fp-0"), {200}),
    "update scopes": (lambda w: w.api.update(w.app_ids[0], {"add_scopes": ["user"]}), {200}),
    "update note": (lambda w: w.api.update(w.personal_id, {"note": "renamed"}), {200}),
    "delete authorization": (lambda w: w.api.delete(w.app_ids[1]), {204, 404}),
    "delete grant": (lambda w: w.api.delete_grant(w.grant_id), {204, 404}),
    "reset": (lambda w: w.app_api.reset(w.app_tokens[0]), {200, 404}),
    "revoke token": (lambda w: w.app_api.revoke(w.app_tokens[1], form="body"), {204, 404}),
    "revoke grant": (lambda w: w.app_api.revoke_grant(w.app_tokens[2]), {204, 404}),
    "check": (lambda w: w.app_api.check(w.app_tokens[0]), {200}),
    "get": (lambda w: w.api.get(w.app_ids[0]), {200}),
    "list": (lambda w: w.api.list(), {200}),
    "list grants": (lambda w: w.api.list_grants(), {200}),
}
WRITES = [
    name
    for name in OPERATIONS
    if name not in {"check", "get", "list", "list grants", "get-or-create, existing"}
]


def first_status(name: str) -> int:
    """What the operation answers on the world as the fixture makes it."""
    return {"get-or-create, new": 201, "create personal": 201, "create for app": 201}.get(
        name, min(OPERATIONS[name][1])
    )


def snapshot(table: TableView) -> list[dict[str, Any]]:
    return sorted(table.raw_items(), key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def restore(table: TableView, items: list[dict[str, Any]]) -> None:
    """Put the table back as it was (through the test's own client: no faults there)."""
    wanted = {(item["PK"]["S"], item["SK"]["S"]): item for item in items}
    for item in table.raw_items():
        key = (item["PK"]["S"], item["SK"]["S"])
        if key not in wanted:
            table.client.delete_item(TableName=table.name, Key={"PK": item["PK"], "SK": item["SK"]})
        elif wanted[key] == item:
            del wanted[key]  # unchanged
    for item in wanted.values():
        table.client.put_item(TableName=table.name, Item=item)


def assert_unavailable(result: HttpResult) -> None:
    assert (result.status, result.json) == (
        503,
        {"message": "Service Unavailable", "documentation_url": DOCS_URL},
    )
    retry_after = result.header("Retry-After")
    assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, result.headers


# ------------------------------------------------------------------------------------- transient faults


@pytest.mark.parametrize(
    "error",
    [THROTTLING, pytest.param(INTERNAL, marks=pytest.mark.long)],
    ids=["throttling", "internal-error"],
)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_transient_errors_are_retried_with_backoff(
    name: str,
    error: tuple[str, int, str],
    world: World,
    table: TableView,
    monkeypatch: pytest.MonkeyPatch,
    reliability_report: Any,
) -> None:
    before = snapshot(table)
    with inject(monkeypatch) as clean:
        expected = OPERATIONS[name][0](world)
    assert expected.status == first_status(name), expected.body
    after_clean = snapshot(table)
    restore(table, before)

    with inject(monkeypatch, throttle=2, error=error) as faults:  # two refusals, then DynamoDB answers
        result = OPERATIONS[name][0](world)

    assert result.status == expected.status, (result.body, faults, clean)
    assert faults.refused == 2 and len(faults.backoffs) == 2, faults
    assert faults.calls == clean.calls  # each call retried inside botocore, none repeated by the service
    assert len(snapshot(table)) == len(after_clean)  # exactly the writes of an undisturbed run
    assert_invariants(table)
    reliability_report.add("faults: transient DynamoDB errors retried", requests=1)


# ------------------------------------------------------------------------------------ retries run out


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_when_retries_run_out_the_answer_is_503_and_nothing_is_written(
    name: str, world: World, table: TableView, monkeypatch: pytest.MonkeyPatch, reliability_report: Any
) -> None:
    before = snapshot(table)
    with inject(monkeypatch, throttle=FOREVER) as faults:
        result = OPERATIONS[name][0](world)

    assert_unavailable(result)
    assert faults.refused == ATTEMPTS and len(faults.backoffs) == ATTEMPTS - 1, faults
    assert snapshot(table) == before
    reliability_report.add("faults: retries exhausted -> 503, no partial write", requests=1)


@pytest.mark.parametrize("name", ["create personal", "delete grant", "check"])
def test_an_unreachable_store_is_a_503_too(
    name: str, world: World, table: TableView, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(table)
    with inject(monkeypatch, throttle=FOREVER, error=CONNECTION_CLOSED) as faults:
        result = OPERATIONS[name][0](world)
    assert_unavailable(result)
    assert faults.refused == ATTEMPTS, faults
    assert snapshot(table) == before


@pytest.mark.long
@pytest.mark.parametrize("name", WRITES)
def test_when_a_later_call_runs_out_of_retries_the_table_stays_consistent(
    name: str, world: World, table: TableView, monkeypatch: pytest.MonkeyPatch, reliability_report: Any
) -> None:
    before = snapshot(table)
    with inject(monkeypatch) as clean:
        OPERATIONS[name][0](world)
    for k in range(1, len(clean.calls)):
        restore(table, before)
        with inject(monkeypatch, throttle=FOREVER, throttle_after=k):
            result = OPERATIONS[name][0](world)
        assert_unavailable(result)
        assert_invariants(table)
        reliability_report.add("faults: retries exhausted at call k -> 503, consistent", requests=1)


def test_the_authorizer_answers_503_when_the_store_is_throttled(
    authorize: Callable[[dict[str, Any]], dict[str, Any]],
    invoke: Callable[[str, dict[str, Any]], HttpResult],
    monkeypatch: pytest.MonkeyPatch,
    octocat: User,
) -> None:
    """Not a 500 AUTHORIZER_FAILURE: the authorizer Allows with a context the function answers 503 to."""
    event = build_event("authorizer")
    with inject(monkeypatch, throttle=FOREVER):
        answer = authorize(event)
    assert answer["context"] == {"auth_error": "store_unavailable"}
    result = invoke(
        "list_authorizations",
        build_event("list_authorizations", authorizer=auth_error_context(answer["context"]["auth_error"])),
    )
    assert_unavailable(result)


# ------------------------------------------------------------------------------- killed mid-request


@pytest.mark.parametrize("name", WRITES)
def test_a_handler_killed_after_any_call_leaves_the_table_consistent(
    name: str, world: World, table: TableView, monkeypatch: pytest.MonkeyPatch, reliability_report: Any
) -> None:
    before = snapshot(table)
    with inject(monkeypatch) as clean:
        OPERATIONS[name][0](world)
    assert clean.writes, f"{name} wrote nothing: the test would prove nothing"
    for k in range(len(clean.calls) + 1):  # before the first call, ..., after the last one was answered
        restore(table, before)
        with inject(monkeypatch, kill_after=k), pytest.raises(LambdaTimeout):
            OPERATIONS[name][0](world)
        assert_invariants(table)
        again = OPERATIONS[name][0](world)  # the client's retry after the 502/504
        assert again.status in OPERATIONS[name][1], (k, again.status, again.body)
        assert_invariants(table)
        reliability_report.add("faults: handler killed after call k", requests=2)


def test_the_kill_hook_really_stops_the_handler(
    world: World, table: TableView, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(table)
    with inject(monkeypatch, kill_after=0) as faults, pytest.raises(LambdaTimeout):
        world.api.delete_grant(world.grant_id)
    assert faults.calls == [] and snapshot(table) == before
