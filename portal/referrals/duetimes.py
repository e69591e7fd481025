"""When referral work is due: each step's due time in working days (Monday to Friday), and the
interval between follow-ups after connection. Pure: the shipped defaults live here, the configuration
(``REFERRAL_DUE_WORKING_DAYS``, ``REFERRAL_FOLLOW_UP_MONTHS``) may override the values, never the rule.

Public holidays are not known here: a due time that lands on one is simply a day early, which errs
on the side of chasing sooner.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

STEPS = ("acknowledge", "respond", "connect")
DEFAULT_DUE_WORKING_DAYS = "urgent:1/1/3,priority:2/3/10,routine:3/5/20"

# Follow-ups after connection: every 3 months, or monthly for a client who needs closer contact.
FOLLOW_UP_MONTHS = (1, 3)
DEFAULT_FOLLOW_UP_MONTHS = 3


def parse_due_days(spec: str) -> dict[str, dict[str, int]]:
    """``"urgent:1/1/3,routine:3/5/20"`` -> {"urgent": {"acknowledge": 1, "respond": 1, "connect": 3}, …}.
    Days per step are counted from the start of that step."""
    table: dict[str, dict[str, int]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        urgency, _, days = part.partition(":")
        numbers = [int(n) for n in days.split("/")]
        if len(numbers) != len(STEPS) or any(n < 0 for n in numbers):
            raise ValueError(f"due days for {urgency.strip()!r} need {len(STEPS)} numbers ≥ 0")
        table[urgency.strip()] = dict(zip(STEPS, numbers))
    return table


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` weekdays, same time of day. A start on a weekend counts
    from the next Monday."""
    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def due_at(start: datetime, urgency: str, step: str | None, table: dict[str, dict[str, int]]) -> datetime | None:
    if step is None:
        return None
    days = table.get(urgency) or table.get("routine") or {}
    if step not in days:
        return None
    return add_working_days(start, days[step])


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole calendar months; a day the month lacks becomes its last day."""
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")
