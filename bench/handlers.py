"""The functions, loaded as Lambda loads them (`functions/<folder>/app.py`, module `app`), and a context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from bench.env import REPO
from oauth_authz_local.constants import ACCOUNT_ID, REGION
from oauth_authz_local.sam_model import load_module

MEMORY_MB = 512  # template.yaml Globals MemorySize (read again by bench.cost)


@dataclass
class Context:
    function_name: str = "bench"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = MEMORY_MB
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:bench"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/bench"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


_loaded: dict[str, ModuleType] = {}


def handler(folder: str) -> Any:
    """`functions/<folder>/app.py`'s lambda_handler (each module loaded once, under a name of its own)."""
    if folder not in _loaded:
        _loaded[folder] = load_module(REPO / "functions" / folder / "app.py", f"bench_function_{folder}")
    return _loaded[folder].lambda_handler
