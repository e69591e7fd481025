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


def format_windows(windows, sep: str = ", ") -> str:
    """"08:30–12:00, 14:00–17:00"; ``sep`` is the language's comma ("，" in Chinese)."""
    return sep.join(f"{a.strftime('%H:%M')}–{b.strftime('%H:%M')}" for a, b in windows)


# --- the week in a few lines ------------------------------------------------------------------

# Sources write "around the clock" as 00:00–23:59 (a schedule row cannot close at 24:00).
_DAY_END = time(23, 59)


@dataclass(frozen=True)
class HourWords:
    """The words of one language for ``week_lines`` (the caller translates; this module stays pure).

    ``short_days``: seven names, Monday first; ``day_range``: "{first}–{last}"; ``day_pair``:
    "{first}, {second}" (two days read better listed than as a range); ``every_day``: the whole
    week; ``all_day``: a day open around the clock; ``always``: the whole week around the clock;
    ``closed``: a closed day; ``line``: "{days} {hours}"; ``window_sep``, ``note`` and ``note_sep``:
    the punctuation ("，", "（{notes}）", "；" in Chinese)."""

    short_days: tuple[str, ...]
    day_range: str
    day_pair: str
    every_day: str
    all_day: str
    always: str
    closed: str
    line: str = "{days} {hours}"
    # The language's punctuation: between opening windows, around and between a group's notes.
    window_sep: str = ", "
    note: str = " ({notes})"
    note_sep: str = "; "


@dataclass(frozen=True)
class DayGroup:
    first: int  # ISO weekday
    last: int
    windows: tuple[tuple[time, time], ...]
    notes: tuple[str, ...] = ()


def is_all_day(windows) -> bool:
    return len(windows) == 1 and windows[0][0] == time(0, 0) and windows[0][1] >= _DAY_END


def group_days(days: list[DayHours]) -> list[DayGroup]:
    """Runs of consecutive days with the same hours (and notes), Monday first."""
    groups: list[DayGroup] = []
    for day in sorted(days, key=lambda d: d.weekday):
        last = groups[-1] if groups else None
        if last and last.last + 1 == day.weekday and (last.windows, last.notes) == (day.windows, day.notes):
            groups[-1] = DayGroup(last.first, day.weekday, last.windows, last.notes)
        else:
            groups.append(DayGroup(day.weekday, day.weekday, day.windows, day.notes))
    return groups


def _days_text(group: DayGroup, words: HourWords) -> str:
    first, last = words.short_days[group.first - 1], words.short_days[group.last - 1]
    if (group.first, group.last) == (1, 7):
        return words.every_day
    if group.first == group.last:
        return first
    if group.last == group.first + 1:
        return words.day_pair.format(first=first, second=last)
    return words.day_range.format(first=first, last=last)


def week_lines(days: list[DayHours], words: HourWords) -> list[str]:
    """"Mon–Fri 08:30–17:00", "Sat, Sun closed", "Open 24 hours": one line per run of equal days.
    Days without a row count as closed only when some other day has hours (no rows at all is
    "unknown", and gives no lines)."""
    if not any(d.windows for d in days):
        return []
    groups = group_days(days)
    if len(groups) == 1 and (groups[0].first, groups[0].last) == (1, 7) and is_all_day(groups[0].windows):
        return [words.always + _notes_text(groups[0], words)]
    lines = []
    for group in groups:
        if not group.windows:
            hours = words.closed
        elif is_all_day(group.windows):
            hours = words.all_day
        else:
            hours = format_windows(group.windows, words.window_sep)
        lines.append(words.line.format(days=_days_text(group, words), hours=hours) + _notes_text(group, words))
    return lines


def _notes_text(group: DayGroup, words: HourWords) -> str:
    return words.note.format(notes=words.note_sep.join(group.notes)) if group.notes else ""
