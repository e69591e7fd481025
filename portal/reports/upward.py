"""The counts a district reports upward, per district × department × indicator, as codes only.

Pure: it takes the rows of ``outcome_queries`` (each with ``district`` and ``department`` codes) and
returns one dict per (district, department, indicator) that has any activity. No row carries a
person's code, a name or a free text: only area codes, department codes, indicator codes and counts.
"""
from __future__ import annotations

from datetime import date

from ..referrals.followup_vocab import DROPOUT_BARRIERS
from . import retention

UNKNOWN = "unknown"
COLUMNS = ("period_start", "period_end", "district", "department", "indicator", "value")

# Indicator codes, in the order a file lists them (docs/domain.md defines each one).
INDICATORS = (
    "referrals_sent", "referrals_connected", "referrals_completed",
    "follow_ups_done", "follow_ups_overdue",
    *(f"retention_{m}m_{part}" for m in retention.MONTHS
      for part in ("reached", retention.RETAINED, retention.DROPPED, retention.UNKNOWN, retention.NOT_DUE)),
    "dropouts_total", *(f"dropouts_{code}" for code in DROPOUT_BARRIERS), f"dropouts_{retention.NOT_RECORDED}",
    "employment_people", "stage_moves_forward", "rehabilitation_completed", "rehabilitation_ended",
)


def _key(row) -> tuple[str, str]:
    return (row.get("district") or UNKNOWN, row.get("department") or UNKNOWN)


def counts(activity, cohort, answered, follow_ups, start: date, end: date, as_of: date,
           positions: dict[str, int]) -> dict[tuple[str, str], dict[str, int]]:
    """{(district, department): {indicator: count}} for every pair that appears in any input."""
    table: dict[tuple[str, str], dict[str, int]] = {}

    def bump(row, indicator: str, n: int = 1) -> None:
        cell = table.setdefault(_key(row), dict.fromkeys(INDICATORS, 0))
        cell[indicator] += n

    for row in activity:
        bump(row, "referrals_sent", 1 if row.get("sent_in_period") else 0)
        bump(row, "referrals_connected", 1 if row.get("connected_in_period") else 0)
    for group in _groups(activity):
        rehab = retention.rehabilitation(group)
        bump(group[0], "rehabilitation_completed", rehab["completed"])
        bump(group[0], "rehabilitation_ended", rehab["ended"])
        bump(group[0], "referrals_completed", sum(1 for r in group if r.get("closed_in_period")
                                                  and r["status"] == "completed"))
        bump(group[0], "employment_people", retention.employment_people(group))
        bump(group[0], "stage_moves_forward",
             sum(m["people"] for m in retention.stage_moves(group, positions) if m["forward"]))
    for row in follow_ups:
        bump(row, "follow_ups_done", 1 if row["done_in_period"] else 0)
        bump(row, "follow_ups_overdue", 1 if row["overdue"] else 0)
    for group in _groups(cohort):
        summary = retention.retention_summary(group, as_of)
        for m in retention.MONTHS:
            for part in ("reached", retention.RETAINED, retention.DROPPED, retention.UNKNOWN, retention.NOT_DUE):
                bump(group[0], f"retention_{m}m_{part}", summary[m][part])
    for row in retention.first_dropouts(answered, start, end):
        bump(row, "dropouts_total")
        bump(row, f"dropouts_{row.get('barrier') or retention.NOT_RECORDED}")
    return table


def _groups(rows) -> list[list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault(_key(row), []).append(row)
    return list(grouped.values())


def rows(table, start: date, end: date) -> list[dict]:
    """One row per (district, department, indicator), sorted; every indicator of a pair is listed,
    zeros included, so a receiving program sees the full set."""
    out = []
    for (district, department), cells in sorted(table.items()):
        for indicator in INDICATORS:
            out.append({"period_start": start, "period_end": end, "district": district,
                        "department": department, "indicator": indicator, "value": cells[indicator]})
    return out
