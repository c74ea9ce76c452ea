"""The embedded DynamoDB's request path and its journal.

moto's DynamoDB backend, as a WSGI app of its own (:func:`moto_app`), sits behind a middleware
(:class:`JournalingBackend`) that

- holds one lock around every request: moto's backend is not safe for concurrent conditional writes or
  transactions, and the lock makes every call atomic and the journal ordered;
- appends every mutating request that succeeded to the journal (one JSON line: target + request body),
  flushed and fsync'ed before the answer leaves; after a failed write it refuses every request.

:func:`read_journal` reads the journal back (``embedded_dynamodb`` replays and compacts it at start).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .constants import ACCOUNT_ID, REGION

__all__ = [
    "MUTATING_TARGETS",
    "REPLAY_AUTHORIZATION",
    "SCHEMA_TARGETS",
    "TARGET_PREFIX",
    "JournalingApp",
    "JournalingBackend",
    "StoreError",
    "fsync_dir",
    "moto_app",
    "read_journal",
    "record",
]

logger = logging.getLogger(__name__)

TARGET_PREFIX = "DynamoDB_20120810."

#: Requests whose success changes the store, and so go to the journal.
MUTATING_TARGETS = frozenset(
    {
        "CreateTable",
        "DeleteTable",
        "UpdateTable",
        "UpdateTimeToLive",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        # PartiQL can write too; replaying a read is harmless.
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
SCHEMA_TARGETS = frozenset({"CreateTable", "UpdateTable", "UpdateTimeToLive"})

REPLAY_AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential=local/20200101/{REGION}/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)


class StoreError(RuntimeError):
    """The embedded store cannot start (a corrupt journal, ...) or has stopped accepting writes."""


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record(target: str, body: bytes) -> bytes:
    try:
        entry: dict[str, Any] = {"target": target, "body": body.decode("utf-8")}
    except UnicodeDecodeError:
        entry = {"target": target, "body_b64": base64.b64encode(body).decode("ascii")}
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def read_journal(path: Path) -> Iterator[tuple[str, bytes]]:
    """The (target, body) records of a journal. A last line cut short by a crash is skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last = number == len(lines)  # no newline after it: the write never finished
        try:
            entry = json.loads(line)
            target = entry["target"]
            body = (
                base64.b64decode(entry["body_b64"]) if "body_b64" in entry else entry["body"].encode("utf-8")
            )
        except (ValueError, KeyError, TypeError) as exc:
            if is_last:
                logger.warning("journal %s: ignoring a truncated last record", path)
                return
            raise StoreError(f"journal {path}: line {number} is corrupt") from exc
        yield str(target), body


def moto_app() -> Callable[..., Iterable[bytes]]:
    """A WSGI app serving a private moto DynamoDB backend (not in moto's global registry)."""
    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_server.werkzeug_app import BackendRequest

    from oauth_authz_local.moto_backend import StoreBackend

    backend = StoreBackend(REGION, ACCOUNT_ID)

    class StoreHandler(DynamoHandler):
        # moto would pick a backend by the caller's account and region: one backend for every caller.
        @property
        def dynamodb_backend(self) -> DynamoDBBackend:
            return backend

    app = Flask(__name__)
    app.request_class = BackendRequest
    app.add_url_rule(
        "/",
        endpoint="dynamodb",
        view_func=convert_to_flask_response(StoreHandler.dispatch),
        methods=["POST", "GET"],
        strict_slashes=False,
    )
    return app


class JournalingBackend:
    """Calls moto's DynamoDB WSGI app, one request at a time, journaling what changed the store."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.journal: IO[bytes] | None = None
        self.failed: str | None = None

    def call(self, environ: dict[str, Any], journal: bool) -> tuple[str, list[tuple[str, str]], bytes]:
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        target = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        with self.lock:
            if self.failed and journal:
                return _error_response("InternalServerError", f"the local store stopped: {self.failed}")
            status, headers, payload = _run_wsgi(self.app, environ)
            if (
                journal
                and self.journal is not None
                and status.startswith("200")
                and target in MUTATING_TARGETS
            ):
                try:
                    self.journal.write(record(target, body))
                    self.journal.flush()
                    os.fsync(self.journal.fileno())
                except OSError as exc:
                    # The change is in memory but not on disk: refuse everything from now on rather than
                    # acknowledge writes that a restart would lose.
                    self.failed = f"journal write failed: {exc}"
                    logger.error("embedded store: %s", self.failed)
                    return _error_response(
                        "InternalServerError", "the local store could not persist the write"
                    )
            return status, headers, payload

    def request(self, target: str, payload: Mapping[str, Any] | bytes) -> tuple[int, dict[str, Any]]:
        """One request straight to the backend, not journaled (replay, compaction)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        environ = _environ(target, body)
        status, _, answer = self.call(environ, journal=False)
        try:
            parsed = json.loads(answer) if answer else {}
        except ValueError:
            parsed = {"message": answer.decode("utf-8", "replace")}
        return int(status.split()[0]), parsed


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def _run_wsgi(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    result = app(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], list(captured["headers"]), payload


def _error_response(error: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error}", "message": message}).encode()
    return "500 INTERNAL SERVER ERROR", [("Content-Type", "application/x-amz-json-1.0")], body


def _environ(target: str, body: bytes) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        method="POST",
        path="/",
        base_url="http://localhost/",
        headers=[
            ("X-Amz-Target", TARGET_PREFIX + target),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Authorization", REPLAY_AUTHORIZATION),
        ],
        data=body,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


class JournalingApp:
    """The WSGI app the HTTP server runs: every request through :meth:`JournalingBackend.call`."""

    def __init__(self, backend: JournalingBackend) -> None:
        self.backend = backend

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            status, headers, payload = self.backend.call(environ, journal=True)
        except Exception:
            logger.exception("embedded store: request failed")
            status, headers, payload = _error_response(
                "InternalServerError", "internal error in the local store"
            )
        headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
        headers.append(("Content-Length", str(len(payload))))
        start_response(status, headers)
        return [payload]
