"""Passwords (argon2id) and app secrets (SHA-256, compared in constant time)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from oauth_authz import app_secrets, passwords
from oauth_authz.app_secrets import hash_secret, secret_matches
from oauth_authz.passwords import burn_verify, hash_password, verify_password
from tests.support.data import OCTOCAT_PASSWORD


@pytest.fixture(scope="module")
def password_hash() -> str:
    """The product's own hash of octocat's password (the session fixture's is a cheap one)."""
    return hash_password(OCTOCAT_PASSWORD)


def test_hash_is_argon2id_with_rfc9106_parameters(password_hash: str) -> None:
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert OCTOCAT_PASSWORD not in password_hash


def test_hashes_are_salted() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_verify_right_and_wrong(password_hash: str) -> None:
    assert verify_password(password_hash, OCTOCAT_PASSWORD) is True
    assert verify_password(password_hash, OCTOCAT_PASSWORD + " ") is False
    assert verify_password(password_hash, "") is False


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=65536,t=3,p=1$broken", "$2b$12$abc"])
def test_verify_against_a_broken_hash_is_false_not_an_error(stored: str) -> None:
    assert verify_password(stored, OCTOCAT_PASSWORD) is False


def test_burn_verify_spends_a_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = passwords.verify_password

    def spy(stored: str, password: str) -> bool:
        seen.append((stored, password))
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", spy)

    assert burn_verify("whatever") is None
    assert len(seen) == 1
    assert seen[0][0].startswith("$argon2id$v=19$m=65536,t=3,p=1$")


def test_secret_hash_is_sha256_hex() -> None:
    secret = "3ef4ad510c59b0a3fe9d5c4c2a7f1e0d1a2b3c4d"

    assert hash_secret(secret) == hashlib.sha256(secret.encode()).hexdigest()


def test_secret_matches() -> None:
    stored = hash_secret("right secret")

    assert secret_matches(stored, "right secret") is True
    assert secret_matches(stored, "wrong secret") is False
    assert secret_matches(stored, "") is False
    assert secret_matches(stored.upper(), "right secret") is False


def test_checking_an_app_secret_needs_no_argon2() -> None:
    """The route functions check app secrets; only the authorizer and the admin CLI load argon2."""
    import subprocess
    import sys

    code = "import sys, oauth_authz.service.authorizations; print('argon2' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_secret_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []

    def compare_digest(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(app_secrets.hmac, "compare_digest", compare_digest)

    assert secret_matches(hash_secret("s"), "s") is True
    assert calls == [(hash_secret("s"), hash_secret("s"))]
