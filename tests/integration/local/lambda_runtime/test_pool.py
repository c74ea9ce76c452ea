"""lambda_runtime.pool on the fake API: every function instance is a worker process; concurrent requests
never share one, and timeouts, crashes and stopping the server leave no process behind."""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from oauth_authz_local.apigw.gateway import Gateway
from oauth_authz_local.http_server import GatewayServer
from oauth_authz_local.lambda_runtime.failures import InvocationError
from oauth_authz_local.lambda_runtime.pool import STOP_GRACE_SECONDS, FunctionPool
from oauth_authz_local.sam_model import load_template
from tests.support.fake_api import FakeApi, get, worker_exists


def test_concurrent_requests_get_their_own_module_instances(api: FakeApi) -> None:
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def call() -> None:
        response = requests.get(f"{api.url}/busy", headers={"Authorization": "allow"}, timeout=20)
        with lock:
            results.append((response.status_code, response.text))

    threads = [threading.Thread(target=call) for _ in range(12)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [200] * 12
    instances = {int(text) for _, text in results}
    assert 2 <= len(instances) <= 4  # max_instances=4 in this fixture
    assert os.getpid() not in instances
    assert elapsed < 12 * 0.2  # not one after the other


def test_two_concurrent_requests_run_in_two_worker_processes(api: FakeApi) -> None:
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda _: get(api.url, "/pid?sleep=1"), range(2)))
    assert [response.status_code for response in responses] == [200, 200]
    pids = {int(response.text) for response in responses}
    assert len(pids) == 2
    assert os.getpid() not in pids
    assert pids <= set(api.gateway.worker_pids()["PidFunction"])
    # and warm instances are reused
    assert int(get(api.url, "/pid").text) in pids


def test_a_timeout_kills_the_worker_and_the_next_request_works(api: FakeApi) -> None:
    warm = get(api.url, "/slow?fast=1")
    assert warm.status_code == 200
    pid = int(warm.text)
    assert api.gateway.worker_pids()["SlowFunction"] == [pid]
    started = time.monotonic()
    timed_out = get(api.url, "/slow")
    assert timed_out.status_code == 504
    assert time.monotonic() - started < 2.0
    assert not worker_exists(pid)
    assert api.gateway.worker_pids()["SlowFunction"] == []
    again = get(api.url, "/slow?fast=1")
    assert again.status_code == 200
    assert int(again.text) != pid


@pytest.mark.parametrize(
    ("how", "status"), [("exit", "exit status 3"), ("segv", "signal: SIGSEGV"), ("sys-exit", "exit status 1")]
)
def test_a_crashing_worker_is_a_502_and_is_replaced(
    api: FakeApi, caplog: pytest.LogCaptureFixture, how: str, status: str
) -> None:
    warm = get(api.url, "/crash")
    assert warm.status_code == 200
    pid = int(warm.text)
    with caplog.at_level(logging.ERROR, logger="oauth_authz_local.apigw.gateway"):
        crashed = get(api.url, f"/crash?how={how}")
    assert crashed.status_code == 502
    assert crashed.json() == {"message": "Server Error"}
    assert any(
        f"CrashFunction: Runtime exited with error: {status}" in record.getMessage()
        for record in caplog.records
    )
    assert not worker_exists(pid)
    again = get(api.url, "/crash")
    assert again.status_code == 200
    assert int(again.text) != pid
    assert get(api.url, "/public").status_code == 200


def test_stopping_the_server_leaves_no_worker(api: FakeApi) -> None:
    gateway = Gateway(load_template(api.root / "template.yaml"), table_name="fake-table", max_instances=4)
    server = GatewayServer(gateway)
    url = server.start()
    in_flight: list[int] = []
    try:
        with ThreadPoolExecutor(3) as pool:
            statuses = [r.status_code for r in pool.map(lambda _: get(url, "/pid?sleep=0.3"), range(3))]
        assert statuses == [200, 200, 200]
        assert get(url, "/echo").status_code == 200
        # one request still running when the server stops: its worker is killed after the grace period
        busy = threading.Thread(target=lambda: in_flight.append(get(url, "/pid?sleep=30").status_code))
        busy.start()
        time.sleep(0.5)
        pids = [pid for found in gateway.worker_pids().values() for pid in found]
        assert len(pids) >= 5  # 3 PidFunction (one of them busy), EchoFunction, AuthFunction
    finally:
        started = time.monotonic()
        server.stop()
        stopped_in = time.monotonic() - started
    busy.join(timeout=10)
    assert in_flight == [502]
    assert stopped_in < STOP_GRACE_SECONDS + 2
    assert all(found == [] for found in gateway.worker_pids().values())
    assert [pid for pid in pids if worker_exists(pid)] == []
    # a stopped gateway starts no new worker
    with pytest.raises(InvocationError):
        gateway.pools["PidFunction"].invoke({}, "after-stop", 1)


def test_waiting_for_a_free_instance_is_not_the_functions_time(api: FakeApi) -> None:
    # SlowFunction's Timeout is 1 s; with one instance the third request waits ~1.2 s for it.
    pool = FunctionPool(api.gateway.pools["SlowFunction"].spec, max_instances=1)
    event = {"queryStringParameters": {"sleep": "0.6"}}
    try:
        with ThreadPoolExecutor(3) as threads:
            answers = list(threads.map(lambda n: pool.invoke(event, f"queued-{n}"), range(3)))
        assert [answer["statusCode"] for answer in answers] == [200, 200, 200]
        assert len({answer["body"] for answer in answers}) == 1  # one instance, reused
        assert len(pool.worker_pids()) == 1
    finally:
        pool.close()
    assert pool.worker_pids() == []
