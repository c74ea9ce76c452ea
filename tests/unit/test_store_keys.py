"""Key builders: the exact strings of docs/design.md's table."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from oauth_authz.models.domain import Authorization
from oauth_authz.store import keys


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_login_key_lowercases_the_login() -> None:
    assert keys.login_key("OctoCat") == {"PK": "LOGIN#octocat", "SK": "USER"}
    assert keys.login_key("octocat") == keys.login_key("OCTOCAT")


def test_failed_logins_key_lowercases_the_login() -> None:
    assert keys.failed_logins_key("OctoCat") == {"PK": "LOGINFAIL#octocat", "SK": "LOGINFAIL"}
    assert keys.failed_logins_key("OctoCat")["PK"] != keys.login_key("OctoCat")["PK"]


def test_user_id_key() -> None:
    assert keys.user_id_key(42) == {"PK": "USERID#42", "SK": "USERID"}


def test_app_key_keeps_the_client_id_as_it_is() -> None:
    assert keys.app_key("Iv1.ABCdef") == {"PK": "APP#Iv1.ABCdef", "SK": "APP"}


def test_user_partition() -> None:
    assert keys.user_partition(7) == "USER#7"


def test_authorization_key_zero_pads_the_id_to_16_digits() -> None:
    assert keys.authorization_key(1, 5) == {"PK": "USER#1", "SK": "AUTH#0000000000000005"}
    assert keys.authorization_key(1, 2**53 - 1) == {"PK": "USER#1", "SK": "AUTH#9007199254740991"}


@pytest.mark.parametrize(("smaller", "larger"), [(9, 10), (99, 100), (123, 1_000_000), (2**40, 2**53 - 1)])
def test_authorization_sort_keys_sort_like_the_ids(smaller: int, larger: int) -> None:
    assert keys.authorization_key(1, smaller)["SK"] < keys.authorization_key(1, larger)["SK"]


def test_authorization_keys_start_with_the_query_prefix() -> None:
    assert keys.AUTH_PREFIX == "AUTH#"
    assert keys.authorization_key(3, 9)["SK"].startswith(keys.AUTH_PREFIX)
    assert keys.GRANT_PREFIX == "GRANT#"
    assert keys.grant_key(3, "abc")["SK"].startswith(keys.GRANT_PREFIX)


def test_authorization_id_key() -> None:
    assert keys.authorization_id_key(123) == {"PK": "AUTHID#123", "SK": "AUTHID"}


def test_token_key() -> None:
    hashed = sha256("ghp_x")
    assert keys.token_key(hashed) == {"PK": f"TOKEN#{hashed}", "SK": "TOKEN"}


def test_fingerprint_key_hashes_the_fingerprint() -> None:
    assert keys.fingerprint_key(1, "abcde12345fghij67890", "my laptop") == {
        "PK": "USER#1",
        "SK": f"FP#abcde12345fghij67890#{sha256('my laptop')}",
    }


def test_an_absent_fingerprint_is_its_own_value() -> None:
    assert keys.fingerprint_key(1, "cid", None) == {"PK": "USER#1", "SK": "FP#cid#-"}
    assert keys.fingerprint_key(1, "cid", None) != keys.fingerprint_key(1, "cid", "-")
    assert keys.fingerprint_key(1, "cid", "") == {"PK": "USER#1", "SK": f"FP#cid#{sha256('')}"}


def test_fingerprint_keys_of_any_text_have_a_fixed_size() -> None:
    long = keys.fingerprint_key(1, "cid", "x" * 10_000)
    odd = keys.fingerprint_key(1, "cid", "#FP#🙂\u202e")

    assert len(long["SK"]) == len(odd["SK"]) == len("FP#cid#") + 64


def test_note_key_hashes_the_note() -> None:
    assert keys.note_key(9, "admin script") == {"PK": "USER#9", "SK": f"NOTE#{sha256('admin script')}"}
    assert keys.note_key(9, "Admin script") != keys.note_key(9, "admin script")
    assert keys.note_key(9, "ünïcödé 🙂")["SK"] == f"NOTE#{sha256('ünïcödé 🙂')}"


def test_grant_key() -> None:
    assert keys.grant_key(4, "abcde12345fghij67890") == {"PK": "USER#4", "SK": "GRANT#abcde12345fghij67890"}


def test_grant_id_key() -> None:
    assert keys.grant_id_key(77) == {"PK": "GRANTID#77", "SK": "GRANTID"}


def test_keys_of_different_users_never_meet() -> None:
    assert keys.note_key(1, "n")["PK"] != keys.note_key(2, "n")["PK"]
    assert keys.fingerprint_key(1, "c", None)["PK"] != keys.fingerprint_key(2, "c", None)["PK"]


def test_the_claim_key_is_a_personal_tokens_note_or_an_app_tokens_fingerprint() -> None:
    moment = datetime(2024, 11, 21, tzinfo=UTC)
    personal = Authorization(
        id=5, user_id=1, login="octocat", client_id=None, app_name="n", app_url="https://x", scopes=[],
        hashed_token="h", token_last_eight="12345678", note="my note", note_url=None, fingerprint="fp",
        created_at=moment, updated_at=moment,
    )  # fmt: skip
    for_app = replace(personal, client_id="cid", note=None)

    assert keys.claim_key(personal) == keys.note_key(1, "my note")
    assert keys.claim_key(for_app) == keys.fingerprint_key(1, "cid", "fp")
    assert keys.claim_key(replace(for_app, fingerprint=None)) == keys.fingerprint_key(1, "cid", None)


def test_the_device_flow_and_refresh_keys() -> None:
    digest = "ab" * 32
    assert keys.refresh_key(digest) == {"PK": f"REFRESH#{digest}", "SK": "REFRESH"}
    assert keys.device_key(digest) == {"PK": f"DEVICE#{digest}", "SK": "DEVICE"}
    assert keys.user_code_key(digest) == {"PK": f"USERCODE#{digest}", "SK": "USERCODE"}
    assert keys.user_code_attempts_key(42) == {"PK": "USERCODEFAIL#42", "SK": "USERCODEFAIL"}
