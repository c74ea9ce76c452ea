"""Reading a request: the JSON body as a model, ids in paths, query parameters, headers."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel, ValidationError

from oauth_authz.errors import BadRequest, ErrorCode, FieldError, NotFound, ValidationFailed
from oauth_authz.ids import MAX_ID

M = TypeVar("M", bound=BaseModel)


def body(app: APIGatewayRestResolver, model: type[M]) -> M:
    """The JSON body as `model`: 400 when it is not JSON or not an object, 422 when a field is wrong."""
    try:
        text = app.current_event.decoded_body or ""
    except ValueError:  # base64 that is not, or bytes that are not UTF-8 (binascii.Error, UnicodeDecodeError)
        raise BadRequest("Problems parsing JSON") from None
    if text.strip() == "":
        data: Any = {}
    else:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise BadRequest("Problems parsing JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("Body should be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_failed(error) from None


def validation_failed(error: ValidationError) -> ValidationFailed:
    """Pydantic's errors as GitHub's: field and code only (never the input, which may be a secret)."""
    seen: dict[tuple[str, ErrorCode], FieldError] = {}
    for problem in error.errors(include_input=False, include_url=False):
        field = str(problem["loc"][0]) if problem["loc"] else "body"
        code = ErrorCode.MISSING_FIELD if problem["type"] == "missing" else ErrorCode.INVALID
        seen.setdefault((field, code), FieldError(field, code))
    return ValidationFailed(*seen.values())


def path_id(text: str) -> int:
    """A positive integer id below 2^53; anything else names nothing (404, as GitHub answers)."""
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        raise NotFound()
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def query(app: APIGatewayRestResolver, name: str) -> str | None:
    """A query parameter; empty is absent."""
    value = app.current_event.query_string_parameters.get(name)
    return None if value in (None, "") else value


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header of the raw event, whatever the case of its name (`name` in lower case)."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None
