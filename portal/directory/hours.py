"""Opening hours in plain words, and "open now". Pure functions over schedule rows (or anything with
``weekday``, ``opens_at``, ``closes_at``, ``valid_from``, ``valid_to``, ``notes``): no Flask.

Times are the city's local time (the app's ``BABEL_DEFAULT_TIMEZONE``); the caller passes ``now``
already in that zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class DayHours:
    weekday: int  # ISO, 1 = Monday
    windows: tuple[tuple[time, time], ...]  # empty = closed
    notes: tuple[str, ...] = ()


def _valid_on(schedule, day: date) -> bool:
    return ((schedule.valid_from is None or schedule.valid_from <= day)
            and (schedule.valid_to is None or day <= schedule.valid_to))


def week(schedules, on: date) -> list[DayHours]:
    """Seven rows, Monday first, with the opening windows valid in the week of ``on``."""
    rows = []
    for weekday in range(1, 8):
        day = date.fromordinal(on.toordinal() - on.isoweekday() + weekday)
        todays = sorted((s for s in schedules if s.weekday == weekday and _valid_on(s, day)),
                        key=lambda s: (s.opens_at, s.closes_at))
        windows = tuple(dict.fromkeys((s.opens_at, s.closes_at) for s in todays))
        notes = tuple(dict.fromkeys(s.notes for s in todays if s.notes))
        rows.append(DayHours(weekday, windows, notes))
    return rows


def is_open(schedules, now: datetime) -> bool | None:
    """True/False, or None when no hours are known (unknown is not "closed")."""
    schedules = list(schedules)
    if not schedules:
        return None
    moment, day = now.time().replace(tzinfo=None), now.date()
    return any(s.weekday == now.isoweekday() and _valid_on(s, day) and s.opens_at <= moment < s.closes_at
               for s in schedules)


def next_opening(schedules, now: datetime) -> tuple[int, time] | None:
    """(days from today, opening time) of the next opening after ``now``, within a week."""
    schedules = list(schedules)
    moment = now.time().replace(tzinfo=None)
    for offset in range(0, 8):
        day = date.fromordinal(now.date().toordinal() + offset)
        starts = sorted(s.opens_at for s in schedules
                        if s.weekday == day.isoweekday() and _valid_on(s, day)
                        and (offset > 0 or s.opens_at > moment))
        if starts:
            return offset, starts[0]
    return None


def format_windows(windows) -> str:
    return ", ".join(f"{a.strftime('%H:%M')}–{b.strftime('%H:%M')}" for a, b in windows)
