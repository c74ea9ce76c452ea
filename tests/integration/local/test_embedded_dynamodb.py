"""embedded_dynamodb: persistence across restarts, TTL at start, one process per data dir, stores that never
share data."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from oauth_authz_local import embedded_dynamodb
from oauth_authz_local.dynamodb_journal import read_journal
from oauth_authz_local.embedded_dynamodb import EmbeddedStore, StoreLocked, ensure_table, open_store
from oauth_authz_local.sam_model import load_template, table_definition
from oauth_authz_local.totp_key import local_totp_key
from tests.support.embedded import TABLE, client, item, unsigned_client


def test_data_survives_a_restart(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        assert (tmp_path / "endpoint").read_text().strip() == store.endpoint
        assert ensure_table(store.endpoint, TABLE) is True
        assert ensure_table(store.endpoint, TABLE) is False
        db = client(store.endpoint)
        db.put_item(TableName=TABLE, Item=item("USER#1", "AUTH#1", note={"S": "first"}))
        db.put_item(TableName=TABLE, Item=item("USER#1", "AUTH#2", note={"S": "second"}))
        db.update_item(
            TableName=TABLE,
            Key=item("USER#1", "AUTH#1"),
            UpdateExpression="SET note = :n",
            ExpressionAttributeValues={":n": {"S": "changed"}},
        )
        db.delete_item(TableName=TABLE, Key=item("USER#1", "AUTH#2"))
        db.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("TOKEN#x", "TOKEN", blob={"B": b"\x00\xff"})}},
                {"Put": {"TableName": TABLE, "Item": item("AUTHID#1", "AUTHID")}},
            ]
        )
        db.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item("APP#c", "APP")}}]})
        with pytest.raises(ClientError) as failed:  # a failed write is not journaled
            db.put_item(
                TableName=TABLE, Item=item("APP#c", "APP"), ConditionExpression="attribute_not_exists(PK)"
            )
        assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert not (tmp_path / "endpoint").exists()

    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        db = client(store.endpoint)
        items = db.scan(TableName=TABLE)["Items"]
        assert sorted(items, key=lambda found: (found["PK"]["S"], found["SK"]["S"])) == [
            item("APP#c", "APP"),
            item("AUTHID#1", "AUTHID"),
            item("TOKEN#x", "TOKEN", blob={"B": b"\x00\xff"}),
            item("USER#1", "AUTH#1", note={"S": "changed"}),
        ]
        description = db.describe_table(TableName=TABLE)["Table"]
        definition = table_definition(load_template())
        assert description["KeySchema"] == definition["KeySchema"]
        assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert db.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": "expires_ttl",
        }

    # The journal was compacted: the schema requests, then one PutItem per item.
    targets = [target for target, _ in read_journal(tmp_path / "journal.jsonl")]
    assert targets == ["CreateTable", "UpdateTimeToLive", "PutItem", "PutItem", "PutItem", "PutItem"]


def test_a_corrupt_record_before_the_end_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text(
        '{"target": "PutItem", "bo\n{"target": "DeleteTable", "body": "{}"}\n'
    )
    store = EmbeddedStore(tmp_path)
    with pytest.raises(Exception, match="line 1 is corrupt"):
        store.start()
    assert not (tmp_path / "endpoint").exists()
    (tmp_path / "journal.jsonl").unlink()
    with EmbeddedStore(tmp_path):  # the failed start released the lock
        pass


def test_expired_items_are_dropped_at_start(tmp_path: Path) -> None:
    past, future = int(time.time()) - 10, int(time.time()) + 3600
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        ensure_table(store.endpoint, TABLE)
        db = client(store.endpoint)
        db.put_item(TableName=TABLE, Item=item("old", "1", expires_ttl={"N": str(past)}))
        db.put_item(TableName=TABLE, Item=item("new", "1", expires_ttl={"N": str(future)}))
        db.put_item(TableName=TABLE, Item=item("forever", "1"))
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        keys = sorted(found["PK"]["S"] for found in client(store.endpoint).scan(TableName=TABLE)["Items"])
        assert keys == ["forever", "new"]


def test_one_process_serves_a_data_dir(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        with pytest.raises(StoreLocked):
            EmbeddedStore(tmp_path).start()
        # open_store finds the running one instead
        with open_store(tmp_path) as connection:
            assert connection.endpoint == store.endpoint
            assert connection.store is None
    # nobody serves: open_store starts its own, and stops it on exit
    with open_store(tmp_path) as connection:
        assert connection.store is not None
        assert (tmp_path / "endpoint").read_text().strip() == connection.endpoint
        ensure_table(connection.endpoint, TABLE)
        embedded_dynamodb.client(connection.endpoint).put_item(TableName=TABLE, Item=item("cli", "1"))
    assert not (tmp_path / "endpoint").exists()
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        assert client(store.endpoint).get_item(TableName=TABLE, Key=item("cli", "1"))["Item"] == item(
            "cli", "1"
        )


def test_a_stale_endpoint_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "endpoint").write_text("http://127.0.0.1:9\n")
    with open_store(tmp_path, wait_seconds=1) as connection:
        assert connection.store is not None
        assert connection.endpoint != "http://127.0.0.1:9"


def test_stores_are_isolated_from_each_other_and_from_mock_aws(tmp_path: Path) -> None:
    from moto import mock_aws

    with EmbeddedStore(tmp_path / "one") as one, EmbeddedStore(tmp_path / "two") as two:
        assert one.endpoint is not None and two.endpoint is not None
        ensure_table(one.endpoint, TABLE)
        client(one.endpoint).put_item(TableName=TABLE, Item=item("x", "1"))
        assert client(two.endpoint).list_tables()["TableNames"] == []
        with mock_aws():  # resets moto's registered backends; the stores' own are not among them
            pass
        # another region, signed with the store's key, sees the same data (other credentials: refused below)
        other = boto3.client(
            "dynamodb",
            endpoint_url=one.endpoint,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key=one.secret_key,
        )
        assert other.get_item(TableName=TABLE, Key=item("x", "1"))["Item"] == item("x", "1")


def test_the_store_is_private_to_its_data_dir(tmp_path: Path) -> None:
    """Issue 13 item 4: the data dir 0700 and its files 0600; a request not signed with the data dir's key
    (any other local user's: the endpoint, credentials of their choosing) is refused before moto sees it,
    reads and writes alike, and changes nothing. Seen red with the store served without `SignedOnly` (the
    unsigned client read and rewrote the item, as the attack rewrote a password hash), and with the data dir
    made by a plain `mkdir` (0755) and the files left at the umask (0644)."""
    data_dir = tmp_path / "data"
    with EmbeddedStore(data_dir) as store:
        assert store.endpoint is not None
        ensure_table(store.endpoint, TABLE)
        client(store.endpoint).put_item(TableName=TABLE, Item=item("LOGIN#octocat", "USER"))
        local_totp_key(data_dir)
        stranger = unsigned_client(store.endpoint)
        for attempt in (
            lambda: stranger.list_tables(),
            lambda: stranger.get_item(TableName=TABLE, Key=item("LOGIN#octocat", "USER")),
            lambda: stranger.put_item(
                TableName=TABLE, Item=item("LOGIN#octocat", "USER", hash={"S": "mine"})
            ),
        ):
            with pytest.raises(ClientError) as refused:
                attempt()
            assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
        found = client(store.endpoint).get_item(TableName=TABLE, Key=item("LOGIN#octocat", "USER"))
        assert found["Item"] == item("LOGIN#octocat", "USER")

        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data_dir.iterdir()}
        assert {"journal.jsonl", "endpoint", "totp.key", "store.key", "lock"} <= set(files)
        assert all(mode == 0o600 for mode in files.values()), files
