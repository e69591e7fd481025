"""How long each person has been in their current care stage, and who is "stuck".

The current stage of a person is the ``to_stage`` of their latest connected referral (status connected
or completed: the person got there; one that ended not connected did not), counted from its first
attended date. Only the referrals the reader may see count (``queries.visibility_clause``): a worker
sees the people of their organisation's referrals, a coordinator those of their area by pseudonymous
code, as on the board.

Stuck: more days in the stage than its threshold (``STUCK_AFTER_DAYS``, overridable with the
``STAGE_STUCK_DAYS`` setting). A stage without a threshold (employment, aftercare) never counts as stuck.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..common import as_aware
from ..extensions import db
from ..referrals.models import Client, Referral
from ..referrals.queries import visibility_clause

# Days in a stage after which a person counts as stuck there (more than this many days).
STUCK_AFTER_DAYS: dict[str, int] = {
    "outreach_low_threshold": 90,
    "screening_assessment": 30,
    "detox_stabilisation": 30,
    "hospital_discharge": 30,
    "home_based_rehab": 180,
    "maintenance_treatment": 365,
    "relapse_prevention_reintegration": 365,
    "community_integration": 365,
}
REACHED_STATUSES = ("connected", "completed")


def thresholds(setting: Mapping[str, int] | str | None = None) -> dict[str, int]:
    """The shipped thresholds with the setting's overrides: a mapping, or "stage=days,stage=days"."""
    out = dict(STUCK_AFTER_DAYS)
    if isinstance(setting, str):
        setting = dict(part.split("=", 1) for part in setting.replace(";", ",").split(",") if "=" in part)
    for stage, days in (setting or {}).items():
        out[stage.strip()] = int(days)
    return out


def configured_thresholds() -> dict[str, int]:
    from flask import current_app

    return thresholds(current_app.config.get("STAGE_STUCK_DAYS"))


def is_stuck(stage: str | None, days: int, limits: Mapping[str, int]) -> bool:
    limit = limits.get(stage or "")
    return limit is not None and days > limit


@dataclass(frozen=True)
class StageRow:
    referral_id: str
    client_code: str
    stage: str
    since: date
    days: int
    threshold: int | None
    stuck: bool


def time_in_stage(user, on: date, limits: Mapping[str, int] | None = None, limit: int = 1000) -> list[StageRow]:
    """One row per person the user may see with a current stage, longest in stage first."""
    limits = configured_thresholds() if limits is None else limits
    ranked = (select(Referral.id.label("referral_id"), Referral.client_id, Referral.to_stage,
                     Referral.first_attended_on, Referral.connected_at,
                     func.row_number().over(partition_by=Referral.client_id,
                                            order_by=(Referral.connected_at.desc(), Referral.id.desc())).label("rank"))
              .where(Referral.connected_at.is_not(None), Referral.to_stage.is_not(None),
                     Referral.status.in_(REACHED_STATUSES)))
    clause = visibility_clause(user)
    if clause is not None:
        ranked = ranked.where(clause)
    sub = ranked.subquery()
    rows = db.session.execute(select(sub.c.referral_id, Client.code, sub.c.to_stage, sub.c.first_attended_on,
                                     sub.c.connected_at)
                              .join(Client, Client.id == sub.c.client_id).where(sub.c.rank == 1)
                              .order_by(sub.c.connected_at).limit(limit)).all()
    out = []
    for referral_id, code, stage, attended, connected_at in rows:
        start = attended or as_aware(connected_at).date()
        days = (on - start).days
        out.append(StageRow(referral_id, code, stage, start, days, limits.get(stage), is_stuck(stage, days, limits)))
    out.sort(key=lambda r: (-r.days, r.client_code))
    return out


@dataclass(frozen=True)
class StageSummary:
    stage: str
    people: int
    stuck: int
    threshold: int | None


def summary(rows: list[StageRow], stage_order: list[str]) -> list[StageSummary]:
    """People and stuck people per stage, in the order of the care continuum."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        entry = counts.setdefault(row.stage, [0, 0])
        entry[0] += 1
        entry[1] += int(row.stuck)
    order = {code: i for i, code in enumerate(stage_order)}
    limits = {row.stage: row.threshold for row in rows}
    return [StageSummary(stage, people, stuck, limits.get(stage))
            for stage, (people, stuck) in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))]
