"""Time: UTC, second precision, GitHub's ISO 8601 with a Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from oauth_authz.clock import iso, now, parse_iso


def test_now_is_utc_with_whole_seconds() -> None:
    moment = now()

    assert moment.tzinfo is UTC
    assert moment.microsecond == 0
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 5


def test_iso_is_utc_with_a_z() -> None:
    assert iso(datetime(2024, 11, 21, 14, 40, 0, 999_999, tzinfo=UTC)) == "2024-11-21T14:40:00Z"
    assert iso(datetime(2024, 11, 21, 16, 40, tzinfo=timezone(timedelta(hours=2)))) == "2024-11-21T14:40:00Z"


def test_parse_iso_round_trips() -> None:
    text = "2021-02-28T23:59:59Z"

    assert parse_iso(text) == datetime(2021, 2, 28, 23, 59, 59, tzinfo=UTC)
    assert iso(parse_iso(text)) == text


@pytest.mark.parametrize("text", ["2021-02-28 23:59:59", "2021-02-30T00:00:00Z", "2021-02-28T23:59:59+00:00"])
def test_parse_iso_refuses_other_forms(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)
