"""http_server on the fake API: malformed HTTP, keep-alive, HEAD, and what its access log says (and never)."""

from __future__ import annotations

import logging
import socket

import pytest
import requests

from tests.support.fake_api import FakeApi


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes, read the answer until the server closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(request)
        while chunk := raw.recv(4096):
            answer += chunk
    return answer


def test_malformed_http_gets_an_answer_and_the_server_keeps_serving(api: FakeApi) -> None:
    answer = raw_exchange(api.url, b"NOT A REQUEST\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.endswith(b'\r\n\r\n{"message":"Bad Request"}')  # API Gateway's default template
    answer = raw_exchange(
        api.url, b"POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: allow\r\nContent-Length: abc\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.endswith(b'\r\n\r\n{"message":"Bad Request"}')  # API Gateway's default template
    assert requests.get(f"{api.url}/public", timeout=10).status_code == 200


def test_keep_alive_connections_serve_several_requests(api: FakeApi) -> None:
    with requests.Session() as session:
        statuses = [session.get(f"{api.url}/public", timeout=10).status_code for _ in range(3)]
        statuses.append(session.get(f"{api.url}/nope", timeout=10).status_code)
        statuses.append(session.get(f"{api.url}/public", timeout=10).status_code)
    assert statuses == [200, 200, 200, 404, 200]


def test_access_log_names_the_resource_never_the_path_or_query(
    api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="oauth_authz_local.access"):
        requests.get(
            f"{api.url}/items/secret-token-1?q=secret-2", headers={"Authorization": "allow"}, timeout=10
        )
        requests.get(f"{api.url}/unknown/secret-token-3", timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "oauth_authz_local.access"]
    assert len(lines) == 2
    assert " GET /items/{item_id} 200 " in lines[0]
    assert " GET - 404 " in lines[1]
    assert not any("secret" in line or "allow" in line for line in lines)


def test_head_has_no_body(api: FakeApi) -> None:
    response = requests.head(f"{api.url}/nope", timeout=10)
    assert response.status_code == 404
    assert response.content == b""


def test_no_log_record_holds_a_credential(api: FakeApi, caplog: pytest.LogCaptureFixture) -> None:
    secret = "secret-credential-0123456789"
    with caplog.at_level(logging.DEBUG):
        requests.get(f"{api.url}/echo?token={secret}", headers={"Authorization": secret}, timeout=10)
        requests.get(f"{api.url}/boom/{secret}", headers={"Authorization": secret}, timeout=10)
        requests.get(f"{api.url}/items/{secret}", headers={"Authorization": "boom"}, timeout=10)
        requests.get(f"{api.url}/boom", headers={"Authorization": "allow", "X-Secret": secret}, timeout=10)
    assert len([record for record in caplog.records if record.name == "oauth_authz_local.access"]) == 4
    server_side = [
        record for record in caplog.records if not record.name.startswith("urllib3")
    ]  # the client's own
    formatter = logging.Formatter()
    assert all(secret not in formatter.format(record) for record in server_side)
