"""Relaxations: for each rule a worker may loosen from the results page (distance, online/phone,
payment, urgency), how many more services loosening it would let in, and the profile with it loosened.

Pure: plain data in, plain data out.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from .facts import Part, Profile, Relaxation, UncoveredNeed
from .plan import Excluded

# Reasons that a worker may loosen from the results page, and the reason codes they lift.
RELAXABLE = {
    "distance": frozenset({"too_far"}),
    "remote": frozenset({"remote_only"}),
    "payment": frozenset({"cost"}),
    "urgency": frozenset({"not_accepting", "full"}),
}
RULE_OF = {code: rule for rule, codes in RELAXABLE.items() for code in codes}
# Every reason code loosening a rule can lift (online/phone also lifts "too far" for a service that
# offers it): an excluded service with any other reason stays excluded, so its count skips it.
LIFTS = {**RELAXABLE, "remote": frozenset({"remote_only", "too_far"})}
# Rules whose loosening changes neither where the match looks nor how the client reaches a service:
# the relaxed match has the same candidates, and only the excluded ones can change.
SAME_CANDIDATES = frozenset({"payment", "urgency"})
# Steps offered when relaxing the travel limit ("show services up to 10 km").
DISTANCE_STEPS_KM = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 80, 120, 200, 500)


def look_radius(travel_km: float | None) -> float | None:
    """How far past the travel limit to look, so "show services up to N km" can say what it adds."""
    if travel_km is None:
        return None
    wanted = travel_km * 1.25
    return float(next((s for s in DISTANCE_STEPS_KM if s >= wanted and s > travel_km), math.ceil(wanted) + 1))


def relaxable_rule(reasons: Sequence[Part]) -> str | None:
    """The one loosenable rule that alone keeps a service out; ``None`` if another rule does too."""
    rule = RULE_OF.get(reasons[0].key)
    if rule is not None and any(RULE_OF.get(r.key) != rule for r in reasons[1:]):
        rule = None
    return rule


def relaxations(profile: Profile, excluded: Sequence[Excluded], unmet: Sequence[UncoveredNeed]) -> tuple[Relaxation, ...]:
    """Each loosenable rule that would let something in, with how much it would add."""
    found: list[Relaxation] = []
    by_rule: dict[str, list[Excluded]] = {}
    for e in excluded:
        if e.rule is not None:
            by_rule.setdefault(e.rule, []).append(e)
    for rule in RELAXABLE:
        lifted = by_rule.get(rule, [])
        if rule == "distance":
            distance = _distance_relaxation(profile, lifted, unmet)
            if distance is not None:
                found.append(distance)
        elif lifted:
            found.append(Relaxation(rule, len(lifted)))
    return tuple(found)


def counted(proposed: Sequence[Relaxation], profile: Profile, eligible_now: int,
            eligible_with: Callable[[Profile, str], int]) -> tuple[Relaxation, ...]:
    """The proposed relaxations, each with ``adds`` counted by running the relaxed match itself
    (``eligible_with(profile, rule)`` is the engine's count of eligible services): the number on the
    button is the number of extra suggestions the relaxed results show, whatever else loosening the
    rule changes (a wider look radius, services the first match never looked at). One that would
    add nothing is not offered."""
    out = []
    for relaxation in proposed:
        adds = eligible_with(relax(profile, relaxation), relaxation.rule) - eligible_now
        if adds > 0:
            out.append(replace(relaxation, adds=adds))
    return tuple(out)


def _distance_relaxation(profile: Profile, lifted: Sequence[Excluded], unmet: Sequence[UncoveredNeed]
                         ) -> Relaxation | None:
    """The next travel-limit step that reaches the nearest service kept out only by distance (those
    the match looked at, and the nearest for each unmet need), and how many it lets in."""
    far = {e.service_id: e.distance for e in lifted}
    for u in unmet:
        if u.nearest is not None and u.nearest_km is not None:
            far.setdefault(u.nearest.id, u.nearest_km)
    if not far:
        return None
    nearest = min(far.values())
    step = next((s for s in DISTANCE_STEPS_KM
                 if s >= nearest and (profile.travel_km is None or s > profile.travel_km)), None)
    if step is None:
        step = math.ceil(nearest)
    return Relaxation("distance", sum(1 for d in far.values() if d <= step), float(step))


def loosened(relaxation: Relaxation) -> dict[str, object]:
    """What loosening one rule changes: the profile fields (named as the intake form names them) and
    their new values. The one definition of a relaxation, for the engine (``relax``) and for the
    results page re-running the form (``operations.apply_relaxation``)."""
    if relaxation.rule == "distance":
        return {"travel_km": relaxation.travel_km}
    if relaxation.rule == "remote":
        return {"remote_ok": True}
    if relaxation.rule == "payment":
        return {"payment": frozenset()}
    if relaxation.rule == "urgency":
        return {"urgency": "normal"}
    raise ValueError(relaxation.rule)


def relax(profile: Profile, relaxation: Relaxation) -> Profile:
    """The profile with one rule loosened as ``relaxation`` proposes."""
    return replace(profile, **loosened(relaxation))


def relax_value(relaxation: Relaxation) -> str:
    """How the results page sends a relaxation back: ``distance:10``, ``remote``, ``payment``, ``urgency``."""
    if relaxation.rule == "distance":
        return f"distance:{relaxation.travel_km:g}"
    return relaxation.rule


def parse_relax_value(value: str | None) -> Relaxation | None:
    """The relaxation a ``relax_value`` names; None for anything else (a tampered or stale form)."""
    rule, _, km = (value or "").partition(":")
    if rule not in RELAXABLE or rule == "distance" and not km:
        return None
    if rule != "distance":
        return Relaxation(rule, 0)
    try:
        travel_km = float(km)
    except ValueError:
        return None
    return Relaxation(rule, 0, travel_km) if 0 < travel_km <= DISTANCE_STEPS_KM[-1] else None
