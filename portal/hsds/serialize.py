"""Directory records → Open Referral HSDS 3.0 objects (the API shape, and the rows of an export).

Choices, so that HSDS consumers read a standard object and our own import reads it back losslessly:

* **Bilingual fields.** HSDS has one value per field. The HSDS field (``name``, ``description``,
  ``application_process``, …) carries the Chinese value and falls back to the English one when there
  is no Chinese. The exact stored values travel as extension fields named like our columns:
  ``name_zh`` / ``name_en``, ``description_zh`` / ``description_en`` … (HSDS allows additional
  properties). Our importer prefers them when present.
* **Freshness.** ``verified_on`` ↔ HSDS ``assured_date`` (services); organisations keep
  ``verified_on`` as an extension (HSDS has no organisation-level assured date).
* **Capacity.** ``capacities`` follows HSDS 3.1 (``service_capacity`` objects: unit, available,
  maximum, updated); ``capacity_status`` / ``wait_weeks`` / ``accepts_referrals`` / ``reopens_on`` /
  ``capacity_available`` / ``capacity_maximum`` / ``capacity_updated_at`` are extensions, and
  ``wait_time`` is filled for 3.0 consumers ("3 weeks").
* **Opening hours.** One schedule row per weekday becomes an RRULE-style HSDS schedule
  (``freq=WEEKLY``, ``byday=MO``) with ``opens_at`` / ``closes_at``; ``weekday`` stays as an extension.
* **Areas.** A location's area becomes the address ``region`` (district) / ``city`` (city) plus the
  extension ``area_code``; a service area carries ``area_code`` too. The address keeps the
  location's own ``state_province`` and ``country`` (``PORTAL_DEFAULT_COUNTRY`` when it has none);
  ``state_province_raw`` / ``country_raw`` carry the stored values exactly.
* **Taxonomies.** Every term a service is linked to is exported with its own taxonomy (``taxonomy``,
  ``taxonomy_id``, ``taxonomy_detail``): the source's terms (Open Eligibility, AIRS …) next to the
  portal's categories mapped onto them.
* **Hours text.** ``hours_text`` (extension) keeps opening hours as an imported source wrote them.
* **Access facts and network level.** ``access_mode``, ``anonymous_access``, ``reports_to_police``,
  ``guardian_consent_required`` (services) and ``network_level`` (organisations) are extensions
  named like our columns; HSDS has no field for them (mapping them to attributes would need terms of
  a vocabulary nobody else uses). Not stated (NULL) is left out.
* **Staff-only data** (contacts = named intake people, capacity notes) is only included with
  ``staff=True`` (exports run by admins); the public read API leaves it out.
* ``None`` values are left out: the HSDS schemas type fields as plain strings/numbers, not nullable.
"""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time, timezone

from ..common import as_aware
from ..stable_ids import uuid5
from ..validators import safe_url

HSDS_NAMESPACE = uuid.UUID("6f1d8a0e-6a55-4f0e-9d6b-6d3c1c1f4a30")  # for ids of derived rows
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # ISO weekday 1..7
STATUS_TO_HSDS = {"temporarily_closed": "temporarily closed"}
STATUS_FROM_HSDS = {"temporarily closed": "temporarily_closed"}


def default_country() -> str:
    """The deployment's ISO country (``PORTAL_DEFAULT_COUNTRY``) for addresses stored without one."""
    try:
        from flask import current_app

        return current_app.config.get("PORTAL_DEFAULT_COUNTRY", "CN")
    except RuntimeError:
        return "CN"


def derived_id(*parts: str) -> str:
    """A stable UUID for an HSDS row we synthesise from one of ours (address, accessibility, …)."""
    return uuid5(HSDS_NAMESPACE, "/".join(parts))


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None and v != []}


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = as_aware(value).astimezone(timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # microseconds: exports must round-trip
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _bilingual(obj, field: str, hsds_field: str | None = None, required: bool = False) -> dict:
    """``{hsds_field: zh or en, field_zh: …, field_en: …}`` (missing values left out)."""
    zh = getattr(obj, f"{field}_zh", None)
    en = getattr(obj, f"{field}_en", None)
    main = zh or en
    if main is None and required:
        main = ""
    return {hsds_field or field: main, f"{field}_zh": zh, f"{field}_en": en}


def _number(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value) if abs(value) < 1e15 else value
    return value


# --- taxonomy ------------------------------------------------------------------------------------

def taxonomy_to_hsds(taxonomy) -> dict:
    return _clean({"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description or "",
                   "uri": taxonomy.uri, "version": taxonomy.version})


def taxonomy_term_to_hsds(term) -> dict:
    return _clean({
        "id": term.id,
        "code": term.code,
        **_bilingual(term, "name", required=True),
        "description": term.description or "",
        "parent_id": term.parent_id,
        "taxonomy": term.taxonomy.name,
        "taxonomy_id": term.taxonomy_id,
        "taxonomy_detail": taxonomy_to_hsds(term.taxonomy),
        "language": "zh" if term.name_zh else "en",
        "position": term.position,
    })


def attribute_to_hsds(attribute, link_entity: str, link_id: str) -> dict:
    return _clean({
        "id": attribute.id,
        "link_id": link_id,
        "link_entity": link_entity,
        # "only" restricts eligibility to the term; "serves" describes who/what the service is for.
        "link_type": "eligibility" if attribute.value == "only" else "audience",
        "value": attribute.value,
        "taxonomy_term_id": attribute.taxonomy_term_id,
        "taxonomy_term": taxonomy_term_to_hsds(attribute.taxonomy_term),
    })


# --- small children --------------------------------------------------------------------------------

def phone_to_hsds(phone) -> dict:
    ext = phone.extension
    numeric_ext = int(ext) if ext and ext.isdigit() and str(int(ext)) == ext else None
    return _clean({
        "id": phone.id,
        "organization_id": phone.organization_id,
        "service_id": phone.service_id,
        "location_id": phone.location_id,
        "contact_id": phone.contact_id,
        "number": phone.number,
        "extension": numeric_ext,
        # HSDS types ``extension`` as a number; "ext. 12#" or "0012" would not survive that.
        "extension_text": ext if ext and numeric_ext is None else None,
        "type": phone.type,
        "description": phone.description,
    })


def contact_to_hsds(contact) -> dict:
    return _clean({
        "id": contact.id,
        "organization_id": contact.organization_id,
        "service_id": contact.service_id,
        "name": contact.name,
        "title": contact.title,
        "department": contact.department,
        "email": contact.email,
        "phones": [phone_to_hsds(p) for p in contact.phones],
    })


def schedule_to_hsds(schedule) -> dict:
    return _clean({
        "id": schedule.id,
        "service_id": schedule.service_id,
        "service_at_location_id": schedule.service_at_location_id,
        "valid_from": _iso(schedule.valid_from),
        "valid_to": _iso(schedule.valid_to),
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": WEEKDAY_CODES[schedule.weekday - 1],
        "opens_at": _iso(schedule.opens_at),
        "closes_at": _iso(schedule.closes_at),
        "notes": schedule.notes,
        "weekday": schedule.weekday,
    })


def language_to_hsds(language) -> dict:
    return _clean({"id": language.id, "service_id": language.service_id, "name": language.name,
                   "code": language.code, "note": language.note})


def cost_option_to_hsds(cost) -> dict:
    return _clean({
        "id": cost.id,
        "service_id": cost.service_id,
        "option": cost.kind,  # HSDS leaves ``option`` free text; ours is one of COST_KINDS
        "amount": _number(cost.amount),
        "currency": cost.currency,
        "amount_description": cost.description_zh or cost.description_en,
        "description_zh": cost.description_zh,
        "description_en": cost.description_en,
    })


def required_document_to_hsds(document) -> dict:
    return _clean({"id": document.id, "service_id": document.service_id,
                   **_bilingual(document, "document")})


def service_area_to_hsds(service_area) -> dict:
    area = service_area.area
    return _clean({
        "id": service_area.id,
        "service_id": service_area.service_id,
        "name": service_area.name,
        "description": service_area.description,
        "area_code": area.code if area is not None else None,
        "area_name": area.name_zh if area is not None else None,
    })


# --- locations -------------------------------------------------------------------------------------

def _area_parts(area) -> dict:
    """City / district names of an area's lineage, for the address fields."""
    parts = {}
    for node in area.lineage() if area is not None else []:
        parts.setdefault(node.level, node)
    return parts


def location_to_hsds(location) -> dict:
    area = location.area
    parts = _area_parts(area)
    city_area, district = parts.get("city"), parts.get("district")
    address_1 = location.address_zh or location.address_en
    addresses = []
    if address_1 or location.city or location.postal_code or area is not None:
        addresses.append({
            "id": derived_id("address", location.id),
            "location_id": location.id,
            "address_1": address_1 or "",
            "city": location.city or (city_area.name_zh if city_area else ""),
            "region": district.name_zh if district else None,
            "state_province": location.state_province or "",
            "postal_code": location.postal_code or "",
            "country": location.country or default_country(),
            "address_type": location.location_type,
        })
        addresses = [_clean(a) for a in addresses]
    accessibility = []
    if location.accessibility_zh or location.accessibility_en:
        accessibility.append({"id": derived_id("accessibility", location.id), "location_id": location.id,
                              "description": location.accessibility_zh or location.accessibility_en})
    return _clean({
        "id": location.id,
        "location_type": location.location_type,
        "organization_id": location.organization_id,
        **_bilingual(location, "name"),
        **_bilingual(location, "transportation"),
        "latitude": _number(location.latitude),
        "longitude": _number(location.longitude),
        "addresses": addresses,
        "accessibility": accessibility,
        "phones": [phone_to_hsds(p) for p in location.phones],
        # Extensions: exact stored values (the address object above is derived from them).
        "address_zh": location.address_zh,
        "address_en": location.address_en,
        "city_raw": location.city,
        "state_province_raw": location.state_province,
        "country_raw": location.country,
        "accessibility_zh": location.accessibility_zh,
        "accessibility_en": location.accessibility_en,
        "area_code": area.code if area is not None else None,
        "last_modified": _iso(location.updated_at),
    })


def service_at_location_to_hsds(link) -> dict:
    return _clean({
        "id": link.id,
        "service_id": link.service_id,
        "location_id": link.location_id,
        "description": link.description,
        "schedules": [schedule_to_hsds(s) for s in _sorted_schedules(link.schedules)],
        "location": location_to_hsds(link.location),
    })


def _sorted_schedules(schedules):
    return sorted(schedules, key=lambda s: (s.weekday, s.opens_at, s.id))


# --- organisations and services --------------------------------------------------------------------

def organization_to_hsds(organization, *, full: bool = False, staff: bool = False) -> dict:
    """Basic one-to-one fields (the HSDS list shape); ``full`` adds phones, locations, attributes and
    the ids of its services."""
    data = {
        "id": organization.id,
        **_bilingual(organization, "name", required=True),
        "alternate_name": organization.alternate_name,
        **_bilingual(organization, "description", required=True),
        "email": organization.email,
        "website": safe_url(organization.website),  # never republish a javascript: link
        "legal_status": organization.legal_status,
        "department": organization.department,
        "network_level": organization.network_level,  # extension: city, district, street, community
        "verified_on": _iso(organization.verified_on),
        "last_modified": _iso(organization.updated_at),
    }
    if full:
        data.update({
            "phones": [phone_to_hsds(p) for p in organization.phones],
            "locations": [location_to_hsds(loc) for loc in organization.locations],
            "attributes": [attribute_to_hsds(a, "organization", organization.id)
                           for a in organization.attributes],
            "services": [{"id": s.id, "name": s.name_zh or s.name_en} for s in organization.services],
        })
        if staff:
            data["contacts"] = [contact_to_hsds(c) for c in organization.contacts]
    return _clean(data)


def service_capacities(service) -> list[dict]:
    """HSDS 3.1 ``capacities`` (``service_capacity`` objects: id, unit, available, updated are
    required there, so nothing is emitted without a count of available places)."""
    if service.capacity_available is None:
        return []
    return [_clean({
        "id": derived_id("service_capacity", service.id),
        "service_id": service.id,
        "unit": {"id": derived_id("unit", "place"), "name": "place", "scheme": "portal"},
        "available": service.capacity_available,
        "maximum": service.capacity_maximum,
        "updated": _iso(service.capacity_updated_at or service.updated_at),
    })]


def service_to_hsds(service, *, staff: bool = False, nested: bool = True) -> dict:
    """A full HSDS 3.0 service (``nested=False`` gives the one-to-one fields of the list shape)."""
    data = {
        "id": service.id,
        "organization_id": service.organization_id,
        **_bilingual(service, "name", required=True),
        "alternate_name": service.alternate_name,
        **_bilingual(service, "description"),
        "url": safe_url(service.url),
        "email": service.email,
        "status": STATUS_TO_HSDS.get(service.status, service.status),
        "interpretation_services": service.interpretation_services,
        **_bilingual(service, "application_process"),
        **_bilingual(service, "fees_description"),
        **_bilingual(service, "eligibility_description"),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "wait_time": f"{service.wait_weeks} weeks" if service.wait_weeks is not None else None,
        "assured_date": _iso(service.verified_on),
        "last_modified": _iso(service.updated_at),
        # Extensions (ours):
        "capacity_status": service.capacity_status,
        "wait_weeks": service.wait_weeks,
        "accepts_referrals": service.accepts_referrals,
        "reopens_on": _iso(service.reopens_on),
        "gender_eligibility": service.gender_eligibility,
        "residency_required": service.residency_required,
        "capacity_available": service.capacity_available,
        "capacity_maximum": service.capacity_maximum,
        "capacity_updated_at": _iso(service.capacity_updated_at),
        "hours_text": service.hours_text,  # opening hours as the source wrote them
        # Access facts (HSDS has no field for them; None, "not stated", is left out like every None).
        "access_mode": service.access_mode,
        "anonymous_access": service.anonymous_access,
        "reports_to_police": service.reports_to_police,
        "guardian_consent_required": service.guardian_consent_required,
        "capacities": service_capacities(service),
    }
    if staff:
        data["capacity_notes"] = service.capacity_notes
    if nested:
        data.update({
            "organization": organization_to_hsds(service.organization),
            "service_at_locations": [service_at_location_to_hsds(link) for link in
                                     sorted(service.location_links, key=lambda k: k.id)],
            "schedules": [schedule_to_hsds(s) for s in _sorted_schedules(service.schedules)],
            "phones": [phone_to_hsds(p) for p in service.phones],
            "languages": [language_to_hsds(lang) for lang in sorted(service.languages, key=lambda x: x.code)],
            "cost_options": [cost_option_to_hsds(c) for c in service.cost_options],
            "required_documents": [required_document_to_hsds(d) for d in service.required_documents],
            "service_areas": [service_area_to_hsds(a) for a in service.service_areas],
            "attributes": [attribute_to_hsds(a, "service", service.id) for a in service.attributes],
        })
        if staff:
            data["contacts"] = [contact_to_hsds(c) for c in service.contacts]
    return _clean(data)


# --- pages -----------------------------------------------------------------------------------------

def page_object(contents: list, total_items: int, page: int, per_page: int) -> dict:
    """The HSDS 3 API page: ``{total_items, total_pages, page_number, size, first_page, last_page,
    empty, contents}``. ``size`` is the number of items on this page (as in the HSDS examples)."""
    per_page = max(int(per_page), 1)
    total_pages = max(math.ceil(total_items / per_page), 1) if total_items else 0
    page = max(int(page), 1)
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": len(contents) == 0,
        "contents": contents,
    }
