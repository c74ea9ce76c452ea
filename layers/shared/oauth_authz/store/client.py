"""The DynamoDB client: created once per process, thread-safe, with botocore's standard retries.

boto3 honours `AWS_ENDPOINT_URL_DYNAMODB`, which is how the local API points every function at its
embedded store without any code here knowing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

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
    return boto3.client("dynamodb", config=RETRY_CONFIG)
