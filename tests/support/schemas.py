"""Response bodies checked against GitHub's published OpenAPI description (`docs/reference/`).

The documents are cut from GitHub's own (docs/reference/README.md says how). Schemas are validated with
openapi-schema-validator's OAS 3.0 validator (it knows `nullable`), every `$ref` resolved against the whole
document, and formats checked: `date-time` (RFC 3339) and `uri` (absolute) among them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "docs" / "reference"
REFERENCE = "ghes-2.22-oauth.json"
USERS_REFERENCE = "ghes-3.19-users.json"  # GET /user, GET /user/emails, GET / (SPEC section 8)
_DOC_URI = "urn:oauth-authz:reference:"

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _DATE_TIME.match(instance):
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # raises on 2024-02-30 and the like
    return True


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    parts = urlsplit(instance)
    return bool(parts.scheme and (parts.netloc or parts.path)) and not any(c.isspace() for c in instance)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


FORMAT_CHECKER = _format_checker()


@cache
def reference(name: str = REFERENCE) -> dict[str, Any]:
    path = REFERENCE_DIR / name
    assert path.is_file(), f"GitHub's reference description is missing: {path}"
    with path.open(encoding="utf-8") as stream:
        document: dict[str, Any] = json.load(stream)
    return document


@cache
def _registry(name: str) -> Registry[Any]:
    registry: Registry[Any] = Registry().with_resource(
        _DOC_URI + name, Resource.from_contents(reference(name), DRAFT4)
    )
    return registry


def _validator(pointer: str, name: str) -> OAS30Validator:
    return OAS30Validator(
        {"$ref": f"{_DOC_URI}{name}#{pointer}"}, registry=_registry(name), format_checker=FORMAT_CHECKER
    )


def schema_errors(instance: Any, pointer: str, name: str = REFERENCE) -> list[str]:
    """Every way `instance` breaks the schema at JSON pointer `pointer` of the reference document."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in _validator(pointer, name).iter_errors(instance)
    ]


def assert_matches_schema(instance: Any, component: str, name: str = REFERENCE) -> None:
    """`instance` is a valid `#/components/schemas/<component>`."""
    assert component in reference(name)["components"]["schemas"], f"no schema {component!r} in {name}"
    errors = schema_errors(instance, f"/components/schemas/{component}", name)
    assert not errors, f"not a valid {component}:\n" + "\n".join(errors)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def response_pointer(path: str, method: str, status: str | int, name: str = REFERENCE) -> str | None:
    """The JSON pointer of the JSON schema GitHub documents for that answer, None when it has no body."""
    operation = reference(name)["paths"][path][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, (
        f"{method.upper()} {path} does not document a {status} ({sorted(responses)})"
    )
    response = responses[str(status)]
    pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{status}"
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
        response = reference(name)
        for part in pointer.strip("/").split("/"):
            response = response[part.replace("~1", "/").replace("~0", "~")]
    if "application/json" not in (response.get("content") or {}):
        return None
    return f"{pointer}/content/application~1json/schema"


def assert_matches_response(
    instance: Any, path: str, method: str, status: str | int, name: str = REFERENCE
) -> None:
    """`instance` (a parsed body, or None for no body) is what GitHub documents for that answer."""
    pointer = response_pointer(path, method, status, name)
    if pointer is None:
        assert instance in (None, ""), f"{method.upper()} {path} {status} has no body, got {instance!r}"
        return
    errors = schema_errors(instance, pointer, name)
    assert not errors, f"not a valid {method.upper()} {path} {status} body:\n" + "\n".join(errors)
