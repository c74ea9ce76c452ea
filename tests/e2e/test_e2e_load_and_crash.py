"""The local API under load and crash (issue 6, part 3), each on a server of its own (`long`).

- a bounded load run: 16 client threads, a few thousand requests, about half of them writes (creates,
  get-or-create, updates, deletes, resets) and half reads (get, list, grants, checks): every answer is the
  expected 2xx, and the whole table keeps every invariant afterwards;
- `kill -9` of the server's whole process group while 8 clients write, then a restart on the same data dir:
  every write answered 2xx is there (each acknowledged authorization reads back with its acknowledged scopes
  and its acknowledged token checks valid; each acknowledged delete stays deleted), and the invariants hold.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.support.e2e_auth import running_server, start_server, stop_server, table_items
from tests.support.invariants import assert_invariants
from tests.support.reliability import ReliabilityReport
from tests.support.workload import Outcome, Worker, acknowledged, make_accounts, make_workers, run_workload

pytestmark = [pytest.mark.reliability, pytest.mark.long]

LOAD_CLIENTS = 16
LOAD_REQUESTS = 3000
CRASH_CLIENTS = 8
WRITES_BEFORE_KILL = 300  # answers (2xx) before the kill


def merged(outcomes: list[Outcome]) -> Outcome:
    total = Outcome()
    for outcome in outcomes:
        total.statuses.update(outcome.statuses)
        total.errors += outcome.errors
        total.live.update(outcome.live)
        total.deleted |= outcome.deleted
    return total


def test_a_bounded_load_run_has_no_errors(tmp_path: Path, reliability_report: ReliabilityReport) -> None:
    with running_server(tmp_path / "data", tmp_path, overrides={}) as local:
        server = local.server
        accounts, app = make_accounts(server, LOAD_CLIENTS)
        workers = make_workers(server.url, accounts, app)
        started = time.monotonic()
        run_workload(workers, LOAD_REQUESTS)
        elapsed = time.monotonic() - started
        outcome = merged([worker.outcome for worker in workers])

        assert outcome.errors == [], outcome.errors[:10]
        assert outcome.requests >= LOAD_REQUESTS * 0.9, outcome.statuses
        assert_invariants(table_items(server))
    reliability_report.add(
        f"load: {LOAD_CLIENTS} clients, mixed reads/writes ({outcome.requests / elapsed:.0f} req/s here)",
        requests=outcome.requests,
    )


def test_kill_9_during_writes_loses_no_acknowledged_write(
    tmp_path: Path, reliability_report: ReliabilityReport
) -> None:
    data_dir = tmp_path / "data"
    (tmp_path / "first").mkdir()
    first = start_server(data_dir, tmp_path / "first", overrides={})
    stop = threading.Event()
    try:
        accounts, app = make_accounts(first, CRASH_CLIENTS)
        workers = make_workers(first.url, accounts, app)
        killed = threading.Event()
        kill_lock = threading.Lock()

        def kill_once_enough_was_written() -> None:
            # Right after a write was acknowledged: its journal record is among the newest.
            with kill_lock:
                if not killed.is_set() and acknowledged(workers) >= WRITES_BEFORE_KILL:
                    os.killpg(first.process.pid, signal.SIGKILL)  # the server and every worker it forked
                    killed.set()

        for worker in workers:
            worker.after_write = kill_once_enough_was_written
        writer = threading.Thread(target=run_workload, args=(workers, 10**6, stop), daemon=True)
        writer.start()
        assert killed.wait(timeout=300), "the workload never reached the kill"
        first.process.wait(timeout=30)
        stop.set()
        writer.join(timeout=120)
    finally:
        stop_server(first)
    outcome = merged([worker.outcome for worker in workers])
    assert acknowledged(workers) >= WRITES_BEFORE_KILL, outcome.statuses  # the kill came mid-work
    assert outcome.errors, "no request was cut off by the kill"

    (tmp_path / "second").mkdir()
    checked = 0  # requests after the restart
    with running_server(data_dir, tmp_path / "second", overrides={}) as local:
        server = local.server
        user_of: dict[int, Worker] = {}
        for worker in workers:
            for auth_id in list(worker.outcome.live) + list(worker.outcome.deleted):
                user_of[auth_id] = worker
        lost: list[tuple[object, ...]] = []
        for auth_id, known in outcome.live.items():
            if known.uncertain:
                continue
            worker = user_of[auth_id]
            answer = worker.user.get(f"{server.url}/authorizations/{auth_id}", timeout=60)
            checked += 1
            if answer.status_code != 200 or answer.json()["scopes"] != known.scopes:
                lost.append((auth_id, answer.status_code, known))
                continue
            if known.app:
                check = worker.app_session.post(
                    f"{server.url}/applications/{app.client_id}/token",
                    json={"access_token": known.token},
                    timeout=60,
                )
                checked += 1
                if check.status_code != 200:
                    lost.append((auth_id, "token", check.status_code))
        for auth_id in outcome.deleted:
            answer = user_of[auth_id].user.get(f"{server.url}/authorizations/{auth_id}", timeout=60)
            checked += 1
            if answer.status_code != 404:
                lost.append((auth_id, "deleted, but", answer.status_code))
        assert lost == [], lost[:10]
        assert_invariants(table_items(server))
    reliability_report.add(
        "crash: kill -9 mid-write, restart, every 2xx write there", requests=outcome.requests + checked
    )
