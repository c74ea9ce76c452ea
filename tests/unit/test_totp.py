"""TOTP (RFC 6238): codes, one step of drift either way, malformed codes, the provisioning URI."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from oauth_authz import totp

# RFC 6238, appendix B: the SHA-1 seed "12345678901234567890"; its 8-digit codes, of which we use 6 digits.
RFC_SEED = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
RFC_VECTORS = {59: "94287082", 1111111109: "07081804", 1111111111: "14050471", 1234567890: "89005924"}


def test_codes_follow_rfc_6238() -> None:
    for moment, eight_digits in RFC_VECTORS.items():
        assert totp.code_at(RFC_SEED, totp.step_at(moment)) == eight_digits[-6:]


def test_a_new_secret_is_160_random_bits_in_base32() -> None:
    first, second = totp.new_secret(), totp.new_secret()

    assert first != second
    assert len(first) == 32 and set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert len(base64.b32decode(first)) == 20


def test_one_step_of_drift_either_way_and_no_more() -> None:
    now = 1_700_000_000
    step = totp.step_at(now)

    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SEED, step + offset)
        assert totp.matching_steps(RFC_SEED, code, now) == [step + offset]
    for offset in (-2, 2):
        assert totp.matching_steps(RFC_SEED, totp.code_at(RFC_SEED, step + offset), now) == []


def test_malformed_codes_match_nothing() -> None:
    now = 1_700_000_000
    good = totp.code_at(RFC_SEED, totp.step_at(now))

    for code in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", good + "0"):
        assert totp.matching_steps(RFC_SEED, code, now) == []
    assert totp.matching_steps(RFC_SEED, f" {good} ", now) == [totp.step_at(now)]


def test_the_provisioning_uri() -> None:
    uri = urlsplit(totp.provisioning_uri("JBSWY3DPEHPK3PXP", "octocat"))

    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", "/oauth-authz:octocat")
    assert parse_qs(uri.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["oauth-authz"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_codes_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every candidate step's code is compared with `hmac.compare_digest`, never `==` (which returns at the
    first differing digit). Seen red with `code_at(secret, step) == candidate` in `matching_steps`."""
    secret = totp.new_secret()
    now = 1_700_000_000.0
    code = totp.code_at(secret, totp.step_at(now))
    calls: list[tuple[str, str]] = []

    def compare_digest(a: str, b: str) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(totp.hmac, "compare_digest", compare_digest)

    assert totp.matching_steps(secret, code, now) == [totp.step_at(now)]
    step = totp.step_at(now)
    assert calls == [(totp.code_at(secret, s), code) for s in range(step - 1, step + 2)]
