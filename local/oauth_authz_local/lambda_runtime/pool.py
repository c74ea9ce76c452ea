"""The instances of one function, from the gateway's side: started on demand, reused while warm, killed on
a timeout, replaced when they die, stopped with the gateway."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ..constants import MAX_INTEGRATION_SECONDS
from ..sam_model import FunctionSpec
from .failures import FunctionError, InvocationError, InvocationTimeout
from .processes import LIVE_POOLS, PROCESS_LOCK, Instance, stop_process, worker_context
from .worker import WorkerSetup, worker_main

__all__ = ["INIT_TIMEOUT_SECONDS", "STOP_GRACE_SECONDS", "FunctionPool"]

logger = logging.getLogger(__name__)

#: How long a new instance may take to start and import its handler (Lambda's init phase limit).
INIT_TIMEOUT_SECONDS = 10.0
#: On close, how long busy and idle workers get to end on their own before they are killed.
STOP_GRACE_SECONDS = 2.0


class FunctionPool:
    """Instances of one function: one per concurrent request, at most ``max_instances``.

    An instance is a worker process (see :func:`worker_context`), like a Lambda execution environment in
    its own sandbox: nothing a handler keeps process-wide (Powertools' current event, correlation ids,
    caches) is shared with another instance. It starts on demand, its ``sys_path`` and environment fixed
    then: this process's ``os.environ`` at that moment, with ``environment`` (the variables all
    functions agree on) and ``own_environment`` (this function's others) over it, None unsetting one.
    It imports the handler's module (the cold start), serves one request at a time and is reused (warm)
    afterwards. An instance whose invocation runs past its timeout is killed (SIGKILL, like Lambda); one
    that died is replaced by the next request. The timeout counts from when an instance takes the
    request: the time spent waiting for a free instance (``queue_timeout``) or for a new one to start
    (``init_timeout``) is not the function's.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        own_environment: Mapping[str, str] | None = None,
        max_instances: int = 8,
        environment: Mapping[str, str | None] | None = None,
        *,
        sys_path: Iterable[str | os.PathLike[str]] = (),
        init_timeout: float = INIT_TIMEOUT_SECONDS,
        queue_timeout: float = MAX_INTEGRATION_SECONDS,
    ) -> None:
        self.spec = spec
        self.own_environment = dict(own_environment or {})
        self.environment = dict(environment or {})
        #: The layers' code dirs, in the order Lambda puts them on ``sys.path`` (after the function's own).
        self.sys_path = [os.fspath(entry) for entry in sys_path]
        self.max_instances = max_instances
        self.init_timeout = init_timeout
        #: How long a request waits for a free instance when all ``max_instances`` are busy (Lambda
        #: would scale out instead; API Gateway gives up on an integration after 29 s anyway).
        self.queue_timeout = queue_timeout
        self._idle: list[Instance] = []
        #: Every worker started and not stopped yet: idle, busy or starting.
        self._workers: set[Instance] = set()
        #: Instances counted against max_instances, starting ones included.
        self._count = 0
        self._closed = False
        self._condition = threading.Condition()
        self._serial = itertools.count(1)
        LIVE_POOLS.add(self)

    def worker_environment(self) -> dict[str, str | None]:
        """What a worker applies to its ``os.environ`` at start."""
        return {**self.environment, **self.own_environment}

    def worker_pids(self) -> list[int]:
        """The process ids of this function's live workers."""
        with self._condition:
            return sorted(instance.pid for instance in self._workers)

    def _load(self) -> Instance:
        context = worker_context()
        setup = WorkerSetup(
            spec=self.spec,
            module_name=self.spec.handler_module,
            module_path=str(self.spec.module_path),
            sys_path=(str(self.spec.code_dir), *self.sys_path),
            base_environment=dict(os.environ),
            environment=self.worker_environment(),
        )
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=worker_main,
            args=(child_end, setup),
            name=f"lambda-{self.spec.logical_id}-{next(self._serial)}",
            daemon=True,
        )
        try:
            with PROCESS_LOCK:
                process.start()
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()  # the worker's end lives in the worker only: its death is our EOF
        instance = Instance(process, parent_end, process.pid or 0)
        with self._condition:
            self._workers.add(instance)
            closed = self._closed
        try:
            if closed:
                raise InvocationError(f"{self.spec.logical_id}: the gateway is closed")
            if not parent_end.poll(self.init_timeout):
                raise InvocationTimeout(
                    f"{self.spec.logical_id}: Init timed out after {self.init_timeout:.2f} seconds"
                )
            reply = parent_end.recv()
        except (EOFError, OSError):
            status = self._stop(instance)
            raise InvocationError(
                f"{self.spec.logical_id}: Runtime exited during init with error: {status}"
            ) from None
        except BaseException:
            self._stop(instance)
            raise
        if not (isinstance(reply, tuple) and reply and reply[0] == "ready"):
            self._stop(instance)
            if isinstance(reply, tuple) and len(reply) == 3 and reply[0] == "init_error":
                raise InvocationError(f"{self.spec.logical_id}: init failed: {reply[1]}: {reply[2]}")
            raise InvocationError(f"{self.spec.logical_id}: init failed: unexpected answer")
        return instance

    def _stop(self, instance: Instance, grace: float = 0.0) -> str:
        """Stop and join the worker, close our end of its pipe, forget it; how it ended."""
        status = stop_process(instance, grace)
        with contextlib.suppress(OSError):
            instance.connection.close()
        with self._condition:
            self._workers.discard(instance)
            self._condition.notify_all()
        return status

    @staticmethod
    def _healthy(instance: Instance) -> bool:
        # An idle worker never writes: something to read is the EOF of a worker that has died.
        try:
            return not instance.connection.poll(0)
        except (OSError, ValueError):
            return False

    def acquire(self, timeout: float) -> Instance:
        deadline = time.monotonic() + timeout
        dead: list[Instance] = []
        try:
            with self._condition:
                while True:
                    if self._closed:
                        raise InvocationError(f"{self.spec.logical_id}: the gateway is closed")
                    while self._idle:
                        instance = self._idle.pop()
                        if self._healthy(instance):
                            return instance
                        dead.append(instance)
                        self._count -= 1
                    if self._count < self.max_instances:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise InvocationTimeout(f"{self.spec.logical_id}: no free instance")
                    self._condition.wait(remaining)
                self._count += 1
        finally:
            for instance in dead:
                status = self._stop(instance)
                logger.warning("gateway: an idle %s instance ended (%s)", self.spec.logical_id, status)
        try:
            return self._load()
        except BaseException:
            with self._condition:
                self._count -= 1
                self._condition.notify_all()
            raise

    def release(self, instance: Instance) -> None:
        with self._condition:
            if not self._closed and instance.status is None:
                self._idle.append(instance)
                self._condition.notify_all()
                return
        self.discard(instance)

    def discard(self, instance: Instance) -> str:
        """Kill the instance (if it still runs) and free its place; how it ended."""
        status = self._stop(instance)
        with self._condition:
            self._count -= 1
            self._condition.notify_all()
        return status

    def prewarm(self) -> None:
        self.release(self.acquire(timeout=self.spec.timeout))

    def invoke(self, event: dict[str, Any], request_id: str, timeout: float | None = None) -> Any:
        """Run the handler on ``event`` in a worker; its JSON-serialised answer, parsed back."""
        name = self.spec.logical_id
        limit = float(timeout if timeout is not None else self.spec.timeout)
        try:
            instance = self.acquire(timeout=max(limit, self.queue_timeout))
        except InvocationError:
            raise
        except BaseException as exc:
            raise InvocationError(f"{name}: init failed: {type(exc).__name__}: {exc}") from exc
        connection = instance.connection
        try:
            connection.send((request_id, event, limit))
            reply = connection.recv() if connection.poll(limit) else None
        except (EOFError, OSError):
            status = self.discard(instance)
            raise InvocationError(f"{name}: Runtime exited with error: {status}") from None
        except BaseException as exc:
            self.discard(instance)
            raise InvocationError(f"{name}: cannot invoke: {type(exc).__name__}: {exc}") from exc
        if reply is None:
            self.discard(instance)
            raise InvocationTimeout(f"{name}: Task timed out after {limit:.2f} seconds")
        if isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "ok":
            self.release(instance)
            return json.loads(reply[1])
        if isinstance(reply, tuple) and len(reply) == 3 and reply[0] == "error":
            self.release(instance)
            raise FunctionError(str(reply[1]), str(reply[2]))
        self.discard(instance)
        raise InvocationError(f"{name}: unexpected answer from the runtime")

    def close(self, deadline: float | None = None) -> None:
        """Stop every worker: idle ones end on their own, busy ones get until ``deadline`` (a
        ``time.monotonic()`` value; default STOP_GRACE_SECONDS from now) to finish, then are killed.
        All are joined when this returns; the pool starts no worker afterwards."""
        if deadline is None:
            deadline = time.monotonic() + STOP_GRACE_SECONDS
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            workers = list(self._workers)
            self._condition.notify_all()
        for instance in idle:
            with contextlib.suppress(OSError):
                instance.connection.close()  # the worker reads EOF and ends
        for instance in workers:
            grace = max(0.0, deadline - time.monotonic())
            if instance in idle:
                self._stop(instance, grace)
            else:
                # Its caller holds it (and its pipe): only the process is ended here.
                stop_process(instance, grace)
