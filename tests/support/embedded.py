"""What the embedded DynamoDB's tests share: a client signed as a caller of a local endpoint, and items in
the table's key shape."""

from __future__ import annotations

from typing import Any

import boto3

from oauth_authz_local import embedded_dynamodb
from oauth_authz_local.constants import DEFAULT_TABLE, REGION

TABLE = DEFAULT_TABLE


def client(endpoint: str) -> Any:
    """Signed with the key of the store this process serves at `endpoint` (the store refuses others)."""
    return embedded_dynamodb.client(endpoint)


def unsigned_client(endpoint: str) -> Any:
    """What any other local user has: the endpoint, and credentials of their choosing."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106
    )


def item(pk: str, sk: str, **extra: Any) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **extra}
