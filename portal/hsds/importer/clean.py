"""Pure value parsers for imported text: each returns the cleaned value or raises ``Invalid`` with
a message a data manager can act on. No Flask, no database."""
from __future__ import annotations

import html
import re
import uuid
from datetime import date, datetime, time

ID_NAMESPACE = uuid.UUID("0b4c1d9e-3f0a-5a8c-9e57-2f6a4c3b1d20")
MAX_TEXT = 20_000  # characters in a free-text field; a 5 MB "description" is a broken export
_TAG = re.compile(r"<[^>]{0,500}>")
_BREAK = re.compile(r"<\s*(br|/p|/li|/div)\s*/?>", re.I)
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|a|p)?\s*$", re.I)
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Invalid(ValueError):
    pass


def text(value, *, max_length: int | None = None, html_allowed: bool = True) -> str | None:
    """Tidy free text from real exports: literal ``\\n``, HTML entities and tags, NUL bytes, CRLF."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if _SURROGATE.search(value):
        raise Invalid("not valid UTF-8")
    value = value.replace("\x00", "").replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", " ")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if html_allowed and ("<" in value or "&" in value):
        value = _BREAK.sub("\n", value)
        value = _TAG.sub("", value)
        value = html.unescape(value)
    value = "\n".join(line.rstrip() for line in value.strip().split("\n"))
    if not value:
        return None
    limit = max_length or MAX_TEXT
    if len(value) > limit:
        raise Invalid(f"too long: {len(value):,} characters (at most {limit:,})")
    return value


def one_line(value, max_length: int) -> str | None:
    value = text(value, max_length=max_length * 4)
    if value is None:
        return None
    value = " ".join(value.split())
    if len(value) > max_length:
        raise Invalid(f"too long: {len(value):,} characters (at most {max_length:,})")
    return value


def is_chinese(value: str | None) -> bool:
    return bool(value and _CJK.search(value))


def integer(value, lo: int | None = None, hi: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else value
    except ValueError:
        raise Invalid(f"not a whole number: {str(value)[:40]!r}") from None
    if number != int(number):
        raise Invalid(f"not a whole number: {value!r}")
    number = int(number)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise Invalid(f"{number} is outside {lo}–{hi}")
    return number


def decimal(value, lo: float | None = None, hi: float | None = None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except ValueError:
        raise Invalid(f"not a number: {str(value)[:40]!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid("not a number")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise Invalid(f"{number} is outside {lo}–{hi}")
    return number


def boolean(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("", "null", "none", "unknown"):
        return None
    if lowered in ("true", "t", "yes", "y", "1"):
        return True
    if lowered in ("false", "f", "no", "n", "0"):
        return False
    raise Invalid(f"not true/false: {str(value)[:40]!r}")


def day(value) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%m/%d/%y", "%B %d, %Y"):
        try:
            return datetime.strptime(raw[:19] if "T" in raw else raw, fmt).date()
        except ValueError:
            continue
    raise Invalid(f"not a date: {raw[:40]!r}")


def moment(value) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = str(value).strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"not a date-time: {raw[:40]!r}") from None


def clock(value) -> time | None:
    """``9:00``, ``09:00:00``, ``9:00am``, ``5 PM``, ``17.30``, ``noon``, ``24:00`` → time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = str(value).strip().lower()
    if raw in ("noon", "12 noon", "midday"):
        return time(12, 0)
    if raw == "midnight":
        return time(0, 0)
    match = _TIME.match(raw)
    if not match:
        raise Invalid(f"not a time of day: {str(value)[:40]!r}")
    hour, minute, second = int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0)
    suffix = (match.group(4) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise Invalid(f"not a time of day: {value!r}")
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    if hour == 24 and minute == 0 and second == 0:
        return time(23, 59)  # "open until 24:00": our times stop at 23:59
    if hour > 23 or minute > 59 or second > 59:
        raise Invalid(f"not a time of day: {value!r}")
    return time(hour, minute, second)


WEEKDAYS = {"mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6, "su": 7}


def weekday(value) -> int:
    """ISO weekday 1..7 (Monday = 1) from ``1``, ``Monday``, ``Mon``, ``MO``."""
    raw = str(value or "").strip().lower()
    if raw.isdigit() and 1 <= int(raw) <= 7:
        return int(raw)
    if raw[:2] in WEEKDAYS and raw.isalpha():
        return WEEKDAYS[raw[:2]]
    raise Invalid(f"not a weekday: {str(value)[:40]!r}")


def canonical_id(raw, entity: str) -> str | None:
    """A UUID as is (lower case); any other id → a stable uuid5, so re-importing upserts."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not raw:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid5(ID_NAMESPACE, f"{entity}:{raw}"))


def content_id(entity: str, *parts) -> str:
    """An id for a row that came without one (real exports leave child ids empty)."""
    return str(uuid.uuid5(ID_NAMESPACE, entity + ":" + "\x1f".join("" if p is None else str(p) for p in parts)))
