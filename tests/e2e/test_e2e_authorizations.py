"""A user's authorizations over HTTP: the lifecycle, app tokens and get-or-create, pages, and bad input.

Users: alice (most tests), bob (someone else's authorization), paula (pages: nobody else gives her tokens).
"""

from __future__ import annotations

import secrets as random_secrets
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
    assert_validation_failed,
    check_schema,
    links,
)

LIST = "/authorizations"
ONE = "/authorizations/{authorization_id}"
FOR_APP = "/authorizations/clients/{client_id}"
FOR_FINGERPRINT = "/authorizations/clients/{client_id}/{fingerprint}"


def unique(prefix: str) -> str:
    return f"{prefix} {random_secrets.token_hex(4)}"


def created(response: requests.Response, server: Server, path: str = LIST) -> dict[str, Any]:
    """A 201 with the new authorization, its plaintext token and a Location naming it."""
    assert response.status_code == 201, response.text
    assert_github_headers(response)
    check_schema(response, path)
    body: dict[str, Any] = response.json()
    assert response.headers["Location"] == body["url"]
    assert body["token"], body
    assert_authorization(body, server.url)
    return body


def ok(response: requests.Response, path: str, method: str | None = None) -> Any:
    assert response.status_code == 200, (response.status_code, response.text)
    assert_github_headers(response)
    check_schema(response, path, method)
    return response.json()


def without_token(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "token": ""}


# ---------------------------------------------------------------------------------------------- lifecycle


def test_a_personal_token_from_creation_to_deletion(server: Server, alice: User) -> None:
    api = alice.client
    note = unique("laptop")
    body = created(
        api.post(LIST, {"scopes": ["repo", "user"], "note": note, "note_url": "https://example.com/laptop"}),
        server,
    )
    assert_authorization(body, server.url, personal=True)
    assert body["token"].startswith("ghp_") and len(body["token"]) == 40
    assert (body["scopes"], body["note"], body["note_url"], body["fingerprint"]) == (
        ["repo", "user"],
        note,
        "https://example.com/laptop",
        None,
    )
    url = f"/authorizations/{body['id']}"

    # The plaintext is in the creation's answer only; the hash and last eight identify the token after.
    fetched = api.get(url)
    assert ok(fetched, ONE) == without_token(body)
    assert fetched.headers["ETag"]
    listed = ok(api.get(LIST), LIST)
    assert without_token(body) in listed
    assert all(item["token"] == "" for item in listed)

    updated = ok(api.patch(url, {"add_scopes": ["gist"], "note": note + " (old)"}), ONE)
    assert updated["scopes"] == ["repo", "user", "gist"]
    assert (updated["note"], updated["app"]["name"]) == (note + " (old)", note + " (old)")
    assert (updated["id"], updated["token"], updated["hashed_token"], updated["created_at"]) == (
        body["id"],
        "",
        body["hashed_token"],
        body["created_at"],
    )
    assert_authorization(updated, server.url, token="", personal=True)

    # Older clients send POST for an update.
    aliased = ok(api.post(url, {"remove_scopes": ["user"]}), ONE, "patch")
    assert aliased["scopes"] == ["repo", "gist"]
    replaced = ok(api.patch(url, {"scopes": ["read:org", "read:org", "gist"]}), ONE)
    assert replaced["scopes"] == ["read:org", "gist"]
    moved = ok(api.patch(url, {"note_url": "http://example.com/n", "fingerprint": "fp-1"}), ONE)
    assert (moved["note_url"], moved["fingerprint"], moved["scopes"]) == (
        "http://example.com/n",
        "fp-1",
        ["read:org", "gist"],
    )
    assert ok(api.get(url), ONE) == moved

    deleted = api.delete(url)
    assert deleted.status_code == 204
    assert_github_headers(deleted)
    check_schema(deleted, ONE)
    assert_not_found(api.get(url), ONE)
    assert_not_found(api.delete(url), ONE)
    assert_not_found(api.patch(url, {"note": "back"}), ONE)
    assert body["id"] not in [item["id"] for item in ok(api.get(LIST), LIST)]


def test_update_rules(server: Server, alice: User) -> None:
    api = alice.client
    taken = created(api.post(LIST, {"note": unique("taken")}), server)
    mine = created(api.post(LIST, {"note": unique("mine"), "scopes": ["repo"]}), server)
    url = f"/authorizations/{mine['id']}"
    for body in (
        {"scopes": ["repo"], "add_scopes": ["user"]},
        {"add_scopes": ["user"], "remove_scopes": ["repo"]},
    ):
        assert_validation_failed(api.patch(url, body), ("scopes", "custom"), path=ONE)
    assert_validation_failed(api.patch(url, {"note": taken["note"]}), ("description", "already_exists"))
    assert_validation_failed(api.patch(url, {"add_scopes": ["no-such-scope"]}), ("scopes", "invalid"))
    assert_validation_failed(api.patch(url, {"note_url": "ftp://example.com"}), ("note_url", "invalid"))
    assert_validation_failed(api.patch(url, {"note": "a\u0000b"}), ("note", "invalid"))
    # Nothing of that changed it.
    assert ok(api.get(url), ONE) == without_token(mine)


def test_the_note_is_unique_among_personal_tokens(server: Server, alice: User) -> None:
    api = alice.client
    note = unique("unique note")
    first = created(api.post(LIST, {"note": note}), server)
    assert_validation_failed(api.post(LIST, {"note": note}), ("description", "already_exists"), path=LIST)
    assert api.delete(f"/authorizations/{first['id']}").status_code == 204
    created(api.post(LIST, {"note": note}), server)  # free again


def test_empty_strings_in_optional_fields_mean_absent(server: Server, alice: User) -> None:
    body = created(
        alice.client.post(
            LIST,
            {
                "note": unique("empty"),
                "client_id": "",
                "client_secret": "",
                "note_url": "",
                "fingerprint": "",
            },
        ),
        server,
    )
    assert_authorization(body, server.url, personal=True)
    assert (body["note_url"], body["fingerprint"], body["scopes"]) == (None, None, [])


# ------------------------------------------------------------------------------------------------- bad input

BAD_BODIES: list[tuple[str, Any, list[tuple[str, str]]]] = [
    ("no body", None, [("note", "missing_field")]),
    ("no note", {"scopes": ["repo"]}, [("note", "missing_field")]),
    ("empty note", {"note": ""}, [("note", "missing_field")]),
    ("null note", {"note": None}, [("note", "missing_field")]),
    ("number note", {"note": 5}, [("note", "invalid")]),
    ("list note", {"note": ["a"]}, [("note", "invalid")]),
    ("NUL in note", {"note": "a\u0000b"}, [("note", "invalid")]),
    ("unpaired surrogate", '{"note": "a\\ud800b"}', [("note", "invalid")]),
    ("scopes a string", {"note": "x", "scopes": "repo"}, [("scopes", "invalid")]),
    ("scopes of numbers", {"note": "x", "scopes": [1]}, [("scopes", "invalid")]),
    ("unknown scope", {"note": "x", "scopes": ["repo", "no-such-scope"]}, [("scopes", "invalid")]),
    ("note_url not a URL", {"note": "x", "note_url": "not a url"}, [("note_url", "invalid")]),
    ("note_url ftp", {"note": "x", "note_url": "ftp://example.com/"}, [("note_url", "invalid")]),
    ("note_url number", {"note": "x", "note_url": 7}, [("note_url", "invalid")]),
    ("fingerprint number", {"note": "x", "fingerprint": 7}, [("fingerprint", "invalid")]),
    ("NUL in fingerprint", {"note": "x", "fingerprint": "f\u0000"}, [("fingerprint", "invalid")]),
    ("client_id number", {"note": "x", "client_id": 5}, [("client_id", "invalid")]),
    (
        "unknown client_id",
        {"note": "x", "client_id": "ffffffffffffffffffff", "client_secret": "0" * 40},
        [("client_id", "invalid")],
    ),
]


@pytest.mark.parametrize(
    ("body", "errors"), [case[1:] for case in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_invalid_creations_are_422(alice: User, body: Any, errors: list[tuple[str, str]]) -> None:
    if body is None:
        response = alice.client.request("POST", LIST)
    elif isinstance(body, str):
        response = alice.client.request("POST", LIST, data=body, headers={"Content-Type": "application/json"})
    else:
        response = alice.client.post(LIST, body)
    assert_validation_failed(response, *errors, path=LIST)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "Problems parsing JSON"),
        (b'{"note": "x",}', "Problems parsing JSON"),
        (b"\xff\xfe{}", "Problems parsing JSON"),
        (b'[{"note": "x"}]', "Body should be a JSON object"),
        (b'"note"', "Body should be a JSON object"),
        (b"null", "Body should be a JSON object"),
    ],
    ids=["truncated", "trailing comma", "not UTF-8", "array", "string", "null"],
)
def test_a_body_that_is_not_a_json_object_is_400(alice: User, body: bytes, message: str) -> None:
    response = alice.client.request("POST", LIST, data=body, headers={"Content-Type": "application/json"})
    assert_github_headers(response)
    assert response.status_code == 400
    assert response.json() == {"message": message, "documentation_url": "https://docs.github.com/rest"}
    check_schema(response, LIST, "post")


def test_ids_that_name_nothing_of_hers_are_404(server: Server, alice: User, bob: User) -> None:
    bobs = created(bob.client.post(LIST, {"note": unique("bob's")}), server)
    for raw in ("999999999", "0", "-1", "abc", "1.5", "9007199254740993", "%20", "1e3", str(bobs["id"])):
        assert_not_found(alice.client.get(f"/authorizations/{raw}"), ONE)
    for raw in ("abc", "999999999", str(bobs["id"])):
        assert_not_found(alice.client.patch(f"/authorizations/{raw}", {"note": "mine now"}), ONE)
        assert_not_found(alice.client.post(f"/authorizations/{raw}", {"note": "mine now"}), ONE)
        assert_not_found(alice.client.delete(f"/authorizations/{raw}"), ONE)
    # Bob's is untouched.
    assert ok(bob.client.get(f"/authorizations/{bobs['id']}"), ONE) == without_token(bobs)
    assert bobs["id"] not in [item["id"] for item in ok(alice.client.get(LIST), LIST)]


# ---------------------------------------------------------------------------------------------- app tokens


def test_a_token_for_an_app_with_its_secret(server: Server, alice: User, alpha: App) -> None:
    api = alice.client
    fingerprint = unique("post").replace(" ", "-")
    body = created(
        api.post(
            LIST,
            {
                "client_id": alpha.client_id,
                "client_secret": alpha.client_secret,
                "scopes": ["repo"],
                "note": "ci",
                "fingerprint": fingerprint,
            },
        ),
        server,
    )
    assert_authorization(body, server.url, personal=False)
    assert body["token"].startswith("gho_") and len(body["token"]) == 40
    assert (body["app"], body["fingerprint"], body["note"]) == (alpha.app_json, fingerprint, "ci")
    # The same (app, fingerprint) through get-or-create: that one, 200, no token.
    again = api.put(
        f"/authorizations/clients/{alpha.client_id}/{fingerprint}", {"client_secret": alpha.client_secret}
    )
    assert ok(again, FOR_FINGERPRINT) == without_token(body)
    assert "Location" not in again.headers
    # A wrong secret or an unknown app.
    wrong = {"client_id": alpha.client_id, "client_secret": "0" * 40, "note": "x", "fingerprint": "other"}
    assert_validation_failed(api.post(LIST, wrong), ("client_secret", "invalid"), path=LIST)
    no_secret = {"client_id": alpha.client_id, "note": "x", "fingerprint": "other"}
    assert_validation_failed(api.post(LIST, no_secret), ("client_secret", "missing_field"), path=LIST)


@pytest.mark.parametrize("form", ["app", "fingerprint"])
def test_get_or_create_for_an_app(server: Server, alice: User, beta: App, gamma: App, form: str) -> None:
    api = alice.client
    fingerprint = "fp-" + random_secrets.token_hex(4)
    if form == "app":
        path, template, app = f"/authorizations/clients/{beta.client_id}", FOR_APP, beta
    else:
        path, template, app = (
            f"/authorizations/clients/{gamma.client_id}/{fingerprint}",
            FOR_FINGERPRINT,
            gamma,
        )
    first = created(api.put(path, {"client_secret": app.client_secret, "scopes": ["user"]}), server, template)
    assert_authorization(first, server.url, personal=False)
    assert first["app"] == app.app_json
    assert first["fingerprint"] == (None if form == "app" else fingerprint)
    assert first["scopes"] == ["user"]

    second = api.put(path, {"client_secret": app.client_secret, "scopes": ["user"]})
    assert ok(second, template) == without_token(first)
    assert "Location" not in second.headers

    assert_validation_failed(
        api.put(path, {"client_secret": "f" * 40}), ("client_secret", "invalid"), path=template
    )
    assert_validation_failed(api.put(path, {}), ("client_secret", "missing_field"), path=template)
    unknown = path.replace(app.client_id, "ffffffffffffffffffff")
    assert_validation_failed(
        api.put(unknown, {"client_secret": app.client_secret}), ("client_id", "invalid"), path=template
    )
    # Still exactly one for that key.
    listed = ok(api.get(LIST, params={"client_id": app.client_id, "per_page": "100"}), LIST)
    assert [item["id"] for item in listed if item["fingerprint"] == first["fingerprint"]] == [first["id"]]


# --------------------------------------------------------------------------------------------------- pages


def _page(server: Server, user: User, url: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    response = user.client.get(url)
    body = ok(response, LIST)
    for link in links(response).values():
        assert link.startswith(f"{server.url}/authorizations?"), link
    return body, links(response)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_lists_come_in_pages_with_link_headers(server: Server, paula: User, alpha: App) -> None:
    api = paula.client
    personal = [created(api.post(LIST, {"note": f"page {n}"}), server)["id"] for n in range(5)]
    app_ids = [
        created(
            api.put(
                f"/authorizations/clients/{alpha.client_id}/fp{n}", {"client_secret": alpha.client_secret}
            ),
            server,
            FOR_FINGERPRINT,
        )["id"]
        for n in range(2)
    ]
    everything = set(personal + app_ids)

    first, rels = _page(server, paula, "/authorizations?per_page=3")
    assert (len(first), sorted(rels)) == (3, ["last", "next"])
    assert _query(rels["next"]) == {"per_page": ["3"], "page": ["2"]}
    assert _query(rels["last"]) == {"per_page": ["3"], "page": ["3"]}
    second, rels = _page(server, paula, rels["next"])
    assert (len(second), sorted(rels)) == (3, ["first", "last", "next", "prev"])
    assert _query(rels["first"]) == {"per_page": ["3"], "page": ["1"]}
    assert _query(rels["prev"]) == {"per_page": ["3"], "page": ["1"]}
    third, rels = _page(server, paula, rels["next"])
    assert (len(third), sorted(rels)) == (1, ["first", "prev"])
    assert _query(rels["prev"]) == {"per_page": ["3"], "page": ["2"]}
    seen = [item["id"] for item in first + second + third]
    assert sorted(seen) == sorted(everything)

    # The client_id filter, kept in the links.
    one, rels = _page(server, paula, f"/authorizations?client_id={alpha.client_id}&per_page=1")
    assert sorted(rels) == ["last", "next"]
    assert _query(rels["next"]) == {"client_id": [alpha.client_id], "per_page": ["1"], "page": ["2"]}
    other, rels = _page(server, paula, rels["next"])
    assert sorted(rels) == ["first", "prev"]
    assert sorted(item["id"] for item in one + other) == sorted(app_ids)
    assert all(item["app"] == alpha.app_json for item in one + other)
    none, rels = _page(server, paula, "/authorizations?client_id=ffffffffffffffffffff")
    assert (none, rels) == ([], {})

    # Junk falls back to the defaults, too many is clamped, past the end is empty.
    for query in ("per_page=junk", "per_page=1000", "page=0", "page=-2", "per_page=0", "page=1&per_page="):
        items, rels = _page(server, paula, f"/authorizations?{query}")
        assert (sorted(item["id"] for item in items), rels) == (sorted(everything), {}), query
    beyond, _ = _page(server, paula, "/authorizations?per_page=3&page=9")
    assert beyond == []


# ------------------------------------------------------------------------------------------ conditional GET


def test_etags_and_if_none_match(server: Server, alice: User) -> None:
    api = alice.client
    mine = created(api.post(LIST, {"note": unique("etag")}), server)
    url = f"/authorizations/{mine['id']}"
    for path, template in ((url, ONE), (LIST, LIST)):
        first = api.get(path)
        ok(first, template)
        etag = first.headers["ETag"]
        assert etag.startswith(('W/"', '"')) and etag.endswith('"'), etag
        assert api.get(path).headers["ETag"] == etag  # stable while nothing changes
        cached = api.get(path, headers={"If-None-Match": etag})
        assert cached.status_code == 304, cached.text
        assert cached.content == b""
        assert cached.headers["ETag"] == etag
        check_schema(cached, template, "get")
        other = api.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
    before = api.get(url).headers["ETag"]
    ok(api.patch(url, {"scopes": ["gist"]}), ONE)
    changed = api.get(url, headers={"If-None-Match": before})
    assert ok(changed, ONE)["scopes"] == ["gist"]
    assert changed.headers["ETag"] != before
