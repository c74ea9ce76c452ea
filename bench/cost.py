"""Part 6: the cost on AWS, estimated, per million requests of each route, from the durations measured in
part 2, the memory the template configures and the capacity units of part 1.

Every request also runs the authorizer (the template turns API Gateway's authorizer cache off), counted at
its warm, cached duration (part 4; a request whose password is not cached costs one argon2 verification
more, shown apart). Durations are this machine's (a full core, moto on loopback), not Lambda's: at 512 MB a
function gets about 512/1769 of a vCPU, so CPU-bound work (argon2 above all) takes longer there.
"""

from __future__ import annotations

import math
import re
from typing import Any

from bench.env import REPO

# us-east-1 list prices (assumptions; check https://aws.amazon.com/lambda/pricing/ and friends before use)
LAMBDA_GB_SECOND_X86 = 0.0000166667  # USD per GB-second, x86_64
LAMBDA_REQUEST = 0.20 / 1_000_000  # USD per invocation
API_GATEWAY_REST_REQUEST = 3.50 / 1_000_000  # USD per REST API request (first 333 M a month)
DYNAMODB_WRITE_REQUEST_UNIT = 1.25 / 1_000_000  # USD per on-demand write request unit
DYNAMODB_READ_REQUEST_UNIT = 0.25 / 1_000_000  # USD per on-demand read request unit
MILLION = 1_000_000


def memory_mb() -> int:
    """MemorySize from template.yaml's Globals."""
    text = (REPO / "template.yaml").read_text(encoding="utf-8")
    found = re.search(r"^Globals:.*?^\s+MemorySize:\s*(\d+)", text, re.MULTILINE | re.DOTALL)
    return int(found.group(1)) if found else 128


def _lambda(duration_ms: float, memory: int) -> float:
    billed = math.ceil(duration_ms)  # Lambda bills by the millisecond
    return LAMBDA_REQUEST + billed / 1000 * memory / 1024 * LAMBDA_GB_SECOND_X86


def _dynamodb(read_units: float, write_units: float) -> float:
    return read_units * DYNAMODB_READ_REQUEST_UNIT + write_units * DYNAMODB_WRITE_REQUEST_UNIT


def run(roundtrips: list[dict[str, Any]], authcache: dict[str, Any]) -> dict[str, Any]:
    memory = memory_mb()
    by_key = {row["key"]: row for row in roundtrips}
    authorizer = by_key["authorizer_user"]
    authorizer_cached = _lambda(authcache["cached"]["median_ms"], memory) + _dynamodb(
        authorizer["read_request_units"], authorizer["write_request_units"]
    )
    authorizer_uncached = _lambda(authcache["uncached"]["median_ms"], memory) + _dynamodb(
        authorizer["read_request_units"], authorizer["write_request_units"]
    )
    rows = []
    for row in roundtrips:
        if row["authorizer"] or "handler_median_ms" not in row:
            continue
        function = _lambda(row["handler_median_ms"], memory)
        table = _dynamodb(row["read_request_units"], row["write_request_units"])
        guard = authorizer_cached if row.get("behind_authorizer", True) else 0.0
        total = API_GATEWAY_REST_REQUEST + function + table + guard
        rows.append(
            {
                "key": row["key"],
                "label": row["label"],
                "duration_ms": row["handler_median_ms"],
                "api_gateway": round(API_GATEWAY_REST_REQUEST * MILLION, 3),
                "lambda": round(function * MILLION, 3),
                "dynamodb": round(table * MILLION, 3),
                "authorizer": round(guard * MILLION, 3),
                "total": round(total * MILLION, 3),
                "total_password_not_cached": round(
                    (total - guard + (authorizer_uncached if guard else 0.0)) * MILLION, 3
                ),
            }
        )
    return {
        "memory_mb": memory,
        "prices": {
            "region": "us-east-1 list prices (assumed)",
            "lambda_gb_second_x86": LAMBDA_GB_SECOND_X86,
            "lambda_request": LAMBDA_REQUEST * MILLION,
            "api_gateway_rest_request": API_GATEWAY_REST_REQUEST * MILLION,
            "dynamodb_write_request_unit": DYNAMODB_WRITE_REQUEST_UNIT * MILLION,
            "dynamodb_read_request_unit": DYNAMODB_READ_REQUEST_UNIT * MILLION,
        },
        "routes": rows,
    }
