"""The context object Lambda passes a Python handler (built in the worker process, per invocation)."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from ..constants import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from ..sam_model import FunctionSpec

__all__ = ["LambdaContext"]


class LambdaContext:
    """The context object Lambda passes a Python handler."""

    def __init__(self, spec: FunctionSpec, request_id: str, deadline: float) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.logical_id}"
        self.memory_limit_in_mb = spec.memory_size
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
