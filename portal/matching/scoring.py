"""How well an eligible service fits one client: a score per criterion (each 0..1, weighted by
``WEIGHTS``) and the explanation shown beside it (parts in reading order).

Pure: plain data in, plain data out. The words for the parts are in :mod:`.explain`.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..directory import freshness
from .facts import PAYMENT_KINDS, Part, ServiceFacts
from .rules import Context, group_fit, is_crisis_line

# How much each criterion weighs in the score (the sum is 100, so a score reads as a percentage).
# Above the score, the ranking puts (in this order, see ``engine.rank_key``): when the situation cannot
# wait (a crisis need, a client at risk, an urgent case), crisis lines open around the clock, then
# other crisis lines and services open around the clock (``rules.crisis_tier``); services for the
# client's groups before general ones before those for other groups (``rules.group_fit``); services
# taking clients before waitlisted ones before full or closed ones (``rules.availability``).
WEIGHTS = {
    "needs": 35.0,
    "distance": 15.0,
    "capacity": 10.0,
    "cost": 10.0,
    "care_stage": 10.0,
    "language": 10.0,
    "freshness": 10.0,
}
# Distance score halves at this many km: 1 / (1 + d / DISTANCE_HALF_KM).
DISTANCE_HALF_KM = 5.0

# Freshness marks: from 1 (verified today) down to FRESH_MIN at the stale threshold; past it at most
# STALE_MAX, falling to 0 at twice the threshold; never verified: 0.
FRESH_MIN = 0.5
STALE_MAX = 0.25

_CAPACITY = {"accepting": 1.0, "full": 0.1, "unknown": 0.5}


def scores(service: ServiceFacts, ctx: Context, covers: int, distance: float | None, reach: str) -> tuple[float, ...]:
    """Scores in the order of ``WEIGHTS``, each 0..1."""
    needs = covers / len(ctx.needs)
    if reach == "remote":
        dist = 0.8
    elif reach == "comes":
        dist = 0.9
    elif distance is None:
        dist = 0.3
    else:
        dist = 1.0 / (1.0 + distance / DISTANCE_HALF_KM)
    cap = _CAPACITY.get(service.capacity_status)
    if cap is None:  # waitlist: the longer, the worse
        cap = 0.7 * max(0.0, 1.0 - (service.wait_weeks or 4) / 12.0)
    if service.accepts_referrals is False:
        cap *= 0.5
    kinds = service.cost_kinds
    if not kinds:
        cost = 0.5
    elif "free" in kinds:
        cost = 1.0
    elif not ctx.payment or not kinds.isdisjoint(ctx.payment):
        cost = 0.6 if kinds == {"fixed_fee"} else 0.8
    else:
        cost = 0.0
    stage = _stage_fit(service, ctx)
    wanted = ctx.profile.languages
    if not wanted:
        lang = 1.0
    elif not service.languages:
        lang = 0.5
    elif not service.languages.isdisjoint(wanted):
        lang = 1.0
    else:
        lang = 0.6 if service.interpretation else 0.0
    days = freshness.days_since(service.verified_on, ctx.today)
    limit = max(1, ctx.stale_after_days)
    if days is None:
        fresh = 0.0
    elif freshness.is_stale_after(days, ctx.stale_after_days):
        # Past the one freshness rule: a penalty the explanation states, though a listing just past
        # it still beats one never confirmed.
        fresh = STALE_MAX * max(0.0, 1.0 - (days - limit) / limit)
    else:
        fresh = 1.0 - (1.0 - FRESH_MIN) * max(0, days) / limit
    return (needs, dist, cap, cost, stage, lang, fresh)


WEIGHT_KEYS = tuple(WEIGHTS)
WEIGHT_VALUES = tuple(WEIGHTS.values())


def _stage_fit(service: ServiceFacts, ctx: Context) -> float:
    if ctx.stage_position is None or not service.care_stages:
        return 0.5
    positions = [ctx.stage_positions[s] for s in service.care_stages if s in ctx.stage_positions]
    if not positions:
        return 0.5
    here = ctx.stage_position
    if here + 1 in positions:
        return 1.0  # the next step in the continuum is what a worker is usually looking for
    if here in positions:
        return 0.7
    if any(p > here + 1 for p in positions):
        return 0.4
    return 0.2  # a step the client has already passed


def explain(service: ServiceFacts, ctx: Context, covers: Sequence[str], distance: float | None,
             reach: str, stage: float) -> tuple[Part, ...]:
    parts = [Part("covers", (("n", len(covers)), ("total", len(ctx.needs))))]
    if ctx.crisis_first:
        # Why it ranks first: said in the words the worker looks for.
        if is_crisis_line(service):
            parts.append(Part("crisis_line"))
        if service.always_open:
            parts.append(Part("open_24h"))
    tier, terms = group_fit(service, ctx)
    if tier == 0:
        parts.append(Part("group_match", (("terms", terms),)))
    elif tier == 2:
        parts.append(Part("group_other", (("terms", terms),)))
    if reach == "remote":
        parts.append(Part("remote"))
    elif reach == "comes":
        parts.append(Part("comes"))
    elif distance is None:
        parts.append(Part("distance_unknown"))
    else:
        parts.append(Part("km", (("km", round(distance, 1)),)))
    kinds = service.cost_kinds
    if not kinds:
        parts.append(Part("cost_unknown"))
    else:
        usable = [k for k in PAYMENT_KINDS if k in kinds and (not ctx.payment or k in ctx.payment)]
        parts.append(Part("cost_" + (usable or [k for k in PAYMENT_KINDS if k in kinds])[0]))
    if service.capacity_status == "waitlist":
        parts.append(Part("waitlist_weeks", (("weeks", service.wait_weeks),)) if service.wait_weeks
                     else Part("waitlist"))
    else:
        parts.append(Part("capacity_" + service.capacity_status))
    if service.accepts_referrals is False:
        parts.append(Part("referrals_closed_ranked"))
    if stage == 1.0:
        parts.append(Part("next_stage"))
    if ctx.profile.languages and not service.languages.isdisjoint(ctx.profile.languages):
        parts.append(Part("speaks", (("langs", tuple(sorted(service.languages & ctx.profile.languages))),)))
    days = freshness.days_since(service.verified_on, ctx.today)
    if days is None:
        parts.append(Part("never_verified"))
    else:
        stale = freshness.is_stale_after(days, ctx.stale_after_days)
        parts.append(Part("stale" if stale else "verified", (("days", max(0, days)),)))
    return tuple(parts)
