"""`oauth_authz.app_secrets`: an app's one or two secrets, each compared."""

from __future__ import annotations

from datetime import UTC, datetime

from oauth_authz.app_secrets import app_secret_matches, hash_secret, new_secret, secret_matches
from oauth_authz.models.domain import App, ClientSecret

T0 = datetime(2026, 1, 2, tzinfo=UTC)


def app_with(*texts: str) -> App:
    held = tuple(ClientSecret(i + 1, hash_secret(t), t[-8:], T0) for i, t in enumerate(texts))
    return App("cid", 1, "App", "https://a.example", T0, held)


def test_a_new_secret_is_forty_hex_characters_and_never_the_same() -> None:
    first, second = new_secret(), new_secret()
    assert len(first) == 40 and int(first, 16) >= 0 and first != second


def test_either_of_two_secrets_matches_and_nothing_else() -> None:
    one, two = new_secret(), new_secret()
    app = app_with(one, two)

    assert app_secret_matches(app, one) and app_secret_matches(app, two)
    assert not app_secret_matches(app, one + "x") and not app_secret_matches(app, "")
    assert not app_secret_matches(app_with(), one)  # a device flow's stand-in app holds none


def test_the_single_hash_check_is_as_before() -> None:
    text = new_secret()
    assert secret_matches(hash_secret(text), text) and not secret_matches(hash_secret(text), text.upper())
