"""What every table builder shares: the record type, row helpers (parse a value leniently or as a
required field, fit it to its column, pick the bilingual columns, map ids) and ``store``."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ....directory import models as m
from .. import clean
from ..canonical import Canonical, Row
from ..clean import Invalid
from ..report import ImportReport

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
IMPORTED_VOCABULARY = "imported"
# Records with their own identity: a repeated id is a real duplicate. Child rows of 1.x/2.0 exports
# reuse ids freely (one row per service and language, the service's id as the row's id …).
ENTITY_KINDS = {"organization", "service", "location", "taxonomy", "taxonomy_term"}
# Columns a record cannot do without: a bad value here skips the record; anywhere else the value is
# left out with a warning and the record kept.
REQUIRED_FIELDS = {"organization": {"name_zh"}, "service": {"name_zh"}, "taxonomy_term": {"name_zh", "code"},
                   "phone": {"number"}, "contact": {"name"}, "required_document": {"document_zh"},
                   "language": {"code"}, "taxonomy": {"name"}}


@dataclass
class Rec:
    kind: str
    id: str
    values: dict
    file: str
    row: object
    deps: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, field)
    skipped: bool = False


def _top_level(row) -> bool:
    return isinstance(row, int) or "." not in str(row)


class BuilderBase:
    def __init__(self, session, canon: Canonical, report: ImportReport, *, home_country: str = "CN",
                 country: str | None = None) -> None:
        self.session = session
        self.canon = canon
        self.report = report
        self.home_country = home_country
        self.country = country  # the dataset's country when told (--country); else inferred
        self.recs: dict[str, dict[str, Rec]] = defaultdict(dict)
        self.seen_ids: dict[str, set[str]] = defaultdict(set)  # every id the dataset names, valid or not
        self.term_remap: dict[str, str] = {}
        self.areas: dict[str, dict] = {}  # code → values (extension table of our export)
        self.hours_text: dict[str, list[str]] = defaultdict(list)  # service id → original hours lines
        self._row_failed = False
        self._kind = ""
        self._raw_id_counts = {table: Counter(str(r.data.get("id") or "").strip() for r in rows)
                               for table, rows in canon.tables.items() if table not in ENTITY_KINDS}

    # --- problems --------------------------------------------------------------------------------

    def _err(self, row: Row, fld: str | None, problem: str) -> None:
        self.report.error(row.file, row.row, fld, problem)
        self._row_failed = True

    def _warn(self, row: Row, fld: str | None, problem: str) -> None:
        self.report.warning(row.file, row.row, fld, problem)

    def drop_row(self, row: Row, kind: str, reason: str, fld: str | None = None, *, listed: bool = True) -> None:
        """A row that is not stored but is not an error (empty, or linked to nothing we keep):
        counted per reason, and listed as a warning."""
        self.report.drop(kind, reason)
        if listed:
            self._warn(row, fld, f"not stored: {reason}")

    def val(self, row: Row, key: str, parse, *args, required: bool = False, **kwargs):
        """Parse ``row[key]``. A bad optional value is left out with a warning (the record is kept);
        a bad required one is an error that skips the record."""
        try:
            return parse(row.data.get(key), *args, **kwargs)
        except Invalid as exc:
            if required:
                self._err(row, key, str(exc))
            else:
                self.report.value_dropped(row.file, row.row, self._kind, key, str(exc))
            return None

    def fit(self, row: Row, kind: str, values: dict) -> dict:
        """Values longer than their column (PostgreSQL would refuse the whole import): an error for a
        required column, else the value is left out."""
        table = MODELS[kind].__table__
        required = REQUIRED_FIELDS.get(kind, set())
        for key, value in values.items():
            if isinstance(value, str) and key in table.c:
                length = getattr(table.c[key].type, "length", None)
                if length and len(value) > length:
                    problem = f"too long: {len(value):,} characters (at most {length})"
                    if key in required:
                        self._err(row, key, problem)
                    else:
                        self.report.value_dropped(row.file, row.row, kind, key, problem)
                        values[key] = None
        return values

    def bilingual(self, row: Row, hsds: str, ours: str, *, one_line: int | None = None,
                  required: bool = False) -> dict:
        """Our export's ``x_zh``/``x_en`` columns when present; otherwise the HSDS field goes to the
        Chinese or English column by its script. A required Chinese column falls back to English."""
        parse = (lambda v: clean.one_line(v, one_line)) if one_line else clean.text
        data = row.data
        if f"{ours}_zh" in data or f"{ours}_en" in data:
            zh = self.val(row, f"{ours}_zh", parse, required=required)
            en = self.val(row, f"{ours}_en", parse, required=required)
            if zh is None and en is None and data.get(hsds):
                zh = self.val(row, hsds, parse, required=required)
        else:
            value = self.val(row, hsds, parse, required=required)
            zh, en = (value, None) if clean.is_chinese(value) else (None, value)
        if required and zh is None:
            zh = en
        return {f"{ours}_zh": zh, f"{ours}_en": en}

    # --- ids -------------------------------------------------------------------------------------

    def ident(self, row: Row, kind: str, key: str = "id", fallback: tuple | None = None) -> str | None:
        raw = row.data.get(key)
        if isinstance(raw, str) and clean._SURROGATE.search(raw):
            self._err(row, key, "not valid UTF-8")
            return None
        ident = clean.canonical_id(raw, kind)
        if ident is None and fallback is not None:
            return clean.content_id(kind, *fallback)
        return ident

    def child_ident(self, row: Row, kind: str, content: tuple, parent_raw=None) -> str:
        """The row's own id when it identifies the row; otherwise (missing, repeated in the table, or
        just the parent's id reused) an id made of the row's content, so re-imports still upsert."""
        raw = str(row.data.get("id") or "").strip()
        if isinstance(raw, str) and clean._SURROGATE.search(raw):
            raw = ""
        unique = raw and self._raw_id_counts.get(kind, Counter()).get(raw, 0) <= 1
        if unique and (parent_raw is None or raw != str(parent_raw).strip()) and _top_level(row.row):
            return clean.canonical_id(raw, kind)
        if raw and not _top_level(row.row):
            return clean.canonical_id(raw, kind)  # nested JSON: ids are the object's own
        return clean.content_id(kind, raw, *content)

    def ref(self, row: Row, kind: str, key: str) -> str | None:
        """A foreign key value → our id (same mapping as the target table's ids)."""
        raw = row.data.get(key)
        if isinstance(raw, str) and clean._SURROGATE.search(raw):
            self._err(row, key, "not valid UTF-8")
            return None
        return clean.canonical_id(raw, kind)

    # --- records ---------------------------------------------------------------------------------

    def store(self, rec: Rec, row: Row) -> None:
        if self._row_failed:
            rec.skipped = True
        table = self.recs[rec.kind]
        self.seen_ids[rec.kind].add(rec.id)
        first = table.get(rec.id)
        if first is not None:
            if _top_level(row.row) and _top_level(first.row) and not rec.skipped:
                if rec.kind not in ENTITY_KINDS:
                    self.report.drop(rec.kind, "same row listed twice")
                    return
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
        self._kind = table
        for row in self.canon.tables[table]:
            self._row_failed = False
            yield row

    def valid(self, kind: str) -> list[Rec]:
        return [rec for rec in self.recs[kind].values() if not rec.skipped]
