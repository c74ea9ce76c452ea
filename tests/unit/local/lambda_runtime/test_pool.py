"""lambda_runtime.pool: what a function's workers start with (the processes themselves: integration tests)."""

from __future__ import annotations

from oauth_authz_local.lambda_runtime.pool import FunctionPool
from tests.support.apigw import SPEC


def test_a_workers_environment_is_the_shared_one_then_its_own() -> None:
    pool = FunctionPool(SPEC, {"OWN": "x", "SHARED": "mine"}, 2, {"SHARED": "all", "GONE": None})
    assert pool.worker_environment() == {"SHARED": "mine", "GONE": None, "OWN": "x"}
    assert pool.worker_pids() == []
