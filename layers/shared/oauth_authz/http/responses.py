"""GitHub's answers: JSON bodies with its content type, 204 without one, the error shape, and 201 created."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from oauth_authz.models.api import ErrorOut
from oauth_authz.observability import metrics

DOCS_URL = "https://docs.github.com/rest"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MEDIA_TYPE = "github.v3; format=json"
# RFC 6749 section 5.1: an answer that carries a plaintext token is never stored by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(
    status: int, body: BaseModel | Sequence[BaseModel], headers: dict[str, str] | None = None
) -> Response[str]:
    headers = dict(headers or {})
    if isinstance(body, BaseModel):
        text = body.model_dump_json()
        if getattr(body, "token", ""):  # a plaintext token: decided here, so no route can forget it
            headers.update(NO_STORE)
    else:
        text = "[" + ",".join(item.model_dump_json() for item in body) + "]"
    return Response(status_code=status, content_type=JSON_CONTENT_TYPE, body=text, headers=headers)


def created(body: BaseModel, location: str, metric: str) -> Response[str]:
    """201 with `Location: <the new resource's URL>`, counted in the metric `metric`."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return json_response(201, body, {"Location": location})


def no_content() -> Response[str]:
    return Response(status_code=204, body="")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    return json_response(status, ErrorOut(message=message, documentation_url=DOCS_URL), headers)


def drop_content_type(response: dict[str, Any]) -> None:
    """No body, no Content-Type: Powertools also puts one in `multiValueHeaders`, which API Gateway merges."""
    for field in ("headers", "multiValueHeaders"):
        found = response.get(field) or {}
        for name in [name for name in found if name.lower() == "content-type"]:
            del found[name]
