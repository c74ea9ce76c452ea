"""The embedded DynamoDB of the local API: moto in server mode, kept on disk between runs.

moto's DynamoDB backend is served by a threaded werkzeug server on 127.0.0.1, in a thread of the
calling process. A WSGI middleware in front of it

- holds one lock around every request: moto's backend is not safe for concurrent conditional writes or
  transactions, and the lock makes every call atomic and the journal ordered;
- appends every mutating request that succeeded to ``<data dir>/journal.jsonl`` (one JSON line:
  target + request body), flushed and fsync'ed before the answer leaves.

On start the journal is replayed into a fresh backend, items whose TTL has passed are dropped (what
DynamoDB's TTL would have done), and the journal is compacted: rewritten as the schema requests of
every table plus one PutItem per item, to a temporary file that is then atomically renamed. A truncated
last line (a crash in the middle of a write) is ignored.

One process serves a data dir: it holds an ``fcntl.flock`` on ``<data dir>/lock`` and writes its URL to
``<data dir>/endpoint`` (removed on exit). :func:`open_store` gives other tools (the admin CLI) the
running store's URL, or starts a store of their own when none runs.

Every store instance has its own moto backend object, outside moto's global registry: two stores in
one process (tests) never see each other's data, whatever account or region the clients sign with, and
``moto.mock_aws`` (which resets moto's registered backends) in the same process leaves them alone.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from .constants import ACCOUNT_ID, REGION
from .sam_model import Template, load_template, repo_root, table_definition, ttl_attribute

__all__ = [
    "DATA_DIR_ENV",
    "EmbeddedStore",
    "StoreConnection",
    "StoreError",
    "StoreLocked",
    "default_data_dir",
    "dynamodb_client",
    "ensure_table",
    "is_local_endpoint",
    "open_store",
    "read_journal",
]

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "OAUTH_AUTHZ_DATA_DIR"
JOURNAL = "journal.jsonl"
LOCK = "lock"
ENDPOINT = "endpoint"
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
_SCHEMA_TARGETS = frozenset({"CreateTable", "UpdateTable", "UpdateTimeToLive"})

_REPLAY_AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential=local/20200101/{REGION}/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)


class StoreError(RuntimeError):
    """The embedded store cannot start or has stopped accepting writes."""


class StoreLocked(StoreError):
    """Another process serves this data dir."""


def default_data_dir() -> Path:
    """``$OAUTH_AUTHZ_DATA_DIR``, else ``<repo>/.local-data``."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else repo_root() / ".local-data"


# --------------------------------------------------------------------------------------------- journal
def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _record(target: str, body: bytes) -> bytes:
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


# ------------------------------------------------------------------------------------------ middleware
def _moto_app() -> Callable[..., Iterable[bytes]]:
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


class _Backend:
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
                    self.journal.write(_record(target, body))
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
            ("Authorization", _REPLAY_AUTHORIZATION),
        ],
        data=body,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


class _JournalingApp:
    """The WSGI app the HTTP server runs: every request through :meth:`_Backend.call`."""

    def __init__(self, backend: _Backend) -> None:
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


# --------------------------------------------------------------------------------------------- store
class EmbeddedStore:
    """moto's DynamoDB on ``http://127.0.0.1:<port>``, persisted in ``data_dir``.

    ``start()`` returns the endpoint URL; ``stop()`` (or leaving the ``with`` block) shuts it down,
    removes ``<data dir>/endpoint`` and releases the lock.
    """

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, port: int = 0, host: str = "127.0.0.1"
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.host = host
        self.port = port
        self.endpoint: str | None = None
        self._lock_file: IO[str] | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._backend: _Backend | None = None

    # -- lifecycle
    def start(self) -> str:
        if self.endpoint is not None:
            return self.endpoint
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        try:
            self._backend = self._new_backend()
            self._restore()
            endpoint = self._serve()
            self._write_endpoint(endpoint)
        except BaseException:
            self.stop()
            raise
        return endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._backend is not None:
            with self._backend.lock:
                if self._backend.journal is not None:
                    self._backend.journal.close()
                    self._backend.journal = None
            self._backend = None
        if self.endpoint is not None:
            endpoint_file = self.data_dir / ENDPOINT
            with contextlib.suppress(OSError):
                if endpoint_file.read_text(encoding="utf-8").strip() == self.endpoint:
                    endpoint_file.unlink()
            self.endpoint = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> EmbeddedStore:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- internals
    @property
    def journal_path(self) -> Path:
        return self.data_dir / JOURNAL

    def _live_backend(self) -> _Backend:
        if self._backend is None:
            raise StoreError("the store is not started")
        return self._backend

    def _acquire_lock(self) -> None:
        lock_file = (self.data_dir / LOCK).open("a+", encoding="utf-8")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock_file.close()
            raise StoreLocked(f"another process serves the data dir {self.data_dir}") from exc
        self._lock_file = lock_file

    def _new_backend(self) -> _Backend:
        return _Backend(_moto_app())

    def _restore(self) -> None:
        """Replay the journal, drop expired items, compact the journal and open it for appending."""
        backend = self._live_backend()
        schema: dict[str, list[tuple[str, bytes]]] = {}
        ttl: dict[str, str] = {}
        replayed = 0
        for target, body in read_journal(self.journal_path):
            status, answer = backend.request(target, body)
            replayed += 1
            if status != 200:
                logger.warning("journal replay: %s answered %s %s", target, status, answer.get("__type", ""))
                continue
            if target in _SCHEMA_TARGETS or target == "DeleteTable":
                request = json.loads(body)
                table = request.get("TableName", "")
                if target == "CreateTable":
                    schema[table] = [(target, body)]
                elif target == "DeleteTable":
                    schema.pop(table, None)
                    ttl.pop(table, None)
                else:
                    schema.setdefault(table, []).append((target, body))
                if target == "UpdateTimeToLive":
                    specification = request.get("TimeToLiveSpecification") or {}
                    if specification.get("Enabled"):
                        ttl[table] = specification.get("AttributeName", "")
                    else:
                        ttl.pop(table, None)
        self._compact(schema, ttl)
        if replayed:
            logger.info("embedded store: replayed %d journal records from %s", replayed, self.data_dir)
        backend.journal = self.journal_path.open("ab")

    def _compact(self, schema: dict[str, list[tuple[str, bytes]]], ttl: dict[str, str]) -> None:
        backend = self._live_backend()
        now = time.time()
        temporary = self.journal_path.with_suffix(".tmp")
        with temporary.open("wb") as out:
            for table, requests in schema.items():
                for target, body in requests:
                    out.write(_record(target, body))
                key_names: list[str] | None = None
                for item in self._scan(table):
                    attribute = ttl.get(table)
                    expires = item.get(attribute, {}).get("N") if attribute else None
                    if expires is not None and _expired(expires, now):
                        key_names = key_names or self._key_names(table)
                        key = {name: item[name] for name in key_names}
                        backend.request("DeleteItem", {"TableName": table, "Key": key})
                        continue
                    put = {"TableName": table, "Item": item}
                    out.write(_record("PutItem", json.dumps(put, separators=(",", ":")).encode("utf-8")))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.journal_path)
        _fsync_dir(self.data_dir)

    def _scan(self, table: str) -> Iterator[dict[str, Any]]:
        backend = self._live_backend()
        request: dict[str, Any] = {"TableName": table}
        while True:
            status, answer = backend.request("Scan", request)
            if status != 200:
                raise StoreError(f"compaction: Scan of {table} failed: {answer}")
            yield from answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _key_names(self, table: str) -> list[str]:
        _, answer = self._live_backend().request("DescribeTable", {"TableName": table})
        return [key["AttributeName"] for key in answer["Table"]["KeySchema"]]

    def _serve(self) -> str:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        self._server = make_server(
            self.host,
            self.port,
            _JournalingApp(self._live_backend()),
            threaded=True,
            request_handler=QuietHandler,
        )
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.endpoint = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name=f"embedded-dynamodb-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self.endpoint

    def _write_endpoint(self, endpoint: str) -> None:
        temporary = self.data_dir / (ENDPOINT + ".tmp")
        temporary.write_text(endpoint + "\n", encoding="utf-8")
        os.replace(temporary, self.data_dir / ENDPOINT)


def _expired(value: str, now: float) -> bool:
    try:
        return float(value) < now
    except ValueError:
        return False


# ------------------------------------------------------------------------------------ other processes
class StoreConnection:
    """The endpoint of a data dir's store, and the store itself when this process had to start it."""

    def __init__(self, endpoint: str, store: EmbeddedStore | None) -> None:
        self.endpoint = endpoint
        self.store = store

    def close(self) -> None:
        if self.store is not None:
            self.store.stop()
            self.store = None

    def __enter__(self) -> StoreConnection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _answers(endpoint: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 - a local http URL read from our own data dir
        endpoint,
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": TARGET_PREFIX + "ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": _REPLAY_AUTHORIZATION,
        },
    )
    if urlsplit(endpoint).scheme not in ("http", "https"):
        return False
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return "TableNames" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def open_store(data_dir: str | os.PathLike[str] | None = None, wait_seconds: float = 10.0) -> StoreConnection:
    """The store serving ``data_dir``: the running one (``<data dir>/endpoint`` answers), else a new one.

    Use it as a context manager; leaving it stops the store only when this process started it::

        with open_store() as connection:
            client = dynamodb_client(connection.endpoint)
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    deadline = time.monotonic() + wait_seconds
    while True:
        endpoint_file = directory / ENDPOINT
        with contextlib.suppress(OSError):
            endpoint = endpoint_file.read_text(encoding="utf-8").strip()
            if endpoint and _answers(endpoint):
                return StoreConnection(endpoint, None)
        store = EmbeddedStore(directory)
        try:
            return StoreConnection(store.start(), store)
        except StoreLocked:
            # Another process holds the lock but is not answering yet (starting up or stopping).
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# ------------------------------------------------------------------------------------------- clients
def is_local_endpoint(endpoint: str) -> bool:
    """True for an endpoint on this machine (DynamoDB Local, the embedded store)."""
    return (urlsplit(endpoint).hostname or "") in ("127.0.0.1", "localhost", "::1", "0.0.0.0")  # noqa: S104


def dynamodb_client(endpoint: str | None = None) -> Any:
    """A boto3 DynamoDB client for ``endpoint``: dummy credentials and us-east-1 for a local endpoint
    that has none configured, the normal credential chain otherwise."""
    import boto3

    session = boto3.session.Session()
    kwargs: dict[str, Any] = {"endpoint_url": endpoint, "region_name": session.region_name or REGION}
    if endpoint and is_local_endpoint(endpoint) and session.get_credentials() is None:
        kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106 - not a secret
    return session.client("dynamodb", **kwargs)


def ensure_table(endpoint: str | None, table_name: str, template: Template | None = None) -> bool:
    """Create ``table_name`` from the template's table definition if it is missing, with TTL on the
    template's TTL attribute (``expires_ttl``). Returns True when it created the table."""
    template = template if template is not None else load_template()
    client = dynamodb_client(endpoint)
    try:
        client.describe_table(TableName=table_name)
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    try:
        client.create_table(TableName=table_name, **table_definition(template))
    except client.exceptions.ResourceInUseException:
        return False  # created meanwhile by someone else
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    attribute = ttl_attribute(template) or "expires_ttl"
    client.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
    )
    return True
