"""CSV export of referral rows: pseudonymous codes only, and every cell that a spreadsheet would
read as a formula is defused. People get headers and values in their language; a program asks for
the codes (the views decide which, with ``header`` and ``values``)."""
from __future__ import annotations

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("referral_id", "client_code", "district", "from_organization", "service", "organization", "needs",
           "urgency", "status", "sent_at", "acknowledged_at", "accepted_at", "connected_at", "closed_at",
           "decline_reason", "declined_by", "not_connected_reason")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _readable(value, labels: dict | None):
    if not labels or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [labels.get(v, v) for v in value]
    return labels.get(value, value)


def to_csv(rows, header: dict | None = None, values: dict | None = None, columns: tuple[str, ...] = COLUMNS) -> str:
    """``header``: column -> heading (default: the column codes); ``values``: column -> {code: label}
    for columns whose codes a person should read as words; ``columns``: which, in order (the
    referral rows' by default; the upward export passes its own)."""
    header, values = header or {}, values or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(header.get(column, column)) for column in columns])
    for row in rows:
        writer.writerow([safe_cell(_readable(row.get(column), values.get(column))) for column in columns])
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read the Chinese correctly
