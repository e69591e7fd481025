"""Retention, drop-out and outcome figures as pure functions over plain rows (no Flask, no database),
so that the report page, the upward export and the tests share one definition of each number.

A **cohort row** is one connected referral with a first attendance date: ``referral_id``,
``client_id``, ``first_attended_on`` (date), ``answers`` (``(done_on, in_treatment)`` pairs of the
referral's follow-ups that recorded whether the person was still in treatment), plus whatever the
caller groups by (``service``, ``stage``, ``department``, ``district`` …).

A **follow-up row** is one recorded follow-up of a referral: ``referral_id``, ``client_id``,
``done_on``, ``in_treatment``, ``barrier``, ``stay_reasons`` (list of codes), ``id`` (for a stable
order), plus the grouping keys of its referral.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from ..referrals.duetimes import add_months

# The retention study's checkpoints, in months after the first attendance.
MONTHS = (3, 6, 12)
RETAINED, DROPPED, UNKNOWN, NOT_DUE = "retained", "dropped", "unknown", "not_due"
# A referral's care counts as employment when it moves the person to the employment stage, or the
# service is in that stage or offers one of these categories.
EMPLOYMENT_STAGE = "employment"
EMPLOYMENT_CATEGORIES = frozenset({"vocational_training", "employment_support", "supported_employment"})
# How a connected referral's care can end (referrals.statemachine): completed, or lost.
ENDED_AFTER_CONNECTION = ("completed", "not_connected")
NOT_RECORDED = "not_recorded"  # a drop-out whose follow-up named no reason


def retention_status(first_attended_on: date, months: int, answers, as_of: date) -> str:
    """Whether one person was still in treatment ``months`` after their first attendance.

    The *mark* is ``first_attended_on`` plus ``months`` calendar months (31 January + 1 month is
    28/29 February). Only follow-ups that recorded *in treatment: yes or no* count, dated by the
    day they were done (``answers``: ``(done_on, in_treatment)`` pairs).

    - ``not_due``: the mark is after ``as_of`` (today): the person is not yet in this checkpoint's
      denominator.
    - ``dropped``: a follow-up dated *before* the mark found the person out of treatment (leaving
      counts even if they came back later: retention is continuous), or the first answer on or
      after the mark says they are out.
    - ``retained``: nothing before the mark said "out", and the first answer dated *on or after*
      the mark (a follow-up on the mark's very day counts) says "in treatment".
    - ``unknown``: nothing before the mark said "out", and no follow-up on or after the mark
      recorded an answer. Never counted as retained; it stays in the denominator.
    """
    mark = add_months(first_attended_on, months)
    if mark > as_of:
        return NOT_DUE
    known = sorted((done, flag) for done, flag in answers if done is not None and flag is not None)
    if any(flag is False and done < mark for done, flag in known):
        return DROPPED
    after = [flag for done, flag in known if done >= mark]
    if not after:
        return UNKNOWN
    return RETAINED if after[0] else DROPPED


def _checkpoint(rows, months: int, as_of: date) -> dict:
    counts = Counter(retention_status(r["first_attended_on"], months, r["answers"], as_of) for r in rows)
    reached = counts[RETAINED] + counts[DROPPED] + counts[UNKNOWN]
    return {RETAINED: counts[RETAINED], DROPPED: counts[DROPPED], UNKNOWN: counts[UNKNOWN],
            NOT_DUE: counts[NOT_DUE], "reached": reached,
            "rate": round(100 * counts[RETAINED] / reached) if reached else None}


def retention_summary(rows, as_of: date) -> dict:
    """For one group of cohort rows: ``people`` (cohort size) and, per checkpoint in ``MONTHS``, the
    counts of each status, ``reached`` (the denominator: retained + dropped + unknown) and ``rate``
    (retained ÷ reached, a whole percentage; None when nobody reached the mark)."""
    rows = list(rows)
    return {"people": len(rows), **{m: _checkpoint(rows, m, as_of) for m in MONTHS}}


def retention_by(rows, key, as_of: date) -> list[dict]:
    """``retention_summary`` per group (``key(row)``; None is left out), largest cohort first."""
    groups: dict = {}
    for row in rows:
        group = key(row)
        if group is not None:
            groups.setdefault(group, []).append(row)
    table = [{"group": g, **retention_summary(members, as_of)} for g, members in groups.items()]
    return sorted(table, key=lambda t: (-t["people"], str(t["group"])))


def care_stage(to_stage: str | None, service_stages) -> str | None:
    """The care stage a referral's care belongs to: the stage it moved the person to, else the
    service's first stage in the continuum (``service_stages`` in continuum order)."""
    if to_stage:
        return to_stage
    return next(iter(service_stages), None)


def is_employment(to_stage: str | None, service_stages, service_categories) -> bool:
    return (to_stage == EMPLOYMENT_STAGE or EMPLOYMENT_STAGE in set(service_stages)
            or bool(EMPLOYMENT_CATEGORIES & set(service_categories)))


def first_dropouts(followups, start: date, end: date) -> list[dict]:
    """The drop-outs recorded in the period: per referral, its *first* follow-up that found the
    person out of treatment (``in_treatment`` False), when that follow-up is dated within
    ``start``–``end``. A later "out" on the same referral is the same drop-out, not a new one."""
    first: dict = {}
    for row in followups:
        if row.get("in_treatment") is not False or row.get("done_on") is None:
            continue
        seen = first.get(row["referral_id"])
        if seen is None or (row["done_on"], row.get("id") or 0) < (seen["done_on"], seen.get("id") or 0):
            first[row["referral_id"]] = row
    return sorted((r for r in first.values() if start <= r["done_on"] <= end),
                  key=lambda r: (r["done_on"], r.get("id") or 0))


def count_by(rows, key) -> list[tuple]:
    """(group, count) per ``key(row)``, most first; None becomes ``NOT_RECORDED``."""
    counts = Counter(NOT_RECORDED if group is None else group for group in map(key, rows))
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


def stay_reasons(followups, start: date, end: date) -> list[tuple[str, int]]:
    """Why people stay: per reason, how many referrals had a follow-up in the period that found the
    person in treatment and named that reason (a person naming it twice counts once)."""
    named: dict[str, set] = {}
    for row in followups:
        done = row.get("done_on")
        if row.get("in_treatment") is True and done is not None and start <= done <= end:
            for reason in row.get("stay_reasons") or ():
                named.setdefault(reason, set()).add(row["referral_id"])
    return sorted(((r, len(ids)) for r, ids in named.items()), key=lambda kv: (-kv[1], kv[0]))


def stage_moves(rows, positions: dict[str, int]) -> list[dict]:
    """Stage progression: per (from stage → to stage) pair of the referrals connected in the
    period that name two different stages, how many people made that move and whether it goes
    forward in the continuum (``positions``: stage code → place in the continuum)."""
    people: dict[tuple, set] = {}
    for row in rows:
        src, dst = row.get("from_stage"), row.get("to_stage")
        if src and dst and src != dst and row.get("connected_in_period"):
            people.setdefault((src, dst), set()).add(row["client_id"])
    table = []
    for (src, dst), clients in people.items():
        forward = src in positions and dst in positions and positions[dst] > positions[src]
        table.append({"from": src, "to": dst, "people": len(clients), "forward": forward})
    big = 10 ** 6
    return sorted(table, key=lambda t: (positions.get(t["from"], big), positions.get(t["to"], big), t["from"], t["to"]))


def employment_people(rows) -> int:
    """People (not referrals) connected in the period (``connected_in_period``) to employment care
    (``employment``: see ``is_employment``)."""
    return len({r["client_id"] for r in rows if r.get("employment") and r.get("connected_in_period")})


def rehabilitation(rows) -> dict:
    """Rehabilitation: of the connected referrals whose care ended in the period
    (``closed_in_period``), how many were completed (the receiver or sender recorded the care as
    done) rather than ended as "not connected": ``completed``, ``ended``, ``people`` (distinct
    people completed) and ``rate`` (whole percentage, None when none ended)."""
    ended = [r for r in rows if r.get("closed_in_period") and r.get("connected_at") is not None
             and r["status"] in ENDED_AFTER_CONNECTION]
    completed = sum(1 for r in ended if r["status"] == "completed")
    return {"completed": completed, "ended": len(ended),
            "people": len({r["client_id"] for r in ended if r["status"] == "completed"}),
            "rate": round(100 * completed / len(ended)) if ended else None}
