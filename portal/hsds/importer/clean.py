"""Pure value parsers for imported text: each returns the cleaned value or raises ``Invalid`` with
a message a data manager can act on. No Flask, no database.

Text is tidied the way real exports need: literal ``\\n``, HTML tags and entities, internal markers
such as ``###MON###``, mojibake (``ftfy``, plus the cp437 form ``WatershedΓÇÖs`` / ``GÇÖ`` that ftfy
does not know), whitespace-only values (→ ``None``). ``url`` adds ``https://`` when the scheme is
missing and keeps only http/https/mailto/tel; ``phone`` normalises with ``phonenumbers`` and keeps
extensions; ``country`` reads ISO codes and common names.
"""
from __future__ import annotations

import html
import re
import uuid
from datetime import date, datetime, time
from functools import lru_cache

import ftfy
import phonenumbers

from ...stable_ids import IMPORT_NAMESPACE, uuid5
from ...validators import InvalidURL, normalise_url

ID_NAMESPACE = IMPORT_NAMESPACE  # never change (stable_ids): re-imports upsert by these ids
MAX_TEXT = 20_000  # characters in a free-text field; a 5 MB "description" is a broken export
_TAG = re.compile(r"<[^>]{0,500}>")
_BREAK = re.compile(r"<\s*(br|/p|/li|/div)\s*/?>", re.I)
_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|a|p)?\s*$", re.I)
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


_MARKER = re.compile(r"#{2,}\s*[A-Za-z0-9_ /-]{1,40}?\s*#{2,}")  # ###MON###, ##END## (2-1-1 exports)
_CP437_PUNCT = re.compile("[\u0393G]\u00c7(.)")  # "’" read as cp437 → "ΓÇÖ" (or "GÇÖ" once transliterated)
_FTFY = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                             fix_character_width=False, normalization="NFC", explain=False)


class Invalid(ValueError):
    pass


def _cp437_punctuation(match: re.Match) -> str:
    try:
        char = bytes([0xE2, 0x80, match.group(1).encode("cp437")[0]]).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return match.group(0)
    return char if "\u2000" <= char <= "\u206f" else match.group(0)


def fix_mojibake(value: str) -> str:
    if value.isascii():
        return value
    value = ftfy.fix_text(value, _FTFY)
    if "\u00c7" in value:
        value = _CP437_PUNCT.sub(_cp437_punctuation, value)
    return value


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
    if "#" in value:
        value = _MARKER.sub(" ", value)
    value = fix_mojibake(value)
    value = "\n".join(" ".join(line.split()) if "  " in line or "\t" in line else line.strip()
                      for line in value.strip().split("\n"))
    value = re.sub(r"\n{3,}", "\n\n", value).strip()
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
    return _canonical_id(str(raw).strip(), entity)


@lru_cache(maxsize=262_144)  # the same ids are looked up from every table that links to them
def _canonical_id(raw: str, entity: str) -> str | None:
    if not raw:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return uuid5(ID_NAMESPACE, f"{entity}:{raw}")


def content_id(entity: str, *parts) -> str:
    """An id for a row that came without one (real exports leave child ids empty)."""
    return uuid5(ID_NAMESPACE, entity + ":" + "\x1f".join("" if p is None else str(p) for p in parts))


# --- URLs, phones, countries -----------------------------------------------------------------------

def url(value, max_length: int = 500) -> str | None:
    """A link that will work on a page: ``www.x.org`` → ``https://www.x.org``; only http, https,
    mailto and tel (``javascript:``, ``data:`` … are refused). The rule is the portal's one link
    rule, ``portal.validators.normalise_url``; forms, pages and the API use it too."""
    value = one_line(value, max_length)
    if value is None:
        return None
    try:
        return normalise_url(value, max_length)
    except InvalidURL as exc:
        raise Invalid(str(exc)) from None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(value, max_length: int = 200) -> str | None:
    value = one_line(value, max_length)
    if value is None:
        return None
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if not _EMAIL.match(value):
        raise Invalid(f"not an email address: {value[:60]!r}")
    return value


COUNTRY_NAMES = {"usa": "US", "united states": "US", "united states of america": "US", "u.s.": "US",
                 "u.s.a.": "US", "uk": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB",
                 "wales": "GB", "great britain": "GB", "china": "CN", "中国": "CN", "prc": "CN",
                 "people's republic of china": "CN", "canada": "CA", "hong kong": "HK", "香港": "HK",
                 "macau": "MO", "macao": "MO", "澳门": "MO", "taiwan": "TW", "台湾": "TW", "australia": "AU"}


def country(value) -> str | None:
    """ISO 3166-1 alpha-2 from ``US``, ``USA``, ``United States``, ``中国`` …"""
    raw = one_line(value, 80)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in COUNTRY_NAMES:
        return COUNTRY_NAMES[lowered]
    if len(raw) == 2 and raw.isalpha() and raw.isascii():
        return raw.upper()
    if len(raw) == 3 and raw.isalpha() and raw.isascii():
        return {"USA": "US", "GBR": "GB", "CHN": "CN", "CAN": "CA", "HKG": "HK", "AUS": "AU"}.get(raw.upper()) \
            or _invalid_country(raw)
    return _invalid_country(raw)


def _invalid_country(raw: str):
    raise Invalid(f"not a country code: {raw[:40]!r}")


def phone(value, region: str, home_region: str | None = None) -> tuple[str, str | None, bool]:
    """(number, extension, recognised). A number valid in ``region`` (the record's or dataset's
    country) is formatted nationally when that is the deployment's own country (``home_region``),
    internationally otherwise; an unrecognised one is kept as written (tidied), ``recognised=False``."""
    raw = one_line(value, 80)
    if raw is None:
        return None, None, False
    return _phone(raw, region, home_region)


@lru_cache(maxsize=65_536)  # real exports repeat an agency's numbers on many rows; parsing is the cost
def _phone(raw: str, region: str, home_region: str | None) -> tuple[str, str | None, bool]:
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw, None, False
    if not phonenumbers.is_valid_number(parsed):
        return raw, None, False
    extension = parsed.extension or None
    parsed.extension = None
    number_region = phonenumbers.region_code_for_number(parsed)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number_region == (home_region or region)
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, style), extension, True


def phone_region(numbers: list[str], candidates: list[str]) -> str:
    """The region in which most of a dataset's phone numbers are valid (the first candidate wins ties):
    a US export imported into a Chinese deployment keeps its US numbers."""
    best, best_score = candidates[0], -1
    sample = [n for n in numbers if n][:400]
    for region in dict.fromkeys(candidates):
        score = 0
        for number in sample:
            try:
                score += phonenumbers.is_valid_number(phonenumbers.parse(number, region))
            except phonenumbers.NumberParseException:
                continue
        if score > best_score:
            best, best_score = region, score
    return best
