"""lambda_runtime.worker: the code that runs in a worker process stands apart from the gateway's side."""

from __future__ import annotations

import subprocess
import sys


def test_a_worker_imports_nothing_of_the_gateways_side() -> None:
    """What a fresh interpreter loads with the worker module (as the fork server does): no pool, no process
    management, no gateway, no HTTP server."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, oauth_authz_local.lambda_runtime.worker; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('oauth_authz_local'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert "oauth_authz_local.lambda_runtime.worker" in loaded
    parent_side = ("lambda_runtime.pool", "lambda_runtime.processes", "apigw", "http_server", "local_api")
    assert [name for name in loaded if name.removeprefix("oauth_authz_local.").startswith(parent_side)] == []
