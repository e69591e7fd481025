"""The directory → an HSDS 3.0 datapackage (one CSV per table + ``datapackage.json``) and the same
data as JSON in the API shape (``json/services.json`` … page objects), both importable again.

Columns: the HSDS 3.0 fields of each table first, then our extension columns (``name_zh``,
``capacity_status``, ``area_code`` … see ``serialize``), and an extra ``areas`` table with our
geography so an empty database can take the export whole. The files are for machines: values are
written exactly (no spreadsheet formula escaping, which would corrupt numbers like ``+86 …``).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory import models as m
from . import serialize as s

HSDS_FIELDS = {
    "organization": ["id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
                     "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"],
    "service": ["id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
                "status", "interpretation_services", "application_process", "fees_description", "wait_time",
                "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age",
                "assured_date", "assurer_email", "licenses", "alert", "last_modified"],
    "attribute": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "location": ["id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
                 "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"],
    "phone": ["id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id",
              "number", "extension", "type", "description"],
    "contact": ["id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title",
                "department", "email"],
    "address": ["id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
                "postal_code", "country", "address_type"],
    "schedule": ["id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
                 "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno",
                 "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link",
                 "attending_type", "notes"],
    "service_area": ["id", "service_id", "name", "description", "extent", "extent_type", "uri"],
    "required_document": ["id", "service_id", "document", "uri"],
    "language": ["id", "service_id", "location_id", "phone_id", "name", "code", "note"],
    "accessibility": ["id", "location_id", "description", "details", "url"],
    "taxonomy_term": ["id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
                      "term_uri"],
    "cost_option": ["id", "service_id", "valid_from", "valid_to", "option", "currency", "amount",
                    "amount_description"],
    "taxonomy": ["id", "name", "description", "uri", "version"],
    "area": ["code", "name_zh", "name_en", "level", "parent_code", "latitude", "longitude"],
}
PATHS = {"organization": "organizations.csv", "service": "services.csv", "attribute": "attributes.csv",
         "service_at_location": "service_at_location.csv", "location": "locations.csv", "phone": "phones.csv",
         "contact": "contacts.csv", "address": "addresses.csv", "schedule": "schedules.csv",
         "service_area": "service_areas.csv", "required_document": "required_documents.csv",
         "language": "languages.csv", "accessibility": "accessibility.csv", "taxonomy_term": "taxonomy_terms.csv",
         "cost_option": "cost_options.csv", "taxonomy": "taxonomies.csv", "area": "areas.csv"}


def _flat(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def area_to_row(area) -> dict:
    return {"code": area.code, "name_zh": area.name_zh, "name_en": area.name_en, "level": area.level,
            "parent_code": area.parent.code if area.parent else None,
            "latitude": s._number(area.latitude), "longitude": s._number(area.longitude)}


def _load_services(session) -> list:
    # Eager-load everything the serialisers touch, so the export is a handful of queries, not N+1.
    return list(session.scalars(select(m.Service).order_by(m.Service.id).options(
        selectinload(m.Service.organization), selectinload(m.Service.schedules),
        selectinload(m.Service.phones), selectinload(m.Service.contacts).selectinload(m.Contact.phones),
        selectinload(m.Service.languages), selectinload(m.Service.cost_options),
        selectinload(m.Service.required_documents),
        selectinload(m.Service.service_areas).selectinload(m.ServiceArea.area),
        selectinload(m.Service.attributes).selectinload(m.Attribute.taxonomy_term)
        .selectinload(m.TaxonomyTerm.taxonomy),
        selectinload(m.Service.location_links).selectinload(m.ServiceAtLocation.schedules))))


def _load_organizations(session) -> list:
    return list(session.scalars(select(m.Organization).order_by(m.Organization.id).options(
        selectinload(m.Organization.phones), selectinload(m.Organization.contacts).selectinload(m.Contact.phones),
        selectinload(m.Organization.attributes).selectinload(m.Attribute.taxonomy_term),
        selectinload(m.Organization.locations).selectinload(m.Location.phones),
        selectinload(m.Organization.locations).selectinload(m.Location.area),
        selectinload(m.Organization.services))))


def _add_contacts(rows: dict[str, list[dict]], data: dict) -> None:
    for contact in data.get("contacts", []):
        rows["contact"].append(_flat(contact))
        rows["phone"] += [_flat(p) for p in contact.get("phones", [])]


def _add_organization_rows(rows: dict[str, list[dict]], org, staff: bool) -> None:
    data = s.organization_to_hsds(org, full=True, staff=staff)
    rows["organization"].append(_flat(data))
    rows["phone"] += [_flat(p) for p in data.get("phones", [])]
    _add_contacts(rows, data)
    for attribute in data.get("attributes", []):
        rows["attribute"].append(_flat(attribute))
    for location in data.get("locations", []):
        rows["location"].append(_flat(location))
        rows["address"] += location.get("addresses", [])
        rows["accessibility"] += location.get("accessibility", [])
        rows["phone"] += [_flat(p) for p in location.get("phones", [])]


def _add_service_rows(rows: dict[str, list[dict]], service, staff: bool) -> None:
    data = s.service_to_hsds(service, staff=staff)
    rows["service"].append(_flat(data))
    for link in data.get("service_at_locations", []):
        rows["service_at_location"].append(_flat(link))
        rows["schedule"] += [_flat(x) for x in link.get("schedules", [])]
    rows["schedule"] += [_flat(x) for x in data.get("schedules", [])]
    rows["phone"] += [_flat(p) for p in data.get("phones", [])]
    _add_contacts(rows, data)
    for key, kind in (("languages", "language"), ("cost_options", "cost_option"),
                      ("required_documents", "required_document"), ("service_areas", "service_area"),
                      ("attributes", "attribute")):
        rows[kind] += [_flat(x) for x in data.get(key, [])]


def collect(session, *, staff: bool = True) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """(CSV rows per table, JSON objects per API list) for the whole directory."""
    rows: dict[str, list[dict]] = {kind: [] for kind in HSDS_FIELDS}
    services = _load_services(session)
    organizations = _load_organizations(session)
    terms = list(session.scalars(select(m.TaxonomyTerm).order_by(m.TaxonomyTerm.id)
                                 .options(selectinload(m.TaxonomyTerm.taxonomy))))
    areas = list(session.scalars(select(m.Area).order_by(m.Area.id).options(selectinload(m.Area.parent))))

    for org in organizations:
        _add_organization_rows(rows, org, staff)
    for service in services:
        _add_service_rows(rows, service, staff)
    # Terms on locations have no place in the nested objects; the attributes table carries them.
    for attribute in session.scalars(select(m.Attribute).where(m.Attribute.location_id.is_not(None))):
        rows["attribute"].append(_flat(s.attribute_to_hsds(attribute, "location", attribute.location_id)))
    for term in terms:
        rows["taxonomy_term"].append(_flat(s.taxonomy_term_to_hsds(term)))
    rows["taxonomy"] = [s.taxonomy_to_hsds(t) for t in session.scalars(select(m.Taxonomy).order_by(m.Taxonomy.id))]
    rows["area"] = [area_to_row(a) for a in areas]

    documents = {
        "services": [s.service_to_hsds(x, staff=staff) for x in services],
        "organizations": [s.organization_to_hsds(o, full=True, staff=staff) for o in organizations],
        "taxonomy_terms": [s.taxonomy_term_to_hsds(t) for t in terms],
        "areas": rows["area"],
    }
    return rows, documents


def export_directory(session, path: str | Path, *, staff: bool = True) -> dict[str, int]:
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    rows, documents = collect(session, staff=staff)
    resources = []
    for kind, items in rows.items():
        standard = HSDS_FIELDS[kind]
        extra = sorted({key for item in items for key in item} - set(standard))
        columns = standard + extra
        with open(out / PATHS[kind], "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for item in items:
                writer.writerow([_cell(item.get(c)) for c in columns])
        resources.append({
            "name": kind, "path": PATHS[kind], "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"primaryKey": "code" if kind == "area" else "id", "fields": [
                {"name": c, "type": "string", **({} if c in standard or kind == "area" else
                                                 {"description": "extension: community-care portal"})}
                for c in columns]},
        })
    descriptor = {
        "name": "community_care_directory", "title": "Community-care service directory",
        "profile": "tabular-data-package", "version": "3.0.0",
        "description": "HSDS 3.0 export. Text fields hold Chinese (English if no Chinese); the *_zh / *_en "
                       "extension columns hold both languages exactly. areas.csv is an extension table.",
        "resources": resources,
    }
    (out / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    json_dir = out / "json"
    json_dir.mkdir(exist_ok=True)
    for name, items in documents.items():
        page = s.page_object(items, len(items), 1, max(len(items), 1))
        (json_dir / f"{name}.json").write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
    return {kind: len(items) for kind, items in rows.items()}
