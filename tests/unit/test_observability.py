"""What a 5xx logs: the exception's type and where it was raised, never its message (a pydantic
ValidationError quotes its input, which may be a code, a token or a client secret). Seen red with
`logger.exception(message)` in `log_fault` (the secret in the message reached the log line)."""

from __future__ import annotations

import io
import json
import logging

from pydantic import BaseModel, ValidationError

from oauth_authz.observability import log_fault, logger

SECRET = "gho_16C7e42F292c6912E7710c838347Ae178B4a"


class _Code(BaseModel):
    code: int


def test_a_fault_is_logged_with_its_type_and_frames_never_its_message() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        try:
            _Code(code=SECRET)  # type: ignore[arg-type]
        except ValidationError as error:
            assert SECRET in str(error)  # the message quotes its input
            log_fault("token request failed", error)
    finally:
        logger.removeHandler(handler)

    output = stream.getvalue()
    assert SECRET not in output
    [line] = [json.loads(text) for text in output.splitlines() if text.strip()]
    assert line["message"] == "token request failed"
    assert line["level"] == "ERROR"
    assert line["error_type"] == "ValidationError"
    assert any("test_observability.py" in frame and "in test_a_fault" in frame for frame in line["frames"])
