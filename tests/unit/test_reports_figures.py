"""Dashboard figures and the CSV export as pure functions."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from portal.reports import figures
from portal.reports.csv_export import safe_cell, to_csv

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def row(status, ack=None, acc=None, con=None, service="A", needs=("detox",), **extra):
    h = lambda hours: T0 + timedelta(hours=hours) if hours is not None else None  # noqa: E731
    return {"status": status, "sent_at": T0, "acknowledged_at": h(ack), "accepted_at": h(acc), "connected_at": h(con),
            "service": service, "needs": list(needs), "to_stage": None, **extra}


ROWS = [
    row("connected", ack=2, acc=3, con=48),
    row("completed", ack=4, acc=5, con=96, service="B"),
    row("declined", ack=6, decline_reason="no_capacity", declined_by="provider", service="B"),
    row("expired"),
    row("not_connected", ack=1, acc=2, service="B", needs=("detox", "counselling")),
    row("sent"),
]


def test_funnel_counts_how_many_reached_each_step():
    assert figures.funnel(ROWS) == [("sent", 6), ("acknowledged", 4), ("accepted", 3), ("connected", 2)]


def test_medians_of_time_to_acknowledge_and_to_connect():
    assert figures.median_hours(ROWS, "sent_at", "acknowledged_at") == 3.0
    assert figures.median_hours(ROWS, "sent_at", "connected_at") == 72.0
    assert figures.median_hours([row("sent")], "sent_at", "connected_at") is None


def test_dropout_by_step_service_and_category():
    assert dict(figures.dropout_by_step(ROWS)) == {"before_acknowledgement": 1, "at_response": 1,
                                                   "before_connection": 1, "after_connection": 0}
    by_service = {t["group"]: t for t in figures.dropout_by(ROWS, lambda r: r["service"])}
    assert (by_service["B"]["total"], by_service["B"]["dropped"], by_service["B"]["rate"]) == (3, 2, 67)
    assert by_service["A"]["dropped"] == 1
    by_need = {t["group"]: t for t in figures.dropout_by(ROWS, lambda r: r["needs"])}
    assert by_need["counselling"] == {"group": "counselling", "total": 1, "dropped": 1, "rate": 100}


def test_decline_reasons_keep_who_declined():
    assert figures.decline_reasons(ROWS) == [{"reason": "no_capacity", "declined_by": "provider", "count": 1}]


def test_unmet_needs_are_counted_by_district_most_first():
    rows = [("凤岭区", "methadone"), ("凤岭区", "methadone"), ("江滨区", "respite")]
    assert figures.unmet_by_district(rows)[0] == {"district": "凤岭区", "category": "methadone", "count": 2}


def test_bars_are_proportional_and_small_values_stay_visible():
    assert figures.bar_width(5, 10) == 50
    assert figures.bar_width(1, 1000) == 2
    assert figures.bar_width(0, 10) == 0


def test_csv_cells_that_look_like_formulas_are_defused():
    for dangerous in ("=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("C-ABC234") == "C-ABC234"
    text = to_csv([{"client_code": "C-ABC234", "service": "=cmd|' /C calc'!A0", "needs": ["detox", "aftercare"]}])
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, first = parsed[0], parsed[1]
    assert "contact_phone" not in header and "reason" not in header
    assert first[header.index("service")].startswith("'=")
    assert first[header.index("needs")] == "detox;aftercare"
