"""Helpers of the authentication end-to-end tests (`tests/e2e/test_e2e_auth_*.py`).

Those tests need local APIs with other template parameters than the session's server (a lockout threshold of
3 and a window of seconds, `LogLevel=DEBUG`), so they start their own, as a user would and as the session's
server is started: `.venv/bin/python -m oauth_authz_local serve --port <free> --data-dir <tmp>
--parameter-overrides Name=Value ...` in a session of its own with a clean environment, stdout and stderr in
files, stopped with SIGTERM (exit 0, nothing left running, the data dir given back).

Also here: an RFC 6238 implementation of the tests' own (so the server's TOTP is checked against something
it does not share), GitHub's answers to a refused login as exact bytes, reading every item of a running
server's table, and searching text for secrets (6-digit codes as whole tokens only).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from oauth_authz_local import embedded_dynamodb
from tests.support.data import DOCS_URL, JSON_CONTENT_TYPE, MEDIA_TYPE
from tests.support.e2e import PYTHON, REPO_ROOT, Server, clean_environment
from tests.support.tables import TableView

START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
CHILDREN_GRACE = 10.0
TABLE = "oauth-authz"

OTP_MESSAGE = "Must specify two-factor authentication OTP code."
BAD_CREDENTIALS = "Bad credentials"
LOCKED_OUT = "Maximum number of login attempts exceeded. Please try again later."
BASIC_ONLY = "This API can only be accessed with username and password Basic Auth"
REQUIRES_AUTHENTICATION = "Requires authentication"

# Headers that differ from one answer to the next whatever was asked: the request's ids and the date.
PER_REQUEST_HEADERS = frozenset({"date", "x-amzn-requestid", "x-amz-apigw-id", "x-github-request-id"})
# What the HTTP server adds to every answer, and API Gateway to every answer of an integration.
HTTP_HEADERS = frozenset({"server", "date", "content-length", "connection"})
API_GATEWAY_HEADERS = frozenset({"x-amzn-requestid", "x-amz-apigw-id"})


def github_error_body(message: str) -> bytes:
    """GitHub's error document, byte for byte as the functions write it."""
    return json.dumps({"message": message, "documentation_url": DOCS_URL}, separators=(",", ":")).encode()


# ------------------------------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_group(pgid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process in process group `pgid`, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 2 and int(fields[2]) == pgid:
            members.append((int(entry.name), fields[0]))
    return members


def start_server(
    data_dir: Path,
    logs_dir: Path,
    overrides: Mapping[str, str],
    prewarm: Sequence[str] = (),
    attempts: int = 3,
) -> Server:
    """`python -m oauth_authz_local serve --port <free> --data-dir DIR --parameter-overrides ...`, serving."""
    for attempt in range(attempts):
        started = _start(data_dir, logs_dir, overrides, prewarm, attempt)
        if started is not None:
            return started
    raise AssertionError(f"no free port for the local API after {attempts} attempts")


def _start(
    data_dir: Path, logs_dir: Path, overrides: Mapping[str, str], prewarm: Sequence[str], attempt: int
) -> Server | None:
    port = _free_port()
    stdout_path = logs_dir / f"server-{attempt}.stdout.log"
    stderr_path = logs_dir / f"server-{attempt}.stderr.log"
    command = [
        str(PYTHON),
        "-m",
        "oauth_authz_local",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if overrides:
        command += ["--parameter-overrides", *(f"{name}={value}" for name, value in overrides.items())]
    if prewarm:
        command += ["--prewarm", *prewarm]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=clean_environment(),
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    server = Server(url, port, data_dir, process, stdout_path, stderr_path)
    banner = f"oauth-authz local API on {url} "
    deadline = time.monotonic() + START_TIMEOUT
    while banner not in server.stdout():
        if process.poll() is not None:
            if "Address already in use" in server.stderr():
                return None
            raise AssertionError(f"the local API exited with {process.returncode}:\n{server.logs()}")
        if time.monotonic() > deadline:
            stop_server(server)
            raise AssertionError(f"the local API did not start in {START_TIMEOUT}s:\n{server.logs()}")
        time.sleep(0.1)
    answer = requests.get(url + "/", timeout=30)  # the API root answers without credentials
    assert answer.status_code == 200, answer.text
    return server


def stop_server(server: Server) -> tuple[int | None, list[tuple[int, str]]]:
    """SIGTERM, then wait; the exit status (None: it had to be killed) and what was left running."""
    pgid = server.process.pid  # a session leader: its pid is its process group id
    returncode: int | None
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        returncode = server.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        returncode = None
    deadline = time.monotonic() + CHILDREN_GRACE
    leftovers = [(pid, state) for pid, state in process_group(pgid) if state != "Z"]
    while leftovers and time.monotonic() < deadline:
        time.sleep(0.1)
        leftovers = [(pid, state) for pid, state in process_group(pgid) if state != "Z"]
    if returncode is None or leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=10)
    return returncode, leftovers


class LocalServer:
    """A server of one test module: `server` while it runs; `stop()` (idempotent) checks a clean exit."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.stopped = False

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        returncode, leftovers = stop_server(self.server)
        logs = self.server.logs()
        assert returncode == 0, f"the local API exited with {returncode} on SIGTERM:\n{logs[-3000:]}"
        assert not leftovers, f"processes left running after the local API stopped: {leftovers}"
        assert "oauth-authz local API stopped" in self.server.stderr()
        assert not (self.server.data_dir / "endpoint").exists(), "the store's endpoint file outlived it"
        assert "Traceback" not in logs, logs[-3000:]


@contextlib.contextmanager
def running_server(
    data_dir: Path, logs_dir: Path, overrides: Mapping[str, str], prewarm: Sequence[str] = ()
) -> Iterator[LocalServer]:
    local = LocalServer(start_server(data_dir, logs_dir, overrides, prewarm))
    try:
        yield local
    finally:
        local.stop()


# ------------------------------------------------------------------------------------------------- table


def store_client(server: Server) -> Any:
    """A DynamoDB client on the running server's embedded store (its advertised endpoint)."""
    return embedded_dynamodb.client(server.store_endpoint, Path(server.data_dir))


def table_items(server: Server, table: str = TABLE) -> list[dict[str, Any]]:
    """Every item of the running server's table, as DynamoDB's wire format (a Scan at its endpoint)."""
    return list(TableView(store_client(server), table).raw_items())


def item(server: Server, pk: str, sk: str) -> dict[str, Any] | None:
    key = {"PK": {"S": pk}, "SK": {"S": sk}}
    found: dict[str, Any] | None = (
        store_client(server).get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item")
    )
    return found


def attribute_texts(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every attribute value of every item as text (strings, numbers, sets, lists and maps, to the leaves;
    binary values both raw and base64)."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                texts.append(str(key))
                walk(inner)
        elif isinstance(value, list | tuple | set | frozenset):
            for inner in value:
                walk(inner)
        elif isinstance(value, bytes | bytearray):
            texts.append(bytes(value).decode("latin-1"))
            texts.append(base64.b64encode(bytes(value)).decode("ascii"))
        else:
            texts.append(str(value))

    for found in items:
        walk(found)
    return texts


# ------------------------------------------------------------------------------------------------ secrets


def whole_token(value: str) -> re.Pattern[str]:
    """`value` standing alone: not inside a longer run of letters and digits (for 6-digit codes)."""
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(value) + r"(?![0-9A-Za-z])")


def codes_in(text: str, codes: Iterable[str]) -> list[str]:
    return sorted(code for code in set(codes) if whole_token(code).search(text))


# --------------------------------------------------------------------------------------------- RFC 6238


def rfc6238(key: bytes, epoch_seconds: float, digits: int = 6, period: int = 30) -> str:
    """TOTP as RFC 6238 defines it for HMAC-SHA1 (RFC 4226's dynamic truncation), written independently of
    `oauth_authz.totp`."""
    counter = int(epoch_seconds) // period
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    start = mac[19] & 0xF
    binary = struct.unpack(">L", mac[start : start + 4])[0] & 0x7FFF_FFFF
    return f"{binary % 10**digits:0{digits}d}"


def base32_key(secret: str) -> bytes:
    return base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))


def code_for_step(secret: str, step: int) -> str:
    return rfc6238(base32_key(secret), step * 30)


def current_step() -> int:
    return int(time.time()) // 30


def wait_for_room_in_step(seconds: float) -> int:
    """The current 30-second step, once at least `seconds` of it are left (sleeping into the next if not)."""
    left = 30 - time.time() % 30
    if left < seconds:
        time.sleep(left + 0.05)
    return current_step()


def wrong_code(secret: str, around: int) -> str:
    """A well-formed code that no step near `around` has."""
    valid = {code_for_step(secret, step) for step in range(around - 3, around + 4)}
    candidate = 123456
    while f"{candidate:06d}" in valid:
        candidate = (candidate + 111111) % 10**6
    return f"{candidate:06d}"


# ------------------------------------------------------------------------------------------------ answers


def assert_refusal(
    response: requests.Response, status: int, message: str, otp_challenge: bool = False
) -> None:
    """A refused login as the functions answer it: the status, GitHub's body byte for byte, GitHub's media
    type headers (and `X-GitHub-OTP: required; app` for the OTP challenge, never otherwise), and nothing but
    what the HTTP server and API Gateway add to an integration's answer (no gateway response's
    `x-amzn-ErrorType`)."""
    where = f"{response.request.method} {response.request.path_url}"
    assert (response.status_code, response.content) == (status, github_error_body(message)), (
        where,
        response.status_code,
        response.content,
    )
    headers = {name.lower(): value for name, value in response.headers.items()}
    expected = {"content-type", "x-github-media-type", "status", "x-github-request-id", "vary"} | (
        {"x-github-otp"} if otp_challenge else set()
    )
    assert set(headers) - HTTP_HEADERS - API_GATEWAY_HEADERS == expected, (where, headers)
    assert set(headers) >= API_GATEWAY_HEADERS, (where, headers)
    assert headers["status"] == f"{status} {'Unauthorized' if status == 401 else 'Forbidden'}", headers
    assert headers["x-github-request-id"] == headers["x-amzn-requestid"], headers
    assert headers["vary"] == "Accept, Authorization, X-GitHub-OTP", headers
    assert headers["content-type"] == JSON_CONTENT_TYPE, headers
    assert headers["x-github-media-type"] == MEDIA_TYPE, headers
    if otp_challenge:
        assert headers["x-github-otp"] == "required; app", headers


def assert_otp_challenge(response: requests.Response) -> None:
    assert_refusal(response, 401, OTP_MESSAGE, otp_challenge=True)


def comparable(response: requests.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """An answer less what differs per request (its ids and date): status, headers, raw body."""
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.items()
        if name.lower() not in PER_REQUEST_HEADERS
    )
    return response.status_code, headers, response.content
