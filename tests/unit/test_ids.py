"""Ids: positive, below 2^53, growing with time, from milliseconds since 2020 and 10 random bits."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from oauth_authz import ids

EPOCH_SECONDS = 1_577_836_800  # 2020-01-01T00:00:00Z


def at(monkeypatch: pytest.MonkeyPatch, seconds: float, random_bits: int | None = None) -> None:
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=lambda: seconds))
    if random_bits is not None:
        monkeypatch.setattr(ids, "secrets", SimpleNamespace(randbits=lambda bits: random_bits))


def test_ids_are_positive_and_below_2_53() -> None:
    for _ in range(1000):
        value = ids.new_id()
        assert isinstance(value, int)
        assert 0 < value < 2**53


def test_layout_is_milliseconds_since_2020_then_ten_random_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, EPOCH_SECONDS + 1.5, random_bits=5)

    assert ids.new_id() == (1500 << 10) | 5


def test_ids_grow_with_time_whatever_the_random_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, EPOCH_SECONDS + 100.000, random_bits=1023)
    earlier = ids.new_id()
    at(monkeypatch, EPOCH_SECONDS + 100.001, random_bits=0)
    later = ids.new_id()

    assert earlier < later


def test_ids_grow_over_real_time() -> None:
    import time

    first = ids.new_id()
    time.sleep(0.002)
    assert ids.new_id() > first


def test_ids_stay_below_2_53_for_centuries(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, EPOCH_SECONDS + 270 * 365.25 * 86400, random_bits=1023)  # about 2290

    assert ids.new_id() <= ids.MAX_ID == 2**53 - 1


def test_the_id_space_ends_instead_of_overflowing(monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, EPOCH_SECONDS + 2**43 / 1000, random_bits=0)  # 2^43 ms after 2020

    with pytest.raises(OverflowError):
        ids.new_id()
