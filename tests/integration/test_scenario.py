"""A day of use through every function; then the whole table is checked: invariants, and no secret stored."""

from __future__ import annotations

from typing import Any

from oauth_authz.models.domain import User
from tests.support.api import Api, AppApi
from tests.support.data import EVENT_CLIENT_ID, EVENT_CLIENT_SECRET, OCTOCAT_PASSWORD
from tests.support.invariants import assert_no_secrets, assert_table_invariants
from tests.support.tables import TableView


def test_a_day_of_use(
    api: Api, app_api: AppApi, octocat: User, hubot: User, oauth_app: Any, make_app: Any, table: TableView
) -> None:
    other = make_app("Second App", "https://second.example.com")
    issued: list[str] = []
    secret = {"client_secret": EVENT_CLIENT_SECRET, "scopes": ["repo"]}

    def keep(result: Any, status: int) -> dict[str, Any]:
        assert result.status == status, result.body
        body: dict[str, Any] = result.json
        if body.get("token"):
            issued.append(body["token"])
        return body

    personal = [keep(api.create({"note": f"script {i}", "scopes": ["gist"]}), 201) for i in range(3)]
    bare = keep(api.get_or_create(EVENT_CLIENT_ID, secret), 201)
    laptop = keep(api.get_or_create(EVENT_CLIENT_ID, secret, "laptop"), 201)
    keep(api.get_or_create(EVENT_CLIENT_ID, secret, "laptop"), 200)
    posted = keep(
        api.create({"client_id": other.client_id, "client_secret": other.client_secret, "fingerprint": "ci"}),
        201,
    )
    hubots = keep(api.as_user(hubot).get_or_create(EVENT_CLIENT_ID, secret, "laptop"), 201)
    keep(api.as_user(hubot).create({"note": "script 0"}), 201)
    assert_table_invariants(table)

    keep(api.update(personal[0]["id"], {"note": "renamed", "add_scopes": ["user"]}), 200)
    keep(api.update(laptop["id"], {"fingerprint": "desktop", "scopes": ["repo", "user"]}), 200)
    keep(
        api.update(
            bare["id"], {"remove_scopes": ["repo"], "note_url": "https://ci.example.com"}, method="POST"
        ),
        200,
    )
    keep(api.update(posted["id"], {"fingerprint": None}), 200)
    assert api.update(personal[1]["id"], {"note": "script 2"}).status == 422
    assert_table_invariants(table)

    assert api.delete(personal[2]["id"]).status == 204
    assert api.delete(bare["id"]).status == 204
    assert api.as_user(hubot).delete(laptop["id"]).status == 404
    keep(api.get_or_create(EVENT_CLIENT_ID, secret), 201)
    keep(api.create({"note": "script 2"}), 201)
    assert api.as_user(hubot).delete(hubots["id"]).status == 204

    listed = api.list({"per_page": "2"})
    assert listed.status == 200 and len(listed.json) == 2 and listed.header("Link") is not None
    assert all(auth["token"] == "" for auth in api.list({"per_page": "100"}).json)
    assert_table_invariants(table)

    # the app at work: check, reset (twice, both forms), revoke one token, then a user's whole grant
    assert app_api.check(issued[4], "body").status == 200  # laptop's token
    reset = keep(app_api.reset(issued[4]), 200)
    keep(app_api.reset(reset["token"], "body"), 200)
    assert app_api.check(issued[4]).status == 404
    assert app_api.revoke(issued[8], "body").status == 204  # the get-or-create after `bare` was deleted
    assert app_api.check(issued[-1]).status == 200  # laptop's token after two resets
    assert app_api.for_client(other.client_id).check(issued[5]).status == 200
    assert app_api.revoke_grant(issued[6]).status == 404  # hubot's token: revoked above
    grants = api.list_grants().json
    assert sorted(g["app"]["client_id"] for g in grants) == sorted([EVENT_CLIENT_ID, other.client_id])
    assert (
        api.delete_grant(next(g["id"] for g in grants if g["app"]["client_id"] == other.client_id)).status
        == 204
    )
    assert app_api.for_client(other.client_id).check(issued[5]).status == 404
    assert_table_invariants(table)

    assert len(issued) == 12
    assert_no_secrets(table, [*issued, OCTOCAT_PASSWORD, EVENT_CLIENT_SECRET, other.client_secret])
