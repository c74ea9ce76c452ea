"""OAuth apps' client secrets: long random strings, stored as SHA-256 (a slow hash adds nothing to 160 random
bits) and compared in constant time. Apart from `passwords` so that the functions that check an app's secret
do not import argon2 (only the authorizer and the admin CLI verify or hash passwords)."""

from __future__ import annotations

import hashlib
import hmac


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret_hash: str, secret: str) -> bool:
    return hmac.compare_digest(secret_hash, hash_secret(secret))
