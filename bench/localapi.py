"""Part 5: the local API's throughput. `make serve`'s command (`python -m oauth_authz_local serve`) on the
benchmarks' moto server (`--dynamodb-endpoint`), driven over HTTP with keep-alive connections at 1 and 16
concurrent clients: GET /authorizations/{id} and POST /authorizations (a personal token with a new note each
time), as the benchmark user with Basic auth (the authorizer runs for every request, warm: its cache holds
the password after each instance's first request). Next to it, raw GetItem and PutItem requests/s from boto3
against the same moto server at the same concurrency. The clients run on the same two cores as the server."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import routes
from bench import world as w
from bench.env import PYTHON, REGION, REPO, TABLE, client, stop_process

CONCURRENCY = (1, 16)
# Long enough for the gateway to start its instances (8 per function at most, each new authorizer
# instance verifying the password once with argon2) before anything is measured.
WARMUP_SECONDS = {1: 2.0, 16: 8.0}  # by concurrency


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalApi:
    def __init__(self, endpoint: str, data_dir: Path) -> None:
        self.port = _free_port()
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(data_dir)),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
        }
        self.log_path = REPO / "bench" / "serve-log.tmp"  # kept after the run, for when it fails
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, the project's module
            [
                PYTHON,
                "-m",
                "oauth_authz_local",
                "serve",
                "--port",
                str(self.port),
                "--dynamodb-endpoint",
                endpoint,
                "--table",
                TABLE,
                "--data-dir",
                str(data_dir),
                "--prewarm",
                "AuthorizerFunction",
                "GetAuthorizationFunction",
                "CreateAuthorizationFunction",
            ],  # fmt: skip
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "local API on" not in line:
            self.stop()
            raise RuntimeError(f"the local API did not start: {line!r} (see {self.log_path})")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process, grace=30)
        self.log.close()


def _load(
    concurrency: int, seconds: float, request: Callable[[Any], None], make_state: Callable[[], Any]
) -> dict[str, Any]:
    states = [make_state() for _ in range(concurrency)]
    for state in states:  # connect one client at a time, before the clock starts
        request(state)
    _ramp(concurrency, request, states)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[BaseException] = []
    failed = [0] * concurrency
    begin = time.perf_counter() + 0.2
    measured_from = begin + WARMUP_SECONDS[concurrency]
    until = measured_from + seconds

    def worker(index: int) -> None:
        state = states[index]
        while time.perf_counter() < begin:
            time.sleep(0.001)
        while True:
            start = time.perf_counter()
            if start >= until:
                return
            try:
                request(state)
            except Exception as error:  # counted and reported: one failure must not end the run
                if start >= measured_from:
                    failed[index] += 1
                errors.append(error)
                continue
            if start >= measured_from:
                latencies[index].append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = sorted(x for each in latencies for x in each)
    if not every:
        raise RuntimeError(f"no request succeeded: {errors[0]!r}")
    elapsed = max(time.perf_counter(), until) - measured_from
    return {
        "concurrency": concurrency,
        "requests": len(every),
        "requests_per_second": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every), 2),
        "p99_ms": round(routes.percentile(every, 99), 2),
        "errors": sum(failed),
        "first_error": repr(errors[0])[:200] if errors else None,
    }


def _ramp(concurrency: int, request: Callable[[Any], None], states: list[Any]) -> None:
    """Bring the load up in steps (2, 4, 8, ... clients, two requests each), so that the gateway starts its
    instances a few at a time (a new authorizer instance verifies the password once, with argon2)."""
    width = 2
    while width <= concurrency and concurrency > 1:

        def burst(state: Any) -> None:
            for _ in range(2):
                with contextlib.suppress(Exception):
                    request(state)

        threads = [threading.Thread(target=burst, args=(state,)) for state in states[:width]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        width *= 2


def run(world: w.World, endpoint: str, seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    import requests

    authorization = w.basic(world.login, w.PASSWORD)
    auth_id = world.personal_ids[0]
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-local-") as scratch:
        api = LocalApi(endpoint, Path(scratch))
        try:
            headers = {"Authorization": authorization, "Accept": "application/vnd.github+json"}

            def session() -> Any:
                made = requests.Session()
                made.headers.update(headers)
                return made

            def get(s: Any) -> None:
                answer = s.get(f"{api.url}/authorizations/{auth_id}", timeout=30)
                if answer.status_code != 200:
                    raise RuntimeError(f"GET answered {answer.status_code}: {answer.text[:200]}")

            def post(s: Any) -> None:
                body = {"scopes": ["repo"], "note": f"load {uuid.uuid4().hex}"}
                answer = s.post(f"{api.url}/authorizations", json=body, timeout=30)
                if answer.status_code != 201:
                    raise RuntimeError(f"POST answered {answer.status_code}: {answer.text[:200]}")

            for name, request in (("GET /authorizations/{id}", get), ("POST /authorizations", post)):
                results[name] = [_load(c, seconds, request, session) for c in CONCURRENCY]
        finally:
            api.stop()

    item_key = {"PK": {"S": f"USER#{world.user_id}"}, "SK": {"S": f"AUTH#{auth_id:016d}"}}

    def raw_get(dynamodb: Any) -> None:
        dynamodb.get_item(TableName=TABLE, Key=item_key, ConsistentRead=True)

    def raw_put(dynamodb: Any) -> None:
        key = f"BENCH#{uuid.uuid4().hex}"
        dynamodb.put_item(
            TableName=TABLE,
            Item={"PK": {"S": key}, "SK": {"S": "BENCH"}, "note": {"S": "raw put"}},
            ConditionExpression="attribute_not_exists(PK)",
        )

    pool = itertools.cycle([client(endpoint) for _ in range(max(CONCURRENCY))])
    for name, raw in (("raw GetItem", raw_get), ("raw PutItem", raw_put)):
        results[name] = [_load(c, seconds, raw, lambda: next(pool)) for c in CONCURRENCY]
    for name, rows in results.items():
        shown = ", ".join(
            f"c={r['concurrency']}: {r['requests_per_second']} req/s, p50 {r['p50_ms']}, p99 {r['p99_ms']} ms"
            for r in rows
        )
        say(f"  {name}: {shown}")
    warmups = {str(clients): warmup for clients, warmup in WARMUP_SECONDS.items()}
    return {"seconds": seconds, "warmup_seconds": warmups, "results": results}
