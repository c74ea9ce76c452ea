"""Hostile input over HTTP against one local API of its own (issue 6, part 4, `long`): hypothesis-generated
Authorization headers (bad base64, no colon, unicode, 64 KB, several headers), path parameters (negative,
huge, non-integer, unicode, encoded slashes) and bodies (deep nesting, 10 MB, duplicate keys, wrong types,
nulls), sent with `http.client` byte for byte. Every answer is a 4xx (or a 2xx for input that happens to be
valid) in GitHub's shape, never a 5xx, never a hang; the server still answers afterwards and logged no
traceback.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.data import DOCS_URL
from tests.support.e2e import Server
from tests.support.e2e_auth import running_server
from tests.support.reliability import ReliabilityReport
from tests.support.workload import Account, AppAccount, make_accounts

pytestmark = [pytest.mark.reliability, pytest.mark.long]

EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TIMEOUT = 60


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Account, AppAccount]]:
    logs = tmp_path_factory.mktemp("hostile-logs")
    with running_server(Path(logs) / "data", logs, overrides={}) as local:
        accounts, app = make_accounts(local.server, 1)
        yield local.server, accounts[0], app
        answer = send(local.server, "GET", "/", [])
        assert answer[0] == 200, answer  # still up (the API root)


def send(
    server: Server, method: str, path: str, headers: Sequence[tuple[str, bytes]], body: bytes | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def assert_github_answer(status: int, body: bytes, what: object) -> None:
    assert status < 500, (status, body[:300], what)
    if status >= 400:
        document = json.loads(body)
        assert set(document) >= {"message", "documentation_url"}, (status, document, what)
        assert document["documentation_url"].startswith("https://docs.github.com/"), document


def basic(login: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{login}:{password}".encode())


# ------------------------------------------------------------------------------------------- strategies

header_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]), max_size=200
)
authorization_values = st.one_of(
    header_text.map(lambda text: text.encode("utf-8")),
    st.builds(
        lambda scheme, raw: scheme + b" " + raw,
        st.sampled_from([b"Basic", b"basic", b"Bearer", b"token", b"Digest"]),
        st.one_of(
            st.binary(max_size=120).map(base64.b64encode),
            header_text.map(lambda text: base64.b64encode(text.encode("utf-8"))),
            st.binary(max_size=60).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"")),
        ),
    ),
    st.just(b"Basic " + b"A" * 65_000),
    st.just(b"Basic " + base64.b64encode(b"user:" + b"p" * 40_000)),
    st.just(b"Basic " + base64.b64encode(b"u" * 2990 + b":pw")),  # a login or client_id over a key's 2 KB
)
segments = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**53 - 2, max_value=2**90).map(str),
    st.text(max_size=30).map(lambda text: quote(text, safe="")),
    st.text(max_size=30).map(lambda text: quote(text, safe="/")),
    st.sampled_from(
        ["-1", "0", "%2F", "a%2Fb", "..", "%2E%2E", "%00", "%FF", "%E2%82", "1e9", "%20", "٣"]
    ).map(lambda text: quote(text, safe="%")),
)
PATHS = [
    "/authorizations/{}",
    "/applications/grants/{}",
    "/authorizations/clients/{}",
    "/authorizations/clients/{}/{}",
    "/applications/{}/tokens/{}",
    "/applications/{}/token",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
fields = st.sampled_from(
    ["note", "note_url", "scopes", "add_scopes", "client_id", "client_secret", "fingerprint"]
)
bodies = st.one_of(
    st.dictionaries(fields, json_values, max_size=4).map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=20_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=20_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.builds(
        lambda a, b: ('{"note": ' + json.dumps(a) + ', "note": ' + json.dumps(b) + "}").encode(),
        json_values,
        json_values,
    ),
)


# ------------------------------------------------------------------------------------------------ tests


@EXAMPLES
@given(values=st.lists(authorization_values, min_size=1, max_size=3), app_route=st.booleans())
def test_hostile_authorization_headers(
    values: list[bytes],
    app_route: bool,
    hostile_server: tuple[Server, Account, AppAccount],
    reliability_report: ReliabilityReport,
) -> None:
    server, _, app = hostile_server
    path = f"/applications/{app.client_id}/tokens/gho_x" if app_route else "/authorizations"
    status, body = send(server, "GET", path, [("Authorization", value) for value in values])
    assert_github_answer(status, body, values)
    assert status != 200
    reliability_report.add("hostile input over HTTP: Authorization headers", requests=1, examples=1)


@EXAMPLES
@given(
    template=st.sampled_from(PATHS),
    first=segments,
    second=segments,
    method=st.sampled_from(["GET", "DELETE", "PATCH", "PUT", "POST"]),
)
def test_hostile_path_parameters(
    template: str,
    first: str,
    second: str,
    method: str,
    hostile_server: tuple[Server, Account, AppAccount],
    reliability_report: ReliabilityReport,
) -> None:
    server, user, app = hostile_server
    path = template.format(first or "x", second or "y")
    credentials = (
        basic(user.login, user.password)
        if "/applications/grants" in path or path.startswith("/authorizations")
        else basic(app.client_id, app.client_secret)
    )
    headers = [("Authorization", credentials), ("Content-Type", b"application/json")]
    status, body = send(server, method, path, headers, b"{}" if method in ("PATCH", "PUT", "POST") else None)
    assert_github_answer(status, body, (method, path))
    reliability_report.add("hostile input over HTTP: path parameters", requests=1, examples=1)


@EXAMPLES
@given(body=bodies, route=st.sampled_from(["create", "update", "get-or-create", "check"]))
def test_hostile_bodies(
    body: bytes,
    route: str,
    hostile_server: tuple[Server, Account, AppAccount],
    reliability_report: ReliabilityReport,
) -> None:
    server, user, app = hostile_server
    app_auth = basic(app.client_id, app.client_secret)
    method, path, credentials = {
        "create": ("POST", "/authorizations", basic(user.login, user.password)),
        "update": ("PATCH", "/authorizations/1", basic(user.login, user.password)),
        "get-or-create": (
            "PUT",
            f"/authorizations/clients/{app.client_id}",
            basic(user.login, user.password),
        ),
        "check": ("POST", f"/applications/{app.client_id}/token", app_auth),
    }[route]
    headers = [("Authorization", credentials), ("Content-Type", b"application/json")]
    status, answer = send(server, method, path, headers, body)
    assert_github_answer(status, answer, (route, body[:100]))
    reliability_report.add("hostile input over HTTP: bodies", requests=1, examples=1)


def test_a_body_over_10_mb_is_a_413_in_github_shape(
    hostile_server: tuple[Server, Account, AppAccount], reliability_report: ReliabilityReport
) -> None:
    server, user, _ = hostile_server
    body = b'{"note": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    headers = [("Authorization", basic(user.login, user.password)), ("Content-Type", b"application/json")]
    status, answer = send(server, "POST", "/authorizations", headers, body)
    assert status == 413, (status, answer[:200])
    assert json.loads(answer)["documentation_url"] == DOCS_URL
    reliability_report.add("hostile input over HTTP: 10 MB body", requests=1)
