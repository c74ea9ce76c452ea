"""What runs in a worker process: one function instance, like a Lambda execution environment.

The gateway's process starts it (``pool``) with a :class:`WorkerSetup` and talks to it over a pipe. This
module imports nothing of the gateway's side: the fork server preloads it, and every worker runs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection

# At run time, not only for the type: unpickling a setup in the worker needs it, and preloading this
# module in the fork server then preloads it too.
from ..sam_model import FunctionSpec
from .context import LambdaContext

__all__ = ["WorkerSetup", "worker_main"]


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker process is told when it starts (it inherits nothing else from the gateway)."""

    spec: FunctionSpec
    module_name: str
    module_path: str
    #: Put in front of ``sys.path``: the function's code dir, then the layers (as on Lambda).
    sys_path: tuple[str, ...]
    #: The worker's ``os.environ``: the gateway process's when the worker starts (credentials and AWS
    #: configuration of the caller) with ``environment`` over it (None unsets a variable).
    base_environment: dict[str, str]
    environment: dict[str, str | None]


def _apply_environment(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _report_error(setup: WorkerSetup, phase: str, error: BaseException) -> None:
    """Like Lambda's runtime: the error and its traceback (no local variables) in the function's log."""
    with contextlib.suppress(Exception):
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        sys.stderr.write(f"[ERROR] {setup.spec.logical_id} {phase}: {''.join(lines)}")
        sys.stderr.flush()


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def worker_main(connection: Connection, setup: WorkerSetup) -> None:
    """A function instance (a Lambda execution environment) in its own process.

    Imports the handler's module, answers ``("ready", pid)`` (or ``("init_error", type, message)`` and
    ends), then serves one ``(request_id, event, timeout)`` at a time with ``("ok", json)`` or
    ``("error", type, message)``, until the gateway closes its end of the pipe.
    """
    # Ctrl-C reaches the whole process group: the gateway stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the function prints goes where its logs go: the gateway's stderr (stdout is the server's).
    _flush_std_streams()
    with contextlib.suppress(OSError):
        os.dup2(2, 1)
    # Powertools warns on every invocation that publishes no metric; metrics are off locally anyway.
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    os.environ.clear()
    os.environ.update(setup.base_environment)
    _apply_environment(setup.environment)
    for entry in reversed(setup.sys_path):
        while entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
    try:
        module_spec = importlib.util.spec_from_file_location(setup.module_name, setup.module_path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {setup.module_path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[setup.module_name] = module
        module_spec.loader.exec_module(module)
        handler = getattr(module, setup.spec.handler_function, None)
        if not callable(handler):
            raise AttributeError(
                f"handler '{setup.spec.handler_function}' missing on module '{setup.module_name}'"
            )
    except Exception as exc:  # noqa: BLE001 - an init failure is the instance's answer
        _report_error(setup, "init failed", exc)
        with contextlib.suppress(OSError):
            connection.send(("init_error", type(exc).__name__, str(exc)))
        return
    _flush_std_streams()
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        request_id, event, timeout = message
        context = LambdaContext(setup.spec, request_id, time.monotonic() + timeout)
        reply: tuple[str, ...]
        try:
            # Lambda serialises the answer to JSON: what cannot be serialised is an error.
            reply = ("ok", json.dumps(handler(event, context)))
        except Exception as exc:  # noqa: BLE001 - a crash of the function is its answer
            _report_error(setup, f"request {request_id}", exc)
            reply = ("error", type(exc).__name__, str(exc))
        finally:
            _flush_std_streams()
        try:
            connection.send(reply)
        except OSError:
            return
