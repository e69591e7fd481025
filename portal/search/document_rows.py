"""Services read for their search documents as plain rows, not ORM objects.

A rebuild reads every service with its organisation, terms, locations, links, schedules, areas,
costs and languages: about twenty ORM objects per service, and building them cost more than
analysing the text (at 20,000 services the parent process spent ~45 s loading objects while the
analysing processes waited). Here each kind of row is read with one Core query per chunk of
services and assembled into light views that carry exactly the attributes
``documents.service_document`` reads, so one function builds every document, whichever way the
service was read. Core queries also never see a session's unflushed objects: what is indexed is
what the database holds.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import or_, select

from ..bulk import among
from ..directory import models as m

CHUNK = 500  # services per round of queries (well under every database's parameter limit)


class _Area(SimpleNamespace):
    def lineage(self) -> list:
        return m.lineage_of(self)


class _Location(SimpleNamespace):
    def point(self):
        return m.location_point(self.latitude, self.longitude, self.area)


class Lookups:
    """Every area with its parent, and every taxonomy term, read once per rebuild or apply (a
    directory has at most a few thousand areas: city, districts, streets, communities; and a few
    hundred terms, which a rebuild would otherwise read again with each of a service's ~6 tags)."""

    def __init__(self, session) -> None:
        table = m.Area.__table__
        rows = session.execute(select(table.c.id, table.c.code, table.c.name_zh, table.c.name_en,
                                      table.c.level, table.c.parent_id, table.c.latitude,
                                      table.c.longitude)).all()
        self.by_id = {row.id: _Area(**row._asdict(), parent=None) for row in rows}
        for area in self.by_id.values():
            area.parent = self.by_id.get(area.parent_id)
        T, X = m.TaxonomyTerm.__table__, m.Taxonomy.__table__
        # One attribute view per term, shared by every service tagged with it (views are read only).
        self.tags = {
            row.id: SimpleNamespace(taxonomy_term=SimpleNamespace(
                code=row.code, name_zh=row.name_zh, name_en=row.name_en, taxonomy=SimpleNamespace(name=row.vocabulary)))
            for row in session.execute(select(T.c.id, T.c.code, T.c.name_zh, T.c.name_en, X.c.name.label("vocabulary"))
                                       .join(X, X.c.id == T.c.taxonomy_id))}

    def get(self, area_id):
        return self.by_id.get(area_id) if area_id is not None else None


def service_views(session, ids: list[str], lookups: Lookups | None = None) -> list[SimpleNamespace]:
    """The services of ``ids`` that exist, each as a view for ``service_document``."""
    lookups = lookups or Lookups(session)
    views: list[SimpleNamespace] = []
    for start in range(0, len(ids), CHUNK):
        views.extend(_chunk_views(session, ids[start:start + CHUNK], lookups))
    return views


# The service columns ``service_document`` reads (a test compares every demo service's document
# read both ways): the others include three timestamps, each parsed from text per row on SQLite.
# Rows become views through ``zip`` with these names (``Row._asdict`` cost 24 us a row).
_SERVICE_COLUMNS = (
    "id", "organization_id", "name_zh", "name_en", "alternate_name", "description_zh", "description_en",
    "eligibility_description_zh", "eligibility_description_en", "application_process_zh",
    "application_process_en", "fees_description_zh", "fees_description_en", "status", "capacity_status",
    "accepts_referrals", "access_mode", "anonymous_access", "reports_to_police", "guardian_consent_required",
    "verified_on")


def _chunk_views(session, ids: list[str], lookups: Lookups) -> list[SimpleNamespace]:
    S = m.Service.__table__
    columns = [S.c[name] for name in _SERVICE_COLUMNS]
    rows = session.execute(select(*columns).where(among(session, S.c.id, ids)).order_by(S.c.id))
    services = {row.id: SimpleNamespace(**dict(zip(_SERVICE_COLUMNS, row)), attributes=[], location_links=[],
                                        schedules=[], service_areas=[], cost_options=[], languages=[])
                for row in rows}
    if not services:
        return []
    ids = list(services)
    _attach_organizations(session, services)
    _attach_terms(session, services, ids, lookups)
    links = _attach_locations(session, services, ids, lookups)
    _attach_schedules(session, services, links, ids)
    _attach_children(session, services, ids, lookups)
    for view in services.values():
        view.locations = [link.location for link in view.location_links]
    return list(services.values())


def _attach_organizations(session, services: dict) -> None:
    O = m.Organization.__table__
    wanted = {view.organization_id for view in services.values()}
    names = ("id", "name_zh", "name_en", "alternate_name", "department", "network_level")
    orgs = {row.id: SimpleNamespace(**dict(zip(names, row))) for row in session.execute(
        select(*(O.c[name] for name in names)).where(among(session, O.c.id, wanted)))}
    for view in services.values():
        view.organization = orgs[view.organization_id]


def _attach_terms(session, services: dict, ids: list[str], lookups: Lookups) -> None:
    A = m.Attribute.__table__
    tags = lookups.tags
    for service_id, term_id in session.execute(select(A.c.service_id, A.c.taxonomy_term_id)
                                               .where(among(session, A.c.service_id, ids))):
        tag = tags.get(term_id)
        if tag is None:  # a term added since the lookups were read (a long rebuild): read them again
            tag = tags[term_id] = Lookups(session).tags[term_id]
        services[service_id].attributes.append(tag)


def _attach_locations(session, services: dict, ids: list[str], lookups: Lookups) -> dict[str, SimpleNamespace]:
    """The service-at-location links with their locations; returns the links by id."""
    L, SAL = m.Location.__table__, m.ServiceAtLocation.__table__
    locations: dict[str, _Location] = {}
    links: dict[str, SimpleNamespace] = {}
    rows = session.execute(
        select(SAL.c.id.label("link_id"), SAL.c.service_id, L.c.id, L.c.name_zh, L.c.name_en, L.c.address_zh,
               L.c.address_en, L.c.latitude, L.c.longitude, L.c.area_id)
        .join(L, L.c.id == SAL.c.location_id).where(among(session, SAL.c.service_id, ids)))
    for row in rows:
        location = locations.get(row.id)
        if location is None:
            location = locations[row.id] = _Location(
                id=row.id, name_zh=row.name_zh, name_en=row.name_en, address_zh=row.address_zh,
                address_en=row.address_en, latitude=row.latitude, longitude=row.longitude,
                area=lookups.get(row.area_id))
        link = links[row.link_id] = SimpleNamespace(location=location, schedules=[])
        services[row.service_id].location_links.append(link)
    return links


def _attach_schedules(session, services: dict, links: dict, ids: list[str]) -> None:
    H = m.Schedule.__table__
    owners = [among(session, H.c.service_id, ids)]
    if links:
        owners.append(among(session, H.c.service_at_location_id, list(links)))
    rows = session.execute(select(H.c.service_id, H.c.service_at_location_id, H.c.weekday, H.c.opens_at,
                                  H.c.closes_at, H.c.valid_from, H.c.valid_to).where(or_(*owners)))
    shared: dict[tuple, SimpleNamespace] = {}  # a directory's opening hours repeat: one view each
    for service_id, link_id, *when in rows:
        key = tuple(when)
        hours = shared.get(key)
        if hours is None:
            weekday, opens_at, closes_at, valid_from, valid_to = key
            hours = shared[key] = SimpleNamespace(weekday=weekday, opens_at=opens_at, closes_at=closes_at,
                                                  valid_from=valid_from, valid_to=valid_to)
        # As the ORM's two relationships: a row may hang on the service, on a link, or both.
        if service_id in services:
            services[service_id].schedules.append(hours)
        if link_id in links:
            links[link_id].schedules.append(hours)


def _attach_children(session, services: dict, ids: list[str], lookups: Lookups) -> None:
    SA, C, LG = m.ServiceArea.__table__, m.CostOption.__table__, m.Language.__table__
    for row in session.execute(select(SA.c.service_id, SA.c.area_id).where(among(session, SA.c.service_id, ids))):
        services[row.service_id].service_areas.append(SimpleNamespace(area=lookups.get(row.area_id)))
    for row in session.execute(select(C.c.service_id, C.c.kind, C.c.description_zh, C.c.description_en)
                               .where(among(session, C.c.service_id, ids))):
        services[row.service_id].cost_options.append(
            SimpleNamespace(kind=row.kind, description_zh=row.description_zh, description_en=row.description_en))
    for row in session.execute(select(LG.c.service_id, LG.c.code).where(among(session, LG.c.service_id, ids))):
        services[row.service_id].languages.append(SimpleNamespace(code=row.code))
