"""The plain data the matching engine reads and returns: facts about services and areas, one client's
profile, and the result of a match (suggestions, exclusions, care plan, relaxations).

Frozen dataclasses, no behaviour beyond small derived properties. ``None`` in a fact means "not
stated": *unknown is not no* (see docs/domain.md), so a rule never excludes on ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REMOTE_MODES = frozenset({"online", "phone"})
COMES_TO_CLIENT = frozenset({"home_visit", "outreach"})
PAYMENT_KINDS = ("free", "subsidy", "sliding_scale", "insurance", "fixed_fee")
# How pressing the client's situation is, as the matching form asks it (not a referral's urgency,
# which is referrals.statemachine.URGENCIES: urgent/priority/routine).
PROFILE_URGENCIES = ("normal", "high")
GENDERS = ("female", "male")
MAX_NEEDS = 8
# Needs that cannot wait for opening hours: hotlines reach the client by phone whatever the client
# said about phone/online help, and services open around the clock rank first.
CRISIS_NEEDS = frozenset({"crisis_hotline"})
# Distances are rounded to this many decimals for ranking and ties, so float noise never changes an order.
DISTANCE_DIGITS = 3


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
    conditions_served: frozenset[str] = frozenset()
    always_open: bool = False  # open 24 hours, 7 days (schedules or stated hours)
    access_mode: str | None = None  # "voluntary", "compulsory"; None: not stated
    anonymous_access: bool | None = None  # can be used without giving a name; None: not stated

    @property
    def remote(self) -> bool:
        return bool(self.delivery_modes & REMOTE_MODES)

    @property
    def remote_only(self) -> bool:
        """Reached only by phone or online: no place to go to and nobody comes to the client."""
        return self.remote and not self.points and not (self.delivery_modes & COMES_TO_CLIENT)

    @property
    def hotline(self) -> bool:
        """A crisis line: reached by phone by its nature, even when no delivery mode says so."""
        return not self.categories.isdisjoint(CRISIS_NEEDS) and (
            "phone" in self.delivery_modes or not self.points)


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
    languages_only: bool = False  # speaks only these languages: a hard rule, not a preference
    # Access the client agrees to. Both are hard rules the worker sets on purpose, never loosened
    # from the results page: a compulsory programme is offered only when the client accepts one,
    # and a service known to need a name is left out for a client who needs anonymity.
    accepts_compulsory: bool = False
    needs_anonymous: bool = False
    # A worker judged the person at risk now (self-harm, violence, overdose): crisis lines and
    # services open around the clock come first, as for an urgent case (``rules.crisis_tier``).
    at_risk: bool = False


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
    rank: int = 0  # position among every eligible service (1 = best), also beyond the ``limit`` returned


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
class UncoveredNeed:
    """A need no suggestion covers within reach (the row that counts it for reports is the model
    matching.models.UnmetNeed)."""

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
    unmet: tuple[UncoveredNeed, ...]

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
