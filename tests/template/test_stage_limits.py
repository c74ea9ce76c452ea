"""What the stage records and what it lets through (issue 13, items 2 and 5): no X-Ray segment of API Gateway
(its trace records the URL, and two app routes carry a token in the path), while the functions keep theirs."""

from __future__ import annotations

from typing import Any

from tests.template.conftest import resources


def test_the_stage_records_no_trace_the_functions_do(translated: dict[str, Any]) -> None:
    """API Gateway's X-Ray segment holds the request URL, so with stage tracing on, GET/POST/DELETE
    /applications/{client_id}/tokens/{access_token} and DELETE /applications/{client_id}/grants/{access_token}
    put plaintext tokens in X-Ray (kept 30 days). A sampling rule that never samples them is not reliable
    (README, Security), so stage tracing is off; Lambda's segments do not record the path.

    Seen red with the template as it was (`TracingEnabled: true` on the Api).
    """
    (stage,) = resources(translated, "AWS::ApiGateway::Stage").values()

    assert stage["Properties"].get("TracingEnabled", False) is False
    assert not resources(translated, "AWS::XRay::SamplingRule")  # nothing relies on sampling to hide a path
    for name, function in resources(translated, "AWS::Lambda::Function").items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name
