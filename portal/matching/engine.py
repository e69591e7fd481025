"""The matching engine: which services fit one client's needs, where they live and who they are.

Pure functions over plain dataclasses: no Flask, no SQLAlchemy. ``catalog.py`` turns the database into
a :class:`Directory` once per process; the view, the API, the tests and ``bench/match.py`` all call
:func:`match` the same way.

How a match is made:
1. **Candidates** are the services that cover at least one need, found through an index by category
   and a coarse grid (only the cells near the client are read when there is a travel limit).
2. **Hard rules** exclude what the client cannot use, each with its reason: status, age, gender,
   condition/population restrictions (``only``), residency, not accepting urgent referrals, cost,
   distance beyond the travel limit, online/phone-only when the client cannot use that (a hotline
   always reaches the client), a language the client does not speak when they speak only theirs.
   *Unknown is not no* (docs/domain.md): a fact the agency never stated never excludes; it is flagged.
3. **Ranking** (``rank_key``): when the situation cannot wait (a crisis need, a client at risk, an
   urgent case), crisis lines and services open around the clock first (``rules.crisis_tier``);
   then fit (services for the client's groups or conditions, then general ones, then those meant for
   other groups, which say so); then availability (taking clients, waitlisted, full or closed to
   referrals); then the **score** (each criterion 0..1, weighted, see ``WEIGHTS``; a listing past
   the freshness rule gets no freshness marks and says so). Each suggestion keeps its breakdown,
   the parts of its explanation and its rank among every eligible service.
4. **Care plan**, over every eligible service: the fewest organisations (then the least travel, with
   waitlisted, stale and other-group services counted as farther) that together cover every need
   that can be covered, never relying on a full or closed service where one taking clients covers
   the need; needs nothing eligible covers within reach are reported unmet with the nearest
   option beyond the travel limit.
5. **Relaxations**: for each rule a worker may loosen (distance, online/phone, payment, urgency), how
   many more services it would let in.

Explanations are structured (``Part``: a message id with parameters) so that the view and the API can
render them in the reader's language (see ``explain.py``).

Where each step lives: ``facts.py`` (the plain data), ``spatial.py`` (distance and the directory's
indexes), ``rules.py`` (hard rules and flags), ``scoring.py`` (scores and explanations), ``plan.py``
(the care plan), ``relax.py`` (relaxations). This module runs them in order in :func:`match` and
re-exports the public names, so ``from portal.matching.engine import match, Profile`` keeps working.
"""
from __future__ import annotations

import math
from datetime import date

from ..directory.freshness import DEFAULT_STALE_AFTER_DAYS
from .facts import (
    COMES_TO_CLIENT,
    CRISIS_NEEDS,
    DISTANCE_DIGITS,
    GENDERS,
    MAX_NEEDS,
    PAYMENT_KINDS,
    REMOTE_MODES,
    PROFILE_URGENCIES,
    AreaFacts,
    CarePlan,
    Exclusion,
    MatchResult,
    Part,
    PlanStep,
    Profile,
    Relaxation,
    ServiceFacts,
    Suggestion,
    UncoveredNeed,
)
from .plan import Excluded, Fit, care_plan
from .relax import (
    DISTANCE_STEPS_KM,
    LIFTS,
    RELAXABLE,
    SAME_CANDIDATES,
    counted,
    look_radius,
    relax,
    relaxable_rule,
    relaxations,
)
from .rules import (
    Context,
    availability,
    client_populations,
    crisis_tier,
    flags,
    group_fit,
    in_service_area,
    make_context,
    reach,
    reasons,
)
from .scoring import FRESH_MIN, WEIGHT_KEYS, WEIGHT_VALUES, WEIGHTS, explain, scores
from .spatial import CELL_DEG, Directory, distance_km, haversine_km

__all__ = [
    "CELL_DEG", "COMES_TO_CLIENT", "CRISIS_NEEDS", "DISTANCE_STEPS_KM", "GENDERS", "MAX_NEEDS", "PAYMENT_KINDS",
    "RELAXABLE", "REMOTE_MODES", "PROFILE_URGENCIES", "WEIGHTS",
    "AreaFacts", "CarePlan", "Directory", "Exclusion", "MatchResult", "Part", "PlanStep", "Profile",
    "Relaxation", "ServiceFacts", "Suggestion", "UncoveredNeed",
    "client_populations", "haversine_km", "look_radius", "match", "relax",
]


def match(directory: Directory, profile: Profile, *, today: date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
          limit: int | None = 200, exclusion_limit: int = 200) -> MatchResult:
    """Rank the services that fit ``profile``, build a care plan, and say what was left out and why.
    ``limit`` caps the suggestions returned (the plan always looks at every eligible service).

    Deterministic: the same directory, profile and day give the same result in the same order."""
    ctx, fits, excluded = _candidates(directory, profile, today, stale_after_days)
    fits.sort(key=lambda f: f.key)
    for rank, f in enumerate(fits, 1):
        f.rank = rank
    dress = _Dresser(directory, ctx)
    shown = fits if limit is None else fits[:limit]
    suggestions = tuple(dress(f) for f in shown)
    excluded.sort(key=lambda e: (e[0], e[1]))
    exclusions = tuple(
        Exclusion(directory.services[e.index], e.covers, tuple(e.reasons),
                  None if e.distance is None else round(e.distance, DISTANCE_DIGITS))
        for e in excluded[:exclusion_limit]
    )
    plan = care_plan(directory, ctx, fits, excluded, dress)
    found_relaxations = counted(relaxations(profile, excluded, plan.unmet), profile, len(fits),
                                _RelaxedCount(directory, today, stale_after_days, fits, excluded))
    return MatchResult(profile, suggestions, len(fits), plan, exclusions, len(excluded), found_relaxations)


def _found(directory: Directory, profile: Profile, today: date, stale_after_days: int
           ) -> tuple[Context, set[int], float | None]:
    """Step 1: the client's context, the candidates, and how far the match looks."""
    ctx = make_context(directory, profile, today, stale_after_days)
    look_km = look_radius(profile.travel_km)
    found: set[int] = set()
    for need in ctx.needs:
        found |= directory.candidates(need, ctx.point, look_km, ctx.lineage, profile.remote_ok)
    return ctx, found, look_km


def _candidates(directory: Directory, profile: Profile, today: date, stale_after_days: int
                ) -> tuple[Context, list[Fit], list[Excluded]]:
    """Steps 1 and 2 of a match: the candidates, each either fitting or excluded."""
    ctx, found, look_km = _found(directory, profile, today, stale_after_days)
    fits, excluded = _sort_out(directory, ctx, found, look_km)
    return ctx, fits, excluded


class _RelaxedCount:
    """How many services the match of a relaxed profile finds eligible: the same steps 1 and 2 it
    runs (``_found``, ``_sort_out``), without scoring. Loosening a rule never adds a reason, so a
    service that fits still fits, and one excluded for a reason the rule does not lift
    (``relax.LIFTS``) stays excluded: only the others are checked again, which keeps the exact count
    cheap enough for every results page."""

    def __init__(self, directory: Directory, today: date, stale_after_days: int, fits: list[Fit],
                 excluded: list[Excluded]) -> None:
        self.directory, self.today, self.stale_after_days = directory, today, stale_after_days
        self.fitting = {f.index for f in fits}
        self.excluded = excluded

    def __call__(self, relaxed: Profile, rule: str) -> int:
        lifts = LIFTS[rule]
        liftable = {e.index for e in self.excluded if all(r.key in lifts for r in e.reasons)}
        if rule in SAME_CANDIDATES:
            ctx = make_context(self.directory, relaxed, self.today, self.stale_after_days)
            recheck, kept = liftable, len(self.fitting)
            look_km = look_radius(relaxed.travel_km)
        else:
            ctx, found, look_km = _found(self.directory, relaxed, self.today, self.stale_after_days)
            kept = len(found & self.fitting)
            stays_out = {e.index for e in self.excluded} - liftable
            recheck = found - self.fitting - stays_out
        return kept + len(_sort_out(self.directory, ctx, recheck, look_km, count_only=True)[0])


def _sort_out(directory: Directory, ctx: Context, found: set[int], look_km: float | None,
              count_only: bool = False) -> tuple[list, list[Excluded]]:
    """Each candidate either fits (scored) or is excluded (with its reasons); those beyond what the
    match looked at are dropped. The hot loop of a match: keep it free of needless calls.
    ``count_only``: the fitting services' indexes, unscored, and no exclusions (a relaxation's count)."""
    fits: list = []
    excluded: list[Excluded] = []
    services = directory.services
    needs = ctx.needs
    point = ctx.point
    boxed = look_km is not None and point is not None
    if boxed:
        lat0, lon0 = point
        dlat = look_km / 110.574 * 1.01
        dlon = look_km / (111.320 * max(math.cos(math.radians(lat0)), 0.01)) * 1.01
    remote_ok = ctx.profile.remote_ok
    for index in found:
        service = services[index]
        if boxed and service.points:
            # A box test before any trigonometry: most candidates from the coarse grid are too far.
            for plat, plon in service.points:
                if -dlat <= plat - lat0 <= dlat and -dlon <= plon - lon0 <= dlon:
                    break
            else:
                modes = service.delivery_modes
                if not (remote_ok and not modes.isdisjoint(REMOTE_MODES)) and modes.isdisjoint(COMES_TO_CLIENT) \
                        and not service.hotline:
                    continue
        distance = distance_km(service, point)
        # Whether the client lives in its area matters only for residency rules and home visits.
        inside = (in_service_area(service, ctx) if service.residency_required is True
                  or not service.delivery_modes.isdisjoint(COMES_TO_CLIENT) else None)
        how = reach(service, ctx, distance, inside)
        if how == "distance" and look_km is not None and distance > look_km:
            continue  # beyond what we looked at: neither suggested nor worth listing
        categories = service.categories
        covers = tuple(n for n in needs if n in categories)
        why = reasons(service, ctx, distance, how, inside)
        if why:
            if not count_only:
                excluded.append(Excluded(math.inf if distance is None else distance, service.id, index, covers,
                                         why, distance, relaxable_rule(why)))
            continue
        if count_only:
            fits.append(index)
            continue
        fit_scores = scores(service, ctx, len(covers), distance, how)
        total = round(sum(w * v for w, v in zip(WEIGHT_VALUES, fit_scores)), 4)
        avail = availability(service)
        fits.append(Fit(rank_key(service, ctx, covers, avail, total, distance), index, covers,
                        distance, how, fit_scores, total, avail, fit_scores[-1] < FRESH_MIN))
    return fits, excluded


def rank_key(service: ServiceFacts, ctx: Context, covers: tuple[str, ...], avail: int, total: float,
             distance: float | None) -> tuple:
    """The order of the suggestions: crisis lines and help open around the clock first when the
    situation cannot wait (``rules.crisis_tier``), then fit to the client's groups (``rules.group_fit``),
    then availability (``rules.availability``), then the score, the distance and the id (so that ties
    never depend on the directory's order)."""
    return (crisis_tier(service, ctx), group_fit(service, ctx)[0], avail, -total, math.inf if distance is None else distance, service.id)


class _Dresser:
    """Turns a :class:`~.plan.Fit` into a :class:`Suggestion` once (the list and the plan share it)."""

    def __init__(self, directory: Directory, ctx: Context) -> None:
        self.services = directory.services
        self.ctx = ctx
        self.made: dict[int, Suggestion] = {}

    def __call__(self, fit: Fit) -> Suggestion:
        s = self.made.get(fit.index)
        if s is None:
            service = self.services[fit.index]
            s = self.made[fit.index] = Suggestion(
                service, fit.covers, fit.total,
                {k: round(v, 3) for k, v in zip(WEIGHT_KEYS, fit.scores)},
                None if fit.distance is None else round(fit.distance, DISTANCE_DIGITS), fit.reach,
                explain(service, self.ctx, fit.covers, fit.distance, fit.reach, fit.scores[4]),
                flags(service, self.ctx, fit.reach), fit.rank)
        return s
