"""HSDS 3.0 JSON in the API shape → canonical tables.

Accepted: a page object (``{"contents": [...]}``), a list, or a single object, of services (full or
list shape), organisations, locations, service_at_locations or taxonomy terms; and our own export's
``{"services": [...], "organizations": [...], "taxonomy_terms": [...], "areas": [...]}``. Nested
objects are flattened into their tables with their parent's id filled in."""
from __future__ import annotations

from .canonical import Canonical
from .report import ImportReport
from .source import Dataset, SourceError, json_documents

NESTED = {
    # key in a parent object → (table, parent field to fill)
    "service": {"phones": ("phone", "service_id"), "schedules": ("schedule", "service_id"),
                "service_areas": ("service_area", "service_id"),
                "service_at_locations": ("service_at_location", "service_id"),
                "languages": ("language", "service_id"), "cost_options": ("cost_option", "service_id"),
                "required_documents": ("required_document", "service_id"),
                "contacts": ("contact", "service_id"), "attributes": ("attribute", "link_id")},
    "organization": {"phones": ("phone", "organization_id"), "contacts": ("contact", "organization_id"),
                     "locations": ("location", "organization_id"),
                     "services": ("service", "organization_id"),
                     "attributes": ("attribute", "link_id")},
    "location": {"phones": ("phone", "location_id"), "addresses": ("address", "location_id"),
                 "accessibility": ("accessibility", "location_id"), "attributes": ("attribute", "link_id"),
                 "schedules": ("schedule", "location_id"), "languages": ("language", "location_id"),
                 "contacts": ("contact", "location_id")},
    "service_at_location": {"schedules": ("schedule", "service_at_location_id"),
                            "phones": ("phone", "service_at_location_id"),
                            "contacts": ("contact", "service_at_location_id"),
                            "attributes": ("attribute", "link_id")},
    "contact": {"phones": ("phone", "contact_id")},
    "phone": {"languages": ("language", "phone_id")},
}
TOP_KEYS = {"services": "service", "organizations": "organization", "locations": "location",
            "service_at_locations": "service_at_location", "taxonomy_terms": "taxonomy_term",
            "taxonomies": "taxonomy", "areas": "area"}


def _is_stub(obj) -> bool:
    return isinstance(obj, dict) and set(obj) <= {"id", "name"}


def _kind_of(obj: dict, hint: str | None) -> str | None:
    if hint:
        return hint
    if "service_at_locations" in obj or "status" in obj:
        return "service"
    if "location_type" in obj:
        return "location"
    if "service" in obj and "location" in obj:
        return "service_at_location"
    if "taxonomy" in obj or "taxonomy_id" in obj or "term_uri" in obj:
        return "taxonomy_term"
    if "name" in obj and ("website" in obj or "legal_status" in obj or "services" in obj):
        return "organization"
    return None


def _hint_from_name(name: str) -> str | None:
    lowered = name.lower().rsplit("/", 1)[-1]
    for prefix, kind in (("service_at_location", "service_at_location"), ("service", "service"),
                         ("organization", "organization"), ("location", "location"),
                         ("taxonomy_term", "taxonomy_term"), ("taxonom", "taxonomy"), ("area", "area")):
        if lowered.startswith(prefix):
            return kind
    return None


class _Flattener:
    def __init__(self, out: Canonical, report: ImportReport, file: str) -> None:
        self.out, self.report, self.file = out, report, file

    def add(self, kind: str, obj, path: str, parent: dict | None = None) -> None:
        if not isinstance(obj, dict):
            self.report.error(self.file, path, None, f"expected an object, found {type(obj).__name__}")
            return
        row = {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}
        if parent:
            for key, value in parent.items():
                row.setdefault(key, value)
        if kind == "attribute":
            row.setdefault("link_entity", (parent or {}).get("_entity"))
            row.pop("_entity", None)
            term = obj.get("taxonomy_term")
            if isinstance(term, dict):
                self.add("taxonomy_term", term, f"{path}.taxonomy_term")
                row.setdefault("taxonomy_term_id", term.get("id"))
        elif kind == "taxonomy_term" and isinstance(obj.get("taxonomy_detail"), dict):
            detail = obj["taxonomy_detail"]
            self.add("taxonomy", detail, f"{path}.taxonomy_detail")
            row.setdefault("taxonomy_id", detail.get("id"))
            row.setdefault("taxonomy", detail.get("name"))
        elif kind == "service" and isinstance(obj.get("organization"), dict):
            org = obj["organization"]
            row.setdefault("organization_id", org.get("id"))
            if org.get("name"):
                self.add("organization", org, f"{path}.organization")
        elif kind == "service_at_location":
            for key in ("location", "service"):
                nested = obj.get(key)
                if isinstance(nested, dict):
                    row.setdefault(f"{key}_id", nested.get("id"))
                    if not _is_stub(nested):
                        self.add(key, nested, f"{path}.{key}")
        elif kind == "service" and isinstance(obj.get("capacities"), list) and obj["capacities"]:
            cap = obj["capacities"][0]
            if isinstance(cap, dict):  # HSDS 3.1 service_capacity
                row.setdefault("capacity_available", cap.get("available"))
                row.setdefault("capacity_maximum", cap.get("maximum"))
                row.setdefault("capacity_updated_at", cap.get("updated"))
        self.out.add(kind, self.file, path, row)
        for key, (child, parent_field) in NESTED.get(kind, {}).items():
            items = obj.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                self.report.error(self.file, f"{path}.{key}", None, "expected a list")
                continue
            self.out.provided.add(child)
            link = {parent_field: obj.get("id")}
            if child == "attribute":
                link["_entity"] = kind
            for i, item in enumerate(items):
                if child == "service" and _is_stub(item):
                    continue  # an organisation's list of its services' ids and names
                self.add(child, item, f"{path}.{key}[{i}]", link)


def to_canonical(dataset: Dataset, report: ImportReport) -> Canonical:
    out = Canonical("3.0")
    # Our own JSON export ships json/areas.json beside the HSDS lists.
    out.own_export = any(name.rsplit("/", 1)[-1].lower() == "areas.json" for name in dataset.json_files())
    for name in dataset.json_files():
        try:
            documents = json_documents(name, dataset.files[name])
        except SourceError as exc:
            report.error(name, None, None, str(exc).split(": ", 1)[-1])
            continue
        data = documents[0] if len(documents) == 1 else documents  # NDJSON: a list of objects
        flat = _Flattener(out, report, name)
        hint = _hint_from_name(name)
        if isinstance(data, dict) and any(k in data for k in TOP_KEYS) and "id" not in data:
            out.own_export = out.own_export or "areas" in data
            for key, kind in TOP_KEYS.items():
                value = data.get(key)
                if isinstance(value, dict) and "contents" in value:
                    value = value["contents"]
                for i, item in enumerate(value or []):
                    flat.add(kind, item, f"{key}[{i}]")
            continue
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            items, prefix = data["contents"], "contents"
        elif isinstance(data, list):
            items, prefix = data, ""
        else:
            items, prefix = [data], None
        for i, item in enumerate(items):
            path = f"{prefix}[{i}]" if prefix is not None else "$"
            kind = _kind_of(item, hint) if isinstance(item, dict) else None
            if kind is None:
                report.error(name, path, None, "not an HSDS service, organisation, location or taxonomy term")
                continue
            flat.add(kind, item, path)
    return out
