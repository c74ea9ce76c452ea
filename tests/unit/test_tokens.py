"""Tokens: GitHub's format (prefix, 30 random base62 characters, 6-character base62 CRC32), hashing."""

from __future__ import annotations

import hashlib
import string
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth_authz import tokens
from oauth_authz.tokens import TokenKind, hash_token, is_well_formed, last_eight, new_token

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def base62(number: int, width: int = 6) -> str:
    """Independent base62 (0-9, A-Z, a-z), most significant digit first, zero padded."""
    text = ""
    while number:
        number, digit = divmod(number, 62)
        text = BASE62[digit] + text
    return text.rjust(width, "0")


def token_with(random_part: str, prefix: str = "ghp_") -> str:
    return prefix + random_part + base62(zlib.crc32(random_part.encode()))


random_parts = st.text(alphabet=BASE62, min_size=30, max_size=30)


@pytest.mark.parametrize(
    ("kind", "prefix"), [(TokenKind.PERSONAL, "ghp_"), (TokenKind.OAUTH, "gho_"), (TokenKind.REFRESH, "ghr_")]
)
def test_new_token_has_githubs_shape(kind: TokenKind, prefix: str) -> None:
    token = new_token(kind)

    assert token.startswith(prefix)
    assert len(token) == 40
    assert set(token[4:]) <= set(BASE62)
    random_part, check = token[4:34], token[34:]
    assert check == base62(zlib.crc32(random_part.encode("ascii")))
    assert is_well_formed(token, kind)
    assert is_well_formed(token) is (kind is not TokenKind.REFRESH)


def test_new_tokens_are_random() -> None:
    made = {new_token(TokenKind.PERSONAL)[4:34] for _ in range(200)}

    assert len(made) == 200
    # 30 characters from a CSPRNG over 62 symbols: across 6000 characters every symbol shows up
    assert set("".join(made)) == set(BASE62)


def test_the_alphabet_is_base62_in_digit_upper_lower_order() -> None:
    assert tokens.ALPHABET == BASE62
    assert tokens.TOKEN_LENGTH == 40


@pytest.mark.parametrize(
    ("random_part", "expected"),
    [
        ("0" * 30, base62(zlib.crc32(b"0" * 30))),
        ("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", base62(zlib.crc32(b"z" * 30))),
    ],
)
def test_checksum_is_base62_crc32_of_the_random_part(random_part: str, expected: str) -> None:
    assert tokens.checksum(random_part) == expected
    assert len(tokens.checksum(random_part)) == 6


def test_checksum_pads_small_crc_values_with_zeros() -> None:
    # CRC32 of the empty string is 0: six zeros, never a shorter string
    assert tokens.checksum("") == "000000"


def test_checksum_of_a_known_value() -> None:
    # crc32(b"123456789") is the CRC-32 check value 0xCBF43926 = 3421780262 = base62 "3jZRME"
    assert zlib.crc32(b"123456789") == 0xCBF43926
    assert tokens.checksum("123456789") == base62(3421780262)
    assert tokens.checksum("123456789") == "3jZRME"


@given(random_parts, st.sampled_from(["ghp_", "gho_"]))
def test_any_token_with_a_right_checksum_is_well_formed(random_part: str, prefix: str) -> None:
    assert is_well_formed(token_with(random_part, prefix))


@given(random_parts, st.integers(min_value=4, max_value=39), st.sampled_from(BASE62))
def test_changing_any_one_character_breaks_the_token(
    random_part: str, position: int, replacement: str
) -> None:
    token = token_with(random_part)
    changed = token[:position] + replacement + token[position + 1 :]

    # CRC32 catches every error confined to 32 bits: a single changed character is always detected
    assert is_well_formed(changed) == (changed == token)


VALID = token_with("A" * 15 + "b" * 15)


@pytest.mark.parametrize(
    "token",
    [
        "ghx_" + VALID[4:],  # unknown prefix
        "ghs_" + VALID[4:],  # a GitHub App server token: not ours
        "GHP_" + VALID[4:],  # prefixes are lower case
        "ghp-" + VALID[4:],
        VALID[:-1],  # 39 characters
        VALID + "0",  # 41 characters
        "",
        "ghp_",
        VALID[:20] + "-" + VALID[21:],  # outside base62
        VALID[:20] + "_" + VALID[21:],
        VALID[:20] + "é" + VALID[21:],  # non-ASCII, still 40 characters
        VALID[:20] + "٣" + VALID[21:],  # an Arabic-Indic digit
        VALID[:34] + "000000",  # wrong checksum
        VALID[:34] + VALID[35:] + VALID[34],  # checksum characters swapped
        " " + VALID[1:],
    ],
)
def test_is_well_formed_rejects(token: str) -> None:
    assert is_well_formed(VALID)
    assert not is_well_formed(token)


def test_is_well_formed_checks_the_kind_when_asked() -> None:
    personal = token_with("Q" * 30, "ghp_")
    oauth = token_with("Q" * 30, "gho_")

    assert is_well_formed(personal, TokenKind.PERSONAL)
    assert not is_well_formed(personal, TokenKind.OAUTH)
    assert is_well_formed(oauth, TokenKind.OAUTH)
    assert not is_well_formed(oauth, TokenKind.PERSONAL)
    refresh = token_with("Q" * 30, "ghr_")
    assert is_well_formed(refresh, TokenKind.REFRESH)
    assert not is_well_formed(refresh, TokenKind.OAUTH)  # a refresh token is never an access token
    assert not is_well_formed(oauth, TokenKind.REFRESH)
    assert not is_well_formed(refresh)  # without a kind: an access token, which a refresh token never is


def test_hash_token_is_githubs_example() -> None:
    # docs.github.com: hashed_token of "abcdefgh12345678"
    expected = "25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8"

    assert hash_token("abcdefgh12345678") == expected


def test_hash_token_is_lowercase_hex_sha256() -> None:
    token = new_token(TokenKind.OAUTH)

    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert hash_token(token) == hash_token(token).lower()
    assert len(hash_token(token)) == 64


def test_last_eight() -> None:
    assert last_eight("ghp_abcdefghijklmnopqrstuvwxyz0123456789") == "23456789"
    assert last_eight("abcdefgh12345678") == "12345678"
