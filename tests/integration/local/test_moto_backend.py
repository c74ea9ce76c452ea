"""moto_backend: a cancelled transaction is rolled back item by item, to exactly what was there."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from oauth_authz_local.embedded_dynamodb import EmbeddedStore, ensure_table
from tests.support.embedded import TABLE, client, item


def test_a_cancelled_transaction_leaves_every_item_as_it_was(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        assert store.endpoint is not None
        dynamodb = client(store.endpoint)
        ensure_table(store.endpoint, TABLE)
        dynamodb.put_item(TableName=TABLE, Item=item("B", "B", n={"N": "1"}))
        dynamodb.put_item(TableName=TABLE, Item=item("C", "C"))
        before = sorted(dynamodb.scan(TableName=TABLE)["Items"], key=lambda i: i["PK"]["S"])

        with pytest.raises(ClientError) as cancelled:
            dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": item("A", "A")}},
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": {"PK": {"S": "B"}, "SK": {"S": "B"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "C"}, "SK": {"S": "C"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": TABLE,
                            "Key": {"PK": {"S": "D"}, "SK": {"S": "D"}},
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                ]
            )

        assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
        codes = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
        assert codes == ["None", "None", "None", "ConditionalCheckFailed"]
        after = sorted(dynamodb.scan(TableName=TABLE)["Items"], key=lambda i: i["PK"]["S"])
        assert after == before
