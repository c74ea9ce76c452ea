"""Logger, Tracer and Metrics: created once, shared by every function of the process.

Logs never carry a secret, whatever `LogLevel` says. On Lambda the level (advanced logging controls) is the
root logger's, and the libraries' loggers inherit it: at DEBUG botocore logs every response body (the KMS
Decrypt answer is a user's TOTP seed, a BatchGetItem answer a password hash), urllib3 its connections, the
X-Ray SDK the segments it sends. So those loggers are held at WARNING here, where the Logger is created
(`QUIET_LOGGERS`). Powertools' own package logger does not propagate: its DEBUG lines (a route's path
parameters among them, a token on the token-in-path routes) appear only with `POWERTOOLS_DEBUG`, which the
template never sets.

Tracing is on where Powertools turns it on: on Lambda (the template sets `Tracing: Active`), unless
`POWERTOOLS_TRACE_DISABLED`. Elsewhere (the local API, tests, benchmarks) Powertools would still import the
X-Ray SDK's core (a few hundred ms of a cold start) only to run it disabled, so the tracer gets a provider
that records nothing instead, and the X-Ray SDK is never imported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


def tracing_enabled(environ: dict[str, str] | None = None) -> bool:
    """Powertools' own rule (`Tracer._is_tracer_disabled`): on Lambda, not under SAM local or Chalice,
    and not disabled by POWERTOOLS_TRACE_DISABLED."""
    env = os.environ if environ is None else environ
    if resolve_truthy_env_var_choice(env=env.get(constants.TRACER_DISABLED_ENV, "false")):
        return False
    on_lambda = bool(env.get(constants.LAMBDA_TASK_ROOT_ENV))
    emulated = bool(env.get(constants.SAM_LOCAL_ENV) or env.get(constants.CHALICE_LOCAL_ENV))
    return on_lambda and not emulated


class _Unrecorded(BaseSegment):
    """A segment that keeps nothing."""

    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class UnrecordedProvider(BaseProvider):
    """The tracer's provider where tracing is off: every method does nothing."""

    @contextlib.contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _Unrecorded()

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield _Unrecorded()

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


# Libraries whose DEBUG or INFO records can hold a secret (see the module's docstring); their children
# (botocore.parsers, botocore.endpoint...) inherit the level.
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "aws_xray_sdk")
for _name in QUIET_LOGGERS:
    logging.getLogger(_name).setLevel(logging.WARNING)

logger = Logger()


def log_fault(message: str, error: BaseException) -> None:
    """A 5xx's log line: the exception's type and where it was raised (file, line, function of each frame),
    never its message, which may carry what the request sent (a pydantic ValidationError quotes its input:
    a code, a token, a secret)."""
    frames = traceback.extract_tb(error.__traceback__)
    logger.error(
        message,
        extra={
            "error_type": type(error).__name__,
            "frames": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames],
        },
    )


tracer = (
    Tracer() if tracing_enabled() else Tracer(disabled=True, auto_patch=False, provider=UnrecordedProvider())
)
metrics = Metrics()
