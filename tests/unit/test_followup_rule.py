"""The follow-up schedule rule (portal/referrals/followup_rule.py): interval per management level,
the next date at each level's boundaries (on the due date, early, late, month ends), overdue, and the
12-month window of the yearly count."""
from __future__ import annotations

from datetime import date

import pytest

from portal.cases.levels import DEFAULT_LEVEL
from portal.referrals import followup_rule as rule


def test_each_level_has_its_shipped_interval():
    assert rule.interval_for("intensive") == ("weeks", 2)
    assert rule.interval_for("standard") == ("months", 1)
    assert rule.interval_for("maintenance") == ("months", 3)


def test_a_level_wins_over_the_referrals_own_interval():
    assert rule.interval_for("intensive", referral_months=3) == ("weeks", 2)
    assert rule.interval_for("maintenance", referral_months=1) == ("months", 3)


@pytest.mark.parametrize("months", [1, 3])
def test_without_a_level_a_referral_keeps_its_own_months(months):
    assert rule.interval_for(None, referral_months=months) == ("months", months)


def test_without_a_level_or_referral_the_default_level_applies_and_meets_the_minimum():
    assert DEFAULT_LEVEL == "maintenance"
    assert rule.interval_for(None) == ("months", 3)
    assert rule.interval_for("unknown") == ("months", 3)
    # quarterly: four a year, exactly the plan's minimum
    assert rule.YEARLY_MINIMUM == 4


# (level, due on, done on, next): on the due date, early (the rhythm is kept), late (from the day done)
@pytest.mark.parametrize("level,due,done,expected", [
    ("intensive", date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 16)),
    ("intensive", date(2026, 3, 2), date(2026, 2, 27), date(2026, 3, 16)),
    ("intensive", date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 19)),
    ("standard", date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28)),
    ("standard", date(2026, 1, 31), date(2026, 1, 20), date(2026, 2, 28)),
    ("standard", date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 1)),
    ("standard", date(2027, 12, 15), date(2027, 12, 15), date(2028, 1, 15)),
    ("maintenance", date(2026, 11, 30), date(2026, 11, 30), date(2027, 2, 28)),
    ("maintenance", date(2027, 11, 30), date(2027, 11, 30), date(2028, 2, 29)),
    ("maintenance", date(2026, 5, 31), date(2026, 5, 1), date(2026, 8, 31)),
    ("maintenance", date(2026, 5, 31), date(2026, 6, 30), date(2026, 9, 30)),
])
def test_the_next_date_at_each_level(level, due, done, expected):
    assert rule.next_due(due, done, rule.interval_for(level)) == expected


def test_the_next_date_is_always_after_the_one_recorded():
    for level in ("intensive", "standard", "maintenance"):
        for offset in range(-20, 40):
            due = date(2026, 1, 31)
            done = date.fromordinal(due.toordinal() + offset)
            assert rule.next_due(due, done, rule.interval_for(level)) > max(due, done)


def test_an_unknown_interval_unit_is_a_programming_error():
    with pytest.raises(ValueError):
        rule.step(date(2026, 1, 1), ("days", 3))


def test_due_today_is_not_yet_overdue_due_yesterday_is():
    on = date(2026, 6, 10)
    assert not rule.is_overdue(date(2026, 6, 10), None, None, on)
    assert rule.is_overdue(date(2026, 6, 9), None, None, on)
    assert not rule.is_overdue(date(2026, 6, 9), date(2026, 6, 9), None, on)  # done
    assert not rule.is_overdue(date(2026, 6, 9), None, date(2026, 6, 9), on)  # series ended


def test_the_yearly_count_covers_the_last_12_months_to_the_day():
    on = date(2026, 11, 30)
    assert rule.year_window(on) == (date(2025, 12, 1), on)
    assert not rule.done_in_last_year(date(2025, 11, 30), on)  # the same date a year ago: out
    assert rule.done_in_last_year(date(2025, 12, 1), on)
    assert rule.done_in_last_year(on, on)
    assert not rule.done_in_last_year(date(2026, 12, 1), on)
    assert not rule.done_in_last_year(None, on)
    # from a leap day: back to 28 February, the window starts on 1 March
    assert rule.year_window(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


def test_below_the_minimum_is_fewer_than_four():
    assert rule.below_minimum(3)
    assert not rule.below_minimum(4)
