"""What a handler asks of DynamoDB: every call counted and recorded through botocore's events, its
ReturnConsumedCapacity total, and the capacity units DynamoDB's sizing rules give for it (moto reports
fixed placeholder figures, so the rules are applied here to the items as they were before the call)."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from bench.env import Key, Snapshot


@dataclass
class Call:
    operation: str  # e.g. GetItem
    params: dict[str, Any]
    reported_capacity: float = 0.0


@dataclass
class Recorder:
    """Attach to a client once; `recording()` collects the calls made meanwhile."""

    client: Any
    capacity: bool = True  # the counting pass: ReturnConsumedCapacity=TOTAL, and the calls copied
    calls: list[Call] = field(default_factory=list)
    active: bool = False

    def __post_init__(self) -> None:
        events = self.client.meta.events
        events.register("provide-client-params.dynamodb.*", self._params)
        events.register("after-call.dynamodb.*", self._after)

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            return
        if not self.capacity:  # a timed run: only what it takes to put the table back afterwards
            self.calls.append(Call(model.name, params))
            return
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        recorded = {k: v for k, v in params.items() if k != "ReturnConsumedCapacity"}
        self.calls.append(Call(model.name, copy.deepcopy(recorded)))

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active or not self.calls:
            return
        consumed = parsed.get("ConsumedCapacity")
        if isinstance(consumed, dict):
            consumed = [consumed]
        self.calls[-1].reported_capacity = sum(float(c.get("CapacityUnits", 0)) for c in consumed or [])

    @contextmanager
    def recording(self, capacity: bool = True) -> Iterator[list[Call]]:
        self.calls = []
        self.capacity = capacity
        self.active = True
        try:
            yield self.calls
        finally:
            self.active = False


def written_keys(calls: list[Call]) -> set[Key]:
    """The keys of every item the calls may have written."""
    found: set[Key] = set()
    for call in calls:
        p = call.params
        if call.operation == "PutItem":
            found.add(_key(p["Item"]))
        elif call.operation in ("UpdateItem", "DeleteItem"):
            found.add(_key(p["Key"]))
        elif call.operation == "TransactWriteItems":
            for action in p["TransactItems"]:
                ((kind, body),) = action.items()
                if kind != "ConditionCheck":
                    found.add(_key(body["Item"] if kind == "Put" else body["Key"]))
        elif call.operation == "BatchWriteItem":
            for requests in p["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        found.add(_key(request["PutRequest"]["Item"]))
                    else:
                        found.add(_key(request["DeleteRequest"]["Key"]))
    return found


def replay(client: Any, calls: list[Call]) -> None:
    """The same calls, made directly with boto3 (a refused condition is an answer like any other)."""
    for call in calls:
        with suppress(ClientError):
            getattr(client, xform_name(call.operation))(**call.params)


# ------------------------------------------------------------------------------------------- capacity
def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        digits = len(inner.lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(_value_size({"N": n}) for n in inner)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _key(key: dict[str, Any]) -> Key:
    return key["PK"]["S"], key["SK"]["S"]


@dataclass
class Capacity:
    read: float = 0.0
    write: float = 0.0

    def __iadd__(self, other: Capacity) -> Capacity:
        self.read += other.read
        self.write += other.write
        return self


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def _write_units(size: int) -> float:
    return float(max(1, math.ceil(size / 1024)))


def _string(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def estimate(call: Call, before: Snapshot) -> Capacity:
    """Read and write request units of one call, by DynamoDB's published sizing rules (on-demand)."""
    p = call.params
    consistent = bool(p.get("ConsistentRead"))
    if call.operation == "GetItem":
        return Capacity(read=_read_units(item_size(before.get(_key(p["Key"]))), consistent))
    if call.operation == "BatchGetItem":
        total = Capacity()
        for request in p["RequestItems"].values():
            for key in request["Keys"]:
                size = item_size(before.get(_key(key)))
                total.read += _read_units(size, bool(request.get("ConsistentRead")))
        return total
    if call.operation == "Query" and p.get("IndexName") == "ByClientId":
        client_id = p["ExpressionAttributeValues"][":client_id"]["S"]
        size = sum(item_size(item) for item in before.values() if _string(item, "client_id") == client_id)
        return Capacity(read=_read_units(size, consistent))  # an index read is eventually consistent
    if call.operation == "Query":
        values = p["ExpressionAttributeValues"]
        partition = values[":pk"]["S"]
        prefix = values.get(":prefix", {}).get("S", "")
        size = sum(
            item_size(item) for (pk, sk), item in before.items() if pk == partition and sk.startswith(prefix)
        )
        return Capacity(read=_read_units(size, consistent))
    if call.operation == "PutItem":
        item = p["Item"]
        return Capacity(write=_write_units(max(item_size(item), item_size(before.get(_key(item))))))
    if call.operation in ("UpdateItem", "DeleteItem"):
        # an update's new size is at most a little more than the old one's: counted at the old size
        return Capacity(write=_write_units(item_size(before.get(_key(p["Key"])))))
    if call.operation == "TransactWriteItems":
        total = Capacity()
        for action in p["TransactItems"]:
            ((kind, body),) = action.items()
            if kind == "Put":
                size = max(item_size(body["Item"]), item_size(before.get(_key(body["Item"]))))
            else:
                size = item_size(before.get(_key(body["Key"])))
            if kind == "ConditionCheck":
                total.read += 2 * _read_units(size, True)
            else:
                total.write += 2 * _write_units(size)
        return total
    if call.operation == "BatchWriteItem":
        total = Capacity()
        for requests in p["RequestItems"].values():
            for request in requests:
                if "PutRequest" in request:
                    total.write += _write_units(item_size(request["PutRequest"]["Item"]))
                else:
                    total.write += _write_units(item_size(before.get(_key(request["DeleteRequest"]["Key"]))))
        return total
    return Capacity()
