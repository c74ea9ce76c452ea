"""Optimistic writes lose races now and then: try again after a short, growing, jittered pause."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from oauth_authz.errors import StoreUnavailable
from oauth_authz.store.table import WriteConflict

ATTEMPTS = 6
T = TypeVar("T")


def backoff(round_: int) -> None:
    time.sleep(random.uniform(0, 0.01 * 2**round_))  # noqa: S311 - jitter, not a secret


def with_retries(attempt: Callable[[], T]) -> T:
    """Run an optimistic read-then-transact step again when it lost a race; 503 when it keeps losing."""
    for round_ in range(ATTEMPTS):
        try:
            return attempt()
        except WriteConflict:
            backoff(round_)
    raise StoreUnavailable()
