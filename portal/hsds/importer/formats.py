"""Which format a dataset is in, and the legacy Ohana formats → canonical tables.

``detect(dataset)`` answers ``"json3"`` (HSDS 3.0 JSON), ``"tabular"`` (HSDS 3.0/2.0/1.1 CSV
datapackage), ``"ohana_csv"`` (Code for America's Ohana API CSV, pre-HSDS) or ``"ohana_ndjson"`` (Ohana
JSON, one organisation per line, locations and services nested), and raises ``SourceError`` with
"this looks like X, which is not supported; supported are …" otherwise.
"""
from __future__ import annotations

import json
from pathlib import PurePosixPath

from .canonical import Canonical
from .report import ImportReport
from .source import Dataset, SourceError, decode, read_csv

SUPPORTED = ("HSDS 3.0 JSON (API shape) or CSV datapackage, HSDS 2.0 and 1.1 CSV datapackages, "
             "Ohana CSV and Ohana NDJSON exports (a folder, a .zip, or a single .json/.ndjson file)")
HSDS_STEMS = {"organizations", "organization", "services", "service", "locations", "location",
              "service_at_location", "services_at_location", "taxonomy_terms", "taxonomies"}
LOOKS_LIKE = {
    ".xlsx": "an Excel spreadsheet (use `flask directory import-sheet FILE` for spreadsheets)",
    ".xls": "an Excel spreadsheet (use `flask directory import-sheet FILE` for spreadsheets)",
    ".ods": "an OpenDocument spreadsheet (save it as .xlsx or .csv and use `flask directory import-sheet`)",
    ".xml": "XML (an AIRS/211 XML export or an XML taxonomy)",
    ".geojson": "GeoJSON (map data)", ".kml": "KML (map data)", ".shp": "a shapefile (map data)",
    ".pdf": "a PDF document", ".doc": "a Word document", ".docx": "a Word document",
    ".sql": "a database dump", ".sqlite": "a SQLite database", ".db": "a database file",
    ".txt": "a text file", ".tsv": "tab-separated values",
}


def unsupported(looks_like: str) -> SourceError:
    """"this looks like X, which is not supported; supported are …" (a hint in parentheses after X
    comes last)."""
    label, _, hint = looks_like.partition(" (")
    hint = f" ({hint}" if hint else ""
    return SourceError(f"this looks like {label}, which is not supported; supported are {SUPPORTED}{hint}")


def describe_file(name: str) -> str | None:
    return LOOKS_LIKE.get(PurePosixPath(name).suffix.lower())


def _json_documents(data: bytes) -> tuple[object | None, list | None]:
    """(one JSON document, or None) and (the documents of an NDJSON file, or None)."""
    text = decode(data)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg:
            return None, None
    docs = []
    for line in text.splitlines():
        if line.strip():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                return None, None
    return None, docs


def _is_ohana_org(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("locations"), list) and "name" in obj \
        and not any(k in obj for k in ("services", "organization_id", "status"))


def detect(dataset: Dataset) -> str:
    csvs = dataset.csv_files()
    if csvs:
        headers = {stem: read_csv(path, dataset.files[path]).header for stem, path in csvs.items()
                   if stem in ("services", "locations", "taxonomy")}
        services, locations = headers.get("services", []), headers.get("locations", [])
        if ("location_id" in services and "organization_id" not in services
                and ({"short_desc", "virtual", "admin_emails"} & set(locations)
                     or "mail_addresses" in csvs or "taxonomy_id" in headers.get("taxonomy", []))):
            return "ohana_csv"
        if HSDS_STEMS & set(csvs):
            return "tabular"
        raise unsupported("CSV files without any HSDS table (organizations, services, locations …); "
                          "for a spreadsheet of your own columns use `flask directory import-sheet`")
    names = dataset.json_files()
    if not names:
        others = [describe_file(p) for p in dataset.files]
        raise unsupported(next((o for o in others if o), "no CSV or JSON data"))
    single, docs = _json_documents(dataset.files[names[0]])
    if docs is not None:
        if docs and all(_is_ohana_org(d) for d in docs[:20]):
            return "ohana_ndjson"
        if docs and all(isinstance(d, dict) and ("id" in d and "name" in d) for d in docs[:20]):
            return "json3_lines"
        raise unsupported("newline-delimited JSON whose records are not HSDS or Ohana objects")
    if single is None:
        return "json3"  # not JSON at all: the JSON reader reports where it breaks
    if isinstance(single, dict) and "$schema" in single and "properties" in single:
        raise unsupported("a JSON Schema (a format description, not data)")
    if isinstance(single, (dict, list)) and _is_ohana_org(single if isinstance(single, dict) else
                                                         (single[0] if single else None)):
        return "ohana_ndjson"
    if isinstance(single, dict) and isinstance(single.get("taxonomy"), list) \
            or isinstance(single, list) and single and isinstance(single[0], dict) \
            and "children" in single[0] and "id" not in single[0] and "services" not in single[0]:
        raise unsupported("a taxonomy tree (e.g. Open Eligibility) without directory records; "
                          "taxonomies come in with a dataset's taxonomy_terms, or through the crosswalk")
    return "json3"


# --- Ohana CSV --------------------------------------------------------------------------------------

def _split(value) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _truthy(value) -> bool:
    return str(value or "").strip().lower() in ("true", "t", "yes", "1")


def _csv_organization(out, report, name, number, row, stem) -> None:
    out.add("organization", name, number, {**row, "website": row.get("website") or row.get("url")})


def _csv_location(out, report, name, number, row, stem) -> None:
    g = row.get
    data = dict(row)
    if _truthy(g("virtual")):
        data["location_type"] = "virtual"
    data["description"] = g("description") or g("short_desc")
    out.add("location", name, number, data)
    if g("accessibility"):
        out.add("accessibility", name, number, {"location_id": g("id"),
                                                "description": ", ".join(_split(g("accessibility")))})
    if _split(g("languages")):
        report.drop("language", "languages of a location (languages are per service)",
                    len(_split(g("languages"))))


def _csv_address(out, report, name, number, row, stem) -> None:
    g = row.get
    out.add("address", name, number, {
        **row, "address_1": ", ".join(p for p in (g("address_1"), g("address_2")) if p and p.strip()),
        "address_type": "postal" if stem == "mail_addresses" else "physical"})


def _csv_service(out, report, name, number, row, stem) -> None:
    g = row.get
    sid = g("id")
    eligibility = "\n".join(p for p in (g("eligibility"), g("audience") and f"Audience: {g('audience')}")
                            if p and p.strip())
    out.add("service", name, number, {
        **row, "_location_id": g("location_id"), "url": g("website"),
        "fees_description": g("fees"), "eligibility_description": eligibility or None,
        "status": g("status") or "active"})
    for lang in _split(g("languages")):
        out.add("language", name, number, {"service_id": sid, "name": lang})
    for doc in _split(g("required_documents")):
        out.add("required_document", name, number, {"service_id": sid, "document": doc})
    for area in _split(g("service_areas")):
        out.add("service_area", name, number, {"service_id": sid, "name": area})
    for term in _split(g("taxonomy_ids")):
        out.add("attribute", name, number, {"link_entity": "service", "link_id": sid,
                                            "taxonomy_term_id": term})


def _csv_contact(out, report, name, number, row, stem) -> None:
    out.add("contact", name, number, row)


def _csv_phone(out, report, name, number, row, stem) -> None:
    out.add("phone", name, number, {**row, "type": row.get("number_type"),
                                    "description": row.get("department")})


def _csv_schedule(out, report, name, number, row, stem) -> None:
    out.add("schedule", name, number, row)


def _csv_taxonomy(out, report, name, number, row, stem) -> None:
    g = row.get
    out.add("taxonomy_term", name, number, {
        "id": g("taxonomy_id") or g("id"), "code": g("taxonomy_id") or g("id"), "name": g("name"),
        "parent_id": g("parent_id"), "taxonomy": "Open Eligibility"})


_OHANA_CSV_ROWS = {
    "organizations": _csv_organization, "locations": _csv_location,
    "addresses": _csv_address, "mail_addresses": _csv_address, "services": _csv_service,
    "contacts": _csv_contact, "phones": _csv_phone, "regular_schedules": _csv_schedule,
    "taxonomy": _csv_taxonomy,
}


def ohana_csv(dataset: Dataset, report: ImportReport) -> Canonical:
    """Ohana API CSV (``data/sample-csv``): services hang on locations, multi-valued fields are
    comma-joined strings, ``mail_addresses``, ``taxonomy.csv`` of Open Eligibility terms."""
    out = Canonical("Ohana CSV")
    tables = {stem: read_csv(path, dataset.files[path]) for stem, path in dataset.csv_files().items()}
    for stem, table in tables.items():
        add_row = _OHANA_CSV_ROWS.get(stem)
        for number, row in table.rows:
            row.pop("__extra__", None)
            if add_row is None:
                # An empty table of an unknown kind is not worth a warning, hence inside the loop.
                report.warning(table.name, None, None, f"table not imported ({len(table.rows)} rows): "
                                                       "the portal does not store it")
                report.drop(stem, "table not stored", len(table.rows))
                break
            add_row(out, report, table.name, number, row, stem)
    return out


# --- Ohana NDJSON -----------------------------------------------------------------------------------

def _first(obj: dict, *keys):
    for key in keys:
        value = obj.get(key)
        if value not in (None, "", []):
            return value
    return None


def _ohana_organization(out: Canonical, name: str, line: int, org: dict) -> str:
    oid = str(org.get("id") or f"ohana-org:{org.get('name')}")
    out.add("organization", name, line, {
        "id": oid, "name": org.get("name"), "description": org.get("description"),
        "website": _first(org, "website", "url") or (org.get("urls") or [None])[0],
        "email": _first(org, "email") or (org.get("emails") or [None])[0],
        "legal_status": org.get("legal_status")})
    return oid


def _ohana_location(out: Canonical, name: str, path: str, loc: dict, oid: str, i: int) -> str:
    lid = str(loc.get("id") or f"{oid}/loc:{loc.get('name') or i}")
    coords = loc.get("coordinates") if isinstance(loc.get("coordinates"), list) else None
    pair = coords if coords and len(coords) == 2 else None  # Ohana writes [lon, lat]
    out.add("location", name, path, {
        "id": lid, "organization_id": oid, "name": loc.get("name"),
        "description": _first(loc, "description", "short_desc"),
        "transportation": loc.get("transportation"),
        "latitude": _first(loc, "latitude") or (pair[1] if pair else None),
        "longitude": _first(loc, "longitude") or (pair[0] if pair else None),
        "location_type": "virtual" if loc.get("virtual") is True else "physical"})
    _ohana_addresses(out, name, path, loc, lid)
    access = loc.get("accessibility")
    if access:
        out.add("accessibility", name, f"{path}.accessibility", {
            "location_id": lid, "description": ", ".join(access) if isinstance(access, list) else access})
    _ohana_phones(out, name, path, loc, lid)
    for j, contact in enumerate(loc.get("contacts") or []):
        if isinstance(contact, dict):
            out.add("contact", name, f"{path}.contacts[{j}]", {
                "location_id": lid, "organization_id": oid, "name": contact.get("name"),
                "title": contact.get("title"), "email": contact.get("email")})
    return lid


def _ohana_addresses(out: Canonical, name: str, path: str, loc: dict, lid: str) -> None:
    for key, kind in (("address", "physical"), ("mail_address", "postal")):
        addr = loc.get(key)
        if isinstance(addr, dict):
            out.add("address", name, f"{path}.{key}", {
                "location_id": lid, "address_type": kind,
                "address_1": ", ".join(p for p in (_first(addr, "street", "address_1"),
                                                   _first(addr, "address_2")) if p),
                "city": addr.get("city"), "state_province": _first(addr, "state", "state_province"),
                "postal_code": _first(addr, "zip", "postal_code"), "country": addr.get("country")})


def _ohana_phones(out: Canonical, name: str, path: str, loc: dict, lid: str) -> None:
    phones = loc.get("phones") or []
    # Faxes share the phones' index sequence, so their row paths stay unique.
    for j, phone in enumerate(phones + (loc.get("faxes") or [])):
        if isinstance(phone, dict):
            is_fax = j >= len(phones)
            out.add("phone", name, f"{path}.phones[{j}]", {
                "location_id": lid, "number": phone.get("number"),
                "extension": phone.get("extension"),
                "type": "fax" if is_fax else phone.get("number_type") or "voice",
                "description": _first(phone, "department", "phone_hours")})


def _ohana_service(out: Canonical, name: str, spath: str, svc: dict, loc: dict,
                   oid: str, lid: str, j: int) -> None:
    sid = str(svc.get("id") or f"{lid}/svc:{svc.get('name') or j}")
    eligibility = "\n".join(p for p in (svc.get("eligibility"),
                                        svc.get("audience") and f"Audience: {svc['audience']}") if p)
    out.add("service", name, spath, {
        "id": sid, "organization_id": oid, "_location_id": lid, "name": svc.get("name"),
        "description": svc.get("description"),
        "application_process": _first(svc, "how_to_apply", "application_process"),
        "fees_description": svc.get("fees"), "eligibility_description": eligibility or None,
        "url": _first(svc, "website") or (svc.get("urls") or [None])[0],
        "email": _first(svc, "email"), "status": svc.get("status") or "active"})
    # A location's languages stand in for services that list none of their own.
    for lang in _list(svc.get("languages")) or _list(loc.get("languages")):
        out.add("language", name, spath, {"service_id": sid, "name": lang})
    for area in _list(svc.get("service_areas")):
        out.add("service_area", name, spath, {"service_id": sid, "name": area})
    for doc in _list(svc.get("required_documents")):
        out.add("required_document", name, spath, {"service_id": sid, "document": doc})
    hours_text = _first(svc, "hours", "regular_schedules") or loc.get("hours")
    if isinstance(hours_text, str):
        out.add("schedule", name, spath, {"service_id": sid, "description": hours_text})
    _ohana_categories(out, name, spath, svc, sid)


def _ohana_categories(out: Canonical, name: str, spath: str, svc: dict, sid: str) -> None:
    for k, term in enumerate(_list(svc.get("categories") or svc.get("taxonomy_ids"))):
        if isinstance(term, dict):
            term_id = str(term.get("taxonomy_id") or term.get("id") or term.get("name"))
            out.add("taxonomy_term", name, f"{spath}.categories[{k}]", {
                "id": term_id, "code": term_id, "name": term.get("name"),
                "taxonomy": "Open Eligibility"})
        else:
            term_id = str(term)
        out.add("attribute", name, spath, {"link_entity": "service", "link_id": sid,
                                          "taxonomy_term_id": term_id})


def _ohana_org_tree(out: Canonical, report: ImportReport, name: str, line: int, org: dict) -> None:
    oid = _ohana_organization(out, name, line, org)
    for i, loc in enumerate(org.get("locations") or []):
        path = f"{line}.locations[{i}]"
        if not isinstance(loc, dict):
            report.error(name, path, None, "expected an object")
            continue
        lid = _ohana_location(out, name, path, loc, oid, i)
        for j, svc in enumerate(loc.get("services") or []):
            if isinstance(svc, dict):
                _ohana_service(out, name, f"{path}.services[{j}]", svc, loc, oid, lid, j)


def ohana_ndjson(dataset: Dataset, report: ImportReport) -> Canonical:
    """Ohana JSON: one organisation per line, ``locations`` with ``address`` / ``mail_address`` /
    ``phones`` / ``contacts`` / ``hours`` (free text) / ``coordinates`` ([lon, lat]) and nested
    ``services``. Records without ids get ids made of their names, so re-imports upsert."""
    out = Canonical("Ohana NDJSON")
    for name in dataset.json_files():
        single, docs = _json_documents(dataset.files[name])
        docs = docs if docs is not None else (single if isinstance(single, list) else [single])
        for line, org in enumerate(docs, start=1):
            if not _is_ohana_org(org):
                report.error(name, line, None, "not an Ohana organisation (name and locations)")
                continue
            _ohana_org_tree(out, report, name, line, org)
    return out


def _list(value) -> list:
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    return _split(value) if isinstance(value, str) else []
