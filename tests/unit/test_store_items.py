"""Stored items: exact attribute-value shapes and lossless round trips."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from oauth_authz.models.domain import (
    Authorization,
    DeviceRequest,
    Grant,
    GrantEntry,
    RefreshFamily,
    RefreshToken,
    User,
)
from oauth_authz.store import items

T0 = datetime(2024, 11, 21, 14, 40, 5, tzinfo=UTC)


def personal(**changes: object) -> Authorization:
    values: dict[str, object] = {
        "id": 5,
        "user_id": 1,
        "login": "octocat",
        "client_id": None,
        "app_name": "admin script",
        "app_url": "https://developer.github.com/v3/oauth_authorizations/",
        "scopes": ["repo", "user"],
        "hashed_token": "ab" * 32,
        "token_last_eight": "12345678",
        "note": "admin script",
        "note_url": None,
        "fingerprint": None,
        "created_at": T0,
        "updated_at": T0,
        **changes,
    }
    return Authorization(**values)  # type: ignore[arg-type]


def test_user_item() -> None:
    user = User(id=1, login="OctoCat", created_at=T0, password_hash="$argon2id$v=19$x")

    item = items.user_item(user)

    assert item == {
        "PK": {"S": "LOGIN#octocat"},
        "SK": {"S": "USER"},
        "Type": {"S": "User"},
        "id": {"N": "1"},
        "login": {"S": "OctoCat"},
        "password_hash": {"S": "$argon2id$v=19$x"},
        "created_at": {"S": "2024-11-21T14:40:05Z"},
        "totp_last_step": {"N": "0"},
    }
    assert items.user_from_item(item) == user


def test_user_item_with_two_factor() -> None:
    user = User(
        id=1, login="OctoCat", created_at=T0, password_hash="h", totp_sealed="local:abc", totp_last_step=7
    )

    item = items.user_item(user)

    assert item["totp_sealed"] == {"S": "local:abc"}
    assert item["totp_last_step"] == {"N": "7"}
    assert items.user_from_item(item) == user
    assert items.user_id_guard_item(user) == {
        "PK": {"S": "USERID#1"},
        "SK": {"S": "USERID"},
        "login": {"S": "OctoCat"},
    }


def test_personal_authorization_item_leaves_absent_fields_out() -> None:
    auth = personal()

    item = items.authorization_item(auth)

    assert item == {
        "PK": {"S": "USER#1"},
        "SK": {"S": "AUTH#0000000000000005"},
        "Type": {"S": "Authorization"},
        "id": {"N": "5"},
        "user_id": {"N": "1"},
        "login": {"S": "octocat"},
        "app_name": {"S": "admin script"},
        "app_url": {"S": "https://developer.github.com/v3/oauth_authorizations/"},
        "scopes": {"L": [{"S": "repo"}, {"S": "user"}]},
        "hashed_token": {"S": "ab" * 32},
        "token_last_eight": {"S": "12345678"},
        "created_at": {"S": "2024-11-21T14:40:05Z"},
        "updated_at": {"S": "2024-11-21T14:40:05Z"},
        "version": {"N": "1"},
        "note": {"S": "admin script"},
    }
    assert items.authorization_from_item(item) == auth


def test_full_app_authorization_round_trips_with_a_ttl() -> None:
    expires = T0 + timedelta(hours=1)
    auth = personal(
        client_id="cid",
        app_name="App",
        note="n",
        note_url="https://x.example",
        fingerprint="fp",
        scopes=[],
        expires_at=expires,
        version=4,
        updated_at=T0 + timedelta(seconds=9),
    )

    item = items.authorization_item(auth)

    assert item["client_id"] == {"S": "cid"}
    assert item["fingerprint"] == {"S": "fp"}
    assert item["scopes"] == {"L": []}
    assert item["expires_at"] == {"S": "2024-11-21T15:40:05Z"}
    assert item["expires_ttl"] == {"N": str(int(expires.timestamp()))}
    assert items.authorization_from_item(item) == auth


def test_token_item_is_a_copy_under_the_token_hash() -> None:
    auth = personal(expires_at=T0 + timedelta(minutes=5))

    token = items.token_item(auth)
    stored = items.authorization_item(auth)

    assert token["PK"] == {"S": f"TOKEN#{'ab' * 32}"}
    assert token["SK"] == {"S": "TOKEN"}
    assert token["Type"] == {"S": "Token"}
    body = {k: v for k, v in token.items() if k not in ("PK", "SK", "Type")}
    assert body == {k: v for k, v in stored.items() if k not in ("PK", "SK", "Type")}
    assert items.authorization_from_item(token) == auth


def test_claims_expire_with_the_token_and_id_guards_a_day_after_creation() -> None:
    expires = T0 + timedelta(minutes=5)
    auth = personal(expires_at=expires)

    assert items.authorization_id_guard_item(auth) == {
        "PK": {"S": "AUTHID#5"},
        "SK": {"S": "AUTHID"},
        "user_id": {"N": "1"},
        "expires_ttl": {"N": str(int((T0 + timedelta(days=1)).timestamp()))},  # a day after its creation
    }
    assert items.claim_item(auth) == {
        "PK": {"S": "USER#1"},
        "SK": {"S": f"NOTE#{hashlib.sha256(b'admin script').hexdigest()}"},
        "Type": {"S": "NoteClaim"},
        "auth_id": {"N": "5"},
        "expires_ttl": {"N": str(int(expires.timestamp()))},
    }
    # ids only collide when made in the same millisecond: the guard of a token that never expires goes too
    assert items.authorization_id_guard_item(personal())["expires_ttl"] == {
        "N": str(int((T0 + timedelta(days=1)).timestamp()))
    }


def test_grant_round_trip() -> None:
    grant = Grant(
        id=11,
        user_id=1,
        client_id="cid",
        app_name="App",
        app_url="https://a.example",
        created_at=T0,
        updated_at=T0 + timedelta(seconds=1),
        entries={5: GrantEntry(["repo"]), 6: GrantEntry(["user"], expires_at=T0 + timedelta(days=1))},
    )

    item = items.grant_item(grant)

    assert item["PK"] == {"S": "USER#1"}
    assert item["SK"] == {"S": "GRANT#cid"}
    assert item["auths"] == {
        "M": {
            "5": {"M": {"scopes": {"L": [{"S": "repo"}]}}},
            "6": {"M": {"scopes": {"L": [{"S": "user"}]}, "expires_at": {"S": "2024-11-22T14:40:05Z"}}},
        }
    }
    assert items.grant_from_item(item) == grant
    assert items.grant_id_guard_item(grant) == {
        "PK": {"S": "GRANTID#11"},
        "SK": {"S": "GRANTID"},
        "user_id": {"N": "1"},
    }


def test_an_empty_grant_is_a_tombstone_that_round_trips() -> None:
    grant = Grant(11, 1, "cid", "App", "https://a.example", T0, T0, entries={})

    assert items.grant_from_item(items.grant_item(grant)) == grant
    assert items.grant_from_item(items.grant_item(grant)).scopes(T0) == []


def test_keys_as_attributes_and_the_type_of_an_item() -> None:
    key = {"PK": "USER#1", "SK": "GRANT#cid"}

    assert items.key_attributes(key) == {"PK": {"S": "USER#1"}, "SK": {"S": "GRANT#cid"}}
    assert items.item_type(items.user_item(User(1, "mona", T0, "h"))) == "User"
    assert items.item_type(items.key_attributes(key)) is None  # guards have no type


def test_a_failed_login_starts_a_window_that_goes_two_windows_later() -> None:
    assert items.failed_logins_item("OctoCat", 1_000, 60) == {
        "PK": {"S": "LOGINFAIL#octocat"},
        "SK": {"S": "LOGINFAIL"},
        "Type": {"S": "FailedLogins"},
        "count": {"N": "1"},
        "window_start": {"N": "1000"},
        "expires_ttl": {"N": "1120"},
    }


def test_an_app_tokens_claim_is_its_fingerprint() -> None:
    auth = personal(client_id="cid", fingerprint="laptop", note=None)

    assert items.claim_item(auth) == {
        "PK": {"S": "USER#1"},
        "SK": {"S": f"FP#cid#{hashlib.sha256(b'laptop').hexdigest()}"},
        "Type": {"S": "FingerprintClaim"},
        "auth_id": {"N": "5"},
    }


def test_a_claim_is_held_until_its_token_expires() -> None:
    forever = items.claim_item(personal())
    expiring = items.claim_item(personal(expires_at=T0 + timedelta(minutes=5)))

    assert items.claim_holder(None, T0) is None
    assert items.claim_holder(forever, T0 + timedelta(days=999)) == 5
    assert items.claim_holder(expiring, T0 + timedelta(minutes=4)) == 5
    assert items.claim_holder(expiring, T0 + timedelta(minutes=5)) is None  # expired: free to take


def test_a_grants_refresh_families_are_attributes_of_their_own() -> None:
    family = RefreshFamily(auth_id=7, refresh_hash="ef" * 32, scopes=["repo"], expires_at=T0)
    grant = Grant(
        1,
        2,
        "abc",
        "CLI",
        "https://cli.example.com",
        T0,
        T0,
        {7: GrantEntry(["repo"], T0)},
        3,
        {"99": family},
    )
    item = items.grant_item(grant)
    assert item["family:99"]["M"]["refresh_hash"] == {"S": "ef" * 32}
    assert items.grant_from_item(item) == grant


def test_a_refresh_token_round_trips_with_its_ttl() -> None:
    token = RefreshToken(
        hashed_token="ab" * 32,
        family="99",
        user_id=2,
        login="octocat",
        client_id="abc",
        scopes=["repo"],
        auth_id=7,
        auth_hashed_token="cd" * 32,
        from_device=True,
        created_at=T0,
        expires_at=T0 + timedelta(seconds=15897600),
    )
    item = items.refresh_item(token)
    assert item["expires_ttl"] == {"N": str(int(token.expires_at.timestamp()))}
    assert items.refresh_from_item(item) == token


def test_a_device_request_round_trips_with_its_user_code() -> None:
    request = DeviceRequest(
        hashed_device_code="ab" * 32,
        hashed_user_code="cd" * 32,
        client_id="abc",
        app_name="CLI",
        app_url="https://cli.example.com",
        scopes=["repo"],
        offline=True,
        created_at=T0,
        expires_at=T0 + timedelta(seconds=900),
        interval=5,
    )
    assert items.device_from_item(items.device_item(request)) == request
    pointer = items.user_code_item(request)
    assert pointer["PK"] == {"S": f"USERCODE#{'cd' * 32}"}
    assert pointer["device_code_hash"] == {"S": "ab" * 32}
    assert pointer["expires_ttl"] == items.device_item(request)["expires_ttl"]
