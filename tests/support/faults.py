"""Faults injected into the functions' DynamoDB client through botocore's event hooks.

- `throttle`: the next `n` HTTP sends (attempts, retries included) answer as DynamoDB does when it throttles
  (HTTP 400 `ThrottlingException`) or fails inside (HTTP 500 `InternalServerError`), before moto sees them;
  botocore's standard retry mode retries them, so `n` below the attempts is "transient, then success" and a
  large `n` is "retries ran out";
  (`throttle_after`: only once that many calls went through);
- `kill_after`: the handler dies like a Lambda hitting its timeout once `k` DynamoDB calls have been answered,
  before it sees the k-th answer (a `BaseException`: no `except Exception` in the code can catch it);
- `backoffs`: the delays botocore's retry policy chose (recorded, then not slept, so the tests stay fast).

The hooks go on the process's cached client (`oauth_authz.store.table.dynamodb_client`), registered first so
they run before moto's own `before-send` stub.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError
from botocore.retries import standard
from moto.core.models import botocore_stubber as moto_stub

from oauth_authz.store.table import dynamodb_client

THROTTLING = ("ThrottlingException", 400, "Rate of requests exceeds the allowed throughput.")
INTERNAL = ("InternalServerError", 500, "Internal server error")
CONNECTION_CLOSED = ("ConnectionClosed", 0, "no answer: the connection was closed")  # raised, not answered


class LambdaTimeout(BaseException):  # noqa: N818 - named after what it simulates
    """The runtime stopping a handler in the middle of a request."""


class _Raw(BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def error_response(url: str, code: str, status: int, message: str) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"}
    return AWSResponse(url, status, headers, _Raw(body.encode()))


@dataclass
class Faults:
    """What the hooks did: API calls seen (by operation), sends refused, and the retry delays chosen."""

    calls: list[str] = field(default_factory=list)
    refused: int = 0
    backoffs: list[float] = field(default_factory=list)
    throttle_left: int = 0
    error: tuple[str, int, str] = THROTTLING
    kill_after: int | None = None
    throttle_after: int = 0  # calls answered normally before the throttling starts
    moto_was_enabled: bool = True

    def before_call(self, model: Any, **_: Any) -> None:
        if self.kill_after == 0:
            raise LambdaTimeout(f"killed before its first call ({model.name})")
        self.calls.append(model.name)

    def after_call(self, model: Any, **_: Any) -> None:
        if self.kill_after is not None and len(self.calls) >= self.kill_after:
            raise LambdaTimeout(f"killed after call {len(self.calls)} ({model.name}) was answered")

    def before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.throttle_left <= 0 or len(self.calls) <= self.throttle_after:
            return None
        self.throttle_left -= 1
        self.refused += 1
        # botocore runs every `before-send` handler and takes the first answer: moto's stub, which comes
        # after this one, must not carry out the refused attempt. `response_received` turns it back on.
        moto_stub.enabled = False
        code, status, message = self.error
        if status == 0:
            raise ConnectionClosedError(endpoint_url=request.url)
        return error_response(request.url, code, status, message)

    def response_received(self, **_: Any) -> None:
        moto_stub.enabled = self.moto_was_enabled

    @property
    def writes(self) -> list[str]:
        return [name for name in self.calls if name in WRITE_OPERATIONS]


WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


@contextlib.contextmanager
def inject(
    monkeypatch: pytest.MonkeyPatch,
    *,
    throttle: int = 0,
    throttle_after: int = 0,
    error: tuple[str, int, str] = THROTTLING,
    kill_after: int | None = None,
) -> Iterator[Faults]:
    """Faults on the functions' DynamoDB client while the block runs (the hooks are removed after it)."""
    faults = Faults(
        throttle_left=throttle,
        throttle_after=throttle_after,
        error=error,
        kill_after=kill_after,
        moto_was_enabled=moto_stub.enabled,
    )
    original = standard.ExponentialBackoff.delay_amount

    def recorded(self: standard.ExponentialBackoff, context: Any) -> float:
        faults.backoffs.append(original(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", recorded)
    events = dynamodb_client().meta.events
    events.register_first("before-call.dynamodb.*", faults.before_call, unique_id="faults-call")
    events.register_first("before-send.dynamodb.*", faults.before_send, unique_id="faults-send")
    events.register_first("after-call.dynamodb.*", faults.after_call, unique_id="faults-after")
    events.register_first("response-received.dynamodb.*", faults.response_received, unique_id="faults-rr")
    try:
        yield faults
    finally:
        events.unregister("before-call.dynamodb.*", unique_id="faults-call")
        events.unregister("before-send.dynamodb.*", unique_id="faults-send")
        events.unregister("after-call.dynamodb.*", unique_id="faults-after")
        events.unregister("response-received.dynamodb.*", unique_id="faults-rr")
        moto_stub.enabled = faults.moto_was_enabled
        monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", original)
