"""The DynamoDB client: created once per process, thread-safe, with botocore's standard retries.

boto3 honours `AWS_ENDPOINT_URL_DYNAMODB`, which is how the local API points every function at its
embedded store without any code here knowing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=5,
    tcp_keepalive=True,
)


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    return boto3.client("dynamodb", config=RETRY_CONFIG)
