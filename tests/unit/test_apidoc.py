"""apidoc: the OpenAPI operations the functions declare (`make openapi` gathers them into openapi.json)."""

from __future__ import annotations

from oauth_authz import apidoc


def test_an_oauth_endpoint_takes_a_form_or_json_and_answers_in_three_formats() -> None:
    schema = {"type": "object", "properties": {"error": {"type": "string"}}}
    operation = apidoc.oauth_endpoint("Do it", "oauth/do", "OAuth", ("client_id",), {"200": ("Done", schema)})

    body = {"type": "object", "properties": {"client_id": {"type": "string"}}}
    assert operation == {
        "summary": "Do it",
        "operationId": "oauth/do",
        "tags": ["OAuth"],
        "security": [{}],
        "requestBody": {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": body},
                "application/json": {"schema": body},
            },
        },
        "responses": {
            "200": {
                "description": "Done",
                "content": {
                    "application/x-www-form-urlencoded": {"schema": schema},
                    "application/json": {"schema": schema},
                    "application/xml": {"schema": {"type": "string"}},
                },
            }
        },
    }
