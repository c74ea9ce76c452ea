"""Secrets kept at rest in the table (the TOTP seeds) are encrypted, so a plain read of the table, a backup or
an export shows none of them.

Two keys, chosen by the environment: on AWS a KMS key (`TOTP_KMS_KEY_ID`; the authorizer may only decrypt,
the admin encrypts), locally a 256-bit AES-GCM key the local API keeps in its data dir (`TOTP_LOCAL_KEY`,
base64). The stored text names the kind (`kms:` or `local:`), and the login is bound to the ciphertext
(KMS encryption context / AES-GCM associated data), so a seed copied to another user's item does not decrypt.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache
from typing import Any


class SecretBoxError(Exception):
    """No key is configured, or a stored secret does not decrypt (the message never holds the secret)."""


def new_local_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@lru_cache(maxsize=1)
def _kms() -> Any:
    import boto3

    return boto3.client("kms")


def _local_key() -> bytes:
    text = os.environ.get("TOTP_LOCAL_KEY", "")
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise SecretBoxError("TOTP_LOCAL_KEY is not a base64 256-bit key")
    return key


def seal(plaintext: str, login: str) -> str:
    context = login.lower()
    key_id = os.environ.get("TOTP_KMS_KEY_ID")
    if key_id:
        blob = _kms().encrypt(
            KeyId=key_id, Plaintext=plaintext.encode("utf-8"), EncryptionContext={"login": context}
        )["CiphertextBlob"]
        return "kms:" + base64.b64encode(blob).decode("ascii")
    if os.environ.get("TOTP_LOCAL_KEY"):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(12)
        sealed = AESGCM(_local_key()).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return "local:" + base64.b64encode(nonce + sealed).decode("ascii")
    raise SecretBoxError("no key for secrets at rest: set TOTP_KMS_KEY_ID (AWS) or TOTP_LOCAL_KEY (local)")


def open_sealed(stored: str, login: str) -> str:
    context = login.lower()
    kind, _, payload = stored.partition(":")
    try:
        blob = base64.b64decode(payload, validate=True)
    except ValueError:
        raise SecretBoxError("a sealed secret is not base64") from None
    if kind == "kms":
        from botocore.exceptions import ClientError

        try:
            response = _kms().decrypt(CiphertextBlob=blob, EncryptionContext={"login": context})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            raise SecretBoxError(f"KMS did not decrypt a sealed secret ({code})") from None
        plain: bytes = response["Plaintext"]
    elif kind == "local":
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plain = AESGCM(_local_key()).decrypt(blob[:12], blob[12:], context.encode("utf-8"))
        except (InvalidTag, ValueError):
            raise SecretBoxError("a sealed secret did not open with the local key") from None
    else:
        raise SecretBoxError("unknown kind of sealed secret")
    return plain.decode("utf-8")
