"""OAuth apps' client secrets: long random strings, stored as SHA-256 (a slow hash adds nothing to 160 random
bits) and compared in constant time. Apart from `passwords` so that the functions that check an app's secret
do not import argon2 (only the authorizer and the admin CLI verify or hash passwords).

An app holds one or two secrets (as GitHub allows two, so that an owner can roll a new one out before deleting
the old): `app_secret_matches` is the one check every endpoint makes (app Basic auth, the authorizations API,
the web flow's and the refresh token's exchanges), and it accepts either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oauth_authz.models.domain import App

SECRET_BYTES = 20  # 40 hex characters, as GitHub's client secrets


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret_hash: str, secret: str) -> bool:
    return hmac.compare_digest(secret_hash, hash_secret(secret))


def app_secret_matches(app: App, secret: str) -> bool:
    """Whether `secret` is one of the app's current secrets. Every secret is compared (constant time each, no
    early return), so the time taken does not tell which one matched."""
    hashed = hash_secret(secret)
    matched = False
    for held in app.secrets:
        matched |= hmac.compare_digest(held.hash, hashed)
    return matched
