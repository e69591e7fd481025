"""From a match to referrals: what the referral form takes from a stored profile (needs, stage,
urgency, age, gender, area, language; a whole care plan), and the matching hard rules applied to the
one service a worker chose on the referral form. The rules are the engine's own (``rules.reasons``
through ``engine``), over the cached catalogue: nothing here re-implements a rule.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..directory.freshness import configured_stale_after_days
from .catalog import Catalog, get_catalog
from .engine import Part, Profile, ServiceFacts
from .engine import distance_km, in_service_area, make_context, reach, reasons  # the engine's rules
from .explain import render
from .operations import run_match
from .profile import parse_profile

# Matching's urgency -> the referral's; the referral's -> matching's. A client at risk is an
# emergency whatever the urgency said (``referral_urgency``).
URGENCY_TO_REFERRAL = {"high": "urgent", "normal": "routine"}
URGENCY_FROM_REFERRAL = {"emergency": "high", "urgent": "high", "priority": "normal", "routine": "normal"}


def referral_urgency(profile: Profile) -> str | None:
    """The referral urgency a match profile suggests (the worker can change it on the form)."""
    return "emergency" if profile.at_risk else URGENCY_TO_REFERRAL.get(profile.urgency)
REFERRAL_LANGUAGES = ("zh", "yue", "en")  # the referral form's client languages; anything else: "other"


@dataclass(frozen=True)
class PlanItem:
    service_id: str
    organization_id: str
    needs: tuple[str, ...]
    service_name: str
    organization_name: str


@dataclass
class Prefill:
    needs: list[str] = field(default_factory=list)
    birth_year: int | None = None
    gender: str | None = None
    area_id: int | None = None
    language: str | None = None
    urgency: str | None = None
    from_stage: str | None = None
    plan: list[PlanItem] = field(default_factory=list)


def _service(catalog: Catalog, service_id: str | None) -> ServiceFacts | None:
    if not service_id:
        return None
    return next((s for s in catalog.directory.services if s.id == service_id), None)


def _language(languages) -> str | None:
    if not languages:
        return None
    return next((c for c in REFERRAL_LANGUAGES if c in languages), "other")


def prefill(session: Session, raw: Mapping[str, Any], *, service_id: str | None = None, plan: bool = False,
            lang: str = "zh", today: date) -> Prefill | None:
    """What the referral form starts with; None when the stored profile no longer parses."""
    catalog = get_catalog(session)
    profile, errors = parse_profile(raw, catalog.vocabulary)
    if profile is None:
        return None
    out = Prefill(
        birth_year=today.year - profile.age if profile.age is not None else None,
        gender=profile.gender, area_id=profile.area_id, language=_language(profile.languages),
        urgency=referral_urgency(profile), from_stage=profile.care_stage)
    service = _service(catalog, service_id)
    out.needs = [n for n in profile.needs if service is None or n in service.categories] or list(profile.needs)
    if plan:
        outcome = run_match(session, raw)
        if outcome.result is not None:
            out.plan = [_plan_item(step.suggestion.service, step.needs, lang) for step in outcome.result.plan.steps]
    return out


def _plan_item(service: ServiceFacts, needs, lang: str) -> PlanItem:
    def name(zh, en):
        return (en or zh) if lang == "en" else (zh or en)
    return PlanItem(service.id, service.organization_id, tuple(needs), name(service.name_zh, service.name_en),
                    name(service.organization_name_zh, service.organization_name_en))


@dataclass(frozen=True)
class ClientFacts:
    """What the referral form says about the client, plus what the stored match profile adds."""

    age: int | None = None
    gender: str | None = None
    area_id: int | None = None
    urgency: str = "routine"  # the referral's urgency
    conditions: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    # The client's access wishes, known only from the match the referral started from (None: the
    # referral did not start from a match, so a compulsory service is the worker's explicit choice).
    accepts_compulsory: bool | None = None
    needs_anonymous: bool = False

    @classmethod
    def from_profile(cls, session: Session, raw: Mapping[str, Any] | None, **form_values) -> ClientFacts:
        """Form values win; conditions and circumstances (not on the referral form) come from the match."""
        facts = cls(**{k: v for k, v in form_values.items() if v is not None})
        if raw:
            profile, _ = parse_profile(raw, get_catalog(session).vocabulary)
            if profile is not None:
                facts = dataclasses.replace(facts, conditions=profile.conditions, populations=profile.populations,
                                            accepts_compulsory=profile.accepts_compulsory,
                                            needs_anonymous=profile.needs_anonymous)
        return facts


def exclusion_reasons(session: Session, client: ClientFacts, service_id: str, needs, *, today: date
                      ) -> list[Part]:
    """Why the matching rules would exclude ``client`` from this service (empty: nothing known).
    Travel and payment are the worker's call on the referral form, so only eligibility counts here:
    status, age, gender, restrictions to groups or conditions, residency, urgent referrals."""
    catalog = get_catalog(session)
    service = _service(catalog, service_id)
    if service is None:
        return []
    gender = client.gender if client.gender in ("female", "male") else None
    profile = Profile(needs=tuple(needs) or tuple(sorted(service.categories))[:1], area_id=client.area_id,
                      remote_ok=True, age=client.age, gender=gender, conditions=client.conditions,
                      populations=client.populations, languages=client.languages,
                      urgency=URGENCY_FROM_REFERRAL.get(client.urgency, "normal"),
                      accepts_compulsory=client.accepts_compulsory is not False,
                      needs_anonymous=client.needs_anonymous)
    ctx = make_context(catalog.directory, profile, today, configured_stale_after_days())
    distance = distance_km(service, ctx.point)
    inside = in_service_area(service, ctx)
    how = reach(service, ctx, distance, inside)
    return [p for p in reasons(service, ctx, distance, how, inside) if p.key not in ("too_far", "remote_only", "cost")]


def reason_texts(session: Session, parts: list[Part], translate: Callable[[str], str], lang: str) -> list[str]:
    catalog = get_catalog(session)
    return [render(p, translate, lambda code: catalog.eligibility_label(code, lang), lang) for p in parts]
