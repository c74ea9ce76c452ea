"""The test helpers themselves: each check must be able to fail, or the tests that use it prove nothing."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oauth_authz.clock import iso
from oauth_authz.models.domain import Authorization, Grant, GrantEntry, User
from oauth_authz.store import items
from tests.support.events import authorizer_event, basic, build_event, load_event
from tests.support.invariants import table_problems
from tests.support.lambdas import assert_github_headers, to_result
from tests.support.schemas import assert_matches_response, assert_matches_schema, reference
from tests.support.tables import plain

T0 = datetime(2024, 11, 21, 14, 40, tzinfo=UTC)

AUTHORIZATION = {
    "id": 1,
    "url": "https://api.example.com/authorizations/1",
    "scopes": ["repo"],
    "token": "",
    "token_last_eight": "12345678",
    "hashed_token": "0" * 64,
    "app": {"client_id": "c", "name": "n", "url": "https://example.com"},
    "note": None,
    "note_url": None,
    "updated_at": "2024-11-21T14:40:00Z",
    "created_at": "2024-11-21T14:40:00Z",
    "fingerprint": None,
}


# schemas ----------------------------------------------------------------------------------------------------


def test_the_reference_is_githubs_description() -> None:
    assert reference()["openapi"].startswith("3.0")
    assert "/authorizations" in reference()["paths"]


def test_a_valid_authorization_passes() -> None:
    assert_matches_schema(AUTHORIZATION, "authorization")
    assert_matches_response(AUTHORIZATION, "/authorizations/{authorization_id}", "get", 200)
    assert_matches_response([AUTHORIZATION], "/authorizations", "get", "200")


@pytest.mark.parametrize(
    "change",
    [
        {"id": "1"},
        {"scopes": "repo"},
        {"note": 5},
        {"app": {"client_id": "c", "name": "n"}},
        {"created_at": "2024-11-21 14:40:00"},
        {"created_at": "2024-13-01T00:00:00Z"},
        {"updated_at": "yesterday"},
        {"url": "not a url"},
        {"app": {"client_id": "c", "name": "n", "url": "/relative"}},
    ],
)
def test_an_invalid_authorization_fails(change: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        assert_matches_schema({**AUTHORIZATION, **change}, "authorization")


@pytest.mark.parametrize("missing", ["token", "hashed_token", "fingerprint", "note_url", "app"])
def test_required_fields_are_required(missing: str) -> None:
    body = {k: v for k, v in AUTHORIZATION.items() if k != missing}
    with pytest.raises(AssertionError):
        assert_matches_schema(body, "authorization")


def test_responses_are_followed_through_refs() -> None:
    assert_matches_response(
        {"message": "Validation Failed", "documentation_url": "x", "errors": [{"code": "invalid"}]},
        "/authorizations",
        "post",
        422,
    )
    with pytest.raises(AssertionError):
        assert_matches_response(
            {"message": "x", "errors": [{"field": "note"}]}, "/authorizations", "post", 422
        )
    assert_matches_response(None, "/authorizations/{authorization_id}", "delete", 204)
    with pytest.raises(AssertionError):
        assert_matches_response({"x": 1}, "/authorizations/{authorization_id}", "delete", 204)
    with pytest.raises(AssertionError):
        assert_matches_response(AUTHORIZATION, "/authorizations/{authorization_id}", "get", 201)


# table invariants -------------------------------------------------------------------------------------------


def _authorization(auth_id: int, client_id: str | None, fingerprint: str | None = None) -> Authorization:
    return Authorization(
        id=auth_id, user_id=1, login="octocat", client_id=client_id, app_name="n", app_url="https://x",
        scopes=["repo"], hashed_token=f"{auth_id:064x}", token_last_eight="12345678",
        note=None if client_id else f"note {auth_id}", note_url=None, fingerprint=fingerprint,
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def consistent_table() -> list[dict[str, Any]]:
    user = User(id=1, login="octocat", created_at=T0, password_hash="h")
    personal = _authorization(1, None)
    app = _authorization(2, "cid", "laptop")
    grant = Grant(7, 1, "cid", "App", "https://x", T0, T0, {2: GrantEntry(["repo"])})
    raw = [
        items.user_item(user),
        items.user_id_guard_item(user),
        *(items.authorization_item(a) for a in (personal, app)),
        *(items.token_item(a) for a in (personal, app)),
        *(items.authorization_id_guard_item(a) for a in (personal, app)),
        items.claim_item(personal),
        items.claim_item(app),
        items.grant_item(grant),
        items.grant_id_guard_item(grant),
    ]
    return [{k: plain(v) for k, v in item.items()} for item in raw]


def without(table: list[dict[str, Any]], pk: str, sk: str) -> list[dict[str, Any]]:
    kept = [item for item in table if (item["PK"], item["SK"]) != (pk, sk)]
    assert len(kept) == len(table) - 1
    return kept


def test_a_consistent_table_has_no_problems() -> None:
    assert table_problems(consistent_table()) == []


@pytest.mark.parametrize(
    ("pk", "sk"),
    [
        (f"TOKEN#{1:064x}", "TOKEN"),
        ("AUTHID#2", "AUTHID"),
        ("USER#1", "FP#cid#" + __import__("hashlib").sha256(b"laptop").hexdigest()),
        ("USER#1", "GRANT#cid"),
        ("GRANTID#7", "GRANTID"),
        ("USERID#1", "USERID"),
        ("USER#1", "AUTH#0000000000000001"),  # leaves its token copy, guard and claim orphaned
    ],
)
def test_a_missing_item_is_a_problem(pk: str, sk: str) -> None:
    assert table_problems(without(consistent_table(), pk, sk)) != []


def test_a_token_copy_that_differs_is_a_problem() -> None:
    table = consistent_table()
    for item in table:
        if item["PK"] == f"TOKEN#{2:064x}":
            item["scopes"] = ["repo", "user"]

    assert any("token copy differs" in problem for problem in table_problems(table))


def test_a_grant_entry_without_its_authorization_is_a_problem() -> None:
    table = consistent_table()
    for item in table:
        if item.get("Type") == "Grant":
            item["auths"]["99"] = {"scopes": []}

    assert any("entry 99" in problem for problem in table_problems(table))


def test_a_grant_entry_with_other_scopes_is_a_problem() -> None:
    table = consistent_table()
    for item in table:
        if item.get("Type") == "Grant":
            item["auths"]["2"] = {"scopes": ["user"]}

    assert any("does not match" in problem for problem in table_problems(table))


def _with_session(ttl_of_ref: int | None) -> list[dict[str, Any]]:
    """The consistent table, a session of octocat's and (unless None) its reference with this TTL."""
    hashed = "a" * 64
    expires = T0 + timedelta(hours=1)
    session = {
        "PK": f"SESSION#{hashed}", "SK": "SESSION", "Type": "Session", "user_id": 1, "login": "octocat",
        "pending_two_factor": False, "expires_at": iso(expires), "expires_ttl": int(expires.timestamp()),
    }  # fmt: skip
    table = [*consistent_table(), session]
    if ttl_of_ref is not None:
        table.append(
            {"PK": "USER#1", "SK": f"SESSION#{hashed}", "Type": "SessionRef", "expires_ttl": ttl_of_ref}
        )
    return table


def test_a_session_needs_its_reference_with_its_ttl() -> None:
    ttl = int((T0 + timedelta(hours=1)).timestamp())
    assert table_problems(_with_session(ttl)) == []
    assert any("no reference" in problem for problem in table_problems(_with_session(None)))
    assert any("no reference" in problem for problem in table_problems(_with_session(ttl + 1)))


def test_a_dangling_session_reference_is_fine_but_not_one_with_more_in_it() -> None:
    dangling = {"PK": "USER#1", "SK": "SESSION#" + "b" * 64, "Type": "SessionRef", "expires_ttl": 1}
    assert table_problems([*consistent_table(), dangling]) == []
    assert table_problems([*consistent_table(), {**dangling, "login": "octocat"}]) != []


def test_an_item_of_unknown_shape_is_a_problem() -> None:
    table = [*consistent_table(), {"PK": "SOMETHING#1", "SK": "ELSE"}]

    assert table_problems(table) == ["item of unknown shape SOMETHING#1 ELSE"]


def test_a_claim_held_by_another_authorization_is_a_problem() -> None:
    table = consistent_table()
    for item in table:
        if item.get("Type") == "NoteClaim":
            item["auth_id"] = 2

    assert table_problems(table) != []


# events and results -----------------------------------------------------------------------------------------


def test_build_event_follows_path_parameters() -> None:
    event = build_event("get_authorization", path_params={"authorization_id": "77"})

    assert event["pathParameters"] == {"authorization_id": "77"}
    assert event["path"] == "/authorizations/77"
    assert event["requestContext"]["path"] == "/v1/authorizations/77"
    assert load_event("get_authorization")["path"] == "/authorizations/1"  # the file is untouched


def test_build_event_query_headers_body_and_context() -> None:
    event = build_event(
        "create_authorization",
        query={"a": "1", "b": ["2", "3"]},
        headers={"Accept": None, "X-Extra": "yes"},
        body=b'{"note": "n"}',
        authorizer=None,
    )

    assert event["queryStringParameters"] == {"a": "1", "b": "3"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1"], "b": ["2", "3"]}
    assert "Accept" not in event["headers"] and "Accept" not in event["multiValueHeaders"]
    assert event["headers"]["X-Extra"] == "yes" and event["multiValueHeaders"]["X-Extra"] == ["yes"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b'{"note": "n"}'
    assert "authorizer" not in event["requestContext"]


def test_authorizer_event_follows_the_route() -> None:
    event = authorizer_event(
        basic("a", "b"),
        method="DELETE",
        resource="/authorizations/{authorization_id}",
        path="/authorizations/3",
    )

    assert (
        event["methodArn"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/DELETE/authorizations/3"
    )
    assert event["headers"]["Authorization"] == "Basic YTpi"
    assert authorizer_event(None)["headers"].get("Authorization") is None


def test_results_merge_headers_like_api_gateway() -> None:
    raw = {
        "statusCode": 200,
        "body": "{}",
        "multiValueHeaders": {"Content-Type": ["application/json; charset=utf-8"], "Set-Cookie": ["a", "b"]},
        "headers": {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "Status": "200 OK",
        },
    }

    result = to_result(copy.deepcopy(raw))

    assert result.header("content-type") == "application/json; charset=utf-8"
    assert result.headers["set-cookie"] == ["a", "b"]
    assert_github_headers(result)


@pytest.mark.parametrize(
    "raw",
    [
        {
            "statusCode": 304,
            "body": "",
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "headers": {"X-GitHub-Media-Type": "github.v3; format=json"},
        },
        {"statusCode": 200, "body": "{}", "headers": {"Content-Type": "application/json; charset=utf-8"}},
        {
            "statusCode": 200,
            "body": "{}",
            "multiValueHeaders": {"Content-Type": ["text/html"]},
            "headers": {
                "Content-Type": "application/json; charset=utf-8",
                "X-GitHub-Media-Type": "github.v3; format=json",
            },
        },
    ],
)
def test_header_rules_catch_what_they_should(raw: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        assert_github_headers(to_result(raw))
