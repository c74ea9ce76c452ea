"""The benchmarks' world: the functions' environment (template.yaml's Globals), the moto server process,
and the table (created from the template, snapshotted and restored between timed runs)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oauth_authz_local.constants import REGION

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TABLE = "oauth-authz-bench"

# What template.yaml's Globals give every function (with the parameters' defaults), plus what only exists
# off AWS: dummy credentials, the region, the store's endpoint, the local TOTP key.
FUNCTION_ENV = {
    "TABLE_NAME": TABLE,
    "POWERTOOLS_SERVICE_NAME": "oauth-authz",
    "POWERTOOLS_METRICS_NAMESPACE": "OauthAuthz",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    "ALLOWED_SCOPES": "",
    "MAX_TOKEN_LIFETIME_SECONDS": "0",
    "LOCKOUT_THRESHOLD": "10",
    "LOCKOUT_WINDOW_SECONDS": "900",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # A fixed, throwaway 256-bit key for sealing the benchmark user's TOTP seed.
    "TOTP_LOCAL_KEY": "YmVuY2gtb25seS1ub3QtYS1zZWNyZXQtYmVuY2gta2U=",
}
CLEARED_ENV = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "TOTP_KMS_KEY_ID",
    "AUTH_CACHE_SECONDS",
)


def function_environment(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    return {**env, **FUNCTION_ENV, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}


def apply_environment(endpoint: str) -> None:
    """This process as a function instance would see its environment (before oauth_authz is imported)."""
    for name in CLEARED_ENV:
        os.environ.pop(name, None)
    os.environ.update(FUNCTION_ENV)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint


class MotoServer:
    """`python -m bench.moto_server`, a child of this process (it exits when our end of its stdin closes)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [PYTHON, "-m", "bench.moto_server"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            self.stop()
            raise RuntimeError(f"moto server did not start: {line}")
        self.endpoint = f"http://127.0.0.1:{line[1]}"

    def stop(self) -> None:
        stop_process(self.process, grace=10)


def stop_process(process: subprocess.Popen[str], grace: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client(endpoint: str) -> Any:
    """A plain boto3 DynamoDB client on the store, configured as the functions' own."""
    import boto3

    from oauth_authz.store.table import RETRY_CONFIG

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION, config=RETRY_CONFIG)


def create_table(endpoint: str, name: str = TABLE) -> None:
    from oauth_authz_local.embedded_dynamodb import ensure_table

    ensure_table(endpoint, name)


Key = tuple[str, str]
Snapshot = dict[Key, dict[str, Any]]


@dataclass
class Table:
    client: Any
    name: str = TABLE

    def scan(self) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"TableName": self.name, "ConsistentRead": True}
        while True:
            page = self.client.scan(**params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def snapshot(self) -> Snapshot:
        return {(item["PK"]["S"], item["SK"]["S"]): item for item in self.scan()}

    def restore(self, wanted: Mapping[Key, dict[str, Any]]) -> None:
        """Put the table back as `wanted` (changed items rewritten, new ones deleted)."""
        now = self.snapshot()
        requests: list[dict[str, Any]] = []
        for key, item in wanted.items():
            if now.get(key) != item:
                requests.append({"PutRequest": {"Item": item}})
        for pk, sk in now.keys() - wanted.keys():
            requests.append({"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}})
        self._write(requests)

    def restore_keys(self, wanted: Mapping[Key, dict[str, Any]], keys: set[Key]) -> None:
        """Put these items back as `wanted` has them (absent there: deleted)."""
        requests: list[dict[str, Any]] = []
        for pk, sk in sorted(keys):
            item = wanted.get((pk, sk))
            if item is not None:
                requests.append({"PutRequest": {"Item": item}})
            else:
                requests.append({"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}})
        self._write(requests)

    def _write(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.name: requests[start : start + 25]}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def wipe(self) -> None:
        self.restore({})


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head = subprocess.run(  # noqa: S603 - git, with fixed arguments
            [git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")
