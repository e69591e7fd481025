"""When referral work is due: each step's due time in working days (Monday to Friday), or in clock
hours for an emergency (a crisis does not wait for Monday), and the interval between follow-ups after
connection. Pure: the shipped defaults live here, the configuration (``REFERRAL_DUE_WORKING_DAYS``,
``REFERRAL_DUE_HOURS``, ``REFERRAL_FOLLOW_UP_MONTHS``) may override the values, never the rule.

Public holidays are not known here: a due time that lands on one is simply a day early, which errs
on the side of chasing sooner.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

STEPS = ("acknowledge", "respond", "connect")
DEFAULT_DUE_WORKING_DAYS = "urgent:1/1/3,priority:2/3/10,routine:3/5/20"
# Urgencies whose due times are clock hours, weekends and nights included; their numbers come from
# their own setting, so a number of hours can never be read as working days or the reverse.
HOUR_URGENCIES = ("emergency",)
DEFAULT_DUE_HOURS = "emergency:2/4/24"

# Follow-ups after connection: every 3 months, or monthly for a client who needs closer contact.
FOLLOW_UP_MONTHS = (1, 3)
DEFAULT_FOLLOW_UP_MONTHS = 3


def parse_due_days(spec: str) -> dict[str, dict[str, int]]:
    """``"urgent:1/1/3,routine:3/5/20"`` -> {"urgent": {"acknowledge": 1, "respond": 1, "connect": 3}, …}.
    Days per step are counted from the start of that step."""
    return _parse(spec, hours=False)


def parse_due_hours(spec: str) -> dict[str, dict[str, int]]:
    """``"emergency:2/4/24"`` -> {"emergency": {"acknowledge": 2, "respond": 4, "connect": 24}}: clock
    hours per step, for the urgencies of ``HOUR_URGENCIES`` only."""
    return _parse(spec, hours=True)


def due_table(days_spec: str = DEFAULT_DUE_WORKING_DAYS, hours_spec: str = DEFAULT_DUE_HOURS) -> dict[str, dict[str, int]]:
    """The whole table: working days for most urgencies, hours for ``HOUR_URGENCIES`` (which one an
    urgency uses is decided by ``due_at``, never by the table)."""
    return {**parse_due_days(days_spec), **parse_due_hours(hours_spec)}


def _parse(spec: str, *, hours: bool) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        urgency, _, days = part.partition(":")
        numbers = [int(n) for n in days.split("/")]
        if len(numbers) != len(STEPS) or any(n < 0 for n in numbers):
            raise ValueError(f"due times for {urgency.strip()!r} need {len(STEPS)} numbers ≥ 0")
        if (urgency.strip() in HOUR_URGENCIES) != hours:
            raise ValueError(f"due times for {urgency.strip()!r} are set in "
                             + ("REFERRAL_DUE_WORKING_DAYS" if hours else "REFERRAL_DUE_HOURS"))
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
    """When ``step``, started at ``start``, is due. An emergency counts clock hours (its shipped hours
    when the table lacks it: never the routine days); the others count working days, and an unknown
    urgency gets the routine ones."""
    if step is None:
        return None
    if urgency in HOUR_URGENCIES:
        hours = table.get(urgency) or parse_due_hours(DEFAULT_DUE_HOURS).get(urgency, {})
        return start + timedelta(hours=hours[step]) if step in hours else None
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
