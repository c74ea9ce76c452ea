"""Fuzzing the local API over HTTP with schemathesis: our own document (served at /openapi.json) and GitHub's.

Every operation gets a bounded number of generated requests (positive and negative: wrong types, missing
fields, bad headers), sent as the user `fuzzy` for user operations and as the app `delta` for app
operations. Two checks must pass on every answer: `not_a_server_error` (no 5xx) and
`response_schema_conformance` (a documented status answers with its documented schema). With our own
document the status code, content type and documented headers must conform as well.

Random path parameters and tokens would almost never name anything that exists, so half of the generated
values (chosen by the value itself, so that Hypothesis can replay and shrink) are replaced with ones that do:
the app's own client_id and secret, a live token of the app, an id of one of the user's authorizations or
grants. `FUZZ_EXAMPLES` sets the examples per operation (default 12; `make reliability` runs more).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.e2e import App, Client, Secrets, Server, User
from tests.support.schemas import REFERENCE_DIR

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
REQUIRED_CHECKS = [not_a_server_error, response_schema_conformance]
OWN_DOCUMENT_CHECKS = [
    *REQUIRED_CHECKS,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
SEEDED_TOKENS = 6
OWN_DOCUMENT = Path(__file__).resolve().parents[2] / "openapi.json"


@dataclass
class FuzzTargets:
    """What a steered request may name: the user's and the app's credentials and live objects."""

    server: Server
    user: User
    app: App
    secrets: Secrets
    authorization_ids: list[int] = field(default_factory=list)
    grant_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status class) -> count
    user_token: str = ""  # the user's personal token with `user`, for the token routes (`/user...`)


def _pick(value: Any, choices: list[Any]) -> Any | None:
    """One of `choices` for half of the generated values, decided by the value (replayable), else None."""
    digest = hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).digest()
    if not choices or digest[0] % 2:
        return None
    return choices[digest[1] % len(choices)]


def _steer(case: Any, targets: FuzzTargets) -> None:
    path = case.path_parameters or {}
    if "client_id" in path and _pick(path["client_id"], [targets.app.client_id]):
        path["client_id"] = targets.app.client_id
    if "access_token" in path and (token := _pick(path["access_token"], targets.tokens)):
        path["access_token"] = token
    if "authorization_id" in path and (auth_id := _pick(path["authorization_id"], targets.authorization_ids)):
        path["authorization_id"] = auth_id
    if "grant_id" in path and (grant_id := _pick(path["grant_id"], targets.grant_ids)):
        path["grant_id"] = grant_id
    body = case.body
    if isinstance(body, dict):
        if "access_token" in body and (token := _pick(body["access_token"], targets.tokens)):
            body["access_token"] = token
        ours = path.get("client_id") == targets.app.client_id
        if ours and "client_secret" in body and _pick(body["client_secret"], [targets.app.client_secret]):
            body["client_secret"] = targets.app.client_secret


def _credentials(case: Any, targets: FuzzTargets) -> tuple[str, str]:
    if case.operation.path.startswith("/applications/{client_id}"):
        return targets.app.client_id, targets.app.client_secret
    return targets.user.login, targets.user.password


def _send(case: Any, targets: FuzzTargets, checks: list[Any]) -> None:
    _steer(case, targets)
    kwargs: dict[str, Any] = {}
    if case.operation.path.startswith("/user"):  # the token-authenticated user API, with a token
        kwargs["headers"] = {**(case.headers or {}), "Authorization": f"token {targets.user_token}"}
    elif case.operation.path != "/":  # the API root takes no credentials
        login, password = _credentials(case, targets)
        targets.secrets.add(password)
        kwargs["auth"] = (login, password)
    response = case.call_and_validate(base_url=targets.server.url, checks=checks, timeout=30, **kwargs)
    targets.secrets.add_from_text(response.text)
    targets.answers[(case.operation.label, response.status_code // 100)] += 1
    # The token endpoint answers form-encoded unless asked for JSON: only JSON answers carry targets.
    if response.status_code in (200, 201) and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        _collect(response.json(), targets)


def _collect(body: Any, targets: FuzzTargets) -> None:
    """New tokens answered by creates and resets become targets (and secrets the logs must not show)."""
    token = body.get("token") if isinstance(body, dict) else None
    if token:
        targets.secrets.add(token)
        if body.get("app", {}).get("client_id") == targets.app.client_id:
            targets.tokens.append(token)


@pytest.fixture(scope="module")
def targets(server: Server, fuzzy: User, delta: App, secrets: Secrets) -> Iterator[FuzzTargets]:
    found = FuzzTargets(server=server, user=fuzzy, app=delta, secrets=secrets)
    client: Client = fuzzy.client
    for number in range(SEEDED_TOKENS):
        created = client.post(
            "/authorizations",
            {
                "scopes": ["repo"],
                "client_id": delta.client_id,
                "client_secret": delta.client_secret,
                "fingerprint": f"fp-{number}",
            },
        )
        assert created.status_code == 201, created.text
        found.authorization_ids.append(created.json()["id"])
        found.tokens.append(created.json()["token"])
    personal = client.post("/authorizations", {"scopes": ["gist"], "note": "fuzz personal"})
    assert personal.status_code == 201, personal.text
    found.authorization_ids.append(personal.json()["id"])
    user_api = client.post("/authorizations", {"scopes": ["user"], "note": "fuzz user api"})
    assert user_api.status_code == 201, user_api.text
    found.user_token = user_api.json()["token"]
    secrets.add(found.user_token)
    grants = client.get("/applications/grants")
    assert grants.status_code == 200, grants.text
    found.grant_ids.extend(grant["id"] for grant in grants.json())
    yield found
    print("\nfuzzed answers by operation (status class: count):")
    for label in sorted({label for label, _ in found.answers}):
        counts = {f"{cls}xx": n for (name, cls), n in sorted(found.answers.items()) if name == label}
        print(f"  {label}: {counts}")


# Loaded at collection: schemathesis' fixture-based loader does not run under pytest 9.
# The coverage phase sends every boundary case the schema defines (hundreds per operation): too many for CI.
CONFIG = {"phases": {"coverage": {"enabled": False}}}
own = schemathesis.openapi.from_path(str(OWN_DOCUMENT), config=SchemathesisConfig.from_dict(CONFIG))
github = schemathesis.openapi.from_path(
    str(REFERENCE_DIR / "ghes-2.22-oauth.json"), config=SchemathesisConfig.from_dict(CONFIG)
)


@own.parametrize()
@FUZZ_SETTINGS
def test_fuzz_with_our_document(case: Any, targets: FuzzTargets) -> None:
    _send(case, targets, OWN_DOCUMENT_CHECKS)


@github.parametrize()
@FUZZ_SETTINGS
def test_fuzz_with_githubs_document(case: Any, targets: FuzzTargets) -> None:
    _send(case, targets, REQUIRED_CHECKS)
