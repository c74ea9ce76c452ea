"""API Gateway events for the tests, built from the checked-in `events/<name>.json` files.

A test starts from the same event `sam local invoke -e` would use and changes only what it is about: the
method, the path parameters (the path follows), the query, the headers, the body and the authorizer's context.
"""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.support.data import OCTOCAT_ID, OCTOCAT_LOGIN

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
UNSET: Any = object()


@cache
def _load(name: str) -> dict[str, Any]:
    with (EVENTS_DIR / f"{name}.json").open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = json.load(stream)
    return loaded


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of `events/<name>.json`."""
    return copy.deepcopy(_load(name))


def user_context(user_id: int = OCTOCAT_ID, login: str = OCTOCAT_LOGIN) -> dict[str, str]:
    """The authorizer context of a signed-in user, every value a string as API Gateway passes it on."""
    return {
        "principalId": f"user:{user_id}",
        "principal_type": "user",
        "user_id": str(user_id),
        "login": login,
    }


def app_context(client_id: str) -> dict[str, str]:
    return {"principalId": f"app:{client_id}", "principal_type": "app", "client_id": client_id}


def auth_error_context(code: str) -> dict[str, str]:
    """What the authorizer passes on when it refused the caller (the function answers the refusal)."""
    return {"principalId": "anonymous", "auth_error": code}


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _set_header(event: dict[str, Any], name: str, value: str | None) -> None:
    for field in ("headers", "multiValueHeaders"):
        current = event.get(field) or {}
        current = {k: v for k, v in current.items() if k.lower() != name.lower()}
        if value is not None:
            current[name] = value if field == "headers" else [value]
        event[field] = current


def _render(resource: str, path_params: dict[str, str]) -> str:
    """The path as a client sends it and API Gateway passes it on: each parameter percent-encoded."""
    path = resource
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def build_event(
    name: str,
    *,
    method: str | None = None,
    resource: str | None = None,
    path_params: dict[str, str] | None = None,
    query: dict[str, str | list[str]] | None = UNSET,
    headers: dict[str, str | None] | None = None,
    body: Any = UNSET,
    authorizer: dict[str, str] | None = UNSET,
) -> dict[str, Any]:
    """`events/<name>.json` with the given changes; `path` and `requestContext.path` follow the parameters.

    `query`: a dict (a list value repeats the parameter) or None for no query string. `headers`: a value of
    None removes that header. `body`: a dict or list is sent as JSON, a str as it is, bytes base64-encoded,
    None for no body. `authorizer`: the authorizer context (None: no authorizer context at all).
    """
    event = load_event(name)
    context = event.setdefault("requestContext", {})
    if method is not None:
        event["httpMethod"] = method
        context["httpMethod"] = method
    if resource is not None:
        event["resource"] = resource
        context["resourcePath"] = resource
    if path_params is not None or resource is not None:
        params = {**(event.get("pathParameters") or {}), **(path_params or {})}
        event["pathParameters"] = params or None
        event["path"] = _render(event["resource"], params)
        stage = context.get("stage")
        context["path"] = f"/{stage}{event['path']}" if stage else event["path"]
    if query is not UNSET:
        if query is None:
            event["queryStringParameters"] = None
            event["multiValueQueryStringParameters"] = None
        else:
            multi = {k: (list(v) if isinstance(v, list) else [v]) for k, v in query.items()}
            event["multiValueQueryStringParameters"] = multi
            event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
    for header, value in (headers or {}).items():
        _set_header(event, header, value)
    if body is not UNSET:
        if body is None:
            event["body"] = None
            event["isBase64Encoded"] = False
        elif isinstance(body, bytes):
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        elif isinstance(body, str):
            event["body"] = body
            event["isBase64Encoded"] = False
        else:
            event["body"] = json.dumps(body)
            event["isBase64Encoded"] = False
    if authorizer is not UNSET:
        if authorizer is None:
            context.pop("authorizer", None)
        else:
            context["authorizer"] = dict(authorizer)
    return event


def authorizer_event(
    authorization: str | None,
    *,
    method: str = "GET",
    resource: str = "/authorizations",
    path: str | None = None,
    headers: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """`events/authorizer.json` for another header, method or route (the methodArn follows); `headers` adds
    or (with None) removes other headers, e.g. `X-GitHub-OTP`."""
    event = load_event("authorizer")
    path = path if path is not None else resource
    event["httpMethod"] = method
    event["resource"] = resource
    event["path"] = path
    stage = event["requestContext"]["stage"]
    event["requestContext"].update(httpMethod=method, resourcePath=resource, path=f"/{stage}{path}")
    arn_prefix = event["methodArn"].split("/", 1)[0]
    event["methodArn"] = f"{arn_prefix}/{stage}/{method}{path}"
    _set_header(event, "Authorization", authorization)
    for name, value in (headers or {}).items():
        _set_header(event, name, value)
    return event
