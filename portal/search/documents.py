"""What the index knows about one service: built from the database, never from client data."""
from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analyzers import BilingualAnalyzer

# Services in these states are kept out of search results.
HIDDEN_STATUSES = ("defunct",)


def build_schema() -> Schema:
    analyzer = BilingualAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
        organization=TEXT(analyzer=analyzer, stored=True, field_boost=1.5),
        terms=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        places=TEXT(analyzer=analyzer),
        organization_id=ID(stored=True),
        category=KEYWORD(commas=True, stored=True),
        care_stage=KEYWORD(commas=True, stored=True),
        population=KEYWORD(commas=True, stored=True),
        condition=KEYWORD(commas=True, stored=True),
        delivery_mode=KEYWORD(commas=True, stored=True),
        area=KEYWORD(commas=True, stored=True),
        cost=KEYWORD(commas=True, stored=True),
        language=KEYWORD(commas=True, stored=True),
        status=ID(stored=True),
        capacity=ID(stored=True),
        accepting=BOOLEAN(stored=True),
        verified=NUMERIC(stored=True, sortable=True),  # ordinal day of verified_on, 0 if never
        points=STORED(),
    )


def _join(values) -> str:
    return ",".join(sorted({v for v in values if v}))


def service_document(service) -> dict:
    """Flatten a Service (with its organisation, locations and terms) into an index document."""
    org = service.organization
    terms = [a.taxonomy_term for a in service.attributes]
    by_vocab: dict[str, list[str]] = {}
    for term in terms:
        by_vocab.setdefault(term.taxonomy.name, []).append(term.code)
    areas, places, points = set(), [], []
    for location in service.locations:
        if location.area is not None:
            areas.update(a.code for a in location.area.lineage())
            places.extend(filter(None, (a.name_zh for a in location.area.lineage())))
            places.extend(filter(None, (a.name_en for a in location.area.lineage())))
        places.extend(filter(None, (location.address_zh, location.address_en, location.name_zh, location.name_en)))
        point = location.point()
        if point:
            points.append(point)
    for service_area in service.service_areas:
        if service_area.area is not None:
            areas.update(a.code for a in service_area.area.lineage())
    text_fields = (service.description_zh, service.description_en, service.eligibility_description_zh,
                   service.eligibility_description_en, service.application_process_zh,
                   service.application_process_en, service.alternate_name)
    return {
        "id": service.id,
        "name": " ".join(filter(None, (service.name_zh, service.name_en))),
        "organization": " ".join(filter(None, (org.name_zh, org.name_en, org.alternate_name))),
        "terms": " ".join(filter(None, [t.name_zh for t in terms] + [t.name_en or "" for t in terms])),
        "body": "\n".join(filter(None, text_fields)),
        "places": " ".join(places),
        "organization_id": org.id,
        "category": _join(by_vocab.get("category", [])),
        "care_stage": _join(by_vocab.get("care_stage", [])),
        "population": _join(by_vocab.get("population", [])),
        "condition": _join(by_vocab.get("condition", [])),
        "delivery_mode": _join(by_vocab.get("delivery_mode", [])),
        "area": _join(areas),
        "cost": _join(c.kind for c in service.cost_options),
        "language": _join(lang.code for lang in service.languages),
        "status": service.status,
        "capacity": service.capacity_status,
        "accepting": bool(service.accepts_referrals),
        "verified": service.verified_on.toordinal() if service.verified_on else 0,
        "points": points,
    }
