"""Matching's rules that touch the database: run a match over the cached catalog and remember the
needs nobody could meet (by district, for the coordinators' service-gap report; no client data)."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..common import today
from ..directory.freshness import configured_stale_after_days
from .catalog import Catalog, get_catalog
from .engine import MatchResult, Part, Profile, match
from .models import UnmetNeed
from .profile import parse_profile
from .relax import RELAXABLE, loosened, parse_relax_value, relax_value  # noqa: F401 (relax_value: for the view)

RELAX_RULES = tuple(RELAXABLE)


@dataclass
class MatchOutcome:
    catalog: Catalog
    result: MatchResult | None
    errors: dict[str, list[Part]]


def apply_relaxation(raw: dict[str, Any], relax: str | None) -> dict[str, Any]:
    """The submitted form values with one rule loosened as the engine loosens it (``relax.loosened``);
    ``relax`` is what the results page sent (``relax_value``). Unknown values change nothing."""
    relaxation = parse_relax_value(relax)
    if relaxation is None:
        return raw
    raw = dict(raw)
    for name, value in loosened(relaxation).items():
        raw[name] = _form_value(value)
    return raw


def _form_value(value: Any) -> Any:
    """A profile value as the intake form submits it (numbers as text, sets as lists)."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def run_match(session: Session, raw: Mapping[str, Any]) -> MatchOutcome:
    catalog = get_catalog(session)
    profile, errors = parse_profile(raw, catalog.vocabulary)
    if profile is None:
        return MatchOutcome(catalog, None, errors)
    result = match(catalog.directory, profile, today=today(), stale_after_days=configured_stale_after_days())
    return MatchOutcome(catalog, result, {})


def submission_key(profile: Profile, worker: str | int | None, day: date, secret: str) -> str:
    """The same client profile, seen by the same worker on the same day, gives the same key: the gap
    report counts it once however often the form is sent again. A keyed hash (the app's secret), so
    the stored key says nothing about the profile or the worker."""
    canonical = json.dumps({f.name: sorted(v) if isinstance(v, frozenset) else v
                            for f in fields(profile) for v in [getattr(profile, f.name)]},
                           sort_keys=True, default=str)
    message = f"{worker}|{day.isoformat()}|{canonical}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def record_unmet_needs(session: Session, outcome: MatchOutcome, organization_id: str | None,
                       worker: str | int | None = None) -> int:
    """One row per unmet need, at district level; a profile ``worker`` already recorded today is not
    counted again (``submission_key``). Flushes; the caller commits."""
    result = outcome.result
    if result is None or not result.plan.unmet:
        return 0
    key = None
    if worker is not None:
        key = submission_key(result.profile, worker, today(), current_app.config["SECRET_KEY"])
        if session.scalar(select(UnmetNeed.id).where(UnmetNeed.submission_key == key).limit(1)) is not None:
            return 0
    directory = outcome.catalog.directory
    profile = result.profile
    district = directory.district_of(profile.area_id)
    if district is None and profile.point is not None:
        district = directory.nearest_district(profile.point)
    rows = [UnmetNeed(area_id=district, category_code=u.need, organization_id=organization_id, submission_key=key)
            for u in result.plan.unmet]
    session.add_all(rows)
    session.flush()
    return len(rows)
