"""Views: domain objects as GitHub's resources, checked against GitHub's schemas."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from oauth_authz import views
from oauth_authz.models.domain import PERSONAL_APP_URL, Authorization, Grant, GrantEntry
from tests.support.schemas import assert_matches_schema

T0 = datetime(2024, 11, 21, 14, 40, 5, tzinfo=UTC)
BASE = "https://api.example.com/v1"


def app_authorization(**changes: object) -> Authorization:
    values: dict[str, object] = {
        "id": 123,
        "user_id": 1,
        "login": "octocat",
        "client_id": "abcde12345fghij67890",
        "app_name": "Octo App",
        "app_url": "https://octo-app.example.com",
        "scopes": ["repo", "user"],
        "hashed_token": "25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8",
        "token_last_eight": "12345678",
        "note": "for CI",
        "note_url": "https://ci.example.com",
        "fingerprint": "laptop",
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=30),
        **changes,
    }
    return Authorization(**values)  # type: ignore[arg-type]


def test_authorization_view() -> None:
    out = views.authorization(app_authorization(), BASE).model_dump()

    assert out == {
        "id": 123,
        "url": "https://api.example.com/v1/authorizations/123",
        "scopes": ["repo", "user"],
        "token": "",
        "token_last_eight": "12345678",
        "hashed_token": "25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8",
        "app": {
            "client_id": "abcde12345fghij67890",
            "name": "Octo App",
            "url": "https://octo-app.example.com",
        },
        "note": "for CI",
        "note_url": "https://ci.example.com",
        "updated_at": "2024-11-21T14:40:35Z",
        "created_at": "2024-11-21T14:40:05Z",
        "fingerprint": "laptop",
        "expires_at": None,
    }
    assert_matches_schema(out, "authorization")


def test_authorization_view_carries_the_token_only_when_given() -> None:
    assert views.authorization(app_authorization(), BASE, token="gho_x").token == "gho_x"


def test_personal_authorization_view() -> None:
    personal = app_authorization(
        client_id=None, app_name="admin script", app_url=PERSONAL_APP_URL, note="admin script"
    )

    out = views.authorization(personal, BASE).model_dump()

    assert out["app"] == {
        "client_id": "00000000000000000000",
        "name": "admin script",
        "url": PERSONAL_APP_URL,
    }
    assert_matches_schema(out, "authorization")


def test_expiring_authorization_view() -> None:
    out = views.authorization(app_authorization(expires_at=T0 + timedelta(hours=1)), BASE)

    assert out.expires_at == "2024-11-21T15:40:05Z"
    assert_matches_schema(out.model_dump(), "authorization")


def test_simple_user_is_githubs_shape() -> None:
    out = views.simple_user("octocat", 1, BASE).model_dump()

    assert out["login"] == "octocat"
    assert out["id"] == 1
    assert out["node_id"] == "MDQ6VXNlcjE="  # GitHub's node id of user 1
    assert base64.b64decode(out["node_id"]) == b"04:User1"
    assert out["url"] == f"{BASE}/users/octocat"
    assert out["html_url"] == f"{BASE}/octocat"
    assert out["type"] == "User"
    assert out["site_admin"] is False
    assert out["following_url"] == f"{BASE}/users/octocat/following{{/other_user}}"
    assert_matches_schema(out, "simple-user")


def test_authorization_with_user() -> None:
    out = views.authorization_with_user(app_authorization(), BASE, token="gho_new").model_dump()

    assert out["token"] == "gho_new"
    assert out["user"]["login"] == "octocat"
    assert_matches_schema(out, "authorization")


def test_grant_view() -> None:
    grant = Grant(
        id=77,
        user_id=1,
        client_id="abcde12345fghij67890",
        app_name="Octo App",
        app_url="https://octo-app.example.com",
        created_at=T0,
        updated_at=T0,
        entries={1: GrantEntry(["user"]), 2: GrantEntry(["repo", "user"])},
    )

    out = views.grant(grant, BASE, T0).model_dump()

    assert out == {
        "id": 77,
        "url": f"{BASE}/applications/grants/77",
        "app": {
            "client_id": "abcde12345fghij67890",
            "name": "Octo App",
            "url": "https://octo-app.example.com",
        },
        "created_at": "2024-11-21T14:40:05Z",
        "updated_at": "2024-11-21T14:40:05Z",
        "scopes": ["repo", "user"],
    }
    assert_matches_schema(out, "application-grant")
