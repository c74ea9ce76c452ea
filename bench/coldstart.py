"""Part 3: cold start. For each function, fresh processes that import `app` (as Lambda does, from the
function's own folder) and make its first invocation, timed from the parent (spawn to exit); against fresh
processes that only `import boto3; boto3.client("dynamodb")`. Medians over `processes` runs each, in rounds
that interleave the functions and the baseline, the table put back before each run (each first invocation
does the same work). The functions' environment is template.yaml's Globals; tracing is off (no X-Ray daemon
here: Powertools disables the tracer outside Lambda), which is the local API's configuration."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import routes
from bench import world as w
from bench.env import PYTHON, REPO, Snapshot, Table, function_environment

TARGET = 1.3

FIRST_INVOCATION = """
import json, sys, uuid
import app

class Context:
    function_name = sys.argv[2]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + sys.argv[2]
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + sys.argv[2]
    log_stream_name = "cold"

    def get_remaining_time_in_millis(self):
        return 10_000

with open(sys.argv[1], encoding="utf-8") as stream:
    event = json.load(stream)
answer = app.lambda_handler(event, Context())
sys.exit(0 if answer else 1)
"""
BASELINE = 'import boto3; boto3.client("dynamodb")'

# The first invocation of each function: its main scenario (the authorizer's: an app's credentials, so that
# it is not one argon2 verification, which part 4 reports on its own).
SCENARIOS = {
    "get_user": "get_user",
    "list_emails": "list_emails",
    "api_root": "api_root",
    "list_authorizations": "list_authorizations",
    "list_grants": "list_grants",
    "get_authorization": "get_authorization",
    "get_grant": "get_grant",
    "create_authorization": "create_personal",
    "delete_grant": "delete_grant",
    "check_authorization": "check_path",
    "check_token": "check_body",
    "get_or_create_for_app": "get_or_create_existing",
    "get_or_create_for_fingerprint": "get_or_create_fingerprint_existing",
    "reset_authorization": "reset_path",
    "reset_token": "reset_body",
    "revoke_authorization": "revoke_path",
    "delete_token": "revoke_body",
    "update_authorization": "update_authorization",
    "revoke_grant": "revoke_grant_path",
    "delete_app_authorization": "revoke_grant_body",
    "delete_authorization": "delete_authorization",
    "authorizer": "authorizer_app",
}


def _timed(command: list[str], cwd: Path, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, check=False)  # noqa: S603
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{command} in {cwd} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def run(
    world: w.World, table: Table, endpoint: str, processes: int, say: Callable[[str], None]
) -> dict[str, Any]:
    environment = function_environment(endpoint)
    by_key = {s.key: s for s in routes.scenarios()}
    base = table.snapshot()
    prepared: dict[str, tuple[Path, Snapshot]] = {}
    timings: dict[str, list[float]] = {name: [] for name in [*SCENARIOS, "baseline"]}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        for function, key in SCENARIOS.items():
            table.restore(base)
            event = by_key[key].prepare(world)()
            path = Path(scratch) / f"{function}.json"
            path.write_text(json.dumps(event), encoding="utf-8")
            prepared[function] = (path, table.snapshot())
        order = [*SCENARIOS, "baseline"]
        for _ in range(processes):
            random.shuffle(order)
            for name in order:
                if name == "baseline":
                    timings[name].append(_timed([PYTHON, "-c", BASELINE], REPO, environment))
                    continue
                path, snap = prepared[name]
                table.restore(snap)
                command = [PYTHON, "-c", FIRST_INVOCATION, str(path), name]
                timings[name].append(_timed(command, REPO / "functions" / name, environment))
    table.restore(base)
    baseline = statistics.median(timings["baseline"])
    rows = []
    for function in SCENARIOS:
        median = statistics.median(timings[function])
        ratio = median / baseline
        rows.append(
            {
                "function": function,
                "median_ms": round(median, 1),
                "min_ms": round(min(timings[function]), 1),
                "ratio": round(ratio, 3),
                "meets_target": ratio <= TARGET,
            }
        )
        say(f"  {function}: {median:.0f} ms, x{ratio:.2f} of the baseline")
    say(f"  baseline (import boto3; boto3.client): {baseline:.0f} ms")
    return {
        "processes": processes,
        "baseline_median_ms": round(baseline, 1),
        "baseline_min_ms": round(min(timings["baseline"]), 1),
        "target": TARGET,
        "functions": rows,
        "tracing": "off (Powertools disables the tracer outside Lambda; the template sets Tracing: Active)",
    }
