"""Hostile input on `POST /login/oauth/access_token` (the `access_token` function): whatever the parameters,
body, encoding and headers, the answer is a 200 with an OAuth error (never a 5xx, never a token), and the
table holds nothing new but what a real exchange wrote."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_authz.models.domain import User
from oauth_authz.service.accounts import Accounts
from tests.conftest import RegisteredApp
from tests.support.invariants import assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, load_handler
from tests.support.tables import TableView
from tests.support.web_flow import CALLBACK, code_for

pytestmark = pytest.mark.reliability

FIXTURES_OK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NAMES = ["client_id", "client_secret", "code", "redirect_uri", "code_verifier", "grant_type", "state", "x"]
values = st.one_of(st.text(max_size=80), st.sampled_from(["", "authorization_code", "S256", "\x00", "%00"]))
params = st.dictionaries(st.sampled_from(NAMES), values, max_size=8)
ERRORS = {
    "incorrect_client_credentials",
    "bad_verification_code",
    "redirect_uri_mismatch",
    "unsupported_grant_type",
}


@pytest.fixture
def web_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("Octo App", "https://octo-app.example.com", CALLBACK)
    return RegisteredApp(created.app, created.client_secret)


def _call(
    body: str | None, headers: dict[str, str], query: dict[str, str] | None, b64: bool
) -> dict[str, Any]:
    with open("events/access_token.json") as file:
        event: dict[str, Any] = json.load(file)
    event.update(
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        body=body,
        queryStringParameters=query,
        isBase64Encoded=b64,
    )
    answer: dict[str, Any] = load_handler("access_token").lambda_handler(
        event, FakeLambdaContext(function_name="access_token")
    )
    return answer


@FIXTURES_OK
@given(
    form=params,
    query=st.one_of(st.none(), params),
    shape=st.sampled_from(["form", "json", "raw", "base64"]),
    raw=st.text(max_size=200),
    accept=st.one_of(
        st.none(), st.text(max_size=40), st.sampled_from(["application/json", "application/xml;q=0"])
    ),
    authorization=st.one_of(
        st.none(),
        st.text(max_size=60),
        st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode()),
    ),
    with_app=st.booleans(),
)
def test_never_a_fault_never_a_token(
    web_app: RegisteredApp,
    octocat: User,
    table: TableView,
    form: dict[str, str],
    query: dict[str, str] | None,
    shape: str,
    raw: str,
    accept: str | None,
    authorization: str | None,
    with_app: bool,
) -> None:
    if with_app:  # real credentials and a real code, and hostile values for the rest
        form = {**form, "client_id": web_app.client_id, "client_secret": web_app.client_secret}
        form.setdefault("code", code_for(web_app.client_id, octocat))
    body: str | None = {
        "form": urlencode(form),
        "json": json.dumps(form),
        "raw": raw,
        "base64": base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode(),
    }[shape]
    headers = {"Content-Type": "application/json" if shape == "json" else "application/x-www-form-urlencoded"}
    if accept is not None:
        headers["Accept"] = accept
    if authorization is not None:
        headers["Authorization"] = authorization

    answer = _call(body, headers, query, shape == "base64")

    assert answer["statusCode"] == 200, answer
    if "gho_" in answer["body"]:  # only the real code with its app's credentials gives a token
        assert with_app and form.get("grant_type") in (None, "", "authorization_code"), answer
    else:
        assert any(error in answer["body"] for error in ERRORS), answer
    assert_table_invariants(table)
