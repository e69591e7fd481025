"""Reading the directory for the public pages: services with everything a card or page shows,
labels for filter values. Public data only; staff-only fields are chosen by the templates.

Row rule: the directory is public, but a ``defunct`` service is no longer offered: search never
returns it, and its page says so instead of presenting it as available.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import (
    Area,
    Attribute,
    Contact,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)


def _service_options():
    return (
        selectinload(Service.organization).selectinload(Organization.phones),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.location)
        .selectinload(Location.area).selectinload(Area.parent).selectinload(Area.parent),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.location)
        .selectinload(Location.phones),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.schedules),
        selectinload(Service.schedules),
        selectinload(Service.phones),
        selectinload(Service.cost_options),
        selectinload(Service.languages),
        selectinload(Service.required_documents),
        selectinload(Service.contacts).selectinload(Contact.phones),
        selectinload(Service.attributes).selectinload(Attribute.taxonomy_term).selectinload(TaxonomyTerm.taxonomy),
    )


def services_by_ids(ids: list[str]) -> list[Service]:
    """The services in the order of ``ids`` (missing ones skipped), with what cards need loaded."""
    ids = [i for i in ids if isinstance(i, str)][:200]
    if not ids:
        return []
    found = {s.id: s for s in db.session.scalars(select(Service).options(*_service_options())
                                                  .where(Service.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def service_for_page(service_id: str) -> Service | None:
    if not service_id or len(service_id) > 36:
        return None
    return db.session.scalar(select(Service).options(*_service_options()).where(Service.id == service_id))


def organization_for_page(organization_id: str) -> Organization | None:
    if not organization_id or len(organization_id) > 36:
        return None
    return db.session.scalar(select(Organization).options(
        selectinload(Organization.phones), selectinload(Organization.locations).selectinload(Location.area),
        selectinload(Organization.services).selectinload(Service.cost_options),
    ).where(Organization.id == organization_id))


def term_labels() -> dict[str, dict[str, TaxonomyTerm]]:
    """vocabulary name -> code -> term (ordered by position)."""
    out: dict[str, dict[str, TaxonomyTerm]] = {}
    rows = db.session.execute(
        select(Taxonomy.name, TaxonomyTerm).join(TaxonomyTerm.taxonomy)
        .order_by(Taxonomy.name, TaxonomyTerm.position, TaxonomyTerm.code)
    )
    for vocabulary, term in rows:
        out.setdefault(vocabulary, {})[term.code] = term
    return out


def department_term(code: str) -> TaxonomyTerm | None:
    """The ``department`` vocabulary's term for an organisation's department code."""
    return db.session.scalar(select(TaxonomyTerm).join(TaxonomyTerm.taxonomy)
                             .where(Taxonomy.name == "department", TaxonomyTerm.code == code))


def areas_by_code() -> dict[str, Area]:
    return {a.code: a for a in db.session.scalars(select(Area).order_by(Area.code))}


def districts() -> list[Area]:
    return list(db.session.scalars(select(Area).where(Area.level == "district").order_by(Area.code)))


def language_names() -> dict[str, str]:
    """Language code -> a name recorded for it in the data (first one found)."""
    from .models import Language

    names: dict[str, str] = {}
    for code, name in db.session.execute(select(Language.code, Language.name).order_by(Language.code)):
        if name and code not in names:
            names[code] = name
    return names
