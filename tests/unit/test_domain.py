"""Domain objects: expiry, personal tokens' app, a grant's scopes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from oauth_authz.models.domain import (
    PERSONAL_CLIENT_ID,
    Authorization,
    Grant,
    GrantEntry,
    IssuedToken,
    User,
)

T0 = datetime(2024, 11, 21, 14, 40, tzinfo=UTC)


def authorization(**changes: object) -> Authorization:
    base = Authorization(
        id=1,
        user_id=1,
        login="octocat",
        client_id=None,
        app_name="note",
        app_url="https://example.com",
        scopes=[],
        hashed_token="0" * 64,
        token_last_eight="12345678",
        note="note",
        note_url=None,
        fingerprint=None,
        created_at=T0,
        updated_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_personal_authorizations_use_githubs_placeholder_client_id() -> None:
    assert PERSONAL_CLIENT_ID == "0" * 20
    assert authorization().is_personal
    assert authorization().app_client_id == PERSONAL_CLIENT_ID
    assert not authorization(client_id="abc").is_personal
    assert authorization(client_id="abc").app_client_id == "abc"


def test_expiry_is_inclusive_of_the_moment() -> None:
    assert not authorization().is_expired(T0 + timedelta(days=3650))
    expiring = authorization(expires_at=T0 + timedelta(seconds=60))
    assert not expiring.is_expired(T0 + timedelta(seconds=59))
    assert expiring.is_expired(T0 + timedelta(seconds=60))
    assert expiring.is_expired(T0 + timedelta(seconds=61))


def test_grant_scopes_are_the_sorted_union_of_live_entries() -> None:
    grant = Grant(
        id=9,
        user_id=1,
        client_id="abc",
        app_name="App",
        app_url="https://example.com",
        created_at=T0,
        updated_at=T0,
        entries={
            1: GrantEntry(scopes=["user", "repo"]),
            2: GrantEntry(scopes=["repo", "gist"], expires_at=T0 + timedelta(seconds=10)),
            3: GrantEntry(scopes=["admin:org"], expires_at=T0),
        },
    )

    assert grant.scopes(T0) == ["gist", "repo", "user"]
    assert sorted(grant.live_entries(T0)) == [1, 2]
    assert grant.scopes(T0 + timedelta(seconds=10)) == ["repo", "user"]


def test_secrets_stay_out_of_reprs() -> None:
    user = User(id=1, login="octocat", created_at=T0, password_hash="$argon2id$secret-hash")
    issued = IssuedToken(authorization(), token="ghp_plaintext")

    assert "secret-hash" not in repr(user)
    assert "ghp_plaintext" not in repr(issued)
