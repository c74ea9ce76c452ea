"""The application endpoints over HTTP: check, reset, revoke and revoke-grant, each with the token in the path
and in the body, signed in as the app (client_id:client_secret).

"Check answers 200 with the authorization and its user (simple-user shape), or 404 for an unknown, revoked,
expired, malformed or other app's token. Reset issues a new token for the same authorization and the old
token stops working in the same transaction. The body forms answer 422 for a missing or non-string
access_token." (Expiry needs an operator's maximum lifetime, which the session's server does not set.)

Users: erin (most tests), frank (the owner whose grant is revoked while erin looks on).
"""

from __future__ import annotations

import secrets as random_secrets
from typing import Any

import pytest
import requests

from tests.support.e2e import (
    APPS_DOCS,
    App,
    Server,
    User,
    assert_authorization,
    assert_error,
    assert_github_headers,
    assert_not_found,
    assert_validation_failed,
    check_schema,
    sha256,
)
from tests.support.schemas import assert_matches_schema

TOKENS = "/applications/{client_id}/tokens/{access_token}"
TOKEN = "/applications/{client_id}/token"
GRANTS_OF = "/applications/{client_id}/grants/{access_token}"
GRANT_OF = "/applications/{client_id}/grant"
ONE = "/authorizations/{authorization_id}"

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class AppCalls:
    """The eight application endpoints for one app's paths, signed in as `signer` (that app by default)."""

    def __init__(self, app: App, signer: App | None = None) -> None:
        self.app = app
        self.client = (signer or app).client

    def _path(self, template: str, token: str | None = None) -> str:
        path = template.replace("{client_id}", self.app.client_id)
        return path if token is None else path.replace("{access_token}", token)

    def call(self, operation: str, form: str, token: str) -> tuple[requests.Response, str]:
        """(answer, the operation's path template)."""
        if form == "path":
            method, template = {
                "check": ("GET", TOKENS),
                "reset": ("POST", TOKENS),
                "revoke": ("DELETE", TOKENS),
                "revoke_grant": ("DELETE", GRANTS_OF),
            }[operation]
            return self.client.request(method, self._path(template, token)), template
        method, template = {
            "check": ("POST", TOKEN),
            "reset": ("PATCH", TOKEN),
            "revoke": ("DELETE", TOKEN),
            "revoke_grant": ("DELETE", GRANT_OF),
        }[operation]
        return self.client.request(method, self._path(template), json_body={"access_token": token}), template

    def check(self, token: str, form: str = "path") -> requests.Response:
        return self.call("check", form, token)[0]


def issue(
    user: User, app: App, fingerprint: str | None = None, scopes: list[str] | None = None
) -> dict[str, Any]:
    fingerprint = fingerprint or "fp-" + random_secrets.token_hex(4)
    response = user.client.put(
        f"/authorizations/clients/{app.client_id}/{fingerprint}",
        {"client_secret": app.client_secret, "scopes": scopes or ["repo"]},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["token"].startswith("gho_")
    return body


def assert_checked(
    response: requests.Response, template: str, server: Server, user: User, auth: dict[str, Any]
) -> dict[str, Any]:
    """A 200 with the authorization (as its owner sees it) and its owner as a simple user."""
    assert response.status_code == 200, (response.status_code, response.text)
    assert_github_headers(response)
    check_schema(response, template)
    body: dict[str, Any] = response.json()
    user_json = body.pop("user")
    assert_matches_schema(user_json, "simple-user")
    assert (user_json["login"], user_json["id"], user_json["type"], user_json["site_admin"]) == (
        user.login,
        user.id,
        "User",
        False,
    )
    assert stable(body) == stable(auth), body
    assert_authorization(body, server.url, personal=False)
    return body


def stable(auth: dict[str, Any]) -> dict[str, Any]:
    """What a reset leaves as it was."""
    changing = ("token", "hashed_token", "token_last_eight", "updated_at")
    return {key: value for key, value in auth.items() if key not in changing}


def assert_dead(calls: AppCalls, token: str) -> None:
    for form in ("path", "body"):
        response, template = calls.call("check", form, token)
        assert_not_found(response, template)


FORMS = ["path", "body"]


@pytest.mark.parametrize("form", FORMS)
def test_check(server: Server, erin: User, alpha: App, form: str) -> None:
    auth = issue(erin, alpha)
    calls = AppCalls(alpha)
    response, template = calls.call("check", form, auth["token"])
    body = assert_checked(response, template, server, erin, auth)
    assert body["token"] == ""  # the plaintext is in the answer that created it only
    assert body["hashed_token"] == sha256(auth["token"])
    # The path form is a GET: an ETag, and 304 for it.
    if form == "path":
        etag = response.headers["ETag"]
        path = f"/applications/{alpha.client_id}/tokens/{auth['token']}"
        cached = alpha.client.get(path, headers={"If-None-Match": etag})
        assert (cached.status_code, cached.content) == (304, b"")
    # Both forms answer the same.
    other, _ = calls.call("check", "body" if form == "path" else "path", auth["token"])
    assert other.json() == response.json()


@pytest.mark.parametrize("form", FORMS)
def test_reset_replaces_the_token_at_once(server: Server, erin: User, alpha: App, form: str) -> None:
    auth = issue(erin, alpha, scopes=["repo", "user"])
    calls = AppCalls(alpha)
    response, template = calls.call("reset", form, auth["token"])
    body = assert_checked(response, template, server, erin, auth)
    new = body["token"]
    assert new.startswith("gho_") and len(new) == 40 and new != auth["token"]
    assert (body["id"], body["scopes"], body["fingerprint"]) == (
        auth["id"],
        ["repo", "user"],
        auth["fingerprint"],
    )
    assert (body["hashed_token"], body["token_last_eight"]) == (sha256(new), new[-8:])

    assert_dead(calls, auth["token"])
    checked = assert_checked(calls.check(new), TOKENS, server, erin, auth)
    assert (checked["token"], checked["hashed_token"]) == ("", sha256(new))
    # Resetting the old one again: it is gone.
    for again in ("path", "body"):
        response, template = calls.call("reset", again, auth["token"])
        assert_not_found(response, template)
    # The owner sees the new hash.
    mine = erin.client.get(f"/authorizations/{auth['id']}").json()
    assert (mine["hashed_token"], mine["token_last_eight"], mine["token"]) == (sha256(new), new[-8:], "")

    # And once more, the other form, from the new token.
    other = "body" if form == "path" else "path"
    response, template = calls.call("reset", other, new)
    newer = assert_checked(response, template, server, erin, auth)["token"]
    assert newer not in (new, auth["token"])
    assert_dead(calls, new)
    assert calls.check(newer).status_code == 200


@pytest.mark.parametrize("form", FORMS)
def test_revoke_one_token(erin: User, alpha: App, form: str) -> None:
    auth = issue(erin, alpha)
    kept = issue(erin, alpha)
    calls = AppCalls(alpha)
    response, template = calls.call("revoke", form, auth["token"])
    assert (response.status_code, response.content) == (204, b"")
    check_schema(response, template)
    assert_github_headers(response)
    assert_dead(calls, auth["token"])
    assert_not_found(erin.client.get(f"/authorizations/{auth['id']}"), ONE)
    for again in ("path", "body"):
        response, template = calls.call("revoke", again, auth["token"])
        assert_not_found(response, template)
    assert calls.check(kept["token"]).status_code == 200  # only that one


@pytest.mark.parametrize("form", FORMS)
def test_revoke_the_grant_of_the_tokens_owner(
    server: Server, frank: User, erin: User, alpha: App, beta: App, form: str
) -> None:
    calls = AppCalls(alpha)
    first = issue(frank, alpha, scopes=["repo"])
    second = issue(frank, alpha, scopes=["user"])
    other_app = issue(frank, beta)
    bystander = issue(erin, alpha)
    grants = frank.client.get("/applications/grants").json()
    assert sorted(g["app"]["client_id"] for g in grants) == sorted([alpha.client_id, beta.client_id])

    response, template = calls.call("revoke_grant", form, first["token"])
    assert (response.status_code, response.content) == (204, b"")
    check_schema(response, template)
    assert_dead(calls, first["token"])
    assert_dead(calls, second["token"])
    for auth in (first, second):
        assert_not_found(frank.client.get(f"/authorizations/{auth['id']}"), ONE)
    assert [g["app"]["client_id"] for g in frank.client.get("/applications/grants").json()] == [
        beta.client_id
    ]
    # Not another app's tokens, nor another user's.
    assert AppCalls(beta).check(other_app["token"]).status_code == 200
    assert calls.check(bystander["token"]).status_code == 200
    for again in ("path", "body"):
        response, template = calls.call("revoke_grant", again, first["token"])
        assert_not_found(response, template)


OPERATIONS = ["check", "reset", "revoke", "revoke_grant"]


def test_an_app_cannot_touch_another_apps_tokens(server: Server, erin: User, alpha: App, beta: App) -> None:
    auth = issue(erin, alpha)
    token = auth["token"]
    for operation in OPERATIONS:
        for form in FORMS:
            # Beta's own paths, alpha's token.
            response, template = AppCalls(beta).call(operation, form, token)
            assert_not_found(response, template)
            # Alpha's paths, signed in as beta: the path's client_id must be the app signed in.
            response, template = AppCalls(alpha, signer=beta).call(operation, form, token)
            assert_not_found(response, template)
    # Nothing happened to it.
    checked = assert_checked(AppCalls(alpha).check(token), TOKENS, server, erin, auth)
    assert checked["hashed_token"] == auth["hashed_token"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_body_forms_want_a_string_access_token(alpha: App, operation: str) -> None:
    method, template = {
        "check": ("POST", TOKEN),
        "reset": ("PATCH", TOKEN),
        "revoke": ("DELETE", TOKEN),
        "revoke_grant": ("DELETE", GRANT_OF),
    }[operation]
    path = template.replace("{client_id}", alpha.client_id)
    for body, code in (
        ({}, "missing_field"),
        ({"token": "gho_x"}, "missing_field"),
        ({"access_token": 123}, "invalid"),
        ({"access_token": None}, "invalid"),
        ({"access_token": ["gho_x"]}, "invalid"),
        ({"access_token": {"token": "gho_x"}}, "invalid"),
    ):
        response = alpha.client.request(method, path, json_body=body)
        assert_validation_failed(response, ("access_token", code), documentation_url=APPS_DOCS, path=template)
    response = alpha.client.request(method, path)  # no body at all
    assert_validation_failed(response, ("access_token", "missing_field"), documentation_url=APPS_DOCS)
    for raw, message in ((b"{", "Problems parsing JSON"), (b'["gho_x"]', "Body should be a JSON object")):
        response = alpha.client.request(method, path, data=raw, headers={"Content-Type": "application/json"})
        assert_error(response, 400, message)


def _bad_checksum(token: str) -> str:
    """The same token with one of its 30 random characters changed: the checksum no longer matches."""
    position = 10
    replacement = BASE62[(BASE62.index(token[position]) + 1) % len(BASE62)]
    return token[:position] + replacement + token[position + 1 :]


def test_malformed_and_unknown_tokens_are_404(erin: User, alpha: App) -> None:
    auth = issue(erin, alpha)
    token = auth["token"]
    personal = erin.client.post("/authorizations", {"note": "personal " + random_secrets.token_hex(4)}).json()
    malformed = [
        "gho_short",
        token[:-1],
        token + "A",
        "xyz_" + token[4:],
        "ghp_" + token[4:],  # a valid checksum, the wrong kind
        _bad_checksum(token),
        token.lower() if token.lower() != token else token.upper(),
        "gho_" + "é" * 36,
        personal["token"],  # a real token, but personal: no app's
    ]
    calls = AppCalls(alpha)
    for bad in malformed:
        for operation in OPERATIONS:
            for form in FORMS:
                if form == "path" and "é" in bad:
                    continue  # checked below, percent-encoded
                response, template = calls.call(operation, form, bad)
                assert_not_found(response, template)
    response = alpha.client.get(f"/applications/{alpha.client_id}/tokens/gho_%C3%A9%00")
    assert_not_found(response)
    response = alpha.client.post(f"/applications/{alpha.client_id}/token", {"access_token": ""})
    assert_not_found(response)
    # None of that touched the real one.
    assert calls.check(token).status_code == 200
    assert erin.client.get(f"/authorizations/{personal['id']}").status_code == 200


def test_wrong_app_credentials_are_401(anonymous: Any, erin: User, alpha: App) -> None:
    token = issue(erin, alpha)["token"]
    for auth in ((alpha.client_id, "f" * 40), ("ffffffffffffffffffff", alpha.client_secret)):
        for operation in OPERATIONS:
            for form in FORMS:
                signer = App(alpha.client_id, auth[1], alpha.name, alpha.url, anonymous.as_(auth))
                response, _ = AppCalls(alpha, signer=signer).call(operation, form, token)
                assert_error(response, 401, "Bad credentials")
    assert AppCalls(alpha).check(token).status_code == 200
