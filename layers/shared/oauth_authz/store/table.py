"""Table plumbing: the DynamoDB client, the calls on the one table, and the one place DynamoDB's failures
become the store's.

- throttled, failing inside, or unreachable once botocore's retries ran out: `StoreUnavailable` (503);
- a cancelled transaction: `WriteConflict` naming the parts whose conditions failed (read from
  CancellationReasons, not guessed), or `StoreUnavailable` when the cancellation was throttling;
- a single write whose condition failed: `ConditionFailed`.

Nothing here knows a key format or an item: `repository.py` (the request path) and `admin.py` (the admin
CLI's operations) build them with `keys.py` and `items.py`.

botocore honours `AWS_ENDPOINT_URL_DYNAMODB`, which is how the local API points every function at its
embedded store without any code here knowing. The client is botocore's own (`botocore.session`), the one
`boto3.client` would wrap: importing boto3 also imports s3transfer and boto3's resource layer, which no
function uses, and cost every cold start 60-100 ms (bench/'s cold-start part).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from oauth_authz.errors import StoreUnavailable
from oauth_authz.store import items

# Throttling and transient errors are retried with botocore's jittered exponential backoff (at most 1 s, then
# 2 s): three attempts in all, so that a request whose store keeps throttling still gets its 503 and
# Retry-After within the functions' 10 s timeout (with four retries the pauses alone could reach 15 s, and
# the client would see a Lambda timeout instead). DynamoDB answers in milliseconds: 3 s is a dead connection.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
    tcp_keepalive=True,
)


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    """The process's client: created once, thread-safe, with botocore's standard retries."""
    return botocore.session.get_session().create_client("dynamodb", config=RETRY_CONFIG)


_UNAVAILABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}
_THROTTLED_PART = {"ThrottlingError", "ProvisionedThroughputExceeded"}
# No answer at all once botocore's retries ran out (connection refused or reset, read timeout).
_UNREACHABLE = (HTTPClientError, BotocoreConnectionError)
BATCH_WRITE_SIZE = 25  # BatchWriteItem's limit


class WriteConflict(Exception):
    """A transaction was cancelled; `parts` names the items whose condition failed (or that conflicted)."""

    def __init__(self, parts: set[str]) -> None:
        super().__init__(", ".join(sorted(parts)) or "transaction cancelled")
        self.parts = parts


class ConditionFailed(Exception):
    """A single write's condition did not hold (ConditionalCheckFailedException)."""


@dataclass
class Write:
    """One action of a transaction, and the name of the part it is (what `WriteConflict.parts` says)."""

    part: str
    action: dict[str, Any]


def put(part: str, item: items.Item, condition: str = "attribute_not_exists(PK)", **extra: Any) -> Write:
    return Write(part, {"Put": {"Item": item, "ConditionExpression": condition, **extra}})


def delete(
    part: str, key: dict[str, str], condition: str | None = "attribute_exists(PK)", **extra: Any
) -> Write:
    body: dict[str, Any] = {"Key": items.key_attributes(key), **extra}
    if condition is not None:
        body["ConditionExpression"] = condition
    return Write(part, {"Delete": body})


def update(part: str, key: dict[str, str], **body: Any) -> Write:
    return Write(part, {"Update": {"Key": items.key_attributes(key), **body}})


def _error_code(error: ClientError) -> str | None:
    code: str | None = error.response.get("Error", {}).get("Code")
    return code


def _cancelled(error: ClientError, parts: Sequence[str]) -> Exception:
    reasons = error.response.get("CancellationReasons") or []
    if any(reason.get("Code") in _THROTTLED_PART for reason in reasons):
        return StoreUnavailable()
    failed = {
        parts[i]
        for i, reason in enumerate(reasons)
        if i < len(parts) and reason.get("Code") not in (None, "None")
    }
    return WriteConflict(failed)


class Table:
    """The one table: every DynamoDB call goes through `_send`, the one translation of its failures."""

    def __init__(self, name: str, client: Any = None) -> None:
        self.name = name
        self.client = client or dynamodb_client()

    def _send(self, operation: str, parts: Sequence[str] = (), **kwargs: Any) -> Any:
        """`parts`: for a transaction, the name of each action, to read CancellationReasons with."""
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            code = _error_code(error)
            if code == "TransactionCanceledException":
                raise _cancelled(error, parts) from error
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed() from error
            if code in _UNAVAILABLE:
                raise StoreUnavailable() from error
            raise
        except _UNREACHABLE as error:  # a write may or may not have happened: the client tries again
            raise StoreUnavailable() from error

    def call(self, operation: str, **kwargs: Any) -> Any:
        """An operation on this table (`get_item`, `put_item`, `update_item`, `query`, `scan`, ...)."""
        return self._send(operation, TableName=self.name, **kwargs)

    def get(self, key: dict[str, str]) -> items.Item | None:
        found: items.Item | None = self.call(
            "get_item", Key=items.key_attributes(key), ConsistentRead=True
        ).get("Item")
        return found

    def batch_get(self, wanted: dict[str, dict[str, str]]) -> dict[str, items.Item]:
        """Several items by key in one BatchGetItem (more only for unprocessed keys), by the names given."""
        found: dict[str, items.Item] = {}
        request: dict[str, Any] = {
            self.name: {"Keys": [items.key_attributes(k) for k in wanted.values()], "ConsistentRead": True}
        }
        while request:
            response = self._send("batch_get_item", RequestItems=request)
            for item in response.get("Responses", {}).get(self.name, []):
                for name, key in wanted.items():
                    if item["PK"]["S"] == key["PK"] and item["SK"]["S"] == key["SK"]:
                        found[name] = item
            request = response.get("UnprocessedKeys") or {}
        return found

    def query(self, partition: str, prefix: str | None, **kwargs: Any) -> Iterator[items.Item]:
        """A partition's items (those whose sort key starts with `prefix`), every page of them;
        `extra_values` joins the key condition's ExpressionAttributeValues (for a FilterExpression)."""
        values = {":pk": items.string(partition)}
        condition = "PK = :pk"
        if prefix:
            condition += " AND begins_with(SK, :prefix)"
            values[":prefix"] = items.string(prefix)
        values.update(kwargs.pop("extra_values", {}))
        params: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **kwargs,
        }
        yield from self.pages("query", params)

    def pages(self, operation: str, params: dict[str, Any]) -> Iterator[items.Item]:
        """Every item of a paginated read (`query`, `scan`), one call per page."""
        while True:
            page = self.call(operation, **params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def transact(self, writes: Sequence[Write]) -> None:
        """One TransactWriteItems: every write happens, or none (`WriteConflict` says which failed)."""
        actions = []
        for write in writes:
            ((kind, body),) = write.action.items()
            actions.append({kind: {"TableName": self.name, **body}})
        self._send("transact_write_items", [write.part for write in writes], TransactItems=actions)

    def batch_delete(self, doomed: Sequence[dict[str, str]]) -> None:
        """Delete items by key, 25 per BatchWriteItem (again for the unprocessed ones); not atomic."""
        for start in range(0, len(doomed), BATCH_WRITE_SIZE):
            requests = [
                {"DeleteRequest": {"Key": items.key_attributes(k)}}
                for k in doomed[start : start + BATCH_WRITE_SIZE]
            ]
            pending: dict[str, Any] = {self.name: requests}
            while pending:
                pending = self._send("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}
