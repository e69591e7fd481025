"""The hard rules: what rules a service out for one client, each with its reason, and the facts to
check with the service when it never stated them (*unknown is not no*: a fact the agency never
stated never excludes, it is flagged).

Reasons and flags are :class:`~.facts.Part` objects, put into words by :mod:`.explain`.
Pure: plain data in, plain data out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .facts import COMES_TO_CLIENT, CRISIS_NEEDS, GENDERS, PAYMENT_KINDS, REMOTE_MODES, Part, Profile, ServiceFacts
from .spatial import Directory


# Populations that say no more than a gender rule already does.
_GENDER_GROUPS = frozenset({"women", "men"})


@dataclass(slots=True)
class Context:
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
    crisis: bool = False  # a need that cannot wait (hotlines, services open around the clock first)
    # The situation cannot wait: a crisis need, a client at risk, or an urgent case (``crisis_tier``).
    crisis_first: bool = False


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


def make_context(directory: Directory, profile: Profile, today: date, stale_after_days: int) -> Context:
    point = profile.point or directory.centroid(profile.area_id)
    payment = (frozenset(profile.payment) | {"free"}) if profile.payment else frozenset()
    stage = directory.stage_positions.get(profile.care_stage) if profile.care_stage else None
    crisis = not CRISIS_NEEDS.isdisjoint(profile.needs)
    return Context(profile, tuple(profile.needs), point, frozenset(directory.lineage(profile.area_id)),
                    client_populations(profile), payment, stage, directory.stage_positions, today,
                    stale_after_days, crisis, crisis or profile.at_risk or profile.urgency == "high")


def is_crisis_line(service: ServiceFacts) -> bool:
    return not CRISIS_NEEDS.isdisjoint(service.categories)


def crisis_tier(service: ServiceFacts, ctx: Context) -> int:
    """The first thing the ranking looks at when the situation cannot wait (``ctx.crisis_first``):
    0 for a crisis line open around the clock, 1 for another crisis line or a service open around
    the clock, 2 for the rest. Otherwise 0 for every service: the ranking is as if it did not exist."""
    if not ctx.crisis_first:
        return 0
    line = is_crisis_line(service)
    if line and service.always_open:
        return 0
    return 1 if line or service.always_open else 2


def in_service_area(service: ServiceFacts, ctx: Context) -> bool | None:
    """True/False when the service's area and the client's are known; None otherwise."""
    areas = service.service_area_ids or service.location_district_ids
    if not areas or not ctx.lineage:
        return None
    return not areas.isdisjoint(ctx.lineage)


def reach(service: ServiceFacts, ctx: Context, distance: float | None, inside: bool | None) -> str:
    """How the client gets to the service: "remote", "comes" (it visits them), "distance",
    "unknown" (no place stated), or "remote_only" (online/phone, which the client cannot use).
    A hotline is a phone service by nature: it reaches every client."""
    modes = service.delivery_modes
    if ctx.profile.remote_ok and not modes.isdisjoint(REMOTE_MODES) or service.hotline:
        return "remote"
    if inside is True and not modes.isdisjoint(COMES_TO_CLIENT):
        return "comes"
    if distance is None:
        return "remote_only" if service.remote_only else "unknown"
    return "distance"


def reasons(service: ServiceFacts, ctx: Context, distance: float | None, reach: str,
             inside: bool | None) -> list[Part]:
    """Why the client cannot use this service: empty when nothing rules it out. Only what is known
    counts: a fact the agency never stated is a flag (:func:`flags`), not a reason."""
    p = ctx.profile
    reasons: list[Part] = []
    if service.status != "active":
        reasons.append(Part("status", (("status", service.status),)))
    if service.access_mode == "compulsory" and not p.accepts_compulsory:
        reasons.append(Part("compulsory"))
    if p.needs_anonymous and service.anonymous_access is False:
        reasons.append(Part("not_anonymous"))
    if p.age is not None:
        if service.minimum_age is not None and p.age < service.minimum_age:
            reasons.append(Part("age_min", (("age", service.minimum_age),)))
        if service.maximum_age is not None and p.age > service.maximum_age:
            reasons.append(Part("age_max", (("age", service.maximum_age),)))
    gender = service.gender_eligibility
    if gender is not None and gender != "all" and p.gender is not None and p.gender != gender:
        reasons.append(Part("gender", (("gender", gender),)))
    if service.populations_only and service.populations_only.isdisjoint(ctx.populations) \
            and not (reasons and reasons[-1].key == "gender" and service.populations_only <= _GENDER_GROUPS):
        # ("only for women" once, not again as "only for: women")
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
    if p.languages_only and p.languages and service.languages and not service.interpretation \
            and service.languages.isdisjoint(p.languages):
        reasons.append(Part("language", (("langs", tuple(sorted(p.languages))),)))
    if reach == "remote_only":
        reasons.append(Part("remote_only"))
    elif reach == "distance" and p.travel_km is not None and distance > p.travel_km:
        reasons.append(Part("too_far", (("km", round(distance, 1)), ("limit", _num(p.travel_km)))))
    return reasons


def flags(service: ServiceFacts, ctx: Context, reach: str) -> tuple[Part, ...]:
    """Facts to check with the service before sending the client: what it never stated, or what
    the worker did not say about the client."""
    p = ctx.profile
    inside = in_service_area(service, ctx)
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
    if p.needs_anonymous and service.anonymous_access is None:
        flags.append(Part("anonymous_unknown"))
    if reach == "unknown":
        flags.append(Part("distance_unknown"))
    if p.languages and service.languages and service.languages.isdisjoint(p.languages) and not service.interpretation:
        flags.append(Part("language_missing", (("langs", tuple(sorted(p.languages))),)))
    return tuple(flags)


def availability(service: ServiceFacts) -> int:
    """0: taking clients (or not stated: unknown is not no); 1: waitlist; 2: full or not taking
    referrals. Ranks and the care plan prefer the lower."""
    if service.accepts_referrals is False or service.capacity_status == "full":
        return 2
    return 1 if service.capacity_status == "waitlist" else 0


def group_fit(service: ServiceFacts, ctx: Context) -> tuple[int, tuple[str, ...]]:
    """How the groups and conditions a service is for fit the client: (0, the matching terms) when
    it is for a group or condition of the client's; (2, its terms) when it is for groups or
    conditions the client is not in; (1, ()) for a general service. "Only" is a hard rule
    (:func:`reasons`); this is the ranking signal for what a service is *for*."""
    conditions = ctx.profile.conditions
    groups = service.populations_served | service.populations_only
    conds = service.conditions_served | service.conditions_only
    matching = (groups & ctx.populations) | (conds & conditions)
    if matching:
        return 0, tuple(sorted(matching))
    other = set(groups)
    if conditions:
        other |= conds
    if other:
        return 2, tuple(sorted(other))
    return 1, ()


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)
