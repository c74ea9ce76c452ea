"""Integer ids below 2^53 with no counter item.

An id is the number of milliseconds since 2020-01-01 shifted left by 10 bits, with 10 random bits below:
ids grow with time (lists sort by creation), there is no hot item to update, and the table's id guard items
(`AUTHID#`, `USERID#`, `GRANTID#`) turn the rare collision into a retried write. 2^43 ms is 278 years, so the
result stays below 2^53 until about 2298.
"""

from __future__ import annotations

import secrets
import time

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
RANDOM_BITS = 10
MAX_ID = 2**53 - 1


def new_id() -> int:
    elapsed = int(time.time() * 1000) - EPOCH_MS
    value = (elapsed << RANDOM_BITS) | secrets.randbits(RANDOM_BITS)
    if not 0 < value <= MAX_ID:
        raise OverflowError("id space exhausted")
    return value
