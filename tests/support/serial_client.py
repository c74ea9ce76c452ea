"""A DynamoDB client that makes one call at a time: moto in-process is not thread-safe, and DynamoDB applies
the writes to one item one after another anyway. The threads of a parallel test overlap everywhere else."""

from __future__ import annotations

import threading
from typing import Any


class SerialClient:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            with self._lock:
                return method(**kwargs)

        return call
