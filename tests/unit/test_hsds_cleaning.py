"""The importer's pure parsers (no database): free-text opening hours, text cleaning, URLs, phone
numbers, countries, and what an unsupported file is told."""
from __future__ import annotations

from datetime import time

import pytest

from portal.hsds.importer import clean, hours
from portal.hsds.importer.formats import detect
from portal.hsds.importer.source import Dataset, SourceError, open_dataset


def t(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@pytest.mark.parametrize("text, days", [
    ("Monday - Friday", [1, 2, 3, 4, 5]), ("Mon-Fri", [1, 2, 3, 4, 5]), ("M-F", [1, 2, 3, 4, 5]),
    ("Mon, Wed & Fri", [1, 3, 5]), ("Weekends", [6, 7]), ("Daily", [1, 2, 3, 4, 5, 6, 7]),
    ("Friday - Monday", [1, 5, 6, 7]), ("whenever", None),
])
def test_weekday_ranges_and_lists_are_read(text, days):
    assert hours.parse_days(text) == days


def test_free_text_hours_with_days_times_split_shifts_and_24_hours():
    assert hours.parse_text("Mon-Fri 8:30AM-5:30PM") == [(d, t("8:30"), t("17:30")) for d in range(1, 6)]
    assert hours.parse_text("Mon-Fri 8:30AM-5:30PM; Sat 9am-1pm")[-1] == (6, t("9:00"), t("13:00"))
    assert hours.parse_ranges("9am-12pm, 1pm-5pm") == [(t("9:00"), t("12:00")), (t("13:00"), t("17:00"))]
    assert hours.parse_ranges("9-12 & 1-5") == [(t("9:00"), t("12:00")), (t("13:00"), t("17:00"))]
    assert hours.parse_text("24 Hours") == [(d, t("0:00"), t("23:59")) for d in range(1, 8)]
    assert hours.parse_text("Monday - Friday: 24 hours") == [(d, t("0:00"), t("23:59")) for d in range(1, 6)]
    assert hours.parse_ranges("0900-1730") == [(t("9:00"), t("17:30"))]
    # Not understood: None, so the caller keeps the text as written.
    assert hours.parse_text("by appointment only") is None
    assert hours.parse_ranges("9am") is None


def test_text_loses_markers_literal_newlines_entities_mojibake_and_blank_values():
    assert clean.text("Intro ###MON### more") == "Intro more"
    assert clean.text("line one\\nline two &amp; more") == "line one\nline two & more"
    assert clean.text("Watershed\u0393\u00c7\u00d6s") == "Watershed\u2019s"  # cp437 mojibake
    assert clean.text("WatershedG\u00c7\u00d6s") == "Watershed\u2019s"
    assert clean.text("caf\u00c3\u00a9") == "caf\u00e9"  # latin-1 mojibake (ftfy)
    assert clean.text("   \n  ") is None
    assert clean.text("中文服务，全角（）") == "中文服务，全角（）"  # full-width punctuation untouched


@pytest.mark.parametrize("raw, expected", [
    ("www.example.org", "https://www.example.org"), ("example.org/path", "https://example.org/path"),
    ("http://example.org", "http://example.org"), ("mailto:help@example.org", "mailto:help@example.org"),
    ("tel:+8610123", "tel:+8610123"), ("//cdn.example.org/x", "https://cdn.example.org/x"),
])
def test_urls_get_a_scheme_when_missing(raw, expected):
    assert clean.url(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "data:text/html,hi", "not a url", "foo"])
def test_unsafe_or_broken_urls_are_refused(raw):
    with pytest.raises(clean.Invalid):
        clean.url(raw)


def test_phone_numbers_are_normalised_and_keep_their_extension():
    assert clean.phone("(312) 341-1070 ext. 12", "US", "US") == ("(312) 341-1070", "12", True)
    assert clean.phone("(312) 341-1070", "US", "CN") == ("+1 312-341-1070", None, True)  # foreign: international
    assert clean.phone("010-1234 5678", "CN", "CN") == ("010 1234 5678", None, True)
    assert clean.phone("020-000", "CN", "CN") == ("020-000", None, False)  # kept as written
    assert clean.phone_region(["(312) 341-1070", "847-392-0100", "650 780-7525"], ["CN", "US"]) == "US"
    assert clean.phone_region(["010-1234 5678", "13812345678"], ["CN", "US"]) == "CN"


def test_countries_from_codes_and_names():
    assert [clean.country(v) for v in ("US", "usa", "United States", "中国", "gb")] == ["US", "US", "US", "CN", "GB"]
    with pytest.raises(clean.Invalid):
        clean.country("Narnia")


def test_an_unsupported_file_is_told_what_it_looks_like_and_what_is_supported(tmp_path):
    sheet = tmp_path / "directory.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SourceError) as error:
        open_dataset(sheet)
    assert "this looks like an Excel spreadsheet, which is not supported; supported are" in str(error.value)
    assert "Ohana" in str(error.value)
    with pytest.raises(SourceError, match="CSV files without any HSDS table"):
        detect(Dataset("x", {"people.csv": b"first,last\na,b\n"}))


def test_ndjson_ohana_export_is_recognised_not_reported_as_broken_json():
    lines = b'{"name": "Org A", "locations": [{"name": "Site", "services": []}]}\n' \
            b'{"name": "Org B", "locations": []}\n'
    assert detect(Dataset("x", {"ohana.json": lines})) == "ohana_ndjson"
