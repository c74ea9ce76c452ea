"""Our OpenAPI document (`openapi.json`): generated from the code, current, valid, and in GitHub's shapes."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from oauth_authz_local.openapi import build_document, main, render
from oauth_authz_local.sam_model import load_template, routes
from tests.support.schemas import reference

COMMITTED = Path(__file__).resolve().parents[3] / "openapi.json"

# What our answers leave out of GitHub's schemas, on purpose: GitHub Apps' installations are out of scope,
# a grant or authorization names its user only where SPEC says (check and reset), and the optional profile
# fields of a simple user (3.15) describe GitHub.com accounts this service does not have.
OMITTED = {
    "authorization": {"installation", "user"},
    "authorization+user": {"installation"},
    "application-grant": {"user"},
    "simple-user": {"starred_at", "email", "name", "user_view_type"},
    "basic-error": {"status", "url"},
}
# What SPEC adds that the older reference has not yet: `expires_at` (ghes-3.15 has it).
ADDED = {"ghes-2.22-oauth.json": {"expires_at"}, "ghes-3.15-oauth.json": set()}


@cache
def document() -> dict[str, Any]:
    return build_document(load_template())


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(document()), (
        "openapi.json is out of date: run `make openapi`"
    )


def test_the_check_command_exits_1_on_a_stale_document(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr("oauth_authz_local.openapi.document_path", lambda: stale)
    assert main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["--write"]) == 0
    assert main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == render(document())


def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"] == "3.1.0"
    validate(document())


def test_the_token_endpoint_declares_its_formats() -> None:
    operation = document()["paths"]["/login/oauth/access_token"]["post"]
    assert operation["security"] == [{}]
    assert set(operation["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/json",
    }
    assert set(operation["responses"]["200"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/json",
        "application/xml",
    }


# The web pages (SPEC 11): HTML forms for a browser, left out of the API's document on purpose.
PAGES = {
    ("GET", "/login"),
    ("POST", "/session"),
    ("GET", "/sessions/two-factor"),
    ("POST", "/sessions/two-factor"),
    ("GET", "/logout"),
    ("POST", "/logout"),
    ("GET", "/login/oauth/authorize"),
    ("POST", "/login/oauth/authorize"),
    ("GET", "/login/assets/style.css"),
    ("GET", "/login/assets/copy.js"),
    ("GET", "/login/device"),
    ("POST", "/login/device"),
    ("POST", "/login/device/authorize"),
    ("GET", "/settings/tokens"),
    ("GET", "/settings/applications"),
    ("GET", "/settings/security"),
    ("POST", "/settings/security/two-factor"),
    ("POST", "/settings/security/two-factor/disable"),
    ("POST", "/settings/security/sessions/sign-out"),
    ("POST", "/settings/applications/{grant_id}/revoke"),
    ("POST", "/settings/tokens"),
    ("POST", "/settings/tokens/{token_id}/delete"),
    ("GET", "/settings/developers"),
    ("GET", "/settings/developers/new"),
    ("POST", "/settings/developers"),
    ("GET", "/settings/developers/{client_id}"),
    ("POST", "/settings/developers/{client_id}"),
    ("POST", "/settings/developers/{client_id}/secrets"),
    ("POST", "/settings/developers/{client_id}/secrets/{secret_id}/delete"),
    ("POST", "/settings/developers/{client_id}/delete"),
}


def test_every_route_of_the_template_is_documented_and_nothing_else() -> None:
    documented = {(method.upper(), path) for path, item in document()["paths"].items() for method in item}
    assert documented == {(route.method, route.path) for route in routes(load_template())} - PAGES
    # section 2's 18 + 1 alias, GET /user, /user/emails, /, the token endpoint, the device code route
    assert len(documented) == 24


def test_the_web_pages_are_left_out_and_only_they() -> None:
    """Seen red with the `PageResolver` check removed from `build_document` (the pages' operations have
    no security: a KeyError), and with a page function's `app` made a plain APIGatewayRestResolver."""
    served = {(route.method, route.path) for route in routes(load_template())}
    documented = {(method.upper(), path) for path, item in document()["paths"].items() for method in item}

    assert served - documented == PAGES
    assert not any(
        path.startswith(("/login", "/session", "/logout"))
        for path in document()["paths"]
        if path not in ("/login/oauth/access_token", "/login/device/code")  # the API's own OAuth endpoints
    )


def test_operations_carry_githubs_operation_ids_and_the_right_security() -> None:
    github = reference("ghes-2.22-oauth.json")["paths"]
    for path, item in github.items():
        for method, operation in item.items():
            ours = document()["paths"][path][method]
            assert ours["operationId"] == operation["operationId"], (method, path)
            scheme = "app_basic" if path.startswith("/applications/{client_id}") else "user_basic"
            assert ours["security"] == [{scheme: []}], (method, path)


def _api_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The REST API's operations (the OAuth endpoints under /login/ speak OAuth, not the REST API)."""
    for path, item in document()["paths"].items():
        if not path.startswith("/login/"):
            for method, operation in item.items():
                yield path, method, operation


def test_path_parameters_are_typed_as_the_handlers_read_them() -> None:
    for path, method, operation in _api_operations():
        names = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
        assert names == [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
        for parameter in operation["parameters"]:
            if parameter["name"] in ("authorization_id", "grant_id"):
                assert parameter["schema"]["type"] == "integer", (method, path)
                assert parameter["schema"]["maximum"] == 2**53 - 1
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "X-GitHub-Api-Version" in headers
        assert ("If-None-Match" in headers) == (method == "get")


def test_lists_take_page_per_page_and_client_id_and_answer_link() -> None:
    for path in ("/authorizations", "/applications/grants"):
        operation = document()["paths"][path]["get"]
        query = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
        assert query == {
            "page": {"type": "integer", "default": 1},
            "per_page": {"type": "integer", "default": 30},
            "client_id": {"type": "string"},
        }
        ok = operation["responses"]["200"]
        assert {"Link", "ETag", "X-GitHub-Media-Type"} <= set(ok["headers"])
        assert "304" in operation["responses"]


def test_creates_answer_201_with_location_and_bodies_come_from_the_models() -> None:
    paths = document()["paths"]
    create = paths["/authorizations"]["post"]
    assert "Location" in create["responses"]["201"]["headers"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateAuthorizationBody"
    }
    for path in ("/authorizations/clients/{client_id}", "/authorizations/clients/{client_id}/{fingerprint}"):
        responses = paths[path]["put"]["responses"]
        assert {"200", "201"} <= set(responses)
        assert "Location" in responses["201"]["headers"]
    update_body = document()["components"]["schemas"]["UpdateAuthorizationBody"]
    assert set(update_body["properties"]) == {
        "scopes",
        "add_scopes",
        "remove_scopes",
        "note",
        "note_url",
        "fingerprint",
    }
    assert document()["components"]["schemas"]["GetOrCreateBody"]["required"] == ["client_secret"]


def test_no_content_answers_have_no_body_and_errors_are_githubs() -> None:
    for path, method, operation in _api_operations():
        for status, response in operation["responses"].items():
            if status in ("204", "304"):
                assert "content" not in response, (method, path, status)
            elif int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]["$ref"]
                expected = "ValidationErrorOut" if status == "422" else "ErrorOut"
                assert schema == f"#/components/schemas/{expected}", (method, path, status)
        if not operation["security"]:  # the API root: no credentials, no store
            assert {"200", "400"} <= set(operation["responses"]), (method, path)
            continue
        assert {"400", "401", "403", "503"} <= set(operation["responses"]), (method, path)
        assert "Retry-After" in operation["responses"]["503"]["headers"]
        assert "X-GitHub-OTP" in operation["responses"]["401"]["headers"]


# Field sets against GitHub's reference ------------------------------------------------------------------


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            resolved = _resolve(part, root)
            merged["properties"].update(resolved.get("properties", {}))
            merged["required"] += resolved.get("required", [])
        return merged
    if "anyOf" in schema or "oneOf" in schema:  # nullable forms: the object branch
        branches = [_resolve(s, root) for s in schema.get("anyOf", schema.get("oneOf", []))]
        objects = [b for b in branches if b.get("type") == "object" or "properties" in b]
        return objects[0] if objects else schema
    if schema.get("type") == "array":
        return _resolve(schema["items"], root)
    return schema


def _name(ref: dict[str, Any]) -> str:
    return str(ref.get("$ref", "")).rsplit("/", 1)[-1]


def _compare(
    ours: dict[str, Any], github: dict[str, Any], omitted: set[str], where: str, added: set[str] = frozenset()
) -> None:
    our_fields = set(ours.get("properties", {})) - added
    github_fields = set(github.get("properties", {}))
    assert our_fields <= github_fields, f"{where}: fields GitHub does not have: {our_fields - github_fields}"
    assert github_fields - our_fields == omitted & github_fields, (
        f"{where}: GitHub's fields we leave out: {github_fields - our_fields}"
    )
    assert set(github.get("required", [])) <= our_fields | omitted, where


# Our models and the reference schemas they answer for.
COUNTERPARTS = {
    "AuthorizationOut": "authorization",
    "AuthorizationWithUserOut": "authorization+user",
    "GrantOut": "application-grant",
    "ErrorOut": "basic-error",
    "ValidationErrorOut": "validation-error",
}


def _our_model(schema: dict[str, Any]) -> str:
    return COUNTERPARTS[_name(schema) or _name(schema.get("items", {}))]


@pytest.mark.parametrize("reference_name", ["ghes-2.22-oauth.json", "ghes-3.15-oauth.json"])
def test_response_field_sets_agree_with_githubs(reference_name: str) -> None:
    github_doc = reference(reference_name)
    compared = 0
    for path, item in github_doc["paths"].items():
        for method, operation in item.items():
            if method not in document()["paths"].get(path, {}):  # 3.15 has operations out of SPEC's scope
                continue
            ours_operation = document()["paths"][path][method]
            for status, response in operation["responses"].items():
                github_schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if github_schema is None or status not in ours_operation["responses"]:
                    continue
                ours_schema = ours_operation["responses"][status]["content"]["application/json"]["schema"]
                ours = _resolve(ours_schema, document())
                github = _resolve(github_schema, github_doc)
                name = _our_model(ours_schema)
                where = f"{reference_name} {method.upper()} {path} {status} ({name})"
                _compare(ours, github, OMITTED.get(name, set()), where, ADDED[reference_name])
                for nested in ("app", "user"):  # the objects inside an authorization
                    if nested in ours.get("properties", {}) and nested in github.get("properties", {}):
                        nested_ours = _resolve(ours["properties"][nested], document())
                        nested_github = _resolve(github["properties"][nested], github_doc)
                        nested_name = "simple-user" if nested == "user" else "app"
                        _compare(nested_ours, nested_github, OMITTED.get(nested_name, set()), where + nested)
                compared += 1
    assert compared >= 10
