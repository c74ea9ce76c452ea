"""The embedded DynamoDB of the local API: moto in server mode, kept on disk between runs.

moto's DynamoDB backend is served by a threaded werkzeug server on 127.0.0.1, in a thread of the
calling process, one request at a time, every change journaled to ``<data dir>/journal.jsonl`` before
its answer leaves (``dynamodb_journal``).

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

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from .constants import REGION
from .dynamodb_journal import (
    SCHEMA_TARGETS,
    JournalingApp,
    JournalingBackend,
    StoreError,
    fsync_dir,
    moto_app,
    read_journal,
    record,
)
from .sam_model import Template, load_template, repo_root, table_definition, ttl_attribute
from .store_auth import ACCESS_KEY_ID, SignedOnly, private_dir, private_file, store_key

__all__ = [
    "DATA_DIR_ENV",
    "EmbeddedStore",
    "StoreConnection",
    "StoreError",
    "StoreLocked",
    "client",
    "default_data_dir",
    "ensure_table",
    "is_local_endpoint",
    "open_store",
]

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "OAUTH_AUTHZ_DATA_DIR"
JOURNAL = "journal.jsonl"
LOCK = "lock"
ENDPOINT = "endpoint"
# The key of each store this process serves, by endpoint: `client()` signs with it.
_KEYS: dict[str, str] = {}


class StoreLocked(StoreError):
    """Another process serves this data dir."""


def default_data_dir() -> Path:
    """``$OAUTH_AUTHZ_DATA_DIR``, else ``<repo>/.local-data``."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else repo_root() / ".local-data"


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
        self._backend: JournalingBackend | None = None
        self.secret_key = ""

    # -- lifecycle
    def start(self) -> str:
        if self.endpoint is not None:
            return self.endpoint
        private_dir(self.data_dir)
        self.secret_key = store_key(self.data_dir)
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
            _KEYS.pop(self.endpoint, None)
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

    def _live_backend(self) -> JournalingBackend:
        if self._backend is None:
            raise StoreError("the store is not started")
        return self._backend

    def _acquire_lock(self) -> None:
        lock_file = (self.data_dir / LOCK).open("a+", encoding="utf-8")
        private_file(self.data_dir / LOCK)
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock_file.close()
            raise StoreLocked(f"another process serves the data dir {self.data_dir}") from exc
        self._lock_file = lock_file

    def _new_backend(self) -> JournalingBackend:
        return JournalingBackend(moto_app())

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
            if target in SCHEMA_TARGETS or target == "DeleteTable":
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
        private_file(self.journal_path)

    def _compact(self, schema: dict[str, list[tuple[str, bytes]]], ttl: dict[str, str]) -> None:
        backend = self._live_backend()
        now = time.time()
        temporary = self.journal_path.with_suffix(".tmp")
        with temporary.open("wb") as out:
            private_file(temporary)
            for table, requests in schema.items():
                for target, body in requests:
                    out.write(record(target, body))
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
                    out.write(record("PutItem", json.dumps(put, separators=(",", ":")).encode("utf-8")))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.journal_path)
        fsync_dir(self.data_dir)

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
            SignedOnly(JournalingApp(self._live_backend()), self.secret_key),
            threaded=True,
            request_handler=QuietHandler,
        )
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.endpoint = f"http://{host}:{self.port}"
        _KEYS[self.endpoint] = self.secret_key
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
        private_file(temporary)
        os.replace(temporary, self.data_dir / ENDPOINT)


def _expired(value: str, now: float) -> bool:
    try:
        return float(value) < now
    except ValueError:
        return False


class StoreConnection:
    """The endpoint of a data dir's store, and the store itself when this process had to start it."""

    def __init__(self, endpoint: str, store: EmbeddedStore | None, data_dir: Path | None = None) -> None:
        self.endpoint = endpoint
        self.store = store
        self.data_dir = data_dir

    def client(self) -> Any:
        """A client of this store, signing with its data dir's key."""
        return client(self.endpoint, self.data_dir)

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


def _answers(endpoint: str, data_dir: Path) -> bool:
    """Whether the store at `endpoint` answers a request signed with the data dir's key."""
    if urlsplit(endpoint).scheme not in ("http", "https"):
        return False
    from botocore.config import Config

    probe = client(endpoint, data_dir, Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1}))
    try:
        probe.list_tables(Limit=1)
    except Exception:  # noqa: BLE001 - anything but an answer: not our store, or not answering
        return False
    return True


def open_store(data_dir: str | os.PathLike[str] | None = None, wait_seconds: float = 10.0) -> StoreConnection:
    """The store serving ``data_dir``: the running one (``<data dir>/endpoint`` answers), else a new one.

    Use it as a context manager; leaving it stops the store only when this process started it::

        with open_store() as connection:
            dynamodb = client(connection.endpoint)
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    deadline = time.monotonic() + wait_seconds
    while True:
        endpoint_file = directory / ENDPOINT
        with contextlib.suppress(OSError):
            endpoint = endpoint_file.read_text(encoding="utf-8").strip()
            if endpoint and _answers(endpoint, directory):
                return StoreConnection(endpoint, None, directory)
        store = EmbeddedStore(directory)
        try:
            return StoreConnection(store.start(), store, directory)
        except StoreLocked:
            # Another process holds the lock but is not answering yet (starting up or stopping).
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def served_from(endpoint: str, data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The data dir (``data_dir``, else the default) when ``endpoint`` is its running store's, else None:
    a client of that endpoint then signs with the data dir's key."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    with contextlib.suppress(OSError):
        if (directory / ENDPOINT).read_text(encoding="utf-8").strip() == endpoint.rstrip("/"):
            return directory
    return None


def is_local_endpoint(endpoint: str) -> bool:
    """True for an endpoint on this machine (DynamoDB Local, the embedded store)."""
    return (urlsplit(endpoint).hostname or "") in ("127.0.0.1", "localhost", "::1", "0.0.0.0")  # noqa: S104


def client(endpoint: str | None = None, data_dir: Path | None = None, config: Any = None) -> Any:
    """A boto3 DynamoDB client for ``endpoint``. For an embedded store (one this process serves, or the
    one of ``data_dir``): signed with its data dir's key. For another local endpoint with no credentials
    configured: dummy credentials and REGION. Otherwise the normal credential chain."""
    import boto3

    session = boto3.session.Session()
    kwargs: dict[str, Any] = {"endpoint_url": endpoint, "region_name": session.region_name or REGION}
    if config is not None:
        kwargs["config"] = config
    key = _KEYS.get(endpoint or "") or (store_key(data_dir) if data_dir is not None else None)
    if endpoint and key is not None:
        kwargs.update(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=key, aws_session_token=None)
    elif endpoint and is_local_endpoint(endpoint) and session.get_credentials() is None:
        kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106 - not a secret
    return session.client("dynamodb", **kwargs)


def ensure_table(
    endpoint: str | None, table_name: str, template: Template | None = None, data_dir: Path | None = None
) -> bool:
    """Create ``table_name`` from the template's table definition if it is missing, with TTL on the
    template's TTL attribute (``expires_ttl``). Returns True when it created the table."""
    template = template if template is not None else load_template()
    dynamodb = client(endpoint, data_dir)
    try:
        described = dynamodb.describe_table(TableName=table_name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    else:
        add_missing_indexes(dynamodb, table_name, described, table_definition(template))
        return False
    try:
        dynamodb.create_table(TableName=table_name, **table_definition(template))
    except dynamodb.exceptions.ResourceInUseException:
        return False  # created meanwhile by someone else
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    attribute = ttl_attribute(template) or "expires_ttl"
    dynamodb.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
    )
    return True


def add_missing_indexes(
    dynamodb: Any, table_name: str, described: dict[str, Any], definition: dict[str, Any]
) -> list[str]:
    """Add to an existing table (a local store journaled by an earlier version) the template's global
    secondary indexes it lacks, as a stack update would (`ByClientId`); returns the names added."""
    present = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    missing = [i for i in definition.get("GlobalSecondaryIndexes", []) if i["IndexName"] not in present]
    for index in missing:
        dynamodb.update_table(
            TableName=table_name,
            AttributeDefinitions=definition["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
    return [index["IndexName"] for index in missing]
