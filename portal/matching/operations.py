"""Matching's rules that touch the database: run a match over the cached catalog and remember the
needs nobody could meet (by district, for the coordinators' service-gap report; no client data)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from ..common import today
from .catalog import Catalog, get_catalog
from .engine import MatchResult, Part, Relaxation, match
from .models import UnmetNeed
from .profile import parse_profile

RELAX_RULES = ("distance", "remote", "payment", "urgency")


@dataclass
class MatchOutcome:
    catalog: Catalog
    result: MatchResult | None
    errors: dict[str, list[Part]]


def apply_relaxation(raw: dict[str, Any], relax: str | None) -> dict[str, Any]:
    """The submitted values with one rule loosened: ``distance:10``, ``remote``, ``payment``, ``urgency``."""
    if not relax:
        return raw
    rule, _, value = relax.partition(":")
    raw = dict(raw)
    if rule == "distance":
        try:
            km = float(value)
        except ValueError:
            return raw
        if 0 < km <= 500:
            raw["travel_km"] = f"{km:g}"
    elif rule == "remote":
        raw["remote_ok"] = True
    elif rule == "payment":
        raw["payment"] = []
    elif rule == "urgency":
        raw["urgency"] = "normal"
    return raw


def relax_value(relaxation: Relaxation) -> str:
    """How a relaxation is sent back by the results page (see ``apply_relaxation``)."""
    if relaxation.rule == "distance":
        return f"distance:{relaxation.travel_km:g}"
    return relaxation.rule


def run_match(session: Session, raw: Mapping[str, Any]) -> MatchOutcome:
    catalog = get_catalog(session)
    profile, errors = parse_profile(raw, catalog.vocabulary)
    if profile is None:
        return MatchOutcome(catalog, None, errors)
    result = match(catalog.directory, profile, today=today(),
                   stale_after_days=current_app.config.get("STALE_AFTER_DAYS", 180))
    return MatchOutcome(catalog, result, {})


def record_unmet_needs(session: Session, outcome: MatchOutcome, organization_id: str | None) -> int:
    """One row per unmet need, at district level. Flushes; the caller commits."""
    result = outcome.result
    if result is None or not result.plan.unmet:
        return 0
    directory = outcome.catalog.directory
    profile = result.profile
    district = directory.district_of(profile.area_id)
    if district is None and profile.point is not None:
        district = directory.nearest_district(profile.point)
    rows = [UnmetNeed(area_id=district, category_code=u.need, organization_id=organization_id)
            for u in result.plan.unmet]
    session.add_all(rows)
    session.flush()
    return len(rows)
