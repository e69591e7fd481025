"""The matching engine: which services fit one client's needs, where they live and who they are.

Pure functions over plain dataclasses: no Flask, no SQLAlchemy. ``catalog.py`` turns the database into
a :class:`Directory` once per process; the view, the API, the tests and ``bench/match.py`` all call
:func:`match` the same way.

How a match is made:
1. **Candidates** are the services that cover at least one need, found through an index by category
   and a coarse grid (only the cells near the client are read when there is a travel limit).
2. **Hard rules** exclude what the client cannot use, each with its reason: status, age, gender,
   condition/population restrictions (``only``), residency, not accepting urgent referrals, cost,
   distance beyond the travel limit, online/phone-only when the client cannot use that.
   *Unknown is not no* (DESIGN.md): a fact the agency never stated never excludes; it is flagged.
3. **Scores** (each 0..1, weighted, see ``WEIGHTS``) rank the rest; each suggestion keeps its
   breakdown and the parts of its explanation.
4. **Care plan**: the fewest organisations (then the least travel) that together cover every need
   that can be covered; needs nothing eligible covers within reach are reported unmet with the nearest
   option beyond the travel limit.
5. **Relaxations**: for each rule a worker may loosen (distance, online/phone, payment, urgency), how
   many more services it would let in.

Explanations are structured (``Part``: a message id with parameters) so that the view and the API can
render them in the reader's language (see ``explain.py``).
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

EARTH_RADIUS_KM = 6371.0088
REMOTE_MODES = frozenset({"online", "phone"})
COMES_TO_CLIENT = frozenset({"home_visit", "outreach"})
PAYMENT_KINDS = ("free", "subsidy", "sliding_scale", "insurance", "fixed_fee")
URGENCIES = ("normal", "high")
GENDERS = ("female", "male")
MAX_NEEDS = 8

# How much each criterion weighs in the score (the sum is 100, so a score reads as a percentage).
WEIGHTS = {
    "needs": 40.0,
    "distance": 20.0,
    "capacity": 10.0,
    "cost": 10.0,
    "care_stage": 10.0,
    "language": 5.0,
    "freshness": 5.0,
}
# Distance score halves at this many km: 1 / (1 + d / DISTANCE_HALF_KM).
DISTANCE_HALF_KM = 5.0
# In the care plan a service whose distance is unknown counts as this far (it may be anywhere).
UNKNOWN_DISTANCE_PENALTY_KM = 10.0
# Round distances for ranking and ties, so that float noise never changes an order.
_ROUND = 3
# Grid cell size for the spatial index, in degrees (about 2.2 km north-south).
CELL_DEG = 0.02
# Per need, at most about this many placed services are examined, nearest first: beyond them a
# service could only rank above the nearest ones by covering more needs, and those are found through
# the other needs' candidates. Keeps a match fast when thousands of services lie within reach.
MAX_PLACED_PER_NEED = 1000
# Online/phone services beyond the travel limit, per need, nearest first (when the client can use them).
MAX_REMOTE_PER_NEED = 300
# The care-plan search is exact over every eligible service up to this many; beyond, it is exact
# over the nearest few and the widest few per need (a city-scale directory with thousands in reach).
PLAN_EXACT_UP_TO = 400
PLAN_CANDIDATES_PER_NEED = 12
# Steps offered when relaxing the travel limit ("show services up to 10 km").
DISTANCE_STEPS_KM = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 80, 120, 200, 500)

# Reasons that a worker may loosen from the results page, and the reason codes they lift.
RELAXABLE = {
    "distance": frozenset({"too_far"}),
    "remote": frozenset({"remote_only"}),
    "payment": frozenset({"cost"}),
    "urgency": frozenset({"not_accepting", "full"}),
}


_RULE_OF = {code: rule for rule, codes in RELAXABLE.items() for code in codes}


# --- plain data --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AreaFacts:
    id: int
    code: str
    level: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What matching needs to know about one service. ``None`` means the agency did not say."""

    id: str
    organization_id: str
    name_zh: str = ""
    name_en: str = ""
    organization_name_zh: str = ""
    organization_name_en: str = ""
    status: str = "active"
    categories: frozenset[str] = frozenset()
    care_stages: frozenset[str] = frozenset()
    populations_only: frozenset[str] = frozenset()
    conditions_only: frozenset[str] = frozenset()
    populations_served: frozenset[str] = frozenset()
    delivery_modes: frozenset[str] = frozenset()
    minimum_age: int | None = None
    maximum_age: int | None = None
    gender_eligibility: str | None = None  # None (not stated), "all", "female", "male"
    residency_required: bool | None = None
    # Areas the service covers (explicit service_area rows); residency is checked against these, or
    # against the districts of its locations when it has none.
    service_area_ids: frozenset[int] = frozenset()
    location_district_ids: frozenset[int] = frozenset()
    points: tuple[tuple[float, float], ...] = ()
    capacity_status: str = "unknown"
    wait_weeks: int | None = None
    accepts_referrals: bool | None = None
    cost_kinds: frozenset[str] = frozenset()  # empty: the cost was never stated
    languages: frozenset[str] = frozenset()  # empty: not stated
    interpretation: bool = False
    verified_on: date | None = None

    @property
    def remote(self) -> bool:
        return bool(self.delivery_modes & REMOTE_MODES)

    @property
    def remote_only(self) -> bool:
        """Reached only by phone or online: no place to go to and nobody comes to the client."""
        return self.remote and not self.points and not (self.delivery_modes & COMES_TO_CLIENT)


@dataclass(frozen=True, slots=True)
class Profile:
    """One client's situation, without anything that identifies them."""

    needs: tuple[str, ...]
    area_id: int | None = None
    point: tuple[float, float] | None = None
    travel_km: float | None = None  # None: no limit
    remote_ok: bool = False
    age: int | None = None
    gender: str | None = None
    conditions: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    payment: frozenset[str] = frozenset()  # kinds the client can use; empty: any
    languages: frozenset[str] = frozenset()
    urgency: str = "normal"
    care_stage: str | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of an explanation: a message id (English, translated when shown) and parameters."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def kwargs(self) -> dict[str, object]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class Suggestion:
    service: ServiceFacts
    covers: tuple[str, ...]  # the client's needs this service covers, in the client's order
    score: float
    breakdown: dict[str, float]
    distance_km: float | None
    reach: str  # "distance", "remote", "comes", "unknown"
    parts: tuple[Part, ...]  # explanation, in reading order
    flags: tuple[Part, ...]  # unknown facts to check with the service


@dataclass(frozen=True, slots=True)
class Exclusion:
    service: ServiceFacts
    covers: tuple[str, ...]
    reasons: tuple[Part, ...]
    distance_km: float | None

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.key for r in self.reasons)


@dataclass(frozen=True, slots=True)
class UnmetNeed:
    need: str
    nearest: ServiceFacts | None  # the nearest service beyond the travel limit, if any
    nearest_km: float | None


@dataclass(frozen=True, slots=True)
class PlanStep:
    suggestion: Suggestion
    needs: tuple[str, ...]  # the needs this service is relied on for in the plan


@dataclass(frozen=True, slots=True)
class CarePlan:
    steps: tuple[PlanStep, ...]
    organizations: int
    travel_km: float
    unmet: tuple[UnmetNeed, ...]

    @property
    def covered(self) -> frozenset[str]:
        return frozenset(n for s in self.steps for n in s.needs)


@dataclass(frozen=True, slots=True)
class Relaxation:
    rule: str  # "distance", "remote", "payment", "urgency"
    adds: int  # how many more services would be suggested
    travel_km: float | None = None  # for "distance": the new limit


@dataclass(frozen=True, slots=True)
class MatchResult:
    profile: Profile
    suggestions: tuple[Suggestion, ...]  # best first, at most the ``limit`` asked for
    eligible_total: int  # how many services fit (may be more than the suggestions returned)
    plan: CarePlan
    exclusions: tuple[Exclusion, ...]
    excluded_total: int
    relaxations: tuple[Relaxation, ...]


# --- the directory and its indexes -----------------------------------------------------------

@dataclass
class Directory:
    """Every service as plain facts, plus the indexes matching reads. Build once, share read-only."""

    services: tuple[ServiceFacts, ...]
    areas: dict[int, AreaFacts] = field(default_factory=dict)
    stage_positions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_category: dict[str, list[int]] = {}
        cells: dict[str, dict[tuple[int, int], list[int]]] = {}
        remote: dict[str, dict[tuple[int, int], list[int]]] = {}
        visiting: dict[str, dict[int, list[int]]] = {}
        unlocated: dict[str, list[int]] = {}
        for index, service in enumerate(self.services):
            keys = {_cell(lat, lon) for lat, lon in service.points}
            visits = service.delivery_modes & COMES_TO_CLIENT
            served = service.service_area_ids or service.location_district_ids
            for category in service.categories:
                by_category.setdefault(category, []).append(index)
                grid = cells.setdefault(category, {})
                for key in keys:
                    grid.setdefault(key, []).append(index)
                if not keys:
                    unlocated.setdefault(category, []).append(index)
                if service.remote:  # placed remote services, by cell (unplaced ones are in unlocated)
                    rgrid = remote.setdefault(category, {})
                    for key in keys:
                        rgrid.setdefault(key, []).append(index)
                if visits:
                    by_area = visiting.setdefault(category, {})
                    for area_id in served:
                        by_area.setdefault(area_id, []).append(index)
        self.by_category = {k: tuple(v) for k, v in by_category.items()}
        self._cells = {c: {k: tuple(v) for k, v in g.items()} for c, g in cells.items()}
        self._remote = {c: {k: tuple(v) for k, v in g.items()} for c, g in remote.items()}
        self._visiting = {c: {k: tuple(v) for k, v in g.items()} for c, g in visiting.items()}
        self._unlocated = {k: tuple(v) for k, v in unlocated.items()}
        self._bounds = {
            c: (min(i for i, _ in g), max(i for i, _ in g), min(j for _, j in g), max(j for _, j in g))
            for c, g in self._cells.items() if g
        }
        self._lineage: dict[int, tuple[int, ...]] = {}

    def lineage(self, area_id: int | None) -> tuple[int, ...]:
        """The area and its ancestors (nearest first); empty for an unknown area."""
        if area_id is None or area_id not in self.areas:
            return ()
        cached = self._lineage.get(area_id)
        if cached is None:
            chain, node, seen = [], self.areas.get(area_id), set()
            while node is not None and node.id not in seen:
                seen.add(node.id)
                chain.append(node.id)
                node = self.areas.get(node.parent_id) if node.parent_id is not None else None
            cached = self._lineage[area_id] = tuple(chain)
        return cached

    def district_of(self, area_id: int | None) -> int | None:
        for aid in self.lineage(area_id):
            if self.areas[aid].level == "district":
                return aid
        return None

    def nearest_district(self, point: tuple[float, float]) -> int | None:
        best = None
        for area in self.areas.values():
            if area.level == "district" and area.latitude is not None and area.longitude is not None:
                d = haversine_km(point[0], point[1], area.latitude, area.longitude)
                if best is None or (d, area.id) < best:
                    best = (d, area.id)
        return best[1] if best else None

    def centroid(self, area_id: int | None) -> tuple[float, float] | None:
        for aid in self.lineage(area_id):
            area = self.areas[aid]
            if area.latitude is not None and area.longitude is not None:
                return (area.latitude, area.longitude)
        return None

    def candidates(self, category: str, point: tuple[float, float] | None, radius_km: float | None,
                   lineage: Iterable[int] = (), remote_ok: bool = False,
                   cap: int | None = MAX_PLACED_PER_NEED, remote_cap: int | None = MAX_REMOTE_PER_NEED) -> set[int]:
        """Services of a category the client might reach, nearest first (rings of grid cells):
        - placed services out to ``radius_km``, stopping once ``cap`` are found;
        - when the client can use them, online/phone services beyond that, the nearest ``remote_cap``
          (a local hotline knows the local services);
        - services that visit the client's area, and services without a stated place.
        Without a point: every service of the category."""
        if point is None:
            return set(self.by_category.get(category, ()))
        found = set(self._unlocated.get(category, ()))
        visiting = self._visiting.get(category)
        if visiting:
            for area_id in lineage:
                found.update(visiting.get(area_id, ()))
        grid = self._cells.get(category)
        if not grid:
            return found
        remote = self._remote.get(category, {}) if remote_ok else {}
        i_lo, i_hi, j_lo, j_hi = self._bounds[category]
        ci, cj = _cell(*point)
        cell_km = CELL_DEG * 110.574 * max(min(1.0, math.cos(math.radians(point[0]))), 0.01)
        edge = max(ci - i_lo, i_hi - ci, cj - j_lo, j_hi - cj)
        placed_last = edge if radius_km is None else min(edge, math.ceil(radius_km / cell_km) + 1)
        last = edge if remote else placed_last
        taken = remote_taken = 0
        for ring in range(0, last + 1):
            placed_open = ring <= placed_last and (cap is None or taken < cap)
            remote_open = bool(remote) and (remote_cap is None or remote_taken < remote_cap)
            if not placed_open and not remote_open:
                break
            source = grid if placed_open else remote
            for key in _ring(ci, cj, ring):
                bucket = source.get(key)
                if bucket:
                    found.update(bucket)
                    if placed_open:
                        taken += len(bucket)
                    else:
                        remote_taken += len(bucket)
        return found


def _ring(ci: int, cj: int, ring: int) -> list[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` from (ci, cj)."""
    if ring == 0:
        return [(ci, cj)]
    top, bottom = ci - ring, ci + ring
    cells = [(top, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(bottom, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(i, cj - ring) for i in range(top + 1, bottom)]
    cells += [(i, cj + ring) for i in range(top + 1, bottom)]
    return cells


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# --- one service against one client ----------------------------------------------------------

@dataclass(slots=True)
class _Context:
    """What is known about the client once, before looking at any service."""

    profile: Profile
    needs: tuple[str, ...]
    point: tuple[float, float] | None
    lineage: frozenset[int]
    populations: frozenset[str]
    payment: frozenset[str]  # acceptable kinds; empty: any
    stage_position: int | None
    stage_positions: dict[str, int]
    today: date
    stale_after_days: int


def client_populations(profile: Profile) -> frozenset[str]:
    """The populations a client belongs to: those given, plus what age and gender say plainly."""
    derived = set(profile.populations)
    if profile.age is not None and profile.age < 18:
        derived.add("adolescent")
    if profile.age is not None and profile.age >= 60:
        derived.add("older_adult")
    if profile.gender == "female" or "pregnant_women" in derived:
        derived.add("women")
    return frozenset(derived)


def _context(directory: Directory, profile: Profile, today: date, stale_after_days: int) -> _Context:
    point = profile.point or directory.centroid(profile.area_id)
    payment = (frozenset(profile.payment) | {"free"}) if profile.payment else frozenset()
    stage = directory.stage_positions.get(profile.care_stage) if profile.care_stage else None
    return _Context(profile, tuple(profile.needs), point, frozenset(directory.lineage(profile.area_id)),
                    client_populations(profile), payment, stage, directory.stage_positions, today,
                    stale_after_days)


def _distance(service: ServiceFacts, point: tuple[float, float] | None) -> float | None:
    if point is None or not service.points:
        return None
    lat, lon = point
    if len(service.points) == 1:
        p = service.points[0]
        return haversine_km(lat, lon, p[0], p[1])
    return min(haversine_km(lat, lon, p[0], p[1]) for p in service.points)


def _in_service_area(service: ServiceFacts, ctx: _Context) -> bool | None:
    """True/False when the service's area and the client's are known; None otherwise."""
    areas = service.service_area_ids or service.location_district_ids
    if not areas or not ctx.lineage:
        return None
    return not areas.isdisjoint(ctx.lineage)


def _reach(service: ServiceFacts, ctx: _Context, distance: float | None, inside: bool | None) -> str:
    """How the client gets to the service: "remote", "comes" (it visits them), "distance",
    "unknown" (no place stated), or "remote_only" (online/phone, which the client cannot use)."""
    modes = service.delivery_modes
    if ctx.profile.remote_ok and not modes.isdisjoint(REMOTE_MODES):
        return "remote"
    if inside is True and not modes.isdisjoint(COMES_TO_CLIENT):
        return "comes"
    if distance is None:
        return "remote_only" if service.remote_only else "unknown"
    return "distance"


def _reasons(service: ServiceFacts, ctx: _Context, distance: float | None, reach: str,
             inside: bool | None) -> list[Part]:
    """Why the client cannot use this service: empty when nothing rules it out. Only what is known
    counts: a fact the agency never stated is a flag (``_flags``), not a reason."""
    p = ctx.profile
    reasons: list[Part] = []
    if service.status != "active":
        reasons.append(Part("status", (("status", service.status),)))
    if p.age is not None:
        if service.minimum_age is not None and p.age < service.minimum_age:
            reasons.append(Part("age_min", (("age", service.minimum_age),)))
        if service.maximum_age is not None and p.age > service.maximum_age:
            reasons.append(Part("age_max", (("age", service.maximum_age),)))
    gender = service.gender_eligibility
    if gender is not None and gender != "all" and p.gender is not None and p.gender != gender:
        reasons.append(Part("gender", (("gender", gender),)))
    if service.populations_only and service.populations_only.isdisjoint(ctx.populations):
        reasons.append(Part("population_only", (("terms", tuple(sorted(service.populations_only))),)))
    if service.conditions_only and p.conditions and service.conditions_only.isdisjoint(p.conditions):
        reasons.append(Part("condition_only", (("terms", tuple(sorted(service.conditions_only))),)))
    if inside is False and service.residency_required is True:
        reasons.append(Part("residency"))
    if p.urgency == "high":
        if service.accepts_referrals is False:
            reasons.append(Part("not_accepting"))
        elif service.capacity_status == "full":
            reasons.append(Part("full"))
    if ctx.payment and service.cost_kinds and service.cost_kinds.isdisjoint(ctx.payment):
        reasons.append(Part("cost", (("kinds", tuple(k for k in PAYMENT_KINDS if k in service.cost_kinds)),)))
    if reach == "remote_only":
        reasons.append(Part("remote_only"))
    elif reach == "distance" and p.travel_km is not None and distance > p.travel_km:
        reasons.append(Part("too_far", (("km", round(distance, 1)), ("limit", _num(p.travel_km)))))
    return reasons


def _flags(service: ServiceFacts, ctx: _Context, reach: str) -> tuple[Part, ...]:
    """Facts to check with the service before sending the client: what it never stated, or what
    the worker did not say about the client."""
    p = ctx.profile
    inside = _in_service_area(service, ctx)
    flags: list[Part] = []
    if p.age is None and (service.minimum_age is not None or service.maximum_age is not None):
        flags.append(Part("age_limits", (("high", service.maximum_age), ("low", service.minimum_age))))
    gender = service.gender_eligibility
    if gender in GENDERS and p.gender is None:
        flags.append(Part("gender_restricted", (("gender", gender),)))
    elif gender is None and p.gender in GENDERS:
        flags.append(Part("gender_unknown"))
    if service.conditions_only and not p.conditions:
        flags.append(Part("condition_check", (("terms", tuple(sorted(service.conditions_only))),)))
    if inside is False and service.residency_required is None and service.service_area_ids:
        flags.append(Part("residency_unknown"))
    elif inside is None and service.residency_required is True:
        flags.append(Part("residency_check"))
    if p.urgency == "high" and service.accepts_referrals is None:
        flags.append(Part("referrals_unknown"))
    elif p.urgency != "high" and service.accepts_referrals is False:
        flags.append(Part("referrals_closed"))
    if ctx.payment and not service.cost_kinds:
        flags.append(Part("cost_unknown"))
    if reach == "unknown":
        flags.append(Part("distance_unknown"))
    if p.languages and service.languages and service.languages.isdisjoint(p.languages) and not service.interpretation:
        flags.append(Part("language_missing", (("langs", tuple(sorted(p.languages))),)))
    return tuple(flags)


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)


_CAPACITY = {"accepting": 1.0, "full": 0.1, "unknown": 0.5}


def _scores(service: ServiceFacts, ctx: _Context, covers: int, distance: float | None, reach: str) -> tuple[float, ...]:
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
    if service.verified_on is None:
        fresh = 0.0
    else:
        days = (ctx.today - service.verified_on).days
        fresh = 1.0 if days <= 90 else max(0.0, 1.0 - (days - 90) / max(1, 2 * ctx.stale_after_days - 90))
    return (needs, dist, cap, cost, stage, lang, fresh)


_WEIGHT_KEYS = tuple(WEIGHTS)
_WEIGHT_VALUES = tuple(WEIGHTS.values())


def _stage_fit(service: ServiceFacts, ctx: _Context) -> float:
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


def _explain(service: ServiceFacts, ctx: _Context, covers: Sequence[str], distance: float | None,
             reach: str, stage: float) -> tuple[Part, ...]:
    parts = [Part("covers", (("n", len(covers)), ("total", len(ctx.needs))))]
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
    if stage == 1.0:
        parts.append(Part("next_stage"))
    if ctx.profile.languages and not service.languages.isdisjoint(ctx.profile.languages):
        parts.append(Part("speaks", (("langs", tuple(sorted(service.languages & ctx.profile.languages))),)))
    if service.verified_on is None:
        parts.append(Part("never_verified"))
    else:
        days = (ctx.today - service.verified_on).days
        parts.append(Part("stale" if days > ctx.stale_after_days else "verified", (("days", max(0, days)),)))
    return tuple(parts)


# --- the match -------------------------------------------------------------------------------

@dataclass(slots=True)
class _Fit:
    """An eligible service before it is dressed as a Suggestion (most never are)."""

    key: tuple
    index: int
    covers: tuple[str, ...]
    distance: float | None
    reach: str
    scores: tuple[float, ...]
    total: float

    @property
    def travel(self) -> float:
        if self.reach in ("remote", "comes"):
            return 0.0
        if self.distance is None:
            return UNKNOWN_DISTANCE_PENALTY_KM
        return round(self.distance, _ROUND)


def look_radius(travel_km: float | None) -> float | None:
    """How far past the travel limit to look, so "show services up to N km" can say what it adds."""
    if travel_km is None:
        return None
    wanted = travel_km * 1.25
    return float(next((s for s in DISTANCE_STEPS_KM if s >= wanted and s > travel_km), math.ceil(wanted) + 1))


def match(directory: Directory, profile: Profile, *, today: date, stale_after_days: int = 180,
          limit: int | None = 200, exclusion_limit: int = 200) -> MatchResult:
    """Rank the services that fit ``profile``, build a care plan, and say what was left out and why.
    ``limit`` caps the suggestions returned (the plan always looks at every eligible service).

    Deterministic: the same directory, profile and day give the same result in the same order."""
    ctx = _context(directory, profile, today, stale_after_days)
    look_km = look_radius(profile.travel_km)
    found: set[int] = set()
    for need in ctx.needs:
        found |= directory.candidates(need, ctx.point, look_km, ctx.lineage, profile.remote_ok)

    fits: list[_Fit] = []
    excluded: list[tuple] = []  # (distance key, id, index, covers, reasons, distance, relaxable rule)
    services = directory.services
    needs = ctx.needs
    point = ctx.point
    boxed = look_km is not None and point is not None
    if boxed:
        lat0, lon0 = point
        dlat = look_km / 110.574 * 1.01
        dlon = look_km / (111.320 * max(math.cos(math.radians(lat0)), 0.01)) * 1.01
    remote_ok = profile.remote_ok
    for index in found:
        service = services[index]
        if boxed and service.points:
            # A box test before any trigonometry: most candidates from the coarse grid are too far.
            for plat, plon in service.points:
                if -dlat <= plat - lat0 <= dlat and -dlon <= plon - lon0 <= dlon:
                    break
            else:
                modes = service.delivery_modes
                if not (remote_ok and not modes.isdisjoint(REMOTE_MODES)) and modes.isdisjoint(COMES_TO_CLIENT):
                    continue
        distance = _distance(service, point)
        # Whether the client lives in its area matters only for residency rules and home visits.
        inside = (_in_service_area(service, ctx) if service.residency_required is True
                  or not service.delivery_modes.isdisjoint(COMES_TO_CLIENT) else None)
        reach = _reach(service, ctx, distance, inside)
        if reach == "distance" and look_km is not None and distance > look_km:
            continue  # beyond what we looked at: neither suggested nor worth listing
        categories = service.categories
        covers = tuple(n for n in needs if n in categories)
        reasons = _reasons(service, ctx, distance, reach, inside)
        if reasons:
            rule = _RULE_OF.get(reasons[0].key)
            if rule is not None and any(_RULE_OF.get(r.key) != rule for r in reasons[1:]):
                rule = None
            excluded.append((math.inf if distance is None else distance, service.id, index, covers, reasons, distance, rule))
            continue
        scores = _scores(service, ctx, len(covers), distance, reach)
        total = round(sum(w * v for w, v in zip(_WEIGHT_VALUES, scores)), 4)
        fits.append(_Fit((-total, math.inf if distance is None else distance, service.id), index, covers,
                         distance, reach, scores, total))

    fits.sort(key=lambda f: f.key)
    made: dict[int, Suggestion] = {}

    def suggestion(fit: _Fit) -> Suggestion:
        s = made.get(fit.index)
        if s is None:
            service = services[fit.index]
            s = made[fit.index] = Suggestion(
                service, fit.covers, fit.total,
                {k: round(v, 3) for k, v in zip(_WEIGHT_KEYS, fit.scores)},
                None if fit.distance is None else round(fit.distance, _ROUND), fit.reach,
                _explain(service, ctx, fit.covers, fit.distance, fit.reach, fit.scores[4]),
                _flags(service, ctx, fit.reach))
        return s

    shown = fits if limit is None else fits[:limit]
    suggestions = tuple(suggestion(f) for f in shown)
    excluded.sort(key=lambda e: (e[0], e[1]))
    exclusions = tuple(
        Exclusion(services[index], covers, tuple(reasons), None if d is None else round(d, _ROUND))
        for _dk, _id, index, covers, reasons, d, _rule in excluded[:exclusion_limit]
    )
    plan = _care_plan(directory, ctx, fits, excluded, suggestion)
    relaxations = _relaxations(profile, excluded, plan.unmet)
    return MatchResult(profile, suggestions, len(fits), plan, exclusions, len(excluded), relaxations)


def _dkey(distance: float | None) -> float:
    return math.inf if distance is None else round(distance, _ROUND)


def _care_plan(directory: Directory, ctx: _Context, fits: Sequence[_Fit], excluded: Sequence[tuple],
               suggestion) -> CarePlan:
    needs = ctx.needs
    bit = {n: 1 << i for i, n in enumerate(needs)}
    # Beyond PLAN_EXACT_UP_TO eligible services, the nearest few per need and the few covering most
    # needs stand for the rest: a farther single-need service rarely beats a nearer one.
    per_need: dict[str, list[_Fit]] = {n: [] for n in needs}
    for f in fits:
        for n in f.covers:
            per_need[n].append(f)
    chosen: dict[int, _Fit] = {}
    if len(fits) <= PLAN_EXACT_UP_TO:
        chosen = {f.index: f for f in fits}
    for need in needs if len(fits) > PLAN_EXACT_UP_TO else ():
        covering = per_need[need]
        for f in heapq.nsmallest(PLAN_CANDIDATES_PER_NEED, covering, key=lambda f: (f.travel, f.key)):
            chosen[f.index] = f
        for f in heapq.nsmallest(PLAN_CANDIDATES_PER_NEED, covering, key=lambda f: (-len(f.covers), f.travel, f.key)):
            chosen[f.index] = f
    services = directory.services
    coverable = 0
    masks: dict[int, int] = {}
    for f in chosen.values():
        m = 0
        for n in f.covers:
            m |= bit[n]
        masks[f.index] = m
        coverable |= m

    # Per organisation: the least travel to cover each subset of needs with its own services.
    by_org: dict[str, list[_Fit]] = {}
    for f in sorted(chosen.values(), key=lambda f: services[f.index].id):
        by_org.setdefault(services[f.index].organization_id, []).append(f)
    # best_single[mask] = (travel, org id, fits) for one organisation covering at least ``mask``.
    best_single: dict[int, tuple[float, str, tuple[_Fit, ...]]] = {}
    for org_id, items in sorted(by_org.items()):
        org_best: dict[int, tuple[float, tuple[_Fit, ...]]] = {0: (0.0, ())}
        for f in items:
            for have, (cost, used) in list(org_best.items()):
                new_mask, new_cost = have | masks[f.index], round(cost + f.travel, _ROUND)
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

    # best[mask] = (organisations, travel, steps) over subsets of the coverable needs: exact.
    best: dict[int, tuple[int, float, tuple[tuple[int, tuple[_Fit, ...]], ...]]] = {0: (0, 0.0, ())}
    for mask in sorted((m for m in range(1, coverable + 1) if not m & ~coverable), key=lambda m: (bin(m).count("1"), m)):
        top = None
        sub = mask
        while sub:
            single = best_single.get(sub)
            rest = best.get(mask & ~sub)
            if single is not None and rest is not None:
                candidate = (rest[0] + 1, round(rest[1] + single[0], _ROUND), rest[2] + ((sub, single[2]),))
                if top is None or candidate[:2] < top[:2]:
                    top = candidate
            sub = (sub - 1) & mask
        if top is not None:
            best[mask] = top

    steps: list[PlanStep] = []
    if coverable and coverable in best:
        assigned: dict[int, list[str]] = {}
        fit_of: dict[int, _Fit] = {}
        for sub, used in best[coverable][2]:
            for f in used:
                fit_of[f.index] = f
            for n in needs:
                if sub & bit[n]:
                    owner = next(f for f in used if n in f.covers)
                    assigned.setdefault(owner.index, []).append(n)
        order = sorted(assigned, key=lambda i: (min(needs.index(n) for n in assigned[i]), services[i].id))
        steps = [PlanStep(suggestion(fit_of[i]), tuple(n for n in needs if n in assigned[i])) for i in order]
    organisations = len({s.suggestion.service.organization_id for s in steps})
    travel = round(sum(_travel(s.suggestion) for s in steps), 1)
    covered = {n for s in steps for n in s.needs}
    unmet = tuple(_unmet(directory, ctx, need, excluded) for need in needs if need not in covered)
    return CarePlan(tuple(steps), organisations, travel, unmet)


def _travel(s: Suggestion) -> float:
    if s.reach in ("remote", "comes"):
        return 0.0
    if s.distance_km is None:
        return UNKNOWN_DISTANCE_PENALTY_KM
    return s.distance_km


def _only_distance(reasons: Sequence[Part]) -> bool:
    return bool(reasons) and all(r.key == "too_far" for r in reasons)


def _unmet(directory: Directory, ctx: _Context, need: str, excluded: Sequence[tuple]) -> UnmetNeed:
    """The nearest service for ``need`` that only distance keeps out, searching outwards."""
    best = None
    for dkey, sid, index, covers, reasons, distance, rule in excluded:
        if need in covers and rule == "distance" and (best is None or (dkey, sid) < best[:2]):
            best = (dkey, sid, index, distance)
    if best is None and ctx.point is not None:
        services = directory.services
        for index in directory.by_category.get(need, ()):
            service = services[index]
            distance = _distance(service, ctx.point)
            if distance is None:
                continue
            key = (_dkey(distance), service.id)
            if best is not None and key >= best[:2]:
                continue
            inside = _in_service_area(service, ctx)
            reach = _reach(service, ctx, distance, inside)
            if reach == "distance" and _only_distance(_reasons(service, ctx, distance, reach, inside)):
                best = (key[0], key[1], index, distance)
    if best is None:
        return UnmetNeed(need, None, None)
    return UnmetNeed(need, directory.services[best[2]], round(best[3], 1))


def _relaxations(profile: Profile, excluded: Sequence[tuple], unmet: Sequence[UnmetNeed]) -> tuple[Relaxation, ...]:
    found: list[Relaxation] = []
    by_rule: dict[str, list[tuple]] = {}
    for e in excluded:
        if e[6] is not None:
            by_rule.setdefault(e[6], []).append(e)
    for rule in RELAXABLE:
        lifted = by_rule.get(rule, [])
        if rule == "distance":
            # Kept out only by distance: those we looked at, and the nearest for each unmet need.
            far = {e[1]: e[5] for e in lifted}
            for u in unmet:
                if u.nearest is not None and u.nearest_km is not None:
                    far.setdefault(u.nearest.id, u.nearest_km)
            if not far:
                continue
            nearest = min(far.values())
            step = next((s for s in DISTANCE_STEPS_KM
                         if s >= nearest and (profile.travel_km is None or s > profile.travel_km)), None)
            if step is None:
                step = math.ceil(nearest)
            found.append(Relaxation(rule, sum(1 for d in far.values() if d <= step), float(step)))
        elif lifted:
            found.append(Relaxation(rule, len(lifted)))
    return tuple(found)


def relax(profile: Profile, relaxation: Relaxation) -> Profile:
    """The profile with one rule loosened as ``relaxation`` proposes."""
    if relaxation.rule == "distance":
        return replace(profile, travel_km=relaxation.travel_km)
    if relaxation.rule == "remote":
        return replace(profile, remote_ok=True)
    if relaxation.rule == "payment":
        return replace(profile, payment=frozenset())
    if relaxation.rule == "urgency":
        return replace(profile, urgency="normal")
    raise ValueError(relaxation.rule)
