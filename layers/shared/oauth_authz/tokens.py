"""Tokens in GitHub's format: a prefix, 30 random base62 characters, a 6-character base62 CRC32 checksum.

A malformed token (wrong prefix, length, alphabet or checksum) is recognised without reading the table, and
secret scanners can recognise ours. Only `hash_token` of a token is ever stored.
"""

from __future__ import annotations

import hashlib
import secrets
import zlib
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
TOKEN_LENGTH = 4 + RANDOM_LENGTH + CHECKSUM_LENGTH


class TokenKind(StrEnum):
    PERSONAL = "ghp_"
    OAUTH = "gho_"
    REFRESH = "ghr_"  # a refresh token (SPEC section 10): never an access token


# What can stand for a user (`Authorization: token ...`, a Basic password): never a refresh token, which is
# good only at the token endpoint (asked for by its kind).
ACCESS_PREFIXES = frozenset({TokenKind.PERSONAL.value, TokenKind.OAUTH.value})


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def new_token(kind: TokenKind) -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{kind.value}{random_part}{checksum(random_part)}"


def is_well_formed(token: str, kind: TokenKind | None = None) -> bool:
    """True when the token has our shape and a valid checksum (no table read needed); without `kind`, an
    access token (personal or OAuth), not a refresh token."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return False
    prefix, body = token[:4], token[4:]
    wanted = ACCESS_PREFIXES if kind is None else {kind.value}
    if prefix not in wanted:
        return False
    if any(char not in ALPHABET for char in body):
        return False
    return checksum(body[:RANDOM_LENGTH]) == body[RANDOM_LENGTH:]


def hash_token(token: str) -> str:
    """Lowercase hex SHA-256, the `hashed_token` of the API and the token's key in the table."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def last_eight(token: str) -> str:
    return token[-8:]
