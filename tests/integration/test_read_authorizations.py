"""GET /authorizations and GET /authorizations/{id}: ownership, ids, pages, filters, conditional requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oauth_authz.models.domain import IssuedToken, User
from tests.support.api import Api, assert_not_found
from tests.support.data import BASE_URL, EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, PERSONAL_CLIENT_ID
from tests.support.schemas import assert_matches_response

pytestmark = pytest.mark.usefixtures("octocat")

LIST_URL = f"{BASE_URL}/authorizations"


def test_get_ones_own(api: Api) -> None:
    created = api.create({"note": "mine", "scopes": ["repo"]}).json

    result = api.get(created["id"])

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations/{authorization_id}", "get", 200)
    assert result.json == {**created, "token": ""}


def test_another_users_authorization_is_404_never_403(api: Api, hubot: User) -> None:
    theirs = api.as_user(hubot).create({"note": "hubot's"}).json

    for result in (
        api.get(theirs["id"]),
        api.update(theirs["id"], {"note": "stolen"}),
        api.delete(theirs["id"]),
    ):
        assert_not_found(result)
    assert api.as_user(hubot).get(theirs["id"]).json == {**theirs, "token": ""}


def test_an_id_that_names_nothing_is_404(api: Api) -> None:
    assert_not_found(api.get(123456789))


@pytest.mark.parametrize(
    "auth_id", ["abc", "-1", "0", "1.5", "1e3", "9007199254740992", "99999999999999999999", "١", "%31", " 1"]
)
def test_ids_that_are_no_ids_are_404(api: Api, auth_id: str) -> None:
    for result in (api.get(auth_id), api.update(auth_id, {"note": "x"}), api.delete(auth_id)):
        assert_not_found(result)


def test_list_is_the_users_own_oldest_first(api: Api, hubot: User) -> None:
    made = [api.create({"note": f"note {i}"}).json for i in range(3)]
    api.as_user(hubot).create({"note": "not octocat's"})

    result = api.list()

    assert result.status == 200
    assert_matches_response(result.json, "/authorizations", "get", 200)
    assert result.json == [{**auth, "token": ""} for auth in made]
    assert result.header("Link") is None


def test_an_empty_list(api: Api) -> None:
    result = api.list()

    assert (result.status, result.json) == (200, [])
    assert_matches_response(result.json, "/authorizations", "get", 200)


def test_list_pages_with_links(
    api: Api, octocat: User, write_personal_authorization: Callable[..., IssuedToken]
) -> None:
    for auth_id in range(1, 36):
        write_personal_authorization(octocat, auth_id, note=f"note {auth_id}")

    first = api.list()
    second = api.list({"page": "2"})
    small = api.list({"per_page": "10", "page": "3"})

    assert [a["id"] for a in first.json] == list(range(1, 31))
    assert first.header("Link") == f'<{LIST_URL}?page=2>; rel="next", <{LIST_URL}?page=2>; rel="last"'
    assert [a["id"] for a in second.json] == list(range(31, 36))
    assert second.header("Link") == f'<{LIST_URL}?page=1>; rel="first", <{LIST_URL}?page=1>; rel="prev"'
    assert [a["id"] for a in small.json] == list(range(21, 31))
    assert small.header("Link") == (
        f'<{LIST_URL}?per_page=10&page=4>; rel="next", <{LIST_URL}?per_page=10&page=4>; rel="last", '
        f'<{LIST_URL}?per_page=10&page=1>; rel="first", <{LIST_URL}?per_page=10&page=2>; rel="prev"'
    )
    assert api.list({"page": "3"}).json == []
    assert [a["id"] for a in api.list({"per_page": "500"}).json] == list(range(1, 36))
    assert [a["id"] for a in api.list({"per_page": "junk", "page": "junk"}).json] == list(range(1, 31))


@pytest.fixture
def mixed(api: Api, oauth_app: Any, make_app: Any) -> dict[str, list[int]]:
    """Two personal tokens, two tokens of the events' app, one of another app."""
    other = make_app()
    app_body = {"client_id": EVENT_CLIENT_ID, "client_secret": EVENT_CLIENT_SECRET}
    ids = {
        "personal": [api.create({"note": "a"}).json["id"], api.create({"note": "b"}).json["id"]],
        "app": [
            api.create({**app_body, "fingerprint": "1"}).json["id"],
            api.get_or_create(EVENT_CLIENT_ID, {"client_secret": EVENT_CLIENT_SECRET}).json["id"],
        ],
        "other": [
            api.create({"client_id": other.client_id, "client_secret": other.client_secret}).json["id"],
        ],
    }
    return ids


def test_list_filters_by_client_id(api: Api, mixed: dict[str, list[int]]) -> None:
    def listed(query: dict[str, str] | None) -> list[int]:
        result = api.list(query)
        assert result.status == 200
        return [auth["id"] for auth in result.json]

    assert listed({"client_id": EVENT_CLIENT_ID}) == mixed["app"]
    assert listed({"client_id": PERSONAL_CLIENT_ID}) == mixed["personal"]
    assert listed({"client_id": "ffffffffffffffffffff"}) == []
    assert listed({"client_id": ""}) == sorted(mixed["personal"] + mixed["app"] + mixed["other"])
    assert listed(None) == sorted(mixed["personal"] + mixed["app"] + mixed["other"])


def test_a_filtered_list_pages_and_keeps_the_filter_in_its_links(
    api: Api, mixed: dict[str, list[int]]
) -> None:
    result = api.list({"client_id": EVENT_CLIENT_ID, "per_page": "1"})

    assert [auth["id"] for auth in result.json] == mixed["app"][:1]
    url = f"{LIST_URL}?client_id={EVENT_CLIENT_ID}&per_page=1"
    assert result.header("Link") == f'<{url}&page=2>; rel="next", <{url}&page=2>; rel="last"'


def test_get_answers_if_none_match_with_304(api: Api) -> None:
    created = api.create({"note": "cached"}).json
    first = api.get(created["id"])
    etag = first.header("ETag")
    assert etag is not None and etag.startswith('W/"')

    cached = api.get(created["id"], headers={"If-None-Match": etag})

    assert cached.status == 304
    assert cached.body == ""
    assert cached.header("ETag") == etag
    assert cached.header("Content-Type") is None


def test_a_change_invalidates_the_etag(api: Api) -> None:
    created = api.create({"note": "cached"}).json
    etag = api.get(created["id"]).header("ETag")
    assert api.update(created["id"], {"scopes": ["repo"]}).status == 200

    result = api.get(created["id"], headers={"If-None-Match": etag})

    assert result.status == 200
    assert result.json["scopes"] == ["repo"]
    assert result.header("ETag") != etag


def test_list_answers_if_none_match_and_changes_with_the_list(api: Api) -> None:
    api.create({"note": "one"})
    etag = api.list().header("ETag")

    assert api.list(headers={"If-None-Match": etag}).status == 304
    api.create({"note": "two"})
    assert api.list(headers={"If-None-Match": etag}).status == 200


def test_if_none_match_star_and_lists_of_tags(api: Api) -> None:
    created = api.create({"note": "cached"}).json
    etag = api.get(created["id"]).header("ETag")

    assert api.get(created["id"], headers={"If-None-Match": "*"}).status == 304
    assert api.get(created["id"], headers={"If-None-Match": f'"nope", {etag}'}).status == 304
    assert api.get(created["id"], headers={"If-None-Match": '"nope"'}).status == 200


def test_a_missing_authorization_is_404_even_with_if_none_match(api: Api) -> None:
    assert_not_found(api.get(42, headers={"If-None-Match": "*"}))
