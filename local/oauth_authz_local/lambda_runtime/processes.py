"""Worker processes, from the gateway's side: where they come from (a fork server that preloads the shared
modules, spawn where there is none, never a plain fork of this multi-threaded process), how one is stopped
and reaped, and the exit hook that ends whatever a caller left running.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:  # ForkServerContext does not exist on Windows
    from multiprocessing.context import ForkServerContext, SpawnContext

__all__ = [
    "LIVE_POOLS",
    "PROCESS_LOCK",
    "WORKER_PRELOAD",
    "Instance",
    "WorkerContext",
    "start_worker_server",
    "stop_process",
    "worker_context",
]

WorkerContext: TypeAlias = "ForkServerContext | SpawnContext"


class _Pool(Protocol):
    def close(self, deadline: float | None = None) -> None: ...


#: Modules the fork server imports once, so that a new worker starts with them loaded (tens of
#: milliseconds instead of more than a second). Imports only: none of them creates a boto3 client or
#: reads the layer's settings at import (the layer creates both lazily, through lru_cache).
#: ``oauth_authz.observability``, and ``oauth_authz.http`` which imports it, are left out on purpose: they
#: build Powertools' Logger, Tracer and Metrics at import from the POWERTOOLS_* variables, which must be
#: the worker's own; what makes them slow to import (aws_xray_sdk, wrapt) is preloaded instead.
WORKER_PRELOAD: tuple[str, ...] = (
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.logging.correlation_paths",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.typing",
    "aws_xray_sdk.core",
    "pydantic",
    "boto3",
    "botocore.session",
    "botocore.config",
    "botocore.exceptions",
    "encodings.idna",
    "argon2",
    "oauth_authz.models.api",
    "oauth_authz.models.domain",
    "oauth_authz.views",
    "oauth_authz.settings",
    "oauth_authz.store.table",
    "oauth_authz.store.repository",
    "oauth_authz.service.accounts",
    "oauth_authz.service.app_tokens",
    "oauth_authz.service.authentication",
    "oauth_authz.service.authorizations",
    "oauth_authz.service.grants",
    # what a worker runs (and, through it, the model its setup is made of)
    "oauth_authz_local.lambda_runtime.worker",
)

_WORKER_CONTEXT: WorkerContext | None = None
#: Every pool, so that workers a caller did not stop are stopped at exit.
LIVE_POOLS: weakref.WeakSet[_Pool] = weakref.WeakSet()
_WORKER_CONTEXT_LOCK = threading.Lock()
#: Starting and reaping worker processes, one thread at a time: multiprocessing polls every child's exit
#: status when it starts a process, which races with a join in another thread (the status is then lost).
PROCESS_LOCK = threading.Lock()


def worker_context() -> WorkerContext:
    """The multiprocessing context of the function workers: forkserver, spawn where there is none.

    Never fork: the gateway's process has HTTP and store threads. The first call gives the fork server
    its preload list (it is read when the fork server starts: once per process)."""
    global _WORKER_CONTEXT
    with _WORKER_CONTEXT_LOCK:
        if _WORKER_CONTEXT is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                forkserver_context = multiprocessing.get_context("forkserver")
                forkserver_context.set_forkserver_preload(_preload_modules())
                _WORKER_CONTEXT = forkserver_context
            else:
                _WORKER_CONTEXT = multiprocessing.get_context("spawn")
            atexit.register(_shutdown_workers)
        return _WORKER_CONTEXT


def _shutdown_workers() -> None:
    """At exit: stop the workers a caller left running, then end the fork server and multiprocessing's
    resource tracker and reap them. Left to themselves they end once this process has, as orphans,
    which nothing reaps where the init process does not (containers, sandboxes)."""
    for pool in list(LIVE_POOLS):
        with contextlib.suppress(Exception):
            pool.close(time.monotonic())
    from multiprocessing import forkserver, resource_tracker

    deadline = time.monotonic() + 5.0
    # (the fork server first: what it still runs holds the resource tracker's pipe)
    _end_helper(getattr(forkserver, "_forkserver", None), "_forkserver_pid", "_forkserver_alive_fd", deadline)
    _end_helper(getattr(resource_tracker, "_resource_tracker", None), "_pid", "_fd", deadline)


def _end_helper(owner: object, pid_name: str, fd_name: str, deadline: float) -> None:
    """Close the pipe whose end tells a multiprocessing helper process to exit, and reap it; SIGKILL it
    if it is still there at ``deadline``. (Its own ``_stop()`` would wait without a limit.)"""
    pid, fd = getattr(owner, pid_name, None), getattr(owner, fd_name, None)
    if not isinstance(pid, int) or not isinstance(fd, int):
        return
    setattr(owner, pid_name, None)
    setattr(owner, fd_name, None)
    with contextlib.suppress(OSError):
        os.close(fd)
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except OSError:  # not our child (any more)
        return


def start_worker_server() -> None:
    """Start the fork server now (it imports WORKER_PRELOAD once, 1-2 s) instead of at the first cold start.

    The modules are looked up on this process's ``sys.path`` as it is now (put the layers on it first)."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _preload_modules() -> list[str]:
    modules = list(WORKER_PRELOAD)
    # multiprocessing runs this process's main script again in every new process (as __mp_main__). When
    # it is a console script's wrapper (pytest's, when tests start workers), what it imports is imported
    # once by the fork server instead: ~0.3 s less per worker under pytest.
    main = sys.modules.get("__main__")
    main_path = getattr(main, "__file__", None)
    if main is not None and getattr(main, "__spec__", None) is None and isinstance(main_path, str):
        modules.extend(_script_imports(main_path))
    return modules


def _script_imports(path: str) -> list[str]:
    """What a console script's wrapper (imports, then an ``if __name__ == "__main__":`` block) imports;
    nothing for any other script, whose imports might do anything (start threads) in the fork server."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                names.append(node.module)
        elif (
            isinstance(node, ast.If) and ast.unparse(node.test).replace("'", '"') == '__name__ == "__main__"'
        ):
            continue
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring
            return []
    return names


def _exit_status(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"signal: {signal.Signals(-code).name}"
        except ValueError:
            return f"signal: {-code}"
    return f"exit status {code}"


@dataclass(eq=False)
class Instance:
    """A worker process and the gateway's end of its pipe."""

    process: BaseProcess
    connection: Connection
    pid: int
    #: How the process ended, once it is stopped and joined.
    status: str | None = None


def _stopped(instance: Instance) -> str | None:
    return instance.status


def stop_process(instance: Instance, grace: float = 0.0) -> str:
    """End the worker (after ``grace`` seconds to end on its own), join it; how it ended. Idempotent."""
    with PROCESS_LOCK:
        if instance.status is not None:
            return instance.status
        sentinel = instance.process.sentinel
    if grace > 0:
        with contextlib.suppress(OSError, ValueError):
            multiprocessing.connection.wait([sentinel], grace)
    with PROCESS_LOCK:
        status = _stopped(instance)  # another thread may have stopped it meanwhile
        if status is not None:
            return status
        process = instance.process
        if process.exitcode is None:
            process.kill()  # SIGKILL, as Lambda ends an environment
        process.join(10)
        instance.status = _exit_status(process.exitcode)
        if process.exitcode is not None:
            process.close()
        return instance.status
