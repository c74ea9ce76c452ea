"""The API's OpenAPI 3.1 document, generated from the code: `openapi.json` at the repository's root.

Every route of `template.yaml` is loaded from its function's module; Powertools' event handler gives the
route's operation from what its decorator says (`oauth_authz.apidoc`: summary, operationId, the answers
with their models and headers, security); this module joins the parts (leaving out the web pages' routes:
HTML for browsers, not API operations), adds what is the same for every operation (path parameters as the
handlers read them, GitHub's request headers, the request bodies from the models the handlers parse) and
the document's own fields.

    python -m oauth_authz_local openapi             # print it
    python -m oauth_authz_local openapi --write     # rewrite openapi.json (`make openapi`)
    python -m oauth_authz_local openapi --check     # exit 1 when openapi.json is not what the code says
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBase

from oauth_authz import apidoc
from oauth_authz.http import API_VERSIONS
from oauth_authz.web.page_resolver import PageResolver

from .sam_model import (
    FunctionSpec,
    Template,
    function_environment,
    load_module,
    load_template,
    repo_root,
    routes,
)

DOCUMENT_NAME = "openapi.json"
DOCUMENT_TABLE = "oauth-authz"  # the table name the functions' modules are loaded with (never used)
TITLE = "oauth-authz"
DESCRIPTION = (
    "GitHub's OAuth Authorizations API, self-hosted: users create and manage OAuth tokens with their "
    "login and password over Basic auth and see which OAuth apps hold access to their account; OAuth apps "
    "check, reset and revoke their tokens with their client_id and client_secret. Tokens are never stored "
    "or shown again after the answer that created them (only `hashed_token` and `token_last_eight`)."
)
# Powertools adds its own validation-error schemas to every document; this API answers GitHub's instead.
_POWERTOOLS_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")

SECURITY_SCHEMES = {
    apidoc.USER_SECURITY: {
        "type": "http",
        "scheme": "basic",
        "description": "A user's login and password (`login:password`). Users with two-factor "
        "authentication also send `X-GitHub-OTP`.",
    },
    apidoc.APP_SECURITY: {
        "type": "http",
        "scheme": "basic",
        "description": "An OAuth app's `client_id:client_secret`; the `client_id` in the path must be it.",
    },
    apidoc.TOKEN_SECURITY: {
        "type": "http",
        "scheme": "bearer",
        "description": "A user's OAuth token: `Authorization: token T` or `Bearer T` (any case).",
    },
}
API_VERSION_HEADER: dict[str, Any] = {
    "name": "X-GitHub-Api-Version",
    "in": "header",
    "required": False,
    "description": "The REST API version; absent means 2022-11-28, anything else is a 400.",
    "schema": {"type": "string", "enum": sorted(API_VERSIONS)},
}
OTP_HEADER: dict[str, Any] = {
    "name": "X-GitHub-OTP",
    "in": "header",
    "required": False,
    "description": "The current TOTP code of a user with two-factor authentication (each code works once).",
    "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
}
IF_NONE_MATCH_HEADER: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag from an earlier answer (or several, or `*`): 304 when it still matches.",
    "schema": {"type": "string"},
}


def _powertools_schemes() -> dict[str, Any]:
    return {
        name: HTTPBase(scheme=s["scheme"], description=s["description"])
        for name, s in SECURITY_SCHEMES.items()
    }


def _load(template: Template, spec: FunctionSpec, loaded: dict[Path, ModuleType]) -> ModuleType:
    if spec.module_path not in loaded:
        with _environment(function_environment(template, spec.logical_id, DOCUMENT_TABLE)):
            loaded[spec.module_path] = load_module(spec.module_path, f"_openapi_{spec.logical_id}")
    return loaded[spec.module_path]


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """The function's own environment while its module runs (it validates its settings at import)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _version() -> str:
    try:
        return importlib.metadata.version("oauth-authz")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0.0.0"


def _parameters(operation: dict[str, Any], principal: str, method: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            known = apidoc.PATH_PARAMETERS[parameter["name"]]
            found.append({"name": parameter["name"], "in": "path", "required": True, **copy.deepcopy(known)})
        else:
            found.append(parameter)
    found.append(API_VERSION_HEADER)
    if principal == "user":
        found.append(OTP_HEADER)
    if method == "get":
        found.append(IF_NONE_MATCH_HEADER)
    return found


def build_document(template: Template | None = None) -> dict[str, Any]:
    """The whole document, as a JSON-ready dict (same input, same output: it is committed)."""
    template = load_template() if template is None else template
    loaded: dict[Path, ModuleType] = {}
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for route in routes(template):
        module = _load(template, route.function, loaded)
        if isinstance(getattr(module, "app", None), PageResolver):
            # Deliberately left out: the sign-in, consent and sign-out pages (SPEC 11) are HTML forms for
            # a browser, not operations of the REST API (the OAuth endpoints' JSON is declared below).
            continue
        if not hasattr(module, "app"):  # not a REST resource (the OAuth endpoints): it declares itself
            paths.setdefault(route.path, {})[route.method.lower()] = copy.deepcopy(module.OPENAPI_OPERATION)
            continue
        part = module.app.get_openapi_schema(title=TITLE, security_schemes=_powertools_schemes())
        data = part.model_dump(mode="json", by_alias=True, exclude_none=True)
        method = route.method.lower()
        operation = data["paths"][route.path][method]
        for name, schema in (data.get("components") or {}).get("schemas", {}).items():
            if name not in _POWERTOOLS_SCHEMAS:
                schemas[name] = schema
        security = operation.get("security") or [{}]
        principal = "app" if apidoc.APP_SECURITY in security[0] else "user" if security != [{}] else "public"
        if not operation.get("security"):
            operation["security"] = []
        operation["parameters"] = _parameters(operation, principal, method)
        for status in ("204", "304"):  # no body (Powertools describes one from the return annotation)
            if status in operation["responses"]:
                operation["responses"][status].pop("content", None)
        body = apidoc.BODIES.get(operation["operationId"])
        if body is not None:
            schema = body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[body.__name__] = schema
            operation["requestBody"] = {
                "required": False,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
                },
            }
        paths.setdefault(route.path, {})[method] = operation
    for name, model in apidoc.LISTED.items():
        if name not in schemas:
            schemas[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": _version(),
            "description": DESCRIPTION,
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "the local API (`make serve`)"}],
        "tags": [
            {"name": apidoc.TAGS["user"], "description": "A user's authorizations and grants (Basic auth)."},
            {"name": apidoc.TAGS["app"], "description": "An OAuth app's tokens (Basic auth as the app)."},
        ],
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def document_path(template_path: Path | None = None) -> Path:
    return (template_path.parent if template_path else repo_root()) / DOCUMENT_NAME


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oauth_authz_local openapi", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write {DOCUMENT_NAME} at the repository root")
    mode.add_argument("--check", action="store_true", help=f"exit 1 when {DOCUMENT_NAME} is out of date")
    arguments = parser.parse_args(argv)
    text = render(build_document())
    target = document_path()
    if arguments.write:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if arguments.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    sys.stdout.write(text)
    return 0
