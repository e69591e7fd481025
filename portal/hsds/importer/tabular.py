"""CSV datapackages (HSDS 1.1, 2.0 and 3.0, and our own 3.0 export) → canonical tables.

The version is read from the files, not from ``datapackage.json`` (real ones keep the template's
``"version": "1.0"`` whatever they hold): 3.0 has ``attributes``/``taxonomies`` tables and columns such
as ``location_type`` or ``assured_date``; 2.0 has ``service_attributes`` and RRULE schedules; 1.1 has
``services_taxonomy``, ``regular_schedules``, ``physical_addresses`` and ``taxonomy.csv`` of terms.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from .canonical import Canonical
from .report import ImportReport
from .source import Dataset, Table, read_csv

# file stem (lower case) → logical table; the logical names of 1.1/2.0 are mapped below.
ALIASES = {
    "organizations": "organization", "organization": "organization",
    "services": "service", "service": "service",
    "locations": "location", "location": "location",
    "services_at_location": "service_at_location", "service_at_location": "service_at_location",
    "services_at_locations": "service_at_location", "service_at_locations": "service_at_location",
    "phones": "phone", "phone": "phone",
    "contacts": "contact", "contact": "contact",
    "addresses": "address", "address": "address",
    "physical_addresses": "physical_address", "physical_address": "physical_address",
    "postal_addresses": "postal_address", "postal_address": "postal_address",
    "schedules": "schedule", "schedule": "schedule",
    "regular_schedules": "regular_schedule", "regular_schedule": "regular_schedule",
    "holiday_schedules": "holiday_schedule", "holiday_schedule": "holiday_schedule",
    "languages": "language", "language": "language",
    "cost_options": "cost_option", "cost_option": "cost_option",
    "required_documents": "required_document", "required_document": "required_document",
    "service_areas": "service_area", "service_area": "service_area",
    "eligibility": "eligibility", "eligibilities": "eligibility",
    "accessibility": "accessibility", "accessibility_for_disabilities": "accessibility",
    "taxonomies": "taxonomy", "taxonomy": "taxonomy",
    "taxonomy_terms": "taxonomy_term", "taxonomy_term": "taxonomy_term",
    "attributes": "attribute", "attribute": "attribute",
    "service_attributes": "service_attribute", "service_attribute": "service_attribute",
    "other_attributes": "other_attribute", "other_attribute": "other_attribute",
    "services_taxonomy": "service_taxonomy", "service_taxonomy": "service_taxonomy",
    "areas": "area", "area": "area",
}
IGNORED = {"programs", "program", "funding", "fundings", "metadata", "meta_table_descriptions",
           "meta_table_description", "organization_identifiers", "organization_identifier",
           "payments_accepted", "payment_accepted", "fees", "interpretation_services",
           "holiday_schedules", "holiday_schedule"}
REQUIRED_COLUMNS = {
    "organization": ("id", "name"), "service": ("id", "name"), "location": ("id",),
    "service_at_location": ("service_id", "location_id"), "phone": ("number",), "taxonomy_term": ("id",),
}


def detect_version(stems: dict[str, Table]) -> str:
    def cols(*names):
        out = set()
        for n in names:
            if n in stems:
                out |= set(stems[n].header)
        return out

    if {"attributes", "taxonomies"} & set(stems) or "location_type" in cols("locations", "location") \
            or {"assured_date", "fees_description", "eligibility_description", "last_modified"} \
            & cols("services", "service") or {"code", "name"} <= cols("taxonomy_terms"):
        return "3.0"
    if {"service_attributes", "other_attributes"} & set(stems) or "term" in cols("taxonomy_terms") \
            or {"freq", "byday"} & cols("schedules", "schedule"):
        return "2.0"
    return "1.1"


def _descriptor_paths(dataset: Dataset, report: ImportReport) -> dict[str, str]:
    """Resource name → file, from datapackage.json, warning about listed files that are missing."""
    out: dict[str, str] = {}
    descriptor = dataset.descriptor
    if descriptor is None:
        return out
    if descriptor.get("_unreadable"):
        report.warning("datapackage.json", None, None, "not readable JSON; tables found by file name")
        return out
    for resource in descriptor.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        path = resource.get("path")
        if not isinstance(path, str):
            continue
        if path in dataset.files:
            out[path] = path
        else:
            # Real packages list paths like "resources/organizations.csv" that are not shipped.
            stem = PurePosixPath(path).stem.lower()
            found = dataset.csv_files().get(stem)
            note = f"; using {found}" if found else "; no such table in the dataset"
            report.warning("datapackage.json", None, "resources",
                           f"lists {resource.get('name') or stem} at {path!r}, which is not there{note}")
    return out


def read_tables(dataset: Dataset, report: ImportReport) -> dict[str, Table]:
    """Lower-case stem → parsed table, with duplicates (``schedule.csv`` and ``schedules.csv``)
    resolved to the one with more rows and reported."""
    _descriptor_paths(dataset, report)
    by_logical: dict[str, Table] = {}
    stems: dict[str, Table] = {}
    for path in sorted(p for p in dataset.files if p.lower().endswith(".csv")):
        stem = PurePosixPath(path).stem.lower()
        table = read_csv(path, dataset.files[path])
        if stem in IGNORED or stem not in ALIASES:
            if table.rows:
                report.warning(path, None, None, f"table not imported ({len(table.rows)} rows): "
                               "the portal does not store it")
            continue
        logical = ALIASES[stem]
        if logical in by_logical:
            kept, other = sorted((by_logical[logical], table), key=lambda t: -len(t.rows))
            report.warning(other.name, None, None,
                           f"the dataset has both {kept.name} and {other.name}; {kept.name} is used")
            stems = {s: t for s, t in stems.items() if t is not other}
            by_logical[logical] = kept
            if kept is table:
                stems[stem] = table
            continue
        by_logical[logical] = table
        stems[stem] = table
    return stems


def _check_columns(table: Table, logical: str, report: ImportReport) -> bool:
    missing = [c for c in REQUIRED_COLUMNS.get(logical, ()) if c not in table.header]
    if missing:
        report.error(table.name, None, ", ".join(missing),
                     f"required column missing; none of its {len(table.rows)} rows can be imported")
        return False
    return True


def _join(*parts) -> str | None:
    values = [p.strip() for p in parts if p and p.strip()]
    return ", ".join(values) if values else None


def to_canonical(dataset: Dataset, report: ImportReport) -> Canonical:
    stems = read_tables(dataset, report)
    version = detect_version(stems)
    out = Canonical(version)
    out.own_export = (dataset.descriptor or {}).get("name") == "community_care_directory"
    legacy = version != "3.0"
    for stem, table in stems.items():
        logical = ALIASES[stem]
        if logical == "taxonomy" and (legacy or stem == "taxonomy" and "vocabulary" in table.header):
            logical = "legacy_term"  # 1.1 "taxonomy.csv" holds terms, not vocabularies
        if not _check_columns(table, logical, report):
            out.provided.add(logical)
            continue
        if table.blank_rows:
            report.drop(_canonical_name(logical), "blank row (no value in any cell)", table.blank_rows)
        for number, row in table.rows:
            if "__extra__" in row:
                report.warning(table.name, number, None, f"{row.pop('__extra__')} cells more than the header")
            _map_row(out, logical, table.name, number, row, version)
        if not table.rows:
            out.provided.add(_canonical_name(logical))
    return out


def _canonical_name(logical: str) -> str:
    return {"physical_address": "address", "postal_address": "address", "regular_schedule": "schedule",
            "service_attribute": "attribute", "other_attribute": "attribute",
            "service_taxonomy": "attribute", "legacy_term": "taxonomy_term"}.get(logical, logical)


def _map_row(out: Canonical, logical: str, file: str, number: int, row: dict, version: str) -> None:
    """One CSV row of a given logical table (any version) → canonical 3.0-named row(s)."""
    g = row.get
    if logical == "organization":
        if "website" not in row and "url" in row:
            row["website"] = row.pop("url")
        out.add("organization", file, number, row)
    elif logical == "service":
        if "fees_description" not in row and g("fees"):
            row["fees_description"] = row["fees"]
        for term_id in (g("taxonomy_ids") or "").split(","):
            if term_id.strip():
                out.add("attribute", file, number, {"link_entity": "service", "link_id": g("id"),
                                                    "taxonomy_term_id": term_id.strip()})
        if g("location_id") and not g("organization_id"):
            row["_location_id"] = g("location_id")  # HSDS 1.0: services hang on a location
        out.add("service", file, number, row)
    elif logical in ("physical_address", "postal_address", "address"):
        row.setdefault("address_type", "postal" if logical == "postal_address" else "physical")
        if version != "3.0" or g("address_3") or g("address_4"):
            row["address_1"] = _join(g("address_1"), g("address_2"), g("address_3"), g("address_4"))
            row["address_2"] = None
        out.add("address", file, number, row)
    elif logical in ("regular_schedule", "schedule"):
        out.add("schedule", file, number, row)
    elif logical == "accessibility":
        if "accessibility" in row:  # 1.1: accessibility + details
            row["description"] = _join(g("accessibility"), g("details"))
        out.add("accessibility", file, number, row)
    elif logical == "language":
        if "language" in row and not g("name"):
            row["name"] = row["language"]
        out.add("language", file, number, row)
    elif logical == "service_area":
        if "service_area" in row and not g("name"):
            row["name"] = row["service_area"]
        out.add("service_area", file, number, row)
    elif logical == "legacy_term":
        out.add("taxonomy_term", file, number, {"id": g("id"), "code": g("id"), "name": g("name"),
                                                "parent_id": g("parent_id"),
                                                "taxonomy": g("vocabulary") or None})
    elif logical == "taxonomy_term":
        if "term" in row and not g("name"):
            row["name"] = row["term"]  # 2.0
        out.add("taxonomy_term", file, number, row)
    elif logical == "service_attribute":
        out.add("attribute", file, number, {"id": g("id"), "link_entity": "service",
                                            "link_id": g("service_id"),
                                            "taxonomy_term_id": g("taxonomy_term_id")})
    elif logical == "other_attribute":
        out.add("attribute", file, number, {"id": g("id"), "link_entity": g("link_type"),
                                            "link_id": g("link_id"),
                                            "taxonomy_term_id": g("taxonomy_term_id")})
    elif logical == "service_taxonomy":
        out.add("attribute", file, number, {"id": g("id"), "link_entity": "service",
                                            "link_id": g("service_id"), "taxonomy_term_id": g("taxonomy_id"),
                                            "_term_label": g("taxonomy_detail")})
    else:
        out.add(logical, file, number, row)
