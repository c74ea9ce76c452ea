"""Authentication and HTTP behaviour over the wire: GitHub's exact answers for missing, wrong and misplaced
credentials, unknown routes and methods, media types, the API version header and oversized bodies.

Users: alice (she only reads here, and creates one token), bob.
"""

from __future__ import annotations

import base64
import secrets as random_secrets

import pytest
import requests

from tests.support.data import ACCEPT_VALUES
from tests.support.e2e import (
    DOCS_URL,
    App,
    Client,
    User,
    assert_error,
    assert_github_headers,
    assert_not_found,
    assert_validation_failed,
    check_schema,
)

LIST = "/authorizations"
ONE = "/authorizations/{authorization_id}"
REQUIRES_AUTHENTICATION = "Requires authentication"
BAD_CREDENTIALS = "Bad credentials"
BASIC_ONLY = "This API can only be accessed with username and password Basic Auth"
SCRUBBED_HEADERS = {"date", "x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", "x-github-request-id"}


@pytest.fixture(scope="module")
def personal(alice: User) -> dict[str, object]:
    """One personal token of alice's, with its plaintext."""
    response = alice.client.post(LIST, {"note": "http " + random_secrets.token_hex(4), "scopes": ["repo"]})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.fixture(scope="module")
def app_token(alice: User, beta: App) -> str:
    response = alice.client.put(
        f"/authorizations/clients/{beta.client_id}/http-tests", {"client_secret": beta.client_secret}
    )
    assert response.status_code in (200, 201), response.text
    token: str = response.json()["token"]
    assert token.startswith("gho_")
    return token


def _comparable(response: requests.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in SCRUBBED_HEADERS)
    return response.status_code, headers, response.content


# --------------------------------------------------------------------------------------------- credentials


def test_no_credentials_is_401_requires_authentication(anonymous: Client, alpha: App) -> None:
    for method, path, template in (
        ("GET", LIST, LIST),
        ("POST", LIST, LIST),
        ("GET", "/authorizations/1", ONE),
        ("PUT", f"/authorizations/clients/{alpha.client_id}", "/authorizations/clients/{client_id}"),
        ("GET", "/applications/grants", "/applications/grants"),
        ("DELETE", "/applications/grants/1", "/applications/grants/{grant_id}"),
        ("POST", f"/applications/{alpha.client_id}/token", "/applications/{client_id}/token"),
        (
            "GET",
            f"/applications/{alpha.client_id}/tokens/gho_x",
            "/applications/{client_id}/tokens/{access_token}",
        ),
        ("DELETE", f"/applications/{alpha.client_id}/grant", "/applications/{client_id}/grant"),
    ):
        if method == "GET":
            response = anonymous.request(method, path)
        else:
            response = anonymous.request(method, path, json_body={"access_token": "gho_x", "note": "x"})
        assert_error(response, 401, REQUIRES_AUTHENTICATION)
        check_schema(response, template)
        assert "X-GitHub-OTP" not in response.headers
    # An empty header or a scheme we do not speak is no credentials either.
    for header in ("", "Digest username=alice"):
        assert_error(anonymous.get(LIST, headers={"Authorization": header}), 401, REQUIRES_AUTHENTICATION)


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(anonymous: Client, alice: User) -> None:
    wrong = anonymous.get(LIST, auth=(alice.login, alice.password + "x"))
    unknown = anonymous.get(LIST, auth=("nobody-" + random_secrets.token_hex(4), alice.password))
    assert_error(wrong, 401, BAD_CREDENTIALS, LIST)
    assert_error(unknown, 401, BAD_CREDENTIALS, LIST)
    assert wrong.content == unknown.content  # byte for byte
    assert _comparable(wrong) == _comparable(unknown)
    # The login is case-insensitive, the password is not.
    assert anonymous.get(LIST, auth=(alice.login.upper(), alice.password)).status_code == 200
    assert_error(anonymous.get(LIST, auth=(alice.login, alice.password.upper())), 401, BAD_CREDENTIALS)
    for header in ("Basic !!!", "Basic " + base64.b64encode(alice.login.encode()).decode(), "Basic"):
        assert_error(anonymous.get(LIST, headers={"Authorization": header}), 401, BAD_CREDENTIALS)


def test_a_token_instead_of_a_password_is_403(
    anonymous: Client, alice: User, personal: dict[str, object], app_token: str
) -> None:
    token = str(personal["token"])
    for attempt in (
        {"auth": (alice.login, token)},
        {"auth": (alice.login, app_token)},
        {"headers": {"Authorization": f"token {token}"}},
        {"headers": {"Authorization": f"Bearer {token}"}},
        {"headers": {"Authorization": f"token {app_token}"}},
        {"headers": {"Authorization": f"bearer {app_token}"}},
    ):
        response = anonymous.get(LIST, **attempt)
        assert_error(response, 403, BASIC_ONLY, LIST)
    response = anonymous.post(LIST, {"note": "never"}, headers={"Authorization": f"token {token}"})
    assert_error(response, 403, BASIC_ONLY, LIST)


def test_app_routes_want_the_app_credentials(
    anonymous: Client, alice: User, alpha: App, app_token: str
) -> None:
    path = f"/applications/{alpha.client_id}/token"
    for auth in (
        (alpha.client_id, "0" * 40),
        (alpha.client_id, alpha.client_secret[:-1]),
        ("ffffffffffffffffffff", alpha.client_secret),
        (alice.login, alice.password),  # a user is not an app
    ):
        response = anonymous.post(path, {"access_token": app_token}, auth=auth)
        assert_error(response, 401, BAD_CREDENTIALS, "/applications/{client_id}/token")
    # and an app is not a user
    assert_error(alpha.client.get(LIST), 401, BAD_CREDENTIALS, LIST)


# ----------------------------------------------------------------------------------- routes and methods


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_unknown_routes_and_methods_are_404(anonymous: Client, alice: User, signed_in: bool) -> None:
    client = alice.client if signed_in else anonymous
    for method, path in (
        ("POST", "/"),
        ("GET", "/nope"),
        ("GET", "/api/v3/nope"),
        ("GET", "/api/v4/authorizations"),
        ("GET", "/api/authorizations"),
        ("GET", "/authorizations/1/extra"),
        ("DELETE", LIST),
        ("PUT", "/authorizations/1"),
        ("GET", "/authorizations/clients/abc"),
        ("POST", "/applications/grants"),
        ("GET", "/applications/abc/token"),
        ("PUT", "/applications/abc/tokens/gho_x"),
        ("OPTIONS", LIST),
        ("PROPFIND", LIST),
    ):
        response = client.request(method, path)
        assert_not_found(response)


# ----------------------------------------------------------------------------------------------- headers


@pytest.mark.parametrize("accept", ACCEPT_VALUES)
def test_every_accept_value_is_served_json(
    alice: User, personal: dict[str, object], accept: str | None
) -> None:
    url = f"/authorizations/{personal['id']}"
    headers = {} if accept is None else {"Accept": accept}
    response = alice.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert_github_headers(response)
    check_schema(response, ONE)
    assert response.json() == {**personal, "token": ""}


def test_the_api_version_header(alice: User, alpha: App, app_token: str, personal: dict[str, object]) -> None:
    url = f"/authorizations/{personal['id']}"
    accepted = alice.client.get(url, headers={"X-GitHub-Api-Version": "2022-11-28"})
    assert accepted.status_code == 200
    assert_github_headers(accepted)
    for version in ("2021-01-01", "2022-11-28x", "latest"):
        refused = alice.client.get(url, headers={"X-GitHub-Api-Version": version})
        assert_error(
            refused,
            400,
            f"API version '{version}' is not supported. Supported versions: 2022-11-28.",
        )
    # The app routes too.
    refused = alpha.client.post(
        f"/applications/{alpha.client_id}/token",
        {"access_token": app_token},
        headers={"X-GitHub-Api-Version": "2099-01-01"},
    )
    assert refused.status_code == 400
    assert_github_headers(refused)


def test_a_one_megabyte_body_is_refused_and_the_server_keeps_serving(
    alice: User, alpha: App, personal: dict[str, object]
) -> None:
    megabyte = 1024 * 1024
    response = alice.client.post(LIST, {"note": "n" * megabyte})
    assert_validation_failed(response, ("note", "invalid"), path=LIST)
    response = alice.client.request(
        "POST", LIST, data="x" * megabyte, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "Problems parsing JSON")
    response = alice.client.patch(f"/authorizations/{personal['id']}", {"scopes": ["repo"] * (megabyte // 8)})
    assert response.status_code in (400, 422), response.text
    assert_github_headers(response)
    response = alpha.client.post(f"/applications/{alpha.client_id}/token", {"access_token": "g" * megabyte})
    assert_not_found(response)
    # Still serving, and nothing changed.
    after = alice.client.get(f"/authorizations/{personal['id']}")
    assert after.status_code == 200
    assert after.json() == {**personal, "token": ""}


def test_a_body_over_api_gateways_limit_is_413(alice: User) -> None:
    response = alice.client.request(
        "POST", LIST, data=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert_github_headers(response)
    assert response.status_code == 413
    assert response.json() == {"message": "Request body too large", "documentation_url": DOCS_URL}
    assert alice.client.get(LIST).status_code == 200
