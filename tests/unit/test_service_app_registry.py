"""`oauth_authz.service.app_registry`: a new secret's id and shape, at most two, never none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oauth_authz.app_secrets import hash_secret
from oauth_authz.models.domain import App
from oauth_authz.service.app_registry import (
    LastSecret,
    TooManySecrets,
    client_secret,
    with_new_secret,
    without_secret,
)

T0 = datetime(2026, 1, 2, tzinfo=UTC)


def one_secret_app() -> App:
    secret, _ = client_secret(1, T0)
    return App("cid", 1, "App", "https://a.example", T0, (secret,))


def test_a_client_secret_is_stored_as_its_hash_and_last_eight() -> None:
    secret, text = client_secret(7, T0)

    assert (secret.id, secret.created_at) == (7, T0)
    assert secret.hash == hash_secret(text) and secret.last_eight == text[-8:] and len(text) == 40
    assert text not in repr(secret)


def test_a_second_secret_takes_the_next_id_and_a_third_is_refused() -> None:
    app = one_secret_app()

    two, text = with_new_secret(app, T0 + timedelta(days=1))

    assert [s.id for s in two.secrets] == [1, 2] and two.secrets[1].hash == hash_secret(text)
    with pytest.raises(TooManySecrets):
        with_new_secret(two, T0)


def test_ids_keep_growing_after_a_deletion() -> None:
    """The old secret 1 deleted, the next is 3: a Delete form of a page shown before refers to no other."""
    two, _ = with_new_secret(one_secret_app(), T0)
    only_second = without_secret(two, 1)
    assert only_second is not None

    again, _ = with_new_secret(only_second, T0)

    assert [s.id for s in again.secrets] == [2, 3]


def test_the_only_secret_stays_and_an_unknown_id_is_none() -> None:
    app = one_secret_app()

    with pytest.raises(LastSecret):
        without_secret(app, 1)
    assert without_secret(app, 9) is None
