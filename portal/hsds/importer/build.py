"""Canonical rows → validated records for our model, with every problem reported per row and field.

Each record knows what it depends on (its organisation, service, location, term …). A dependency
must be a valid record of the dataset or already be in the database; a record whose dependency was
skipped is skipped too, and says why. Ids that are not UUIDs become stable uuid5 ids (see
``clean.canonical_id``), so importing the same dataset again updates instead of duplicating.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from ...directory import models as m
from . import clean
from .canonical import Canonical, Row
from .clean import Invalid
from .report import ImportReport

MODELS = {
    "organization": m.Organization, "location": m.Location, "service": m.Service,
    "service_at_location": m.ServiceAtLocation, "contact": m.Contact, "phone": m.Phone,
    "schedule": m.Schedule, "language": m.Language, "cost_option": m.CostOption,
    "required_document": m.RequiredDocument, "service_area": m.ServiceArea, "attribute": m.Attribute,
    "taxonomy": m.Taxonomy, "taxonomy_term": m.TaxonomyTerm,
}
LABELS = {"organization": "organisation", "service_at_location": "service-at-location link",
          "taxonomy_term": "taxonomy term", "required_document": "required document",
          "cost_option": "cost option", "service_area": "service area"}
PHONE_TYPES = {"voice": "voice", "hotline": "hotline", "text": "text", "sms": "text", "tty": "text",
               "textphone": "text", "fax": "fax", "cell": "cell", "mobile": "cell"}
COST_WORDS = (("sliding", "sliding_scale"), ("insur", "insurance"), ("subsid", "subsidy"),
              ("free", "free"), ("no charge", "free"), ("fixed", "fixed_fee"))
LANGUAGE_CODES = {"english": "en", "spanish": "es", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
                  "french": "fr", "german": "de", "arabic": "ar", "russian": "ru", "polish": "pl",
                  "urdu": "ur", "vietnamese": "vi", "korean": "ko", "japanese": "ja", "tagalog": "tl",
                  "portuguese": "pt", "italian": "it", "hindi": "hi", "uyghur": "ug", "tibetan": "bo",
                  "中文": "zh", "普通话": "zh", "英语": "en", "粤语": "yue"}
IMPORTED_VOCABULARY = "imported"


@dataclass
class Rec:
    kind: str
    id: str
    values: dict
    file: str
    row: object
    deps: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, field)
    skipped: bool = False


def _has_meridiem(value) -> bool:
    return "m" in str(value or "").lower()


def _top_level(row) -> bool:
    return isinstance(row, int) or "." not in str(row)


class Builder:
    def __init__(self, session, canon: Canonical, report: ImportReport) -> None:
        self.session = session
        self.canon = canon
        self.report = report
        self.recs: dict[str, dict[str, Rec]] = defaultdict(dict)
        self.seen_ids: dict[str, set[str]] = defaultdict(set)  # every id the dataset names, valid or not
        self.term_remap: dict[str, str] = {}
        self.areas: dict[str, dict] = {}  # code → values (extension table of our export)
        self._row_failed = False

    # --- helpers -------------------------------------------------------------------------------

    def _err(self, row: Row, fld: str | None, problem: str) -> None:
        self.report.error(row.file, row.row, fld, problem)
        self._row_failed = True

    def val(self, row: Row, key: str, parse, *args, **kwargs):
        try:
            return parse(row.data.get(key), *args, **kwargs)
        except Invalid as exc:
            self._err(row, key, str(exc))
            return None

    def fit(self, row: Row, kind: str, values: dict) -> dict:
        """Refuse values longer than their column (PostgreSQL would refuse the whole import)."""
        table = MODELS[kind].__table__
        for key, value in values.items():
            if isinstance(value, str) and key in table.c:
                length = getattr(table.c[key].type, "length", None)
                if length and len(value) > length:
                    self._err(row, key, f"too long: {len(value):,} characters (at most {length})")
        return values

    def bilingual(self, row: Row, hsds: str, ours: str, *, one_line: int | None = None,
                  required: bool = False) -> dict:
        """Our export's ``x_zh``/``x_en`` columns when present; otherwise the HSDS field goes to the
        Chinese or English column by its script. A required Chinese column falls back to English."""
        parse = (lambda v: clean.one_line(v, one_line)) if one_line else clean.text
        data = row.data
        if f"{ours}_zh" in data or f"{ours}_en" in data:
            zh = self.val(row, f"{ours}_zh", parse)
            en = self.val(row, f"{ours}_en", parse)
            if zh is None and en is None and data.get(hsds):
                zh = self.val(row, hsds, parse)
        else:
            value = self.val(row, hsds, parse)
            zh, en = (value, None) if clean.is_chinese(value) else (None, value)
        if required and zh is None:
            zh = en
        return {f"{ours}_zh": zh, f"{ours}_en": en}

    def ident(self, row: Row, kind: str, key: str = "id", fallback: tuple | None = None) -> str | None:
        raw = row.data.get(key)
        if isinstance(raw, str) and clean._SURROGATE.search(raw):
            self._err(row, key, "not valid UTF-8")
            return None
        ident = clean.canonical_id(raw, kind)
        if ident is None and fallback is not None:
            return clean.content_id(kind, *fallback)
        return ident

    def ref(self, row: Row, kind: str, key: str) -> str | None:
        """A foreign key value → our id (same mapping as the target table's ids)."""
        raw = row.data.get(key)
        if isinstance(raw, str) and clean._SURROGATE.search(raw):
            self._err(row, key, "not valid UTF-8")
            return None
        return clean.canonical_id(raw, kind)

    def store(self, rec: Rec, row: Row) -> None:
        if self._row_failed:
            rec.skipped = True
        table = self.recs[rec.kind]
        self.seen_ids[rec.kind].add(rec.id)
        first = table.get(rec.id)
        if first is not None:
            if _top_level(row.row) and _top_level(first.row) and not rec.skipped:
                where = f"row {first.row}" if first.file == row.file else f"{first.file} row {first.row}"
                self._err(row, "id", f"duplicate id {row.data.get('id')!r} (also on {where})")
                self.report.skipped[rec.kind] += 1
                return
            # The same object nested in several parents (JSON): keep the first, fill its gaps.
            for key, value in rec.values.items():
                # Never a second parent: a row hangs on exactly one (contact of service OR org).
                if first.values.get(key) is None and value is not None and not key.endswith("_id"):
                    first.values[key] = value
            return
        if rec.skipped:
            self.report.skipped[rec.kind] += 1
        table[rec.id] = rec

    def rows(self, table: str):
        for row in self.canon.tables[table]:
            self._row_failed = False
            yield row

    # --- tables --------------------------------------------------------------------------------

    def build(self) -> None:
        self.build_areas()
        self.build_taxonomies()
        self.build_terms()
        self.build_organizations()
        addresses, accessibility = self.location_details()
        self.build_locations(addresses, accessibility)
        self.build_services()
        self.build_links()
        self.build_children()
        self.build_attributes()
        self.infer_location_organizations()
        self.resolve_dependencies()

    def build_areas(self) -> None:
        for row in self.rows("area"):
            code = self.val(row, "code", clean.one_line, 40)
            if not code:
                self._err(row, "code", "missing")
                continue
            values = {"code": code, "name_zh": self.val(row, "name_zh", clean.one_line, 120),
                      "name_en": self.val(row, "name_en", clean.one_line, 120),
                      "level": (row.data.get("level") or "").strip(),
                      "parent_code": self.val(row, "parent_code", clean.one_line, 40),
                      "latitude": self.val(row, "latitude", clean.decimal, -90, 90),
                      "longitude": self.val(row, "longitude", clean.decimal, -180, 180)}
            if values["level"] not in m.AREA_LEVELS:
                self._err(row, "level", f"unknown area level {values['level']!r}")
            if not values["name_zh"]:
                values["name_zh"] = values["name_en"] or code
            if not self._row_failed:
                self.areas[code] = values

    def build_taxonomies(self) -> None:
        for row in self.rows("taxonomy"):
            name = self.val(row, "name", clean.one_line, 80)
            if not name:
                self._err(row, "name", "missing")
            ident = self.ident(row, "taxonomy") or clean.content_id("taxonomy", name)
            values = {"name": name, "description": self.val(row, "description", clean.text),
                      "uri": self.val(row, "uri", clean.one_line, 500),
                      "version": self.val(row, "version", clean.one_line, 40)}
            self.store(Rec("taxonomy", ident, self.fit(row, "taxonomy", values), row.file, row.row), row)

    def build_terms(self) -> None:
        for row in self.rows("taxonomy_term"):
            ident = self.ident(row, "taxonomy_term")
            if ident is None:
                self._err(row, "id", "missing")
                ident = clean.content_id("taxonomy_term", row.file, row.row)
            code = self.val(row, "code", clean.one_line, 80) or clean.one_line(row.data.get("id"), 80)
            names = self.bilingual(row, "name", "name", one_line=200, required=True)
            if not names["name_zh"]:
                names["name_zh"] = code  # HSDS 1.1 sample rows may carry only an id
            if not names["name_zh"]:
                self._err(row, "name", "missing")
            taxonomy_id = self.ref(row, "taxonomy", "taxonomy_id")
            vocabulary = self.val(row, "taxonomy", clean.one_line, 80)
            if taxonomy_id is None and vocabulary:
                taxonomy_id = self._taxonomy_by_name(vocabulary)
            values = {"code": code, **names, "description": self.val(row, "description", clean.text),
                      "position": self.val(row, "position", clean.integer) or 0,
                      "_taxonomy_id": taxonomy_id, "_vocabulary": vocabulary,
                      "_parent": self.ref(row, "taxonomy_term", "parent_id")}
            self.store(Rec("taxonomy_term", ident, self.fit(row, "taxonomy_term", values), row.file, row.row), row)

    def _taxonomy_by_name(self, name: str) -> str:
        for rec in self.recs["taxonomy"].values():
            if rec.values.get("name") == name:
                return rec.id
        existing = self.session.scalar(select(m.Taxonomy.id).where(m.Taxonomy.name == name))
        return existing or clean.content_id("taxonomy", name)

    def build_organizations(self) -> None:
        for row in self.rows("organization"):
            ident = self.ident(row, "organization")
            if ident is None:
                self._err(row, "id", "missing")
                continue
            values = {
                **self.bilingual(row, "name", "name", one_line=200, required=True),
                "alternate_name": self.val(row, "alternate_name", clean.one_line, 200),
                **self.bilingual(row, "description", "description"),
                "email": self.val(row, "email", clean.one_line, 200),
                "website": self.val(row, "website", clean.one_line, 500),
                "legal_status": self.val(row, "legal_status", clean.one_line, 120),
                "department": self.val(row, "department", clean.one_line, 40),
                "verified_on": self.val(row, "verified_on", clean.day),
            }
            if not values["name_zh"]:
                self._err(row, "name", "missing")
            self.store(Rec("organization", ident, self.fit(row, "organization", values), row.file, row.row), row)

    def location_details(self) -> tuple[dict, dict]:
        """Addresses and accessibility rows, per location id (physical addresses first)."""
        addresses: dict[str, list[tuple[Row, dict]]] = defaultdict(list)
        for row in self.rows("address"):
            loc = self.ref(row, "location", "location_id")
            if loc is None:
                self._err(row, "location_id", "missing")
                continue
            values = {"address": self.val(row, "address_1", clean.one_line, 300),
                      "city": self.val(row, "city", clean.one_line, 120),
                      "postal_code": self.val(row, "postal_code", clean.one_line, 20),
                      "type": row.data.get("address_type") or "physical"}
            if self._row_failed:
                self.report.skipped["address"] += 1
                continue
            addresses[loc].append((row, values))
        for items in addresses.values():
            items.sort(key=lambda item: item[1]["type"] != "physical")
        accessibility: dict[str, list[str]] = defaultdict(list)
        for row in self.rows("accessibility"):
            loc = self.ref(row, "location", "location_id")
            description = self.val(row, "description", clean.text)
            details = self.val(row, "details", clean.text) if "accessibility" not in row.data else None
            text = "; ".join(t for t in (description, details) if t)
            if loc and text:
                accessibility[loc].append(text)
        return addresses, accessibility

    def build_locations(self, addresses: dict, accessibility: dict) -> None:
        for row in self.rows("location"):
            ident = self.ident(row, "location")
            if ident is None:
                self._err(row, "id", "missing")
                continue
            data = row.data
            location_type = (data.get("location_type") or "physical").strip().lower()
            if location_type not in ("physical", "virtual", "postal"):
                self._err(row, "location_type", f"unknown location type {location_type!r}")
            values = {
                "organization_id": self.ref(row, "organization", "organization_id"),
                "location_type": location_type,
                **self.bilingual(row, "name", "name", one_line=200),
                **self.bilingual(row, "transportation", "transportation"),
                "latitude": self.val(row, "latitude", clean.decimal, -90, 90),
                "longitude": self.val(row, "longitude", clean.decimal, -180, 180),
            }
            address = addresses.get(ident, [(None, {})])[0][1]
            if "address_zh" in data or "address_en" in data:  # our export: the exact stored values
                values.update(self.bilingual(row, "address", "address", one_line=300))
            else:
                text = address.get("address")
                values.update({"address_zh": text if clean.is_chinese(text) else None,
                               "address_en": None if clean.is_chinese(text) else text})
            values["city"] = (self.val(row, "city_raw", clean.one_line, 120) if "city_raw" in data
                              else address.get("city"))
            values["postal_code"] = address.get("postal_code")
            if "accessibility_zh" in data or "accessibility_en" in data:
                values.update(self.bilingual(row, "accessibility", "accessibility"))
            else:
                text = "\n".join(accessibility.get(ident, [])) or None
                values.update({"accessibility_zh": text if clean.is_chinese(text) else None,
                               "accessibility_en": None if clean.is_chinese(text) else text})
            values["_area_code"] = self.val(row, "area_code", clean.one_line, 40)
            rec = Rec("location", ident, self.fit(row, "location", values), row.file, row.row)
            self.store(rec, row)

    def build_services(self) -> None:
        eligibility: dict[str, list[str]] = defaultdict(list)
        for row in self.rows("eligibility"):
            sid = self.ref(row, "service", "service_id")
            text = self.val(row, "eligibility", clean.text)
            if sid and text:
                eligibility[sid].append(text)
        for row in self.rows("service"):
            ident = self.ident(row, "service")
            if ident is None:
                self._err(row, "id", "missing")
                continue
            data = row.data
            status = (data.get("status") or "active").strip().lower().replace("_", " ")
            status = "temporarily_closed" if status == "temporarily closed" else status
            if status not in m.SERVICE_STATUSES:
                self._err(row, "status", f"unknown status {data.get('status')!r}")
            capacity = (data.get("capacity_status") or "unknown").strip().lower()
            if capacity not in m.CAPACITY_STATUSES:
                self._err(row, "capacity_status", f"unknown capacity status {capacity!r}")
            gender = (data.get("gender_eligibility") or "").strip().lower() or None
            if gender is not None and gender not in m.GENDER_ELIGIBILITY:
                self._err(row, "gender_eligibility", f"unknown value {gender!r}")
            values = {
                "organization_id": self.ref(row, "organization", "organization_id"),
                **self.bilingual(row, "name", "name", one_line=200, required=True),
                "alternate_name": self.val(row, "alternate_name", clean.one_line, 200),
                **self.bilingual(row, "description", "description"),
                "url": self.val(row, "url", clean.one_line, 500),
                "email": self.val(row, "email", clean.one_line, 200),
                "status": status,
                "interpretation_services": self.val(row, "interpretation_services", clean.one_line, 300),
                **self.bilingual(row, "application_process", "application_process"),
                **self.bilingual(row, "fees_description", "fees_description"),
                **self.bilingual(row, "eligibility_description", "eligibility_description"),
                "minimum_age": self.val(row, "minimum_age", clean.integer, 0, 130),
                "maximum_age": self.val(row, "maximum_age", clean.integer, 0, 130),
                "verified_on": self.val(row, "assured_date", clean.day),
                "capacity_status": capacity,
                "wait_weeks": self.val(row, "wait_weeks", clean.integer, 0, 520),
                "accepts_referrals": self.val(row, "accepts_referrals", clean.boolean),
                "reopens_on": self.val(row, "reopens_on", clean.day),
                "gender_eligibility": gender,
                "residency_required": self.val(row, "residency_required", clean.boolean),
                "capacity_available": self.val(row, "capacity_available", clean.integer, 0),
                "capacity_maximum": self.val(row, "capacity_maximum", clean.integer, 0),
                "capacity_updated_at": self.val(row, "capacity_updated_at", clean.moment),
                "capacity_notes": self.val(row, "capacity_notes", clean.text),
            }
            if not values["name_zh"]:
                self._err(row, "name", "missing")
            lo, hi = values["minimum_age"], values["maximum_age"]
            if lo is not None and hi is not None and lo > hi:
                self._err(row, "maximum_age", f"maximum age {hi} is below minimum age {lo}")
            extra = eligibility.get(ident)
            if extra:  # HSDS 1.1 eligibility rows: append to the free-text description
                text = "; ".join(extra)
                key = "eligibility_description_zh" if clean.is_chinese(text) else "eligibility_description_en"
                values[key] = "\n".join(t for t in (values[key], text) if t)
            location = self.ref(row, "location", "_location_id")
            values["_location_id"] = location
            rec = Rec("service", ident, self.fit(row, "service", values), row.file, row.row)
            if values["organization_id"] is None and location is None:
                self._err(row, "organization_id", "missing")
                rec.skipped = True
            if values["organization_id"]:
                rec.deps.append(("organization", values["organization_id"], "organization_id"))
            self.store(rec, row)

    def build_links(self) -> None:
        pairs: dict[tuple[str, str], str] = {}
        self.link_alias: dict[str, str] = {}
        for row in self.rows("service_at_location"):
            sid = self.ref(row, "service", "service_id")
            lid = self.ref(row, "location", "location_id")
            if sid is None:
                self._err(row, "service_id", "missing")
            if lid is None:
                self._err(row, "location_id", "missing")
            ident = self.ident(row, "service_at_location", fallback=(sid, lid))
            if sid and lid and (sid, lid) in pairs and not self._row_failed:
                # The same service at the same place twice: one link (schedules may name either id).
                self.link_alias[ident] = pairs[(sid, lid)]
                continue
            if sid and lid:
                pairs[(sid, lid)] = ident
            values = {"service_id": sid, "location_id": lid,
                      "description": self.val(row, "description", clean.text)}
            rec = Rec("service_at_location", ident, values, row.file, row.row,
                      [("service", sid, "service_id"), ("location", lid, "location_id")])
            self.store(rec, row)
        # HSDS 1.0 services name their location directly.
        for rec in list(self.recs["service"].values()):
            lid = rec.values.pop("_location_id", None)
            if lid and (rec.id, lid) not in pairs:
                ident = clean.content_id("service_at_location", rec.id, lid)
                pairs[(rec.id, lid)] = ident
                self.recs["service_at_location"][ident] = Rec(
                    "service_at_location", ident, {"service_id": rec.id, "location_id": lid},
                    rec.file, rec.row, [("service", rec.id, "service_id"), ("location", lid, "_location_id")])
        self.pairs = pairs

    def _links_at(self, location_id: str) -> list[str]:
        return [ident for (sid, lid), ident in self.pairs.items() if lid == location_id]

    def build_children(self) -> None:
        self._links_by_location: dict[str, list[str]] = defaultdict(list)
        for (sid, lid), ident in self.pairs.items():
            self._links_by_location[lid].append(ident)
        self.build_contacts()
        self.build_phones()
        self.build_schedules()
        self.build_simple_children()

    def build_contacts(self) -> None:
        for row in self.rows("contact"):
            parent = self._service_or_org(row)
            name = self.val(row, "name", clean.one_line, 120)
            if not name:
                self._err(row, "name", "missing")
            ident = self.ident(row, "contact", fallback=(parent, name, row.data.get("email")))
            values = {"name": name, "title": self.val(row, "title", clean.one_line, 120),
                      "department": self.val(row, "department", clean.one_line, 120),
                      "email": self.val(row, "email", clean.one_line, 200)}
            rec = Rec("contact", ident, self.fit(row, "contact", values), row.file, row.row)
            self._attach(rec, row, parent)
            self.store(rec, row)

    def _service_or_org(self, row: Row) -> tuple[str, str] | None:
        sid = self.ref(row, "service", "service_id")
        if sid:
            return ("service", sid)
        link = self.ref(row, "service_at_location", "service_at_location_id")
        if link:
            link = self.link_alias.get(link, link)
            rec = self.recs["service_at_location"].get(link)
            if rec is not None:
                return ("service", rec.values["service_id"])
        oid = self.ref(row, "organization", "organization_id")
        if oid is None and row.data.get("location_id"):  # 3.0 contacts of a place: its organisation's
            location = self.recs["location"].get(self.ref(row, "location", "location_id"))
            oid = location.values.get("organization_id") if location is not None else None
        return ("organization", oid) if oid else None

    def _attach(self, rec: Rec, row: Row, parent: tuple[str, str] | None) -> None:
        if parent is None:
            self._err(row, None, f"belongs to no {', '.join(self._parent_kinds(rec.kind))}")
            rec.skipped = True
            return
        kind, pid = parent
        rec.values[f"{kind}_id"] = pid
        rec.deps.append((kind, pid, f"{kind}_id"))

    @staticmethod
    def _parent_kinds(kind: str) -> list[str]:
        return {"contact": ["service", "organisation"],
                "phone": ["contact", "service", "location", "organisation"]}.get(kind, ["service"])

    def build_phones(self) -> None:
        for row in self.rows("phone"):
            data = row.data
            parent = None
            for kind in ("contact", "service", "location", "organization"):
                pid = self.ref(row, kind, f"{kind}_id")
                if pid:
                    parent = (kind, pid)
                    break
            if parent is None and data.get("service_at_location_id"):
                link = self.ref(row, "service_at_location", "service_at_location_id")
                rec = self.recs["service_at_location"].get(self.link_alias.get(link, link))
                if rec is not None:
                    parent = ("location", rec.values["location_id"])
            number = self.val(row, "number", clean.one_line, 40)
            if not number:
                self._err(row, "number", "missing")
            raw_type = (data.get("type") or "voice").strip().lower()
            extension = data.get("extension_text") or data.get("extension")
            if isinstance(extension, float) and extension == int(extension):
                extension = int(extension)
            values = {"number": number, "type": PHONE_TYPES.get(raw_type, "voice"),
                      "extension": clean.one_line(str(extension), 20) if extension not in (None, "") else None,
                      "description": self.val(row, "description", clean.one_line, 300)}
            ident = self.ident(row, "phone", fallback=(parent, number, values["extension"]))
            rec = Rec("phone", ident, self.fit(row, "phone", values), row.file, row.row)
            self._attach(rec, row, parent)
            self.store(rec, row)

    def build_schedules(self) -> None:
        for row in self.rows("schedule"):
            data = row.data
            opens = self.val(row, "opens_at", clean.clock)
            closes = self.val(row, "closes_at", clean.clock)
            days = self._days(row)
            parents = self._schedule_parents(row)
            if opens is None and closes is None and not self._row_failed:
                continue  # a day listed with no hours: closed that day, nothing to store
            if opens is None or closes is None:
                if not self._row_failed:
                    self._err(row, "opens_at" if opens is None else "closes_at", "missing")
            elif opens >= closes and closes.hour < 12 and not _has_meridiem(data.get("closes_at")):
                # "9:00"–"5:00" in a 12-hour export means 5 pm.
                later = closes.replace(hour=closes.hour + 12)
                if opens < later:
                    self.report.warning(row.file, row.row, "closes_at",
                                        f"{data.get('closes_at')!r} read as {later:%H:%M} (closes after it opens)")
                    closes = later
                else:
                    self._err(row, "closes_at", f"closes ({closes:%H:%M}) before it opens ({opens:%H:%M})")
            elif opens >= closes:
                self._err(row, "closes_at", f"closes ({closes:%H:%M}) before it opens ({opens:%H:%M})")
            if not parents and not self._row_failed:
                self._err(row, None, "belongs to no service or service-at-location")
            notes = self.val(row, "notes", clean.one_line, 300) or (
                self.val(row, "description", clean.one_line, 300) if "weekday" not in data else None)
            base = {"opens_at": opens, "closes_at": closes, "notes": notes,
                    "valid_from": self.val(row, "valid_from", clean.day),
                    "valid_to": self.val(row, "valid_to", clean.day)}
            raw_id = data.get("id")
            for kind, pid in parents or [("service", None)]:
                for day in days or [None]:
                    if raw_id and len(days) == 1 and len(parents) <= 1:
                        ident = self.ident(row, "schedule")
                    else:
                        ident = clean.content_id("schedule", raw_id or row.file, kind, pid, day, opens, closes)
                    values = {**base, "weekday": day, "service_id": None, "service_at_location_id": None}
                    rec = Rec("schedule", ident, values, row.file, row.row)
                    if pid is not None:
                        values[f"{kind}_id"] = pid
                        rec.deps.append((kind, pid, f"{kind}_id"))
                    self.store(rec, row)

    def _days(self, row: Row) -> list[int]:
        data = row.data
        if data.get("weekday") not in (None, ""):
            day = self.val(row, "weekday", clean.weekday)
            return [day] if day else []
        byday = (data.get("byday") or "").strip()
        freq = (data.get("freq") or "WEEKLY").strip().upper()
        if not byday:
            self._err(row, "byday", "no weekday (only weekly opening hours are stored)")
            return []
        if freq != "WEEKLY":
            self._err(row, "freq", f"only weekly schedules are stored, not {freq}")
            return []
        days = []
        for part in byday.split(","):
            code = part.strip().upper()[-2:]  # "1MO" (first Monday) → MO; only weekly rules are kept
            try:
                days.append(clean.weekday(code))
            except Invalid as exc:
                self._err(row, "byday", str(exc))
        return sorted(set(days))

    def _schedule_parents(self, row: Row) -> list[tuple[str, str]]:
        link = self.ref(row, "service_at_location", "service_at_location_id")
        if link:
            return [("service_at_location", self.link_alias.get(link, link))]
        sid = self.ref(row, "service", "service_id")
        lid = self.ref(row, "location", "location_id")
        if sid and lid and (sid, lid) in self.pairs:
            return [("service_at_location", self.pairs[(sid, lid)])]
        if sid:
            return [("service", sid)]
        if lid:  # hours of a place: they apply to every service delivered there
            return [("service_at_location", ident) for ident in self._links_by_location.get(lid, [])]
        return []

    def build_simple_children(self) -> None:
        seen_languages: set[tuple[str, str]] = set()
        for row in self.rows("language"):
            sid = self.ref(row, "service", "service_id")
            name = self.val(row, "name", clean.one_line, 80)
            code = self.val(row, "code", clean.one_line, 20)
            if not code and name:
                code = LANGUAGE_CODES.get(name.lower(), name.lower()[:20])
            if sid is None:
                self.report.warning(row.file, row.row, "service_id",
                                    "language of a location or phone: not stored (languages are per service)")
                continue
            if not code:
                self._err(row, "code", "missing")
            if (sid, code) in seen_languages:
                continue
            seen_languages.add((sid, code))
            ident = self.ident(row, "language", fallback=(sid, code))
            values = {"service_id": sid, "code": code, "name": name,
                      "note": self.val(row, "note", clean.one_line, 300)}
            self.store(Rec("language", ident, self.fit(row, "language", values), row.file, row.row,
                           [("service", sid, "service_id")]), row)
        for row in self.rows("cost_option"):
            sid = self.ref(row, "service", "service_id")
            amount = self.val(row, "amount", clean.decimal, 0)
            option = (row.data.get("option") or "").strip().lower()
            kind = option if option in m.COST_KINDS else next(
                (k for word, k in COST_WORDS if word in option), "free" if amount == 0 else "fixed_fee")
            descriptions = self.bilingual(row, "amount_description", "description", one_line=300)
            if "description_zh" not in row.data and option and option not in m.COST_KINDS:
                text = row.data.get("option").strip()
                key = "description_zh" if clean.is_chinese(text) else "description_en"
                descriptions[key] = "; ".join(t for t in (text, descriptions[key]) if t)[:300]
            currency = (row.data.get("currency") or "").strip().upper() or None
            if currency and len(currency) != 3:
                self._err(row, "currency", f"not a 3-letter currency code: {currency!r}")
            values = {"service_id": sid, "kind": kind, "amount": amount, "currency": currency, **descriptions}
            ident = self.ident(row, "cost_option", fallback=(sid, kind, amount, descriptions["description_zh"]))
            self._child(row, "cost_option", ident, sid, values)
        for row in self.rows("required_document"):
            sid = self.ref(row, "service", "service_id")
            values = {"service_id": sid, **self.bilingual(row, "document", "document", one_line=300,
                                                             required=True)}
            if not values["document_zh"]:
                self._err(row, "document", "missing")
            ident = self.ident(row, "required_document", fallback=(sid, values["document_zh"]))
            self._child(row, "required_document", ident, sid, values)
        seen_areas: set[tuple[str, str]] = set()
        for row in self.rows("service_area"):
            sid = self.ref(row, "service", "service_id")
            code = self.val(row, "area_code", clean.one_line, 40)
            if code and (sid, code) in seen_areas:
                continue
            seen_areas.add((sid, code))
            values = {"service_id": sid, "name": self.val(row, "name", clean.one_line, 200),
                      "description": self.val(row, "description", clean.text), "_area_code": code}
            ident = self.ident(row, "service_area", fallback=(sid, values["name"], code))
            self._child(row, "service_area", ident, sid, values)

    def _child(self, row: Row, kind: str, ident: str, sid: str | None, values: dict) -> None:
        if sid is None:
            self._err(row, "service_id", "missing")
        rec = Rec(kind, ident, self.fit(row, kind, values), row.file, row.row, [("service", sid, "service_id")])
        self.store(rec, row)

    def build_attributes(self) -> None:
        seen: set[tuple] = set()
        for row in self.rows("attribute"):
            entity = (row.data.get("link_entity") or "service").strip().lower().rstrip("s")
            entity = {"service": "service", "organization": "organization", "location": "location"}.get(entity)
            link = self.ref(row, entity or "service", "link_id")
            term = self.ref(row, "taxonomy_term", "taxonomy_term_id")
            if entity is None:
                self.report.warning(row.file, row.row, "link_entity",
                                    f"terms on {row.data.get('link_entity')!r} records are not stored")
                continue
            if link is None:
                self._err(row, "link_id", "missing")
            if term is None:
                self._err(row, "taxonomy_term_id", "missing")
            elif term not in self.recs["taxonomy_term"]:
                self._unknown_term(row, term)
            value = (row.data.get("value") or "serves").strip().lower()
            value = value if value in m.ATTRIBUTE_VALUES else "serves"
            if (entity, link, term) in seen:
                continue
            seen.add((entity, link, term))
            ident = self.ident(row, "attribute", fallback=(entity, link, term))
            values = {"taxonomy_term_id": term, "value": value, "service_id": None,
                      "organization_id": None, "location_id": None, f"{entity}_id": link}
            rec = Rec("attribute", ident, values, row.file, row.row,
                      [(entity, link, "link_id"), ("taxonomy_term", term, "taxonomy_term_id")])
            self.store(rec, row)

    def _unknown_term(self, row: Row, term_id: str) -> None:
        """A link to a term the dataset does not define: unless we have it, create it in the
        imported vocabulary under its raw id (and its label, if the row carries one)."""
        if self.session.get(m.TaxonomyTerm, term_id) is not None:
            return
        raw = str(row.data.get("taxonomy_term_id") or "").strip()
        label = clean.one_line(row.data.get("_term_label"), 200) if row.data.get("_term_label") else None
        values = {"code": raw[:80], "name_zh": label or raw[:200], "name_en": label or raw[:200],
                  "description": None, "position": 0, "_taxonomy_id": None,
                  "_vocabulary": IMPORTED_VOCABULARY, "_parent": None}
        self.recs["taxonomy_term"][term_id] = Rec("taxonomy_term", term_id, values, row.file, row.row)

    def infer_location_organizations(self) -> None:
        """HSDS 3.0 makes a location's organisation optional; ours is required: take the one of a
        service delivered there."""
        for rec in self.recs["location"].values():
            if rec.values.get("organization_id"):
                continue
            for ident in self._links_by_location.get(rec.id, []):
                service = self.recs["service"].get(self.recs["service_at_location"][ident].values["service_id"])
                if service is not None and service.values.get("organization_id"):
                    rec.values["organization_id"] = service.values["organization_id"]
                    break
        for rec in self.recs["location"].values():
            oid = rec.values.get("organization_id")
            if oid:
                rec.deps.append(("organization", oid, "organization_id"))
            elif not rec.skipped:
                self.report.error(rec.file, rec.row, "organization_id", "missing")
                rec.skipped = True
                self.report.skipped["location"] += 1
        # HSDS 1.0 services without an organisation: the location's.
        for rec in self.recs["service"].values():
            if rec.values.get("organization_id") or rec.skipped:
                continue
            for link in self.recs["service_at_location"].values():
                if link.values["service_id"] == rec.id:
                    location = self.recs["location"].get(link.values["location_id"])
                    if location is not None and location.values.get("organization_id"):
                        rec.values["organization_id"] = location.values["organization_id"]
                        rec.deps.append(("organization", rec.values["organization_id"], "organization_id"))
                        break

    # --- dependencies --------------------------------------------------------------------------

    ORDER = ("taxonomy", "taxonomy_term", "organization", "location", "service", "service_at_location",
             "contact", "phone", "schedule", "language", "cost_option", "required_document",
             "service_area", "attribute")

    def _in_database(self) -> dict[str, set[str]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for kind in self.ORDER:
            for rec in self.recs[kind].values():
                for dep_kind, dep_id, _ in rec.deps:
                    if dep_id and dep_id not in self.recs[dep_kind]:
                        wanted[dep_kind].add(dep_id)
        found: dict[str, set[str]] = {}
        for kind, ids in wanted.items():
            model, ids = MODELS[kind], sorted(ids)
            found[kind] = set()
            for start in range(0, len(ids), 500):
                found[kind] |= set(self.session.scalars(select(model.id).where(model.id.in_(ids[start:start + 500]))))
        return found

    def resolve_dependencies(self) -> None:
        in_db = self._in_database()
        for kind in self.ORDER:  # parents before children, so one pass settles every cascade
            for rec in self.recs[kind].values():
                if rec.skipped:
                    continue
                for dep_kind, dep_id, fld in rec.deps:
                    if dep_id is None:
                        continue
                    target = self.recs[dep_kind].get(dep_id)
                    if target is not None and target.skipped:
                        self.report.error(rec.file, rec.row, fld,
                                          f"its {LABELS.get(dep_kind, dep_kind)} ({target.file} row "
                                          f"{target.row}) is not imported")
                    elif target is None and dep_id not in in_db.get(dep_kind, set()):
                        self.report.error(rec.file, rec.row, fld,
                                          f"no such {LABELS.get(dep_kind, dep_kind)} in the dataset or the directory")
                    else:
                        continue
                    rec.skipped = True
                    self.report.skipped[kind] += 1
                    break

    def valid(self, kind: str) -> list[Rec]:
        return [rec for rec in self.recs[kind].values() if not rec.skipped]
