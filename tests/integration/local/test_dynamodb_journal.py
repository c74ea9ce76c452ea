"""dynamodb_journal: a truncated journal, and one request at a time (conditional writes and transactions
that race keep their invariants, and only what succeeded is journaled)."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

from botocore.exceptions import ClientError

from oauth_authz_local.dynamodb_journal import read_journal
from oauth_authz_local.embedded_dynamodb import EmbeddedStore, ensure_table
from oauth_authz_local.sam_model import Template, load_template
from tests.support.embedded import TABLE, client, item


def test_a_truncated_last_journal_record_is_ignored(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        ensure_table(store.endpoint, TABLE)
        client(store.endpoint).put_item(TableName=TABLE, Item=item("A", "1"))
    journal = tmp_path / "journal.jsonl"
    whole = json.dumps(
        {"target": "PutItem", "body": json.dumps({"TableName": TABLE, "Item": item("B", "2")})}
    )
    with journal.open("a") as out:
        out.write(whole + "\n")
        out.write(whole.replace("B", "C")[: len(whole) // 2])  # the crash: no end, no newline
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        keys = sorted(found["PK"]["S"] for found in client(store.endpoint).scan(TableName=TABLE)["Items"])
        assert keys == ["A", "B"]
    assert journal.read_bytes().endswith(b"\n")
    assert [target for target, _ in read_journal(journal)] == [
        "CreateTable",
        "UpdateTimeToLive",
        "PutItem",
        "PutItem",
    ]


def test_concurrent_conditional_puts_on_one_key_have_one_winner(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        ensure_table(store.endpoint, TABLE)
        outcomes: list[str] = []
        barrier = threading.Barrier(20)

        def put(number: int) -> None:
            db = client(store.endpoint)  # type: ignore[arg-type]
            barrier.wait()
            try:
                db.put_item(
                    TableName=TABLE,
                    Item=item("FP#same", "FP", winner={"N": str(number)}),
                    ConditionExpression="attribute_not_exists(PK)",
                )
                outcomes.append("won")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])

        threads = [threading.Thread(target=put, args=(number,)) for number in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["ConditionalCheckFailedException"] * 19 + ["won"]
        stored = client(store.endpoint).get_item(TableName=TABLE, Key=item("FP#same", "FP"))["Item"]
    # Exactly one PutItem went to the journal, and it is the winner's.
    puts = [
        json.loads(body) for target, body in read_journal(tmp_path / "journal.jsonl") if target == "PutItem"
    ]
    assert [put["Item"] for put in puts] == [stored]


def test_concurrent_transactions_keep_an_invariant(tmp_path: Path) -> None:
    """20 threads each move one unit between two counters in a transaction: the sum never changes."""
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        ensure_table(store.endpoint, TABLE)
        db = client(store.endpoint)
        db.put_item(TableName=TABLE, Item=item("C", "a", n={"N": "100"}))
        db.put_item(TableName=TABLE, Item=item("C", "b", n={"N": "0"}))

        def move() -> None:
            local = client(store.endpoint)  # type: ignore[arg-type]
            for _ in range(5):
                local.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": item("C", "a"),
                                "UpdateExpression": "SET n = n - :one",
                                "ConditionExpression": "n >= :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        },
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": item("C", "b"),
                                "UpdateExpression": "SET n = n + :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        },
                    ]
                )

        threads = [threading.Thread(target=move) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        a = db.get_item(TableName=TABLE, Key=item("C", "a"))["Item"]["n"]["N"]
        b = db.get_item(TableName=TABLE, Key=item("C", "b"))["Item"]["n"]["N"]
        assert (a, b) == ("0", "100")
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        db = client(store.endpoint)
        assert db.get_item(TableName=TABLE, Key=item("C", "a"))["Item"]["n"]["N"] == "0"
        assert db.get_item(TableName=TABLE, Key=item("C", "b"))["Item"]["n"]["N"] == "100"


def test_a_store_journaled_before_the_index_gets_it_and_keeps_its_items(tmp_path: Path) -> None:
    """A local store written by a version whose table had no `ByClientId` index: the next start adds the
    index (`update_table`, as a stack update would) and the index lists the items already there. Seen red
    with `add_missing_indexes` not called (the index Query: ValidationException, no such index)."""
    current = load_template()
    old = Template(current.path, copy.deepcopy(current.document))
    del old.document["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"]
    old.document["Resources"]["Table"]["Properties"]["AttributeDefinitions"].pop()  # client_id
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        assert ensure_table(store.endpoint, TABLE, old) is True
        described = client(store.endpoint).describe_table(TableName=TABLE)["Table"]
        assert not described.get("GlobalSecondaryIndexes")
        grant = item("USER#1", "GRANT#abc", client_id={"S": "abc"})
        client(store.endpoint).put_item(TableName=TABLE, Item=grant)
    for _ in range(2):  # the start that adds it, and one after
        with EmbeddedStore(tmp_path) as store:
            assert store.endpoint is not None
            assert ensure_table(store.endpoint, TABLE) is False
            found = client(store.endpoint).query(
                TableName=TABLE,
                IndexName="ByClientId",
                KeyConditionExpression="client_id = :c",
                ExpressionAttributeValues={":c": {"S": "abc"}},
            )["Items"]
            assert [(i["PK"]["S"], i["SK"]["S"]) for i in found] == [("USER#1", "GRANT#abc")]
