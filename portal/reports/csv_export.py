"""CSV export of referral rows: pseudonymous codes only, and every cell that a spreadsheet would
read as a formula is defused."""
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


def to_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in COLUMNS])
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read the Chinese correctly
