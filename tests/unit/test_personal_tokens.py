"""`service/personal_tokens.py`: when a token made on the settings page expires, for each choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oauth_authz.errors import ValidationFailed
from oauth_authz.service.personal_tokens import expiry

MOMENT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [7, 30, 60, 90])
def test_a_number_of_days(days: int) -> None:
    assert expiry(str(days), "", MOMENT, never_allowed=True) == MOMENT + timedelta(days=days)


def test_a_date_ends_at_its_midnight_utc() -> None:
    assert expiry("custom", "2026-12-24", MOMENT, never_allowed=True) == datetime(2026, 12, 25, tzinfo=UTC)


@pytest.mark.parametrize("day", ["2026-11-30", "2026-11-01", "2027-12-02", "24/12/2026", "", "2026-13-01"])
def test_a_date_today_past_more_than_a_year_ahead_or_unreadable_is_refused(day: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        expiry("custom", day, MOMENT, never_allowed=True)
    assert refused.value.errors[0].field == "expiration_date"


def test_never_only_where_the_operator_allows_it() -> None:
    assert expiry("none", "", MOMENT, never_allowed=True) is None
    with pytest.raises(ValidationFailed):
        expiry("none", "", MOMENT, never_allowed=False)


@pytest.mark.parametrize("choice", ["", "1", "365", "forever"])
def test_any_other_choice_is_refused(choice: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        expiry(choice, "", MOMENT, never_allowed=True)
    assert refused.value.errors[0].field == "expiration"
