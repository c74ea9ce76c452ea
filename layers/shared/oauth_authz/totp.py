"""TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), as authenticator apps and GitHub use it.

A code is accepted for the current step and one step either side (clock drift), and only for a step later
than the last one accepted, so a code cannot be used twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD = 30
DRIFT_STEPS = 1
ISSUER = "oauth-authz"


def new_secret() -> str:
    """160 random bits in base32 without padding, the form authenticator apps take."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_at(epoch_seconds: float) -> int:
    return int(epoch_seconds // PERIOD)


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def matching_steps(secret: str, code: str, epoch_seconds: float) -> list[int]:
    """The steps within the drift whose code is `code` (usually one, or none); compared in constant time."""
    candidate = code.strip()
    if len(candidate) != DIGITS or not candidate.isascii() or not candidate.isdigit():
        return []
    now = step_at(epoch_seconds)
    steps = range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1)
    return [step for step in steps if hmac.compare_digest(code_at(secret, step), candidate)]


def provisioning_uri(secret: str, login: str) -> str:
    label = quote(f"{ISSUER}:{login}")
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD}
    )
    return f"otpauth://totp/{label}?{query}"
