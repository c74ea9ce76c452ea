"""``python -m oauth_authz_local serve``: the whole API on 127.0.0.1, and :func:`start_local_api` for tests.

Without ``--dynamodb-endpoint`` the data lives in the embedded store (moto, persisted under the data
dir); with it, any DynamoDB (DynamoDB Local, a real table) is used. Either way the table is created
from the template's definition when it is missing.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .apigw.gateway import Gateway
from .constants import DEFAULT_PORT, DEFAULT_TABLE, REGION
from .docs_site import DocsSite
from .embedded_dynamodb import EmbeddedStore, default_data_dir, ensure_table, is_local_endpoint
from .http_server import GatewayServer
from .lambda_runtime.processes import start_worker_server
from .sam_model import layer_paths, load_template
from .store_auth import ACCESS_KEY_ID, store_key
from .totp_key import local_totp_key

__all__ = ["EnvironmentPatch", "LocalApi", "main", "start_local_api"]

logger = logging.getLogger(__name__)


class EnvironmentPatch:
    """Sets ``os.environ`` keys (None removes one) and puts the old values back on ``restore()``."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def apply(self, values: Mapping[str, str | None]) -> None:
        for key, value in values.items():
            self._saved.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


def _powertools_supports_metrics_disabled() -> bool:
    try:
        from aws_lambda_powertools.shared import constants
    except ImportError:
        return False
    return hasattr(constants, "METRICS_DISABLED_ENV")


def runtime_environment(
    endpoint: str, embedded: bool, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, str | None]:
    """What the functions' process needs besides the template's variables: the DynamoDB endpoint,
    credentials and region, Powertools without X-Ray or CloudWatch metrics, and the data dir's key for
    the secrets at rest (TOTP seeds) in place of the deployed stack's KMS key."""
    values: dict[str, str | None] = {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "TOTP_LOCAL_KEY": local_totp_key(data_dir),
        "TOTP_KMS_KEY_ID": None,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_XRAY_SDK_ENABLED": "false",
        "POWERTOOLS_DEV": None,
    }
    if _powertools_supports_metrics_disabled():
        values["POWERTOOLS_METRICS_DISABLED"] = "true"
    if embedded:
        values.update(
            {
                # the embedded store answers only requests signed with its data dir's key (store_auth.py)
                "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": store_key(
                    Path(data_dir) if data_dir is not None else default_data_dir()
                ),
                "AWS_SESSION_TOKEN": None,
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
            }
        )
        return values
    import boto3

    session = boto3.session.Session()
    region = session.region_name or REGION
    values.setdefault("AWS_REGION", os.environ.get("AWS_REGION") or region)
    values.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION") or region)
    if is_local_endpoint(endpoint) and session.get_credentials() is None:
        values.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})  # noqa: S105
    return values


class LocalApi:
    """A running local API: ``url``, ``endpoint`` (DynamoDB), ``table``; ``stop()`` ends it."""

    def __init__(
        self,
        url: str,
        endpoint: str,
        table: str,
        server: GatewayServer,
        store: EmbeddedStore | None,
        environment: EnvironmentPatch,
    ) -> None:
        self.url = url
        self.endpoint = endpoint
        self.table = table
        self.server = server
        self.gateway = server.gateway
        self.store = store
        self._environment = environment

    def stop(self) -> None:
        self.server.stop()
        if self.store is not None:
            self.store.stop()
            self.store = None
        self._environment.restore()

    def __enter__(self) -> LocalApi:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def start_local_api(
    port: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    table: str = DEFAULT_TABLE,
    dynamodb_endpoint: str | None = None,
    *,
    host: str = "127.0.0.1",
    template_path: str | os.PathLike[str] | None = None,
    parameter_overrides: Mapping[str, Any] | None = None,
    max_instances: int = 8,
    prewarm: bool | Collection[str] = False,
) -> LocalApi:
    """Start the store (unless ``dynamodb_endpoint``), the table and the gateway in this process.

    Every function instance runs in a worker process of its own (``lambda_runtime.pool``). Its
    environment is fixed when it starts: this process's ``os.environ`` at that moment with what the
    gateway computed over it (the template's variables, the table, the DynamoDB endpoint, credentials,
    region, Powertools switches). Nothing this process does later to ``os.environ`` or to the layer's
    caches reaches a running instance, nor the reverse. The runtime environment and the variables all
    functions share are also set in this process's ``os.environ`` (restored by ``stop()``), and the
    layers put on ``sys.path``.

    ``prewarm``: the functions (logical ids; True: all of them) to start an instance of before this
    returns (in parallel). Otherwise an instance starts with the first request that needs it; the fork
    server the workers come from is started now and imports the shared modules in the background.

    As with any multiprocessing program, a script that calls this must guard its top level with
    ``if __name__ == "__main__":``: every worker runs the main script again (as ``__mp_main__``).
    """
    template = load_template(template_path)
    store: EmbeddedStore | None = None
    gateway: Gateway | None = None
    environment = EnvironmentPatch()
    try:
        if dynamodb_endpoint is None:
            store = EmbeddedStore(data_dir if data_dir is not None else default_data_dir())
            endpoint = store.start()
        else:
            endpoint = dynamodb_endpoint
        runtime = runtime_environment(endpoint, embedded=store is not None, data_dir=data_dir)
        environment.apply(runtime)
        ensure_table(endpoint, table, template)
        gateway = Gateway(
            template,
            table_name=table,
            parameter_overrides=parameter_overrides,
            max_instances=max_instances,
            runtime_environment=runtime,
        )
        environment.apply(gateway.environment)
        for directory in reversed(layer_paths(template)):
            if str(directory) not in sys.path:
                sys.path.insert(0, str(directory))
        # The fork server preloads the layer's modules from sys.path: it starts once the layers are on it.
        if prewarm:
            names = None if prewarm is True else list(prewarm)
            for logical_id, error in gateway.prewarm(names):
                logger.error("cannot load %s: %s: %s", logical_id, type(error).__name__, error)
        else:
            # Only spawns it: the fork server imports its modules while the server starts and serves.
            _start_worker_server()
        server = GatewayServer(gateway, host=host, port=port, site=DocsSite(template))
        url = server.start()
    except BaseException:
        if gateway is not None:
            gateway.close()
        if store is not None:
            store.stop()
        environment.restore()
        raise
    return LocalApi(url, endpoint, table, server, store, environment)


def _start_worker_server() -> None:
    try:
        start_worker_server()
    except Exception:
        logger.exception("cannot start the workers' fork server (the first cold start will try again)")


# ---------------------------------------------------------------------------------------------- CLI
def _parameter_overrides(values: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for value in values:
        name, separator, setting = value.partition("=")
        if not separator or not name:
            raise argparse.ArgumentTypeError(f"expected Name=Value, got {value!r}")
        overrides[name] = setting
    return overrides


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth_authz_local serve",
        description="Run the oauth-authz API locally: API Gateway + Lambda emulated, DynamoDB embedded.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help="port (default $PORT or 3000)",
    )
    parser.add_argument(
        "--dynamodb-endpoint",
        help="use this DynamoDB (DynamoDB Local, a real endpoint) instead of the embedded store",
    )
    parser.add_argument("--table", default=DEFAULT_TABLE, help=f"table name (default {DEFAULT_TABLE})")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="embedded store's data dir (default $OAUTH_AUTHZ_DATA_DIR or <repo>/.local-data)",
    )
    parser.add_argument("--template", type=Path, help="SAM template (default <repo>/template.yaml)")
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="Name=Value",
        help="template parameters, as with sam",
    )
    parser.add_argument(
        "--max-instances", type=int, default=8, help="concurrent instances per function (default 8)"
    )
    parser.add_argument(
        "--prewarm",
        nargs="*",
        default=[],
        metavar="FUNCTION",
        help="start an instance of these functions (logical ids; 'all': every one) before serving",
    )
    return parser


def _configure_logging() -> None:
    package_logger = logging.getLogger("oauth_authz_local")
    if not package_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
        package_logger.addHandler(handler)
        package_logger.setLevel(logging.INFO)
        package_logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    _configure_logging()
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        api = start_local_api(
            port=arguments.port,
            data_dir=arguments.data_dir,
            table=arguments.table,
            dynamodb_endpoint=arguments.dynamodb_endpoint,
            host=arguments.host,
            template_path=arguments.template,
            parameter_overrides=_parameter_overrides(arguments.parameter_overrides),
            max_instances=arguments.max_instances,
            prewarm=True if "all" in arguments.prewarm else arguments.prewarm,
        )
    except Exception as exc:
        print(f"oauth-authz local API: cannot start: {exc}", file=sys.stderr)
        return 1
    print(f"oauth-authz local API on {api.url} (DynamoDB: {api.endpoint}, table {api.table})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        api.stop()
        print("oauth-authz local API stopped", file=sys.stderr, flush=True)
    return 0
