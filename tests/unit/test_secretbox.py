"""Secrets at rest: sealed with the local AES-GCM key or with KMS (moto), bound to the login."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from oauth_authz import secretbox
from oauth_authz.secretbox import SecretBoxError, new_local_key, open_sealed, seal

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOTP_LOCAL_KEY", raising=False)
    monkeypatch.delenv("TOTP_KMS_KEY_ID", raising=False)
    secretbox._kms.cache_clear()


def test_without_a_key_nothing_is_sealed() -> None:
    with pytest.raises(SecretBoxError, match="no key"):
        seal(SEED, "octocat")


def test_the_local_key_seals_and_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())

    sealed = seal(SEED, "OctoCat")

    assert sealed.startswith("local:") and SEED not in sealed
    assert seal(SEED, "octocat") != sealed  # a fresh nonce each time
    assert open_sealed(sealed, "octocat") == SEED


def test_a_seal_is_bound_to_its_login_and_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    sealed = seal(SEED, "octocat")

    with pytest.raises(SecretBoxError) as moved:
        open_sealed(sealed, "hubot")
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())
    with pytest.raises(SecretBoxError) as rekeyed:
        open_sealed(sealed, "octocat")

    assert SEED not in str(moved.value) and SEED not in str(rekeyed.value)


@pytest.mark.parametrize("stored", ["local:not base64!", "rot13:abc", "local:" + "A" * 8])
def test_garbage_does_not_open(monkeypatch: pytest.MonkeyPatch, stored: str) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", new_local_key())

    with pytest.raises(SecretBoxError):
        open_sealed(stored, "octocat")


def test_a_bad_local_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOTP_LOCAL_KEY", "c2hvcnQ=")

    with pytest.raises(SecretBoxError, match="256-bit"):
        seal(SEED, "octocat")


def test_kms_seals_with_the_login_as_encryption_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
        monkeypatch.setenv("TOTP_KMS_KEY_ID", key_id)

        sealed = seal(SEED, "OctoCat")

        assert sealed.startswith("kms:") and SEED not in sealed
        assert open_sealed(sealed, "octocat") == SEED
        with pytest.raises(SecretBoxError, match="KMS did not decrypt"):
            open_sealed(sealed, "hubot")
