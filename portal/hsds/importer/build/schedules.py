"""Opening hours. Structured rows (weekday or RRULE ``byday`` + ``opens_at``/``closes_at``) and the
free-text forms real exports use (``Monday - Friday``, ``Mon-Fri 8:30AM-5:30PM``, ``24 Hours``, split
shifts, times written into ``valid_from``/``valid_to``) become weekly rows (see ``importer.hours``).
Whatever needed reading, and whatever could not be read, is kept as written on the service
(``service.hours_text``), which the service page shows when no structured hours could be made. A
schedule row that cannot be stored never skips its service: it is counted and listed as a warning."""
from __future__ import annotations

from datetime import time
from typing import NamedTuple

from .. import clean, hours
from ..canonical import Row
from ..clean import Invalid
from .base import BuilderBase, Rec

NOT_UNDERSTOOD = "hours not understood (text kept on the service)"


def _has_meridiem(value) -> bool:
    return "m" in str(value or "").lower()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# The cells that decide how a row's hours read (``_read``), and whether the export has day columns.
_HOURS_CELLS = ("weekday", "byday", "freq", "opens_at", "closes_at", "valid_from", "valid_to", "description", "notes")
# Distinct ways of writing hours kept per import; real exports repeat a few hundred (five weekday rows
# per location, the same "9:00am"/"5:00 PM" everywhere), so each is read once, not once per row.
_READINGS_KEPT = 100_000


class _Reading(NamedTuple):
    """How one schedule row's cells read, whatever row they are on."""

    valid_from: object
    valid_to: object
    free_text: bool
    entries: list | None
    days: list | None
    windows: list | None
    closed_day: bool
    original: str | None
    warnings: tuple[tuple[str, str], ...]  # (field, problem), told for every row that reads so


class ScheduleBuilder(BuilderBase):
    def build_schedules(self) -> None:
        readings: dict[tuple, _Reading] = {}
        for row in self.rows("schedule"):
            self._schedule_row(row, readings)

    def _schedule_row(self, row: Row, readings: dict) -> None:
        parents = self._schedule_parents(row)
        if not parents:
            self.drop_row(row, "schedule", "belongs to no service or service-at-location", None,
                          listed=self.report.dropped["schedule: belongs to no service or service-at-location"] < 50)
            return
        reading = _reading_of(row.data, readings)
        for fld, problem in reading.warnings:
            self._warn(row, fld, problem)
        if reading.free_text or (reading.entries is None and not reading.closed_day):
            self._keep_text(parents, reading.original)
        if reading.entries is None:
            self._drop_unread(row, reading)
            return
        self._store_entries(row, parents, reading)

    def _keep_text(self, parents: list[tuple[str, str]], text: str | None) -> None:
        if not text:
            return
        for kind, pid in parents:
            if kind == "service":
                self.hours_text[pid].append(text)
            else:
                link = self.recs["service_at_location"].get(pid)
                if link is not None:
                    self.hours_text[link.values["service_id"]].append(text)

    def _drop_unread(self, row: Row, reading: _Reading) -> None:
        days, windows = reading.days, reading.windows
        if _blank(reading.original):
            self.report.drop("schedule", "empty")
        elif reading.closed_day:
            self.report.drop("schedule", "a day with no hours (closed)")
        else:
            reason = ("not a weekly schedule (text kept on the service)" if days == [] else
                      "no weekday (text kept on the service)" if days is None and windows else NOT_UNDERSTOOD)
            self.drop_row(row, "schedule", reason, None,
                          listed=self.report.dropped[f"schedule: {reason}"] < 200)

    def _store_entries(self, row: Row, parents, reading: _Reading) -> None:
        data, entries, free_text = row.data, reading.entries, reading.free_text
        if "weekday" in data or "byday" in data or "freq" in data:
            notes = self.val(row, "notes", clean.one_line, 300) or self.val(row, "description", clean.one_line, 300)
        else:
            notes = self.val(row, "notes", clean.one_line, 300)
        base = {"notes": notes, "valid_from": self._date(row, "valid_from", reading.valid_from),
                "valid_to": self._date(row, "valid_to", reading.valid_to)}
        raw_id = data.get("id")
        # One source id cannot name several weekly rows: fanned-out or text-read rows get ids
        # made from their content.
        single = len(entries) == 1 and len(parents) == 1
        for kind, pid in parents:
            for day, opens, closes in entries:
                if single and not free_text:
                    ident = self.child_ident(row, "schedule", (kind, pid, day, opens, closes))
                else:
                    ident = clean.content_id("schedule", raw_id or row.file, kind, pid, day, opens, closes)
                values = {**base, "weekday": day, "opens_at": opens, "closes_at": closes,
                          "service_id": None, "service_at_location_id": None, f"{kind}_id": pid}
                rec = Rec("schedule", ident, values, row.file, row.row, [(kind, pid, f"{kind}_id")])
                self.store(rec, row)

    def _date(self, row: Row, key: str, value):
        if _blank(value):
            return None
        try:
            return clean.day(value)
        except Invalid as exc:
            self.report.value_dropped(row.file, row.row, "schedule", key, str(exc))
            return None

    def _schedule_parents(self, row: Row) -> list[tuple[str, str]]:
        link = self.ref(row, "service_at_location", "service_at_location_id")
        if link:
            return [("service_at_location", self.link_alias.get(link, link))]
        sid = self.ref(row, "service", "service_id")
        lid = self.ref(row, "location", "location_id")
        if sid and lid and (sid, lid) in self.pairs:
            return [("service_at_location", self.pairs[(sid, lid)])]
        if sid:
            return [("service", sid)]
        if lid:  # hours of a place: they apply to every service delivered there
            return [("service_at_location", ident) for ident in self._links_by_location.get(lid, [])]
        return []

    def attach_hours_text(self) -> None:
        """The kept original hours lines → ``service.hours_text`` (unless the dataset gives it)."""
        for sid, lines in self.hours_text.items():
            rec = self.recs["service"].get(sid)
            if rec is None or rec.values.get("hours_text"):
                continue
            text = "\n".join(dict.fromkeys(lines))
            rec.values["hours_text"] = text[:4000]


# --- reading a row's hours (pure: the same cells always read the same way) ---------------------------

def _reading_of(data: dict, readings: dict) -> _Reading:
    try:
        key = (tuple(data.get(cell) for cell in _HOURS_CELLS), "weekday" in data, "byday" in data)
        known = readings.get(key)
    except TypeError:  # a list or object in a cell (JSON): read it, do not keep it
        return _read(data)
    if known is None:
        known = _read(data)
        if len(readings) < _READINGS_KEPT:
            readings[key] = known
    return known


def _read(data: dict) -> _Reading:
    warnings: list[tuple[str, str]] = []
    opens_raw, closes_raw, valid_from, valid_to, free_text = _time_columns(data)
    entries, days, windows, description, read_freely = _entries(data, opens_raw, closes_raw, warnings)
    free_text = free_text or read_freely
    closed_day = bool(entries is None and days and _blank(opens_raw) and _blank(closes_raw) and _blank(description))
    original = _original(data) if free_text or entries is None else None
    return _Reading(valid_from, valid_to, free_text, entries, days, windows, closed_day, original, tuple(warnings))


def _original(data: dict) -> str | None:
    """The row's hours as the source wrote them, on one line."""
    def part(key):
        value = data.get(key)
        try:
            return clean.one_line(value, 300) if not _blank(value) else None
        except Invalid:
            return None
    days = part("weekday") or part("byday")
    opens, closes = part("opens_at"), part("closes_at")
    if not opens and not closes:
        opens, closes = part("valid_from"), part("valid_to")
    times = "–".join(t for t in (opens, closes) if t)
    text = " ".join(t for t in (days, times) if t)
    extra = part("description") or (part("notes") if not text else None)
    return "; ".join(t for t in (text, extra) if t) or None


def _time_columns(data: dict) -> tuple:
    """(opens, closes, valid_from, valid_to, free_text) as the row really means them."""
    opens_raw, closes_raw = data.get("opens_at"), data.get("closes_at")
    valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
    if _blank(opens_raw) and _blank(closes_raw) and not (_blank(valid_from) and _blank(valid_to)):
        try:  # times written into the date columns (ORServices 2.0 exports)
            clean.day(valid_from), clean.day(valid_to)
        except Invalid:
            return valid_from, valid_to, None, None, True
    return opens_raw, closes_raw, valid_from, valid_to, False


def _entries(data: dict, opens_raw, closes_raw, warnings: list) -> tuple:
    """(entries or None, days, windows, description, free_text): the weekly rows the schedule
    row can be read as, from its day, time and description columns."""
    days, day_text_windows, free_text = _days(data)
    free_text = free_text or day_text_windows is not None
    windows, window_free = _windows(opens_raw, closes_raw, warnings)
    free_text = free_text or window_free
    description = data.get("description") if "weekday" in data or "byday" in data else \
        data.get("description") or data.get("notes")
    if windows is None and day_text_windows is None and not _blank(description):
        if days:  # "Saturday" + "9am-1pm" written as the description
            windows = hours.parse_ranges(description)
            free_text = True
        elif days is None:  # "Mon-Fri 9-5" written as the description
            day_text_windows = hours.parse_text(description)
            free_text = True
    if day_text_windows is not None:
        entries = day_text_windows
    elif days and windows:
        entries = [(day, opens, closes) for day in days for opens, closes in windows]
    else:
        entries = None
    return entries, days, windows, description, free_text


def _windows(opens_raw, closes_raw, warnings: list) -> tuple[list[tuple[time, time]] | None, bool]:
    """(windows, free_text). ``None``: no times given or not understood; ``[]``: none given."""
    if _blank(opens_raw) and _blank(closes_raw):
        return None, False
    for raw in (opens_raw, closes_raw):  # "9am-5pm" or "24 Hours" in one column
        ranges = None if _blank(raw) else hours.parse_ranges(raw)
        if ranges:
            return ranges, True
    try:
        opens, closes = clean.clock(opens_raw), clean.clock(closes_raw)
    except Invalid as exc:
        warnings.append(("opens_at", str(exc)))
        return None, True
    if opens is None or closes is None:
        warnings.append(("opens_at" if opens is None else "closes_at", "missing"))
        return None, True
    if closes == time(0, 0):
        closes = time(23, 59)
    if opens >= closes and closes.hour < 12 and not _has_meridiem(closes_raw):
        later = closes.replace(hour=closes.hour + 12)  # "9:00"–"5:00" in a 12-hour export: 5 pm
        if opens < later:
            warnings.append(("closes_at", f"{closes_raw!r} read as {later:%H:%M} (closes after it opens)"))
            return [(opens, later)], False
    if opens >= closes:
        warnings.append(("closes_at", f"closes ({closes:%H:%M}) before it opens ({opens:%H:%M})"))
        return None, True
    return [(opens, closes)], False


def _days(data: dict) -> tuple[list[int] | None, list | None, bool]:
    """(weekdays, entries parsed from a weekday cell that also holds times, whether days were read
    from words, whose text is then kept). Weekdays ``None``: not given or not understood; ``[]``:
    none of them weekly."""
    raw = data.get("weekday")
    if not _blank(raw):
        try:
            return [clean.weekday(raw)], None, False
        except Invalid:
            pass
        days = hours.parse_days(raw)
        if days:
            return days, None, True  # "Monday - Friday": read, and the text is kept
        return None, hours.parse_text(raw), False
    byday = (data.get("byday") or "").strip()
    freq = (data.get("freq") or "WEEKLY").strip().upper()
    if not byday:
        return None, None, False
    if freq != "WEEKLY":
        return [], None, False
    days = []
    for part in byday.split(","):
        code = part.strip().upper()[-2:]  # "1MO" (first Monday) → MO; only weekly rules are kept
        try:
            days.append(clean.weekday(code))
        except Invalid:
            return None, None, False
    return sorted(set(days)), None, False
