"""Opening hours as real exports write them → weekly windows ``(weekday, opens, closes)``.

Pure functions, no Flask. Understood forms (any case, English):

* days: ``Monday``, ``Mon``, ``MO``, ``1``; ranges ``Monday - Friday``, ``Mon-Fri``, ``M-F``; lists
  ``Mon, Wed & Fri``; ``Weekdays``, ``Weekends``, ``Daily``, ``Every day``, ``7 days a week``;
* times: ``9``, ``9:00``, ``0900``, ``9am``, ``8:30AM``, ``5:30 p.m.``, ``noon``; ranges with ``-``,
  ``–``, ``to``; split shifts ``9am-12pm, 1pm-5pm`` / ``9-12 & 1-5``; ``24 hours`` / ``24/7``;
* free text combining both: ``Mon-Fri 8:30AM-5:30PM; Sat 9am-1pm``.

Anything else returns ``None``: the caller keeps the original text and shows it as written.
"""
from __future__ import annotations

import re
from datetime import time

from . import clean

DAY_NAMES = {"monday": 1, "mon": 1, "mo": 1, "m": 1, "tuesday": 2, "tues": 2, "tue": 2, "tu": 2,
             "wednesday": 3, "wed": 3, "we": 3, "w": 3, "thursday": 4, "thurs": 4, "thur": 4, "thu": 4,
             "th": 4, "friday": 5, "fri": 5, "fr": 5, "f": 5, "saturday": 6, "sat": 6, "sa": 6,
             "sunday": 7, "sun": 7, "su": 7}
DAY_GROUPS = {"weekdays": [1, 2, 3, 4, 5], "weekday": [1, 2, 3, 4, 5], "weekends": [6, 7], "weekend": [6, 7],
              "daily": list(range(1, 8)), "every day": list(range(1, 8)), "everyday": list(range(1, 8)),
              "7 days a week": list(range(1, 8)), "7 days": list(range(1, 8)), "all week": list(range(1, 8)),
              "seven days a week": list(range(1, 8))}
ALL_DAY = (time(0, 0), time(23, 59))
_ALL_DAY = re.compile(r"^\s*(open\s+)?(24\s*(hours|hrs|h)(\s*a\s*day)?|24\s*/\s*7|24-7|all\s+day|around the clock)"
                      r"(\s*,?\s*(7 days a week|daily|every day))?\s*\.?\s*$", re.I)
_DAY_WORD = "|".join(sorted((re.escape(k) for k in list(DAY_NAMES) + list(DAY_GROUPS)), key=len, reverse=True))
_DAY_TOKEN = re.compile(rf"\b({_DAY_WORD})\b\.?", re.I)
_TIME_PART = r"(?:noon|midnight|\d{3,4}\b|\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|a\b|p\b)?)"
_RANGE = re.compile(rf"({_TIME_PART})\s*(?:-|–|—|to|until|till)\s*({_TIME_PART})", re.I)
_SEP = re.compile(r"\s*(?:-|–|—|to|through|thru)\s*", re.I)


def _day(token: str) -> int | None:
    token = token.strip().rstrip(".").lower()
    if token.isdigit() and 1 <= int(token) <= 7:
        return int(token)
    return DAY_NAMES.get(token)


def parse_days(value) -> list[int] | None:
    """``Monday - Friday`` → [1..5]; ``Mon, Wed & Fri`` → [1, 3, 5]; ``Daily`` → [1..7]."""
    raw = " ".join(str(value or "").replace("&", ",").replace(" and ", ",").split()).strip(" .:;")
    if not raw:
        return None
    lowered = raw.lower()
    if lowered in DAY_GROUPS:
        return list(DAY_GROUPS[lowered])
    days: list[int] = []
    for part in re.split(r"\s*[,/;]\s*", lowered):
        if not part:
            continue
        if part in DAY_GROUPS:
            days += DAY_GROUPS[part]
            continue
        ends = _SEP.split(part)
        if len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            if first is None or last is None:
                return None
            span = list(range(first, last + 1)) if first <= last else \
                list(range(first, 8)) + list(range(1, last + 1))
            days += span
        elif len(ends) == 1 and _day(part) is not None:
            days.append(_day(part))
        else:
            return None
    return sorted(set(days)) or None


def _clock(token: str) -> time:
    token = token.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d{3,4}", token):  # 0900, 1730
        token = f"{token[:-2]}:{token[-2:]}"
    return clean.clock(token)


def _window(start: str, end: str) -> tuple[time, time] | None:
    """One ``start - end`` pair; a meridiem on the end only (``9-5pm``, ``9:00 - 12:00pm``) is read
    the way people mean it, and ``9-5`` (no meridiem) as 9 am to 5 pm."""
    try:
        opens, closes = _clock(start), _clock(end)
    except clean.Invalid:
        return None
    start_has = bool(re.search(r"[ap]", start, re.I))
    end_has = bool(re.search(r"[ap]", end, re.I))
    if not start_has and end_has and opens.hour < 12 and closes.hour >= 12 \
            and opens.replace(hour=opens.hour + 12) < closes:
        opens = opens.replace(hour=opens.hour + 12)  # "1-5pm": 1 pm (but "9-5pm": 9 am)
    if not start_has and not end_has and 1 <= opens.hour <= 6 and closes.hour <= 11 and opens < closes:
        # "1-5" in a 12-hour export (the afternoon of a split shift): nobody opens at 1 am.
        opens, closes = opens.replace(hour=opens.hour + 12), closes.replace(hour=closes.hour + 12)
    if closes == time(0, 0):
        closes = time(23, 59)
    if opens >= closes and not end_has and closes.hour < 12:
        later = closes.replace(hour=closes.hour + 12)
        if opens < later:
            closes = later
    if opens >= closes:
        return None
    return opens, closes


def parse_ranges(value) -> list[tuple[time, time]] | None:
    """``8:30AM-5:30PM`` → one window; ``9am-12pm, 1pm-5pm`` → two (a split shift); ``24 Hours``."""
    raw = " ".join(str(value or "").split())
    if not raw:
        return None
    if _ALL_DAY.match(raw):
        return [ALL_DAY]
    windows = []
    rest = raw
    for match in _RANGE.finditer(raw):
        window = _window(match.group(1), match.group(2))
        if window is None:
            return None
        windows.append(window)
        rest = rest.replace(match.group(0), " ", 1)
    if not windows or re.search(r"[0-9]", rest):
        return None  # a stray number we did not understand: keep the text instead of guessing
    return sorted(set(windows))


def parse_text(value) -> list[tuple[int, time, time]] | None:
    """Free text such as ``Mon-Fri 8:30AM-5:30PM; Sat 9am-1pm`` or ``Monday - Friday: 24 hours``."""
    raw = " ".join(str(value or "").split())
    if not raw:
        return None
    if _ALL_DAY.match(raw):
        return [(day, *ALL_DAY) for day in range(1, 8)]
    out: list[tuple[int, time, time]] = []
    for clause in re.split(r"\s*[;\n|]\s*|\.\s+", raw):
        if not clause.strip():
            continue
        first_digit = re.search(r"\d|noon|midnight|24", clause, re.I)
        if first_digit is None:
            return None
        day_text, time_text = clause[:first_digit.start()].strip(" :,-"), clause[first_digit.start():]
        days = parse_days(day_text) if day_text else list(range(1, 8)) if _ALL_DAY.match(time_text) else None
        windows = parse_ranges(time_text)
        if not days or not windows:
            return None
        out += [(day, opens, closes) for day in days for opens, closes in windows]
    return sorted(set(out)) or None
