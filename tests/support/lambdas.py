"""Running the functions in-process: each `functions/<folder>/app.py` loaded by file path, a fake context,
and the handler's answer read the way API Gateway reads it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from oauth_authz_local.constants import ACCOUNT_ID, REGION
from oauth_authz_local.sam_model import load_module
from tests.support.data import JSON_CONTENT_TYPE, MEDIA_TYPE

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


@dataclass
class FakeLambdaContext:
    """What Powertools reads from the Lambda context."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2024/11/21/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load_handler(folder: str) -> ModuleType:
    """`functions/<folder>/app.py` as a module of its own (every handler module is named `app`)."""
    return load_module(FUNCTIONS_DIR / folder / "app.py", f"functions_{folder}_app_{uuid.uuid4().hex[:8]}")


@dataclass(frozen=True)
class HttpResult:
    """A function's answer as the client would see it through API Gateway."""

    status: int
    headers: dict[str, list[str]]  # lower-cased names; API Gateway's merge of headers and multiValueHeaders
    body: str
    raw: dict[str, Any]

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        if values is None:
            return None
        assert len(values) == 1, f"header {name} sent {len(values)} times: {values}"
        return values[0]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def to_result(raw: dict[str, Any]) -> HttpResult:
    """API Gateway merges `headers` into `multiValueHeaders`; a pair present in both is kept once."""
    merged: dict[str, list[str]] = {}
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        merged.setdefault(name.lower(), []).extend(str(v) for v in values)
    for name, value in (raw.get("headers") or {}).items():
        values = merged.setdefault(name.lower(), [])
        if str(value) not in values:
            values.append(str(value))
    assert not raw.get("isBase64Encoded"), "the API only answers text"
    return HttpResult(status=int(raw["statusCode"]), headers=merged, body=raw.get("body") or "", raw=raw)


# GitHub's `Status` header: the code and its reason, as GitHub words them (SPEC section 8).
REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 422: "Unprocessable Entity",
    500: "Internal Server Error", 503: "Service Unavailable",
}  # fmt: skip


def assert_github_headers(result: HttpResult) -> None:
    """What every answer carries: GitHub's media type and `Status`; a JSON content type exactly when there is
    a body."""
    assert result.header("X-GitHub-Media-Type") == MEDIA_TYPE
    assert result.header("Status") == f"{result.status} {REASONS[result.status]}"
    if result.body:
        assert result.header("Content-Type") == JSON_CONTENT_TYPE
        json.loads(result.body)
    else:
        assert result.header("Content-Type") is None, f"{result.status} without a body has a Content-Type"
    if result.status in (204, 304):
        assert result.body == ""
