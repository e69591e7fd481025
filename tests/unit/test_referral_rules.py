"""The referral rules that need no database, pinned at their shipped values and boundaries: due times
per urgency and step in working days (weekends skipped), the overdue rule of ``Referral.is_overdue``,
and the follow-up interval (1 or 3 months, default 3). Their SQL side and every entry point are in
tests/integration/test_referral_rules_everywhere.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

import portal.models  # noqa: F401  (every mapper, so a Referral can be built)
from portal.config import Config
from portal.referrals.duetimes import (
    DEFAULT_DUE_WORKING_DAYS,
    DEFAULT_FOLLOW_UP_MONTHS,
    FOLLOW_UP_MONTHS,
    add_months,
    due_at,
    parse_due_days,
)
from portal.referrals.errors import ReferralError
from portal.referrals.followups import chosen_months
from portal.referrals.models import Referral
from portal.referrals.statemachine import CLOSED_STATUSES, OPEN_STATUSES

SHIPPED = parse_due_days(DEFAULT_DUE_WORKING_DAYS)
UTC = timezone.utc
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_shipped_due_times_are_routine_3_5_20_priority_2_3_10_urgent_1_1_3_working_days():
    assert SHIPPED == {"routine": {"acknowledge": 3, "respond": 5, "connect": 20},
                       "priority": {"acknowledge": 2, "respond": 3, "connect": 10},
                       "urgent": {"acknowledge": 1, "respond": 1, "connect": 3}}
    assert Config().REFERRAL_DUE_WORKING_DAYS == DEFAULT_DUE_WORKING_DAYS


@pytest.mark.parametrize("urgency, step, start, due", [
    # A routine referral sent on Friday: acknowledge by Wednesday (Mon, Tue, Wed), same time of day.
    ("routine", "acknowledge", FRIDAY, datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
    ("routine", "respond", FRIDAY, datetime(2026, 12, 4, 10, 0, tzinfo=UTC)),
    ("routine", "connect", FRIDAY, datetime(2026, 12, 25, 10, 0, tzinfo=UTC)),
    ("priority", "acknowledge", FRIDAY, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    ("priority", "respond", FRIDAY, datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
    ("priority", "connect", FRIDAY, datetime(2026, 12, 11, 10, 0, tzinfo=UTC)),
    # An urgent one sent on Friday is due on Monday, not on Saturday.
    ("urgent", "acknowledge", FRIDAY, datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
    ("urgent", "respond", FRIDAY, datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
    ("urgent", "connect", FRIDAY, datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
    # Sent on a Saturday: counting starts on Monday.
    ("urgent", "acknowledge", SATURDAY, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    ("routine", "acknowledge", SATURDAY, datetime(2026, 12, 3, 10, 0, tzinfo=UTC)),
    # Within one week.
    ("routine", "acknowledge", MONDAY, datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
])
def test_shipped_due_times_skip_weekends(urgency, step, start, due):
    assert due_at(start, urgency, step, SHIPPED) == due
    assert due.weekday() < 5


def test_an_unknown_urgency_gets_the_routine_due_times():
    assert due_at(MONDAY, "whenever", "acknowledge", SHIPPED) == due_at(MONDAY, "routine", "acknowledge", SHIPPED)


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_an_open_referral_is_overdue_only_after_its_due_time(status):
    due = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    referral = Referral(status=status, due_at=due)
    assert not referral.is_overdue(due - timedelta(seconds=1))
    assert not referral.is_overdue(due)  # at the due time itself: still in time
    assert referral.is_overdue(due + timedelta(microseconds=1))


@pytest.mark.parametrize("status", CLOSED_STATUSES)
def test_a_closed_referral_is_never_overdue(status):
    referral = Referral(status=status, due_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert not referral.is_overdue(datetime(2026, 1, 1, tzinfo=UTC))


def test_a_referral_without_a_due_time_is_never_overdue():
    assert not Referral(status="sent", due_at=None).is_overdue(datetime(2026, 1, 1, tzinfo=UTC))


def test_the_sql_overdue_rule_is_built_from_the_same_definition():
    sql = str(Referral.is_overdue(MONDAY).compile(compile_kwargs={"literal_binds": True}))
    assert "referral.status IN (" in sql and "referral.due_at IS NOT NULL" in sql and "referral.due_at <" in sql
    for status in OPEN_STATUSES:
        assert f"'{status}'" in sql
    for status in CLOSED_STATUSES:
        assert f"'{status}'" not in sql


def test_follow_ups_come_every_1_or_3_months_and_3_is_the_shipped_default():
    assert FOLLOW_UP_MONTHS == (1, 3)
    assert DEFAULT_FOLLOW_UP_MONTHS == 3
    assert Config().REFERRAL_FOLLOW_UP_MONTHS == 3
    assert Referral.__table__.c.follow_up_months.default.arg == 3


@pytest.mark.parametrize("months", [1, 3])
def test_an_allowed_follow_up_interval_is_kept(months):
    assert chosen_months(months) == months


@pytest.mark.parametrize("months", [0, 2, 6, 12, True, "3", 3.0001])
def test_any_other_follow_up_interval_is_refused_on_its_field(months):
    with pytest.raises(ReferralError) as refused:
        chosen_months(months)
    assert refused.value.field == "follow_up_months"


@pytest.mark.parametrize("start, months, due", [
    (date(2026, 1, 5), 3, date(2026, 4, 5)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2027, 12, 15), 1, date(2028, 1, 15)),
])
def test_follow_up_dates_move_by_calendar_months(start, months, due):
    assert add_months(start, months) == due


def test_a_follow_up_interval_setting_outside_1_or_3_stops_the_start_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("REFERRAL_FOLLOW_UP_MONTHS", "2")
    with pytest.raises(RuntimeError, match="REFERRAL_FOLLOW_UP_MONTHS must be one of"):
        Config()
    monkeypatch.setenv("REFERRAL_FOLLOW_UP_MONTHS", "1")
    assert Config().REFERRAL_FOLLOW_UP_MONTHS == 1
