"""`oauth_authz.store.table`: the one translation of DynamoDB's failures, on every kind of call, and the
plumbing around it (pages, batches, transactions), on a scripted client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from oauth_authz.errors import StoreUnavailable
from oauth_authz.store import items
from oauth_authz.store.table import (
    RETRY_CONFIG,
    ConditionFailed,
    Table,
    WriteConflict,
    delete,
    dynamodb_client,
    put,
    update,
)

KEY = {"PK": "USER#1", "SK": "AUTH#1"}
OTHER = {"PK": "USER#1", "SK": "AUTH#2"}


def client_error(code: str, operation: str = "Op", **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, **extra}, operation)


class ScriptedClient:
    """Answers each call with the next of `script` (an exception is raised); records what it was asked."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        def call(**kwargs: Any) -> Any:
            self.calls.append((operation, kwargs))
            answer = self.script.pop(0) if self.script else {}
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call


def table(*script: Any) -> tuple[Table, ScriptedClient]:
    client = ScriptedClient(*script)
    return Table("t-1", client), client


# every call, every failure ----------------------------------------------------------------------------------

CALLS: dict[str, Callable[[Table], Any]] = {
    "call": lambda t: t.call("update_item", Key={}),
    "get": lambda t: t.get(KEY),
    "batch_get": lambda t: t.batch_get({"a": KEY}),
    "query": lambda t: list(t.query("USER#1", "AUTH#")),
    "pages": lambda t: list(t.pages("scan", {})),
    "transact": lambda t: t.transact([put("a", {"PK": {"S": "x"}})]),
    "batch_delete": lambda t: t.batch_delete([KEY]),
}
UNAVAILABLE = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
]
UNREACHABLE = [
    EndpointConnectionError(endpoint_url="http://x"),
    ConnectTimeoutError(endpoint_url="http://x"),
    ReadTimeoutError(endpoint_url="http://x"),
]


@pytest.mark.parametrize("code", UNAVAILABLE)
@pytest.mark.parametrize("call", CALLS)
def test_throttling_and_internal_errors_are_store_unavailable(call: str, code: str) -> None:
    """The bulk delete too (it was left out before the store's split)."""
    store, _ = table(client_error(code))

    with pytest.raises(StoreUnavailable) as raised:
        CALLS[call](store)
    assert isinstance(raised.value.__cause__, ClientError)


@pytest.mark.parametrize("error", UNREACHABLE, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("call", CALLS)
def test_no_answer_after_the_retries_is_store_unavailable(call: str, error: Exception) -> None:
    store, _ = table(error)

    with pytest.raises(StoreUnavailable):
        CALLS[call](store)


@pytest.mark.parametrize("call", CALLS)
def test_other_errors_are_not_hidden(call: str) -> None:
    store, _ = table(client_error("ValidationException"))

    with pytest.raises(ClientError) as raised:
        CALLS[call](store)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_a_failed_condition_on_one_write_is_condition_failed() -> None:
    store, _ = table(client_error("ConditionalCheckFailedException"))

    with pytest.raises(ConditionFailed):
        store.call("put_item", Item={})


# transactions -----------------------------------------------------------------------------------------------


def cancelled(*codes: str) -> ClientError:
    reasons = [{"Code": code} if code else {} for code in codes]
    return client_error("TransactionCanceledException", "TransactWriteItems", CancellationReasons=reasons)


WRITES = [
    put("user", {"PK": {"S": "LOGIN#a"}, "SK": {"S": "USER"}}),
    delete("token", KEY),
    update("grant", OTHER, UpdateExpression="ADD version :one"),
]


def test_a_transaction_names_its_table_in_every_action() -> None:
    store, client = table({})

    store.transact(WRITES)

    ((operation, request),) = client.calls
    assert operation == "transact_write_items"
    assert request == {
        "TransactItems": [
            {
                "Put": {
                    "TableName": "t-1",
                    "Item": {"PK": {"S": "LOGIN#a"}, "SK": {"S": "USER"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Delete": {
                    "TableName": "t-1",
                    "Key": items.key_attributes(KEY),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": "t-1",
                    "Key": items.key_attributes(OTHER),
                    "UpdateExpression": "ADD version :one",
                }
            },
        ]
    }


@pytest.mark.parametrize(
    ("codes", "parts"),
    [
        (("ConditionalCheckFailed", "None", "None"), {"user"}),
        (("None", "ConditionalCheckFailed", "TransactionConflict"), {"token", "grant"}),
        (("", "", ""), set()),
        ((), set()),
    ],
)
def test_a_cancelled_transaction_names_the_parts_that_failed(codes: tuple[str, ...], parts: set[str]) -> None:
    store, _ = table(cancelled(*codes))

    with pytest.raises(WriteConflict) as raised:
        store.transact(WRITES)
    assert raised.value.parts == parts


@pytest.mark.parametrize("code", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_a_transaction_cancelled_by_throttling_is_store_unavailable(code: str) -> None:
    store, _ = table(cancelled("None", code, "None"))

    with pytest.raises(StoreUnavailable):
        store.transact(WRITES)


def test_write_builders() -> None:
    assert delete("guard", KEY, condition=None).action == {"Delete": {"Key": items.key_attributes(KEY)}}
    versioned = put("a", {}, condition="version = :v", ExpressionAttributeValues={":v": {"N": "2"}})
    assert versioned.action == {
        "Put": {
            "Item": {},
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": "2"}},
        }
    }


# reads ------------------------------------------------------------------------------------------------------


def test_get_is_consistent_and_gives_none_when_missing() -> None:
    store, client = table({"Item": {"a": {"S": "b"}}}, {})

    assert store.get(KEY) == {"a": {"S": "b"}}
    assert store.get(KEY) is None
    assert client.calls[0] == (
        "get_item",
        {"TableName": "t-1", "Key": items.key_attributes(KEY), "ConsistentRead": True},
    )


def test_batch_get_asks_again_for_unprocessed_keys_and_names_what_it_found() -> None:
    first = {
        "Responses": {"t-1": [items.key_attributes(KEY)]},
        "UnprocessedKeys": {"t-1": {"Keys": ["rest"]}},
    }
    second = {"Responses": {"t-1": [items.key_attributes(OTHER)]}}
    store, client = table(first, second)

    found = store.batch_get({"mine": KEY, "theirs": OTHER, "absent": {"PK": "X", "SK": "Y"}})

    assert found == {"mine": items.key_attributes(KEY), "theirs": items.key_attributes(OTHER)}
    assert [call[1]["RequestItems"] for call in client.calls][1] == {"t-1": {"Keys": ["rest"]}}


def test_query_reads_every_page_with_begins_with_and_extra_values() -> None:
    store, client = table(
        {"Items": [{"n": 1}], "LastEvaluatedKey": {"k": 1}},
        {"Items": [{"n": 2}]},
    )

    found = list(
        store.query(
            "USER#1",
            "AUTH#",
            FilterExpression="client_id = :c",
            extra_values={":c": {"S": "cid"}},
        )
    )

    assert found == [{"n": 1}, {"n": 2}]
    first, second = (request for _, request in client.calls)
    assert first == {
        "TableName": "t-1",
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": "USER#1"}, ":prefix": {"S": "AUTH#"}, ":c": {"S": "cid"}},
        "ConsistentRead": True,
        "FilterExpression": "client_id = :c",
    }
    assert second == {**first, "ExclusiveStartKey": {"k": 1}}


def test_a_query_of_a_whole_partition() -> None:
    store, client = table({"Items": []})

    assert list(store.query("USER#1", None)) == []
    assert client.calls[0][1]["KeyConditionExpression"] == "PK = :pk"


# bulk deletes -----------------------------------------------------------------------------------------------


def test_batch_delete_goes_25_at_a_time_and_again_for_unprocessed_items() -> None:
    doomed = [{"PK": f"P#{i}", "SK": "S"} for i in range(30)]
    unprocessed = {"t-1": [{"DeleteRequest": {"Key": items.key_attributes(doomed[0])}}]}
    store, client = table({"UnprocessedItems": unprocessed}, {}, {})

    store.batch_delete(doomed)

    sizes = [len(request["RequestItems"]["t-1"]) for _, request in client.calls]
    assert sizes == [25, 1, 5]
    assert client.calls[1][1]["RequestItems"] == unprocessed


# the client -------------------------------------------------------------------------------------------------


def test_the_client_is_made_once_with_three_attempts_and_short_timeouts(environment: dict[str, str]) -> None:
    assert dynamodb_client() is dynamodb_client()
    assert RETRY_CONFIG.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (RETRY_CONFIG.connect_timeout, RETRY_CONFIG.read_timeout) == (1, 3)
    assert Table("t-1").client is dynamodb_client()
