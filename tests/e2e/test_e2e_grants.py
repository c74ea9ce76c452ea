"""Grants over HTTP: one per OAuth app holding tokens for a user, with the sorted union of their scopes; pages
and the client_id filter; ownership; and deleting a grant of 150 tokens (more than one transaction's worth).

Users: carol (scopes, someone else's grant), bob (pages; app tokens nowhere else), gina (150 tokens).
"""

from __future__ import annotations

import secrets as random_secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.e2e import (
    App,
    Server,
    User,
    assert_authorization,
    assert_github_headers,
    assert_not_found,
    check_schema,
    links,
    sha256,
)

GRANTS = "/applications/grants"
GRANT = "/applications/grants/{grant_id}"
ONE = "/authorizations/{authorization_id}"
FOR_FINGERPRINT = "/authorizations/clients/{client_id}/{fingerprint}"
CHECK = "/applications/{client_id}/token"


def ok(response: requests.Response, path: str) -> Any:
    assert response.status_code == 200, (response.status_code, response.text)
    assert_github_headers(response)
    check_schema(response, path)
    return response.json()


def app_token(user: User, app: App, fingerprint: str, scopes: list[str]) -> dict[str, Any]:
    response = user.client.put(
        f"/authorizations/clients/{app.client_id}/{fingerprint}",
        {"client_secret": app.client_secret, "scopes": scopes},
    )
    assert response.status_code == 201, response.text
    check_schema(response, FOR_FINGERPRINT)
    body: dict[str, Any] = response.json()
    assert (body["fingerprint"], body["scopes"], body["app"]) == (fingerprint, scopes, app.app_json)
    return body


def grants_of(user: User, app: App) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(user.client.get(GRANTS, params={"client_id": app.client_id}), GRANTS)
    return found


def assert_grant(grant: dict[str, Any], server: Server, app: App, scopes: list[str]) -> None:
    assert isinstance(grant["id"], int) and 0 < grant["id"] < 2**53, grant
    assert grant["url"] == f"{server.url}/applications/grants/{grant['id']}", grant
    assert grant["app"] == app.app_json, grant
    assert grant["scopes"] == scopes, grant
    assert grant["updated_at"] >= grant["created_at"], grant


def test_a_grant_holds_the_sorted_union_of_the_scopes(server: Server, carol: User, alpha: App) -> None:
    api = carol.client
    assert grants_of(carol, alpha) == []
    one = app_token(carol, alpha, "one", ["user"])
    [grant] = grants_of(carol, alpha)
    assert_grant(grant, server, alpha, ["user"])

    two = api.post(
        "/authorizations",
        {
            "client_id": alpha.client_id,
            "client_secret": alpha.client_secret,
            "fingerprint": "two",
            "scopes": ["repo"],
            "note": "second",
        },
    )
    assert two.status_code == 201, two.text
    [grant] = grants_of(carol, alpha)
    assert_grant(grant, server, alpha, ["repo", "user"])
    grant_id = grant["id"]

    assert ok(api.patch(f"/authorizations/{one['id']}", {"add_scopes": ["gist", "repo"]}), ONE)["scopes"] == [
        "user",
        "gist",
        "repo",
    ]
    [grant] = grants_of(carol, alpha)
    assert_grant(grant, server, alpha, ["gist", "repo", "user"])
    ok(api.patch(f"/authorizations/{one['id']}", {"remove_scopes": ["repo"]}), ONE)
    [grant] = grants_of(carol, alpha)
    assert_grant(grant, server, alpha, ["gist", "repo", "user"])  # the other token still has repo

    assert api.delete(f"/authorizations/{two.json()['id']}").status_code == 204
    [grant] = grants_of(carol, alpha)
    assert_grant(grant, server, alpha, ["gist", "user"])
    assert grant["id"] == grant_id  # the same grant throughout

    # One grant, by id, with an ETag.
    fetched = api.get(f"/applications/grants/{grant_id}")
    assert ok(fetched, GRANT) == grant
    cached = api.get(f"/applications/grants/{grant_id}", headers={"If-None-Match": fetched.headers["ETag"]})
    assert (cached.status_code, cached.content) == (304, b"")
    listed = api.get(GRANTS)
    cached = api.get(GRANTS, headers={"If-None-Match": listed.headers["ETag"]})
    assert (cached.status_code, cached.content) == (304, b"")

    # The last token gone, the grant is gone.
    assert api.delete(f"/authorizations/{one['id']}").status_code == 204
    assert grants_of(carol, alpha) == []
    assert_not_found(api.get(f"/applications/grants/{grant_id}"), GRANT)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_grants_come_in_pages_and_filter_by_client_id(
    server: Server, bob: User, alpha: App, beta: App, gamma: App
) -> None:
    api = bob.client
    tag = random_secrets.token_hex(3)
    for app, scopes in ((alpha, ["repo"]), (beta, ["user"]), (gamma, [])):
        app_token(bob, app, f"pages-{tag}", scopes)
    everything = ok(api.get(GRANTS), GRANTS)
    assert sorted(grant["app"]["client_id"] for grant in everything) == sorted(
        app.client_id for app in (alpha, beta, gamma)
    )
    for grant in everything:
        app = next(a for a in (alpha, beta, gamma) if a.client_id == grant["app"]["client_id"])
        assert_grant(grant, server, app, {alpha: ["repo"], beta: ["user"], gamma: []}[app])

    first = api.get(GRANTS, params={"per_page": "2"})
    rels = links(first)
    assert (len(ok(first, GRANTS)), sorted(rels)) == (2, ["last", "next"])
    assert rels["next"].startswith(f"{server.url}/applications/grants?")
    assert _query(rels["next"]) == {"per_page": ["2"], "page": ["2"]}
    assert _query(rels["last"]) == {"per_page": ["2"], "page": ["2"]}
    second = api.get(rels["next"])
    assert sorted(links(second)) == ["first", "prev"]
    ids = [grant["id"] for grant in first.json() + ok(second, GRANTS)]
    assert sorted(ids) == sorted(grant["id"] for grant in everything)

    [only] = grants_of(bob, beta)
    assert only in everything and only["app"] == beta.app_json
    filtered = api.get(GRANTS, params={"client_id": beta.client_id, "per_page": "1"})
    assert (ok(filtered, GRANTS), links(filtered)) == ([only], {})
    assert ok(api.get(GRANTS, params={"client_id": "ffffffffffffffffffff"}), GRANTS) == []
    assert ok(api.get(GRANTS, params={"per_page": "junk"}), GRANTS) == everything


def test_someone_elses_grant_is_404(server: Server, carol: User, bob: User, beta: App) -> None:
    app_token(carol, beta, "carol-" + random_secrets.token_hex(3), ["repo"])
    [grant] = grants_of(carol, beta)
    url = f"/applications/grants/{grant['id']}"
    assert_not_found(bob.client.get(url), GRANT)
    assert_not_found(bob.client.delete(url), GRANT)
    assert grant["id"] not in [found["id"] for found in ok(bob.client.get(GRANTS), GRANTS)]
    assert ok(carol.client.get(url), GRANT) == grant  # still there
    for raw in ("abc", "0", "-1", "999999999", "9007199254740993"):
        assert_not_found(carol.client.get(f"/applications/grants/{raw}"), GRANT)
        assert_not_found(carol.client.delete(f"/applications/grants/{raw}"), GRANT)


@pytest.mark.slow
def test_deleting_a_grant_of_150_tokens(server: Server, gina: User, gamma: App, alpha: App) -> None:
    api = gina.client
    personal = api.post("/authorizations", {"note": "keep me", "scopes": ["gist"]})
    assert personal.status_code == 201
    other_app = app_token(gina, alpha, "keep-me", ["repo"])

    fingerprints = [f"runner-{n:03d}" for n in range(150)]

    def create(fingerprint: str) -> tuple[str, requests.Response]:
        return fingerprint, api.put(
            f"/authorizations/clients/{gamma.client_id}/{fingerprint}",
            {
                "client_secret": gamma.client_secret,
                "scopes": ["repo", "user"] if fingerprint[-1] == "7" else ["repo"],
            },
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(create, fingerprints))
    tokens = []
    for fingerprint, response in answers:
        assert response.status_code == 201, (fingerprint, response.status_code, response.text)
        body = response.json()
        assert_authorization(body, server.url, personal=False)
        assert (body["fingerprint"], body["app"]) == (fingerprint, gamma.app_json), body
        tokens.append(body["token"])
    assert len(set(tokens)) == 150

    # All 150 listed: 100 on a page at most.
    first = api.get("/authorizations", params={"client_id": gamma.client_id, "per_page": "1000"})
    assert len(ok(first, "/authorizations")) == 100
    assert _query(links(first)["last"]) == {
        "client_id": [gamma.client_id],
        "per_page": ["1000"],
        "page": ["2"],
    }
    second = ok(api.get(links(first)["next"]), "/authorizations")
    assert len(second) == 50
    assert {item["hashed_token"] for item in first.json() + second} == {sha256(token) for token in tokens}

    [grant] = grants_of(gina, gamma)
    assert grant["scopes"] == ["repo", "user"]
    deleted = api.delete(f"/applications/grants/{grant['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    check_schema(deleted, GRANT)

    def check(token: str) -> requests.Response:
        return gamma.client.post(f"/applications/{gamma.client_id}/token", {"access_token": token})

    with ThreadPoolExecutor(max_workers=4) as pool:
        checks = list(pool.map(check, tokens))
    assert [response.status_code for response in checks] == [404] * 150
    assert_not_found(checks[0], CHECK)
    assert grants_of(gina, gamma) == []
    assert ok(api.get("/authorizations", params={"client_id": gamma.client_id}), "/authorizations") == []
    assert_not_found(api.get(f"/applications/grants/{grant['id']}"), GRANT)
    assert_not_found(api.delete(f"/applications/grants/{grant['id']}"), GRANT)

    # Only that app's tokens went.
    assert ok(api.get(f"/authorizations/{personal.json()['id']}"), ONE)["note"] == "keep me"
    assert (
        alpha.client.post(
            f"/applications/{alpha.client_id}/token", {"access_token": other_app["token"]}
        ).status_code
        == 200
    )
    assert [g["app"]["client_id"] for g in ok(api.get(GRANTS), GRANTS)] == [alpha.client_id]

    # The fingerprints are free again.
    again = api.put(
        f"/authorizations/clients/{gamma.client_id}/{fingerprints[0]}", {"client_secret": gamma.client_secret}
    )
    assert again.status_code == 201, again.text
