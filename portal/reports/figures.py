"""Dashboard figures as pure functions over plain rows (dicts), so they are tested without a database.

A row is one referral sent in the period: ``sent_at``, ``acknowledged_at``, ``accepted_at``,
``connected_at`` (datetimes or None), ``status``, ``service``, ``needs`` (category codes),
``to_stage``, ``decline_reason``, ``declined_by``.
"""
from __future__ import annotations

from collections import Counter
from statistics import median

FUNNEL_STEPS = (("sent", "sent_at"), ("acknowledged", "acknowledged_at"), ("accepted", "accepted_at"),
                ("connected", "connected_at"))
DROPPED_STATUSES = ("declined", "expired", "cancelled", "not_connected")


def funnel(rows) -> list[tuple[str, int]]:
    """How many of the referrals sent reached each step (a referral that skipped acknowledging by
    accepting straight away still counts as acknowledged: accepting answers it)."""
    out = []
    for step, key in FUNNEL_STEPS:
        out.append((step, sum(1 for r in rows if r.get(key) is not None)))
    return out


def median_hours(rows, start_key: str, end_key: str) -> float | None:
    spans = [(r[end_key] - r[start_key]).total_seconds() / 3600 for r in rows
             if r.get(start_key) is not None and r.get(end_key) is not None]
    return round(median(spans), 1) if spans else None


def dropout_step(row) -> str | None:
    """Where a referral was lost, or None if it was not (still open, connected or completed)."""
    if row["status"] not in DROPPED_STATUSES:
        return None
    if row.get("connected_at") is not None:
        return "after_connection"
    if row.get("accepted_at") is not None:
        return "before_connection"
    if row.get("acknowledged_at") is not None or row["status"] == "declined":
        return "at_response"
    return "before_acknowledgement"


def dropout_by(rows, key) -> list[dict]:
    """Per group: total referrals, how many dropped out, the share. ``key`` returns one group or a
    list of groups (a referral with two needs counts in both categories). Most drop-outs first."""
    totals: Counter = Counter()
    dropped: Counter = Counter()
    for row in rows:
        groups = key(row)
        if not isinstance(groups, (list, tuple)):
            groups = [groups]
        lost = dropout_step(row) is not None
        for group in groups:
            if group is None:
                continue
            totals[group] += 1
            if lost:
                dropped[group] += 1
    table = [{"group": g, "total": totals[g], "dropped": dropped[g],
              "rate": round(100 * dropped[g] / totals[g]) if totals[g] else 0} for g in totals]
    return sorted(table, key=lambda t: (-t["dropped"], -t["total"], str(t["group"])))


def dropout_by_step(rows) -> list[tuple[str, int]]:
    counts = Counter(step for step in (dropout_step(r) for r in rows) if step)
    order = ("before_acknowledgement", "at_response", "before_connection", "after_connection")
    return [(step, counts.get(step, 0)) for step in order]


def decline_reasons(rows) -> list[dict]:
    counts = Counter((r.get("decline_reason"), r.get("declined_by")) for r in rows
                     if r.get("decline_reason") is not None)
    return [{"reason": reason, "declined_by": by, "count": n}
            for (reason, by), n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def unmet_by_district(rows) -> list[dict]:
    """Rows are (district, category); most frequent first."""
    counts = Counter(rows)
    return [{"district": d, "category": c, "count": n}
            for (d, c), n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def bar_width(value: int | float, largest: int | float) -> int:
    """Percentage width of a CSS bar; a non-zero value stays visible."""
    if not largest or not value:
        return 0
    return max(2, round(100 * value / largest))


def by_department_and_level(rows) -> list[dict]:
    """Per (receiving organisation's department, network level): referrals sent, connected (ever),
    completed, dropped out (``dropout_step``) and the drop-out share. Rows need ``department`` and
    ``network_level`` (None when the organisation has none). Most referrals first."""
    table: dict[tuple, dict] = {}
    for row in rows:
        cell = table.setdefault((row.get("department"), row.get("network_level")),
                                {"department": row.get("department"), "network_level": row.get("network_level"),
                                 "sent": 0, "connected": 0, "completed": 0, "dropped": 0})
        cell["sent"] += 1
        cell["connected"] += 1 if row.get("connected_at") is not None else 0
        cell["completed"] += 1 if row["status"] == "completed" else 0
        cell["dropped"] += 1 if dropout_step(row) is not None else 0
    for cell in table.values():
        cell["rate"] = round(100 * cell["dropped"] / cell["sent"]) if cell["sent"] else 0
    return sorted(table.values(), key=lambda c: (-c["sent"], str(c["department"]), str(c["network_level"])))
