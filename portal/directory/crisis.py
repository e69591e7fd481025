"""The crisis banner: the directory's own crisis hotlines (services in the ``crisis_hotline``
category that are running now), lines open around the clock first, then the national emergency
numbers. Read from the database on each page that shows the banner (one small query), so a hotline
an agency closes disappears from the banner at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from . import hours as hours_mod
from .models import Attribute, Organization, Service, Taxonomy, TaxonomyTerm

CRISIS_CATEGORIES = ("crisis_hotline",)
MAX_HOTLINES = 3
EMERGENCY_NUMBERS = (("110", _l("Police")), ("120", _l("Ambulance")))


@dataclass(frozen=True)
class CrisisLine:
    name: str
    number: str
    all_day: bool
    service_id: str | None = None


def _around_the_clock(service: Service) -> bool:
    days = {s.weekday for s in service.schedules if hours_mod.is_all_day(((s.opens_at, s.closes_at),))}
    return days == set(range(1, 8))


def _number(service: Service) -> str | None:
    phones = list(service.phones) or list(service.organization.phones)
    hotline = next((p for p in phones if p.type == "hotline"), None)
    voice = next((p for p in phones if p.type in ("hotline", "voice", "cell")), None)
    chosen = hotline or voice
    return chosen.number if chosen is not None else None


def hotlines(limit: int = MAX_HOTLINES) -> list[CrisisLine]:
    query = (
        select(Service)
        .join(Attribute, Attribute.service_id == Service.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
        # Only running services: a paused hotline in a crisis banner would waste someone's call.
        .where(Taxonomy.name == "category", TaxonomyTerm.code.in_(CRISIS_CATEGORIES), Service.status == "active")
        .options(selectinload(Service.phones), selectinload(Service.schedules),
                 selectinload(Service.organization).selectinload(Organization.phones))
        .order_by(Service.name_zh, Service.id)
        .distinct()
    )
    found = []
    for service in db.session.scalars(query):
        number = _number(service)
        if number:
            found.append(CrisisLine(str(service.t("name")), number, _around_the_clock(service), service.id))
    found.sort(key=lambda line: not line.all_day)  # stable: by name within each group
    return found[:limit]


def lines_for_banner() -> list[CrisisLine]:
    emergency = [CrisisLine(str(label), number, True) for number, label in EMERGENCY_NUMBERS]
    return hotlines() + emergency
