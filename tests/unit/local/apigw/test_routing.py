"""apigw.routing: which resource and route a method and a raw path match, as API Gateway chooses."""

from __future__ import annotations

import pytest

from tests.support.apigw import TABLE


@pytest.mark.parametrize(
    ("method", "path", "resource", "logical_id", "parameters"),
    [
        ("GET", "/authorizations", "/authorizations", "List", {}),
        ("GET", "/authorizations/", "/authorizations", "List", {}),
        ("POST", "/authorizations", "/authorizations", "Create", {}),
        (
            "GET",
            "/authorizations/42",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "42"},
        ),
        (
            "get",
            "/authorizations/42",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "42"},
        ),
        (
            "GET",
            "/authorizations/clients",
            "/authorizations/{authorization_id}",
            "Get",
            {"authorization_id": "clients"},
        ),
        (
            "PUT",
            "/authorizations/clients/abc",
            "/authorizations/clients/{client_id}",
            "ForApp",
            {"client_id": "abc"},
        ),
        (
            "PUT",
            "/authorizations/clients/abc/a%2Fb%20c",
            "/authorizations/clients/{client_id}/{fingerprint}",
            "ForFingerprint",
            {"client_id": "abc", "fingerprint": "a%2Fb%20c"},  # as sent, as API Gateway passes them
        ),
        (
            "GET",
            "/applications/grants/token",
            "/applications/grants/{grant_id}",
            "Grant",
            {"grant_id": "token"},
        ),
        (
            "DELETE",
            "/applications/c1/token",
            "/applications/{client_id}/token",
            "Revoke",
            {"client_id": "c1"},
        ),
        ("DELETE", "/files/a/b%20c/d", "/files/{path+}", "Files", {"path": "a/b%20c/d"}),
        ("GET", "/", "/", "Root", {}),
    ],
)
def test_route_matching(
    method: str, path: str, resource: str, logical_id: str, parameters: dict[str, str]
) -> None:
    match = TABLE.match(method, path)
    assert match is not None
    assert match.resource == resource
    assert match.route is not None
    assert match.route.logical_id == logical_id
    assert match.path_parameters == parameters


@pytest.mark.parametrize("path", ["/nope", "/authorizations/1/2", "/authorizations//", "/files", "/files/"])
def test_unknown_paths(path: str) -> None:
    assert TABLE.match("GET", path) is None


def test_known_path_without_the_method() -> None:
    match = TABLE.match("DELETE", "/authorizations")
    assert match is not None
    assert match.resource == "/authorizations"
    assert match.route is None
    # The most specific resource is chosen before the method: no fall back to another resource.
    fallback = TABLE.match("POST", "/applications/grants/token")
    assert fallback is not None
    assert fallback.resource == "/applications/grants/{grant_id}"
    assert fallback.route is None
