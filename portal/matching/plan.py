"""The care plan: the fewest organisations (then the least travel) that together cover every need
that can be covered, found exactly by dynamic programming over subsets of needs; each need nothing
eligible covers within reach is reported unmet, with the nearest option beyond the travel limit.

Also the two working records a match sorts services into: :class:`Fit` (eligible) and
:class:`Excluded` (kept out by a hard rule). Pure: plain data in, plain data out.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .facts import DISTANCE_DIGITS, CarePlan, Part, PlanStep, Suggestion, UncoveredNeed
from .rules import Context, in_service_area, reach, reasons
from .spatial import Directory, distance_km

# In the care plan a service whose distance is unknown counts as this far (it may be anywhere).
UNKNOWN_DISTANCE_PENALTY_KM = 10.0
# The care-plan search is exact over every eligible service up to this many; beyond, it is exact
# over the nearest few and the widest few per need (a city-scale directory with thousands in reach).
PLAN_EXACT_UP_TO = 400
PLAN_CANDIDATES_PER_NEED = 12
# After the fewest organisations, the plan weighs travel plus these, in km: a waitlisted service, one
# past the freshness rule (or never verified), one meant for other groups count as that much farther.
PLAN_WAITLIST_KM = 15.0
PLAN_STALE_KM = 30.0
PLAN_OTHER_GROUP_KM = 15.0  # a service meant for groups the client is not in (rules.group_fit)


@dataclass(slots=True)
class Fit:
    """An eligible service before it is dressed as a Suggestion (most never are)."""

    key: tuple
    index: int
    covers: tuple[str, ...]
    distance: float | None
    reach: str
    scores: tuple[float, ...]
    total: float
    avail: int = 0  # rules.availability: 0 taking clients, 1 waitlist, 2 full or closed to referrals
    stale: bool = False  # past the freshness rule (or never verified)
    rank: int = 0  # position among every eligible service

    @property
    def travel(self) -> float:
        if self.reach in ("remote", "comes"):
            return 0.0
        if self.distance is None:
            return UNKNOWN_DISTANCE_PENALTY_KM
        return round(self.distance, DISTANCE_DIGITS)


class Excluded(NamedTuple):
    """A service a hard rule keeps out, as the plan and the relaxations need it."""

    sort_km: float  # the distance, or infinity when unknown
    service_id: str
    index: int
    covers: tuple[str, ...]
    reasons: list[Part]
    distance: float | None
    rule: str | None  # the one relaxable rule that alone keeps it out (see relax.relaxable_rule)


Dress = Callable[[Fit], Suggestion]
# best[mask] = (organisations, travel, ((needs mask, fits relied on), ...))
Cover = tuple[int, float, tuple[tuple[int, tuple[Fit, ...]], ...]]


def care_plan(directory: Directory, ctx: Context, fits: Sequence[Fit], excluded: Sequence[Excluded],
              suggestion: Dress) -> CarePlan:
    """The plan over ``fits`` (eligible services, best first); ``suggestion`` dresses a fit."""
    needs = ctx.needs
    bit = {n: 1 << i for i, n in enumerate(needs)}
    # Never rely on a full or closed service for a need that a service taking clients covers within
    # the limits: judged over every eligible service, not only the suggestions returned.
    best_class: dict[str, int] = {}
    for f in fits:
        cls = _plan_class(f)
        for n in f.covers:
            if cls < best_class.get(n, 9):
                best_class[n] = cls
    chosen = _plan_candidates(needs, fits)
    masks: dict[int, int] = {}
    coverable = 0
    for f in chosen.values():
        m = 0
        cls = _plan_class(f)
        for n in f.covers:
            if cls <= best_class[n]:
                m |= bit[n]
        masks[f.index] = m
        coverable |= m
    services = directory.services
    best = _fewest_organisations(coverable, _best_single_organisation(services, chosen, masks))
    steps: list[PlanStep] = []
    if coverable and coverable in best:
        steps = _steps(services, needs, bit, best[coverable], suggestion, masks)
    organisations = len({s.suggestion.service.organization_id for s in steps})
    travel = round(sum(_travel(s.suggestion) for s in steps), 1)
    covered = {n for s in steps for n in s.needs}
    unmet = tuple(_unmet(directory, ctx, need, excluded) for need in needs if need not in covered)
    return CarePlan(tuple(steps), organisations, travel, unmet)


def _plan_class(f: Fit) -> int:
    """1 for a full service or one closed to referrals: a plan uses it for a need only when no
    eligible service taking clients covers that need."""
    return 1 if f.avail >= 2 else 0


def _plan_cost(f: Fit) -> float:
    """Travel, plus the penalties: waitlisted, past the freshness rule, meant for other groups."""
    return f.travel + (PLAN_WAITLIST_KM if f.avail == 1 else 0.0) + (PLAN_STALE_KM if f.stale else 0.0) \
        + (PLAN_OTHER_GROUP_KM if f.key[1] >= 2 else 0.0)


def _plan_candidates(needs: Sequence[str], fits: Sequence[Fit]) -> dict[int, Fit]:
    """Every eligible service, or beyond PLAN_EXACT_UP_TO the nearest few per need and the few
    covering most needs, which stand for the rest: a farther single-need service rarely beats a
    nearer one."""
    if len(fits) <= PLAN_EXACT_UP_TO:
        return {f.index: f for f in fits}
    per_need: dict[str, list[Fit]] = {n: [] for n in needs}
    for f in fits:
        for n in f.covers:
            per_need[n].append(f)
    chosen: dict[int, Fit] = {}
    for need in needs:
        covering = per_need[need]
        for f in heapq.nsmallest(PLAN_CANDIDATES_PER_NEED, covering, key=lambda f: (_plan_class(f), _plan_cost(f), f.key)):
            chosen[f.index] = f
        for f in heapq.nsmallest(PLAN_CANDIDATES_PER_NEED, covering,
                                 key=lambda f: (_plan_class(f), -len(f.covers), _plan_cost(f), f.key)):
            chosen[f.index] = f
    return chosen


def _best_single_organisation(services, chosen: dict[int, Fit], masks: dict[int, int]
                              ) -> dict[int, tuple[float, str, tuple[Fit, ...]]]:
    """best_single[mask] = (travel, org id, fits) for one organisation covering at least ``mask``
    with its own services, at the least travel."""
    by_org: dict[str, list[Fit]] = {}
    for f in sorted(chosen.values(), key=lambda f: services[f.index].id):
        by_org.setdefault(services[f.index].organization_id, []).append(f)
    best_single: dict[int, tuple[float, str, tuple[Fit, ...]]] = {}
    for org_id, items in sorted(by_org.items()):
        org_best: dict[int, tuple[float, tuple[Fit, ...]]] = {0: (0.0, ())}
        for f in items:
            for have, (cost, used) in list(org_best.items()):
                new_mask, new_cost = have | masks[f.index], round(cost + _plan_cost(f), DISTANCE_DIGITS)
                current = org_best.get(new_mask)
                if current is None or new_cost < current[0]:
                    org_best[new_mask] = (new_cost, used + (f,))
        for mask, (cost, used) in org_best.items():
            sub = mask
            while sub:  # what covers a set also covers each of its subsets
                current = best_single.get(sub)
                if current is None or (cost, org_id) < (current[0], current[1]):
                    best_single[sub] = (cost, org_id, used)
                sub = (sub - 1) & mask
    return best_single


def _fewest_organisations(coverable: int, best_single: dict[int, tuple[float, str, tuple[Fit, ...]]]
                          ) -> dict[int, Cover]:
    """best[mask] = (organisations, travel, steps) over subsets of the coverable needs: exact."""
    best: dict[int, Cover] = {0: (0, 0.0, ())}
    for mask in sorted((m for m in range(1, coverable + 1) if not m & ~coverable), key=lambda m: (bin(m).count("1"), m)):
        top = None
        sub = mask
        while sub:
            single = best_single.get(sub)
            rest = best.get(mask & ~sub)
            if single is not None and rest is not None:
                candidate = (rest[0] + 1, round(rest[1] + single[0], DISTANCE_DIGITS), rest[2] + ((sub, single[2]),))
                if top is None or candidate[:2] < top[:2]:
                    top = candidate
            sub = (sub - 1) & mask
        if top is not None:
            best[mask] = top
    return best


def _steps(services, needs: Sequence[str], bit: dict[str, int], cover: Cover, suggestion: Dress,
           masks: dict[int, int]) -> list[PlanStep]:
    """The plan's steps: each service with the needs it is relied on for, in the client's order."""
    assigned: dict[int, list[str]] = {}
    fit_of: dict[int, Fit] = {}
    for sub, used in cover[2]:
        for f in used:
            fit_of[f.index] = f
        for n in needs:
            if sub & bit[n]:
                owner = next(f for f in used if masks[f.index] & bit[n])
                assigned.setdefault(owner.index, []).append(n)
    order = sorted(assigned, key=lambda i: (min(needs.index(n) for n in assigned[i]), services[i].id))
    return [PlanStep(suggestion(fit_of[i]), tuple(n for n in needs if n in assigned[i])) for i in order]


def _travel(s: Suggestion) -> float:
    if s.reach in ("remote", "comes"):
        return 0.0
    if s.distance_km is None:
        return UNKNOWN_DISTANCE_PENALTY_KM
    return s.distance_km


def _dkey(distance: float | None) -> float:
    return math.inf if distance is None else round(distance, DISTANCE_DIGITS)


def _only_distance(found: Sequence[Part]) -> bool:
    return bool(found) and all(r.key == "too_far" for r in found)


def _unmet(directory: Directory, ctx: Context, need: str, excluded: Sequence[Excluded]) -> UncoveredNeed:
    """The nearest service for ``need`` that only distance keeps out, searching outwards."""
    best = None
    for dkey, sid, index, covers, _reasons, distance, rule in excluded:
        if need in covers and rule == "distance" and (best is None or (dkey, sid) < best[:2]):
            best = (dkey, sid, index, distance)
    if best is None and ctx.point is not None:
        services = directory.services
        for index in directory.by_category.get(need, ()):
            service = services[index]
            distance = distance_km(service, ctx.point)
            if distance is None:
                continue
            key = (_dkey(distance), service.id)
            if best is not None and key >= best[:2]:
                continue
            inside = in_service_area(service, ctx)
            how = reach(service, ctx, distance, inside)
            if how == "distance" and _only_distance(reasons(service, ctx, distance, how, inside)):
                best = (key[0], key[1], index, distance)
    if best is None:
        return UncoveredNeed(need, None, None)
    return UncoveredNeed(need, directory.services[best[2]], round(best[3], 1))
