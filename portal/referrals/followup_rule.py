"""The follow-up schedule rule, once. Pure: no Flask, no database.

- **Interval**: the person's management level (``cases.levels.FOLLOW_UP_EVERY``: intensive every two
  weeks, standard monthly, maintenance quarterly). Without a level, a referral's follow-ups keep the
  interval chosen on the referral (``follow_up_months``) and a person's own follow-ups use
  ``DEFAULT_LEVEL`` (never less often than the plan's minimum).
- **Next date**: one interval after the follow-up being recorded — after its due date when it is
  recorded early (the schedule keeps its rhythm and never proposes the same date again), after the
  day it was done when it is late.
- **Overdue**: not done, not ended, and its due date has passed (due today is not yet overdue).
- **Yearly count**: follow-ups done in the last 12 months (from the day after the same date a year
  ago, to today); the community mental-health plan's minimum is ``YEARLY_MINIMUM``.

``FollowUp.is_overdue`` and ``FollowUp.done_in_last_year`` (models.py) are these rules as SQL too.
"""
from __future__ import annotations

from datetime import date, timedelta

from ..cases.levels import DEFAULT_LEVEL, FOLLOW_UP_EVERY
from .duetimes import add_months

YEARLY_MINIMUM = 4

Interval = tuple[str, int]  # ("weeks" | "months", count)


def interval_for(level: str | None, referral_months: int | None = None) -> Interval:
    """The interval for a person at ``level``; without a level, the referral's months (for a
    referral's follow-ups), else the default level's."""
    if level in FOLLOW_UP_EVERY:
        return FOLLOW_UP_EVERY[level]
    if referral_months:
        return ("months", referral_months)
    return FOLLOW_UP_EVERY[DEFAULT_LEVEL]


def step(start: date, interval: Interval) -> date:
    """``start`` moved by one interval (calendar months: a day the month lacks becomes its last day)."""
    unit, count = interval
    if unit == "weeks":
        return start + timedelta(weeks=count)
    if unit == "months":
        return add_months(start, count)
    raise ValueError(f"unknown interval unit {unit!r}")


def next_due(due_on: date, done_on: date, interval: Interval) -> date:
    """The next follow-up's date: one interval after the later of its due date and the day it was done."""
    return step(max(due_on, done_on), interval)


def is_overdue(due_on: date, done_on: date | None, ended_on: date | None, on: date) -> bool:
    return done_on is None and ended_on is None and due_on < on


def year_window(on: date) -> tuple[date, date]:
    """The first and last day of "the last 12 months" seen from ``on`` (both included)."""
    return add_months(on, -12) + timedelta(days=1), on


def done_in_last_year(done_on: date | None, on: date) -> bool:
    start, end = year_window(on)
    return done_on is not None and start <= done_on <= end


def below_minimum(done_in_year: int) -> bool:
    return done_in_year < YEARLY_MINIMUM
