"""Hostile input on the device flow's routes (SPEC section 10): `POST /login/device/code` (the `device_code`
function) and the device and refresh grants of `POST /login/oauth/access_token`, on their events. Whatever
the parameters, body, encoding and headers: never a 5xx, an OAuth error unless the request is the real one,
and the table keeps its invariants."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth_authz.models.domain import User
from oauth_authz.service import device_flow, oauth_web_flow
from oauth_authz.service.accounts import Accounts
from oauth_authz.service.device_flow import DEVICE_CODE_GRANT
from oauth_authz.token_answers import DeviceCodeResponse, TokenResponse
from tests.conftest import RegisteredApp
from tests.support.invariants import assert_table_invariants
from tests.support.lambdas import FakeLambdaContext, load_handler
from tests.support.tables import TableView

pytestmark = pytest.mark.reliability

FIXTURES_OK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NAMES = ["client_id", "client_secret", "scope", "device_code", "refresh_token", "grant_type", "x"]
values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["", DEVICE_CODE_GRANT, "refresh_token", "offline_access", "\x00", "%00", "ghr_", "0" * 40]
    ),
)
params = st.dictionaries(st.sampled_from(NAMES), values, max_size=8)
shapes = st.sampled_from(["form", "json", "raw", "base64"])
accepts = st.one_of(
    st.none(), st.text(max_size=40), st.sampled_from(["application/json", "application/xml;q=0"])
)
ERRORS = {
    "incorrect_client_credentials",
    "device_flow_disabled",
    "incorrect_device_code",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "access_denied",
    "unsupported_grant_type",
    "bad_refresh_token",
    "bad_verification_code",
}


@pytest.fixture
def device_app(accounts: Accounts) -> RegisteredApp:
    created = accounts.create_app("CLI", "https://cli.example.com", device_flow=True, expiring_tokens=True)
    return RegisteredApp(created.app, created.client_secret)


def _event(
    function: str, body: str | None, headers: dict[str, str], query: dict[str, str] | None, b64: bool
) -> Any:
    with open(f"events/{function}.json") as file:
        event: dict[str, Any] = json.load(file)
    event.update(
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        body=body,
        queryStringParameters=query,
        isBase64Encoded=b64,
    )
    answer: dict[str, Any] = load_handler(function).lambda_handler(
        event, FakeLambdaContext(function_name=function)
    )
    return answer


def _body(form: dict[str, str], shape: str, raw: str) -> str:
    return {
        "form": urlencode(form),
        "json": json.dumps(form),
        "raw": raw,
        "base64": base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode(),
    }[shape]


def _headers(shape: str, accept: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json" if shape == "json" else "application/x-www-form-urlencoded"}
    if accept is not None:
        headers["Accept"] = accept
    return headers


@FIXTURES_OK
@given(
    form=params,
    query=st.one_of(st.none(), params),
    shape=shapes,
    raw=st.text(max_size=200),
    accept=accepts,
    real_client=st.booleans(),
)
def test_the_device_code_route_never_faults(
    device_app: RegisteredApp,
    table: TableView,
    form: dict[str, str],
    query: dict[str, str] | None,
    shape: str,
    raw: str,
    accept: str | None,
    real_client: bool,
) -> None:
    if real_client:
        form = {**form, "client_id": device_app.client_id}

    answer = _event("device_code", _body(form, shape, raw), _headers(shape, accept), query, shape == "base64")

    assert answer["statusCode"] in (200, 400), answer
    if answer["statusCode"] == 200:
        assert "user_code" in answer["body"] and "device_code" in answer["body"]
    else:
        assert any(error in answer["body"] for error in ERRORS), answer
    assert_table_invariants(table)


@FIXTURES_OK
@given(form=params, shape=shapes, raw=st.text(max_size=200), accept=accepts,
       with_codes=st.sampled_from(["none", "device", "refresh"]))  # fmt: skip
def test_the_device_and_refresh_grants_never_fault(
    device_app: RegisteredApp,
    octocat: User,
    table: TableView,
    form: dict[str, str],
    shape: str,
    raw: str,
    accept: str | None,
    with_codes: str,
) -> None:
    if with_codes != "none":  # real codes and credentials, and hostile values for the rest
        codes = device_flow.request_codes({"client_id": device_app.client_id}, "https://x/login/device")
        assert isinstance(codes, DeviceCodeResponse)
        device_flow.approve(codes.user_code, octocat.id, "octocat")
        form = {**form, "client_id": device_app.client_id}
        form.setdefault("device_code", codes.device_code)
        if with_codes == "refresh":
            got = oauth_web_flow.exchange(
                {
                    "grant_type": DEVICE_CODE_GRANT,
                    "client_id": device_app.client_id,
                    "device_code": codes.device_code,
                },
                None,
            )
            assert isinstance(got, TokenResponse) and got.refresh_token is not None
            form.setdefault("refresh_token", got.refresh_token)

    answer = _event("access_token", _body(form, shape, raw), _headers(shape, accept), None, shape == "base64")

    assert answer["statusCode"] == 200, answer
    if "gho_" in answer["body"]:  # only the real device code or refresh token gives a token
        assert with_codes != "none" and form.get("grant_type") in (DEVICE_CODE_GRANT, "refresh_token"), answer
    else:
        assert any(error in answer["body"] for error in ERRORS), answer
    assert_table_invariants(table)
