"""Validated records → the database. New records are written with bulk Core inserts (column defaults
apply: ids, timestamps, version 1), with one summary audit event per record type, as the audit
listener writes for bulk imports; records that exist are updated through the ORM (so version
counters, timestamps and the audit listener see every change). Then child rows the dataset no longer
lists are removed for the records it imported. Flushes, never commits."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from ...audit.models import AuditEvent
from ...bulk import among, insert_rows
from ...common import as_aware, utcnow
from ...directory import models as m
from ...session_context import context_of
from ...search.outbox import enqueue_services
from . import clean
from .build import IMPORTED_VOCABULARY, MODELS, Builder, Rec
from .report import ImportReport

Progress = Callable[[int], None]

# child kind → (model, parent kinds whose children it is), for removing rows no longer listed
CHILDREN = {
    "service_at_location": ("service",),
    "contact": ("service", "organization"),
    "phone": ("service", "location", "organization", "contact"),
    "schedule": ("service", "service_at_location"),
    "language": ("service",),
    "cost_option": ("service",),
    "required_document": ("service",),
    "service_area": ("service",),
    "attribute": ("service", "organization", "location"),
}
CONTROLLED = set(m.VOCABULARIES)


def _same(old, new) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return as_aware(old) == as_aware(new)  # SQLite hands back naive UTC datetimes
    return old == new


class _Values:
    """A row dict seen as an object (for ``Writer._touch``)."""

    def __init__(self, row: dict) -> None:
        self.__dict__.update(row)

    def __getattr__(self, name):
        return None


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class _Vocabularies:
    """The stored vocabularies and terms, kept current while imported terms are placed, so later
    terms of a dataset find the ones placed before them."""
    by_name: dict
    known_ids: set
    has_terms: set
    existing_terms: dict
    by_code: dict


class Writer:
    def __init__(self, session, builder: Builder, report: ImportReport, progress: Progress | None) -> None:
        self.session = session
        self.b = builder
        self.report = report
        self.progress = progress or (lambda n: None)
        self.area_ids: dict[str, int] = {}
        self.changed_services: set[str] = set()
        self.changed: dict[str, set[str]] = defaultdict(set)
        self.new_ids: dict[str, set[str]] = defaultdict(set)  # records this import inserted

    def _load(self, model, ids: list[str]) -> dict:
        found = {}
        for chunk in _chunks(sorted(ids)):
            for obj in self.session.scalars(select(model).where(among(self.session, model.id, chunk))):
                found[obj.id] = obj
        return found

    def _stored(self, model, ids: list[str]) -> dict:
        """The stored rows of these ids as plain mappings (no ORM objects: most are unchanged)."""
        table = model.__table__
        found = {}
        for chunk in _chunks(sorted(ids)):
            for row in self.session.execute(select(table).where(among(self.session, table.c.id, chunk))):
                found[row.id] = row._mapping
        return found

    def _upsert(self, kind: str, recs: list[Rec], fill: Callable[[Rec], dict] | None = None) -> dict:
        """Insert the new records in bulk, update the changed ones through the ORM (compared first
        on plain rows, so unchanged records are never loaded as objects); returns the updated
        objects by id."""
        model = MODELS[kind]
        stored = self._stored(model, [r.id for r in recs])
        new_rows = []
        differing: dict[str, dict] = {}
        columns = set(model.__table__.c.keys())
        for rec in recs:
            values = {k: v for k, v in (fill(rec) if fill else rec.values).items() if not k.startswith("_")}
            old = stored.get(rec.id)
            if old is None:
                row = {"id": rec.id, **{k: v for k, v in values.items() if k in columns}}
                new_rows.append(row)
                self._touch(kind, _Values(row))
            elif any(k not in old or not _same(old[k], v) for k, v in values.items()):
                differing[rec.id] = values
            self.progress(1)
        objects = self._load(model, list(differing))
        for ident, values in differing.items():
            obj = objects[ident]
            changed = False
            for key, value in values.items():
                if not _same(getattr(obj, key), value):
                    setattr(obj, key, value)
                    changed = True
            if changed:
                self.report.updated[kind] += 1
                self._touch(kind, obj)
        self.session.flush()
        self._insert(model, new_rows)
        if new_rows:
            self.report.created[kind] += len(new_rows)
            self.new_ids[kind].update(row["id"] for row in new_rows)
        return objects

    def _insert(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        insert_rows(self.session, model.__table__, rows)
        context = context_of(self.session)
        context.catalog_stale = True  # the matching catalogue's listener does not see Core inserts
        ids = [row["id"] for row in rows]
        self.session.execute(insert(AuditEvent.__table__), [{
            "at": utcnow(), "user_id": context.actor_id, "action": "bulk_create",
            "record_type": model.__tablename__, "record_id": None,
            "changes": {"_reason": context.audit_reason or "hsds_import", "count": len(ids),
                        "ids": ids[:500]}}])

    # --- reference data ------------------------------------------------------------------------

    def write_areas(self) -> None:
        areas = self.b.areas
        existing = {a.code: a for a in self.session.scalars(select(m.Area))}
        self.area_ids = {code: a.id for code, a in existing.items()}

        def depth(code, seen=()):
            parent = areas[code]["parent_code"]
            return 0 if parent not in areas or parent in seen else 1 + depth(parent, seen + (code,))

        for code in sorted(areas, key=depth):
            values = dict(areas[code])
            parent = values.pop("parent_code")
            values["parent_id"] = self.area_ids.get(parent) if parent else None
            area = existing.get(code)
            if area is None:
                area = m.Area(**values)
                self.session.add(area)
                self.session.flush()
                self.report.created["area"] += 1
            elif any(getattr(area, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(area, key, value)
                self.report.updated["area"] += 1
                self.changed["area"].add(area.id)  # area names are in search documents
            self.area_ids[code] = area.id

    def _area_id(self, rec: Rec) -> int | None:
        code = rec.values.get("_area_code")
        if not code:
            return None
        if code not in self.area_ids:
            found = self.session.scalar(select(m.Area.id).where(m.Area.code == code))
            if found is None:
                self.report.warning(rec.file, rec.row, "area_code", f"unknown area {code!r}: left empty")
            self.area_ids[code] = found
        return self.area_ids[code]

    def write_taxonomies(self) -> None:
        self._upsert("taxonomy", self.b.valid("taxonomy"))
        by_name = {t.name: t for t in self.session.scalars(select(m.Taxonomy))}
        state = _Vocabularies(
            by_name=by_name,
            known_ids={t.id for t in by_name.values()},
            has_terms=set(self.session.scalars(select(m.Taxonomy.name).join(m.TaxonomyTerm).distinct())),
            existing_terms=self._load(m.TaxonomyTerm, [r.id for r in self.b.valid("taxonomy_term")]),
            by_code={(t.taxonomy_id, t.code): t.id for t in self.session.scalars(select(m.TaxonomyTerm))})
        recs = [self._place_term(state, rec) for rec in self.b.valid("taxonomy_term")]
        unique = {}
        for rec in recs:
            unique.setdefault(rec.id, rec)
        self._upsert("taxonomy_term", list(unique.values()))
        # Parents after every term exists (a term may name a parent listed after it).
        self._link_parents(unique)

    def _taxonomy_for(self, state: _Vocabularies, name: str | None, ident: str | None) -> str:
        if ident in state.known_ids:
            return ident
        name = name or IMPORTED_VOCABULARY
        if name not in state.by_name:
            taxonomy = m.Taxonomy(id=ident or clean.content_id("taxonomy", name), name=name,
                                  description="Imported from an HSDS dataset" if name == IMPORTED_VOCABULARY else None)
            self.session.add(taxonomy)
            self.session.flush()
            state.by_name[name] = taxonomy
            state.known_ids.add(taxonomy.id)
            self.report.created["taxonomy"] += 1
        return state.by_name[name].id

    def _place_term(self, state: _Vocabularies, rec: Rec) -> Rec:
        """Put the term in its vocabulary, reusing a stored term of the same code (``term_remap``)."""
        tax_id = self._taxonomy_for(state, rec.values["_vocabulary"], rec.values["_taxonomy_id"])
        vocabulary = next(n for n, t in state.by_name.items() if t.id == tax_id)
        if rec.id not in state.existing_terms:
            tax_id, vocabulary = self._match_code(state, rec, tax_id, vocabulary)
        if rec.id not in state.existing_terms and rec.id not in self.b.term_remap.values():
            label = rec.values["name_en"] or rec.values["name_zh"]
            self.report.created_terms.append(f"{vocabulary}: {rec.values['code']} {label}")
            self.report.warning(rec.file, rec.row, None,
                                f"new taxonomy term {rec.values['code']!r} ({label}) created in "
                                f"vocabulary {vocabulary!r}")
        rec.values["taxonomy_id"] = tax_id
        state.by_code[(tax_id, rec.values["code"])] = rec.id
        return rec

    def _match_code(self, state: _Vocabularies, rec: Rec, tax_id: str, vocabulary: str) -> tuple[str, str]:
        match = state.by_code.get((tax_id, rec.values["code"]))
        if match is not None:
            self.b.term_remap[rec.id] = match
            rec.id = match
        elif vocabulary in CONTROLLED and vocabulary in state.has_terms:
            # Our controlled vocabularies only change by hand; new codes go to "imported".
            tax_id = self._taxonomy_for(state, IMPORTED_VOCABULARY, None)
            vocabulary = IMPORTED_VOCABULARY
            match = state.by_code.get((tax_id, rec.values["code"]))
            if match is not None:
                self.b.term_remap[rec.id] = match
                rec.id = match
        return tax_id, vocabulary

    def _link_parents(self, unique: dict[str, Rec]) -> None:
        parents = {}
        for rec in unique.values():
            parent = rec.values.get("_parent")
            parent = self.b.term_remap.get(parent, parent)
            if parent and parent not in unique and self.session.get(m.TaxonomyTerm, parent) is None:
                self.report.warning(rec.file, rec.row, "parent_id", "no such parent term: left empty")
                parent = None
            parents[rec.id] = parent if parent != rec.id else None
        for term in self._load(m.TaxonomyTerm, list(parents)).values():
            if term.parent_id != parents[term.id]:
                term.parent_id = parents[term.id]
        self.session.flush()

    # --- the directory -------------------------------------------------------------------------

    def write(self) -> set[str]:
        """Write everything; return the ids of services whose search documents may have changed."""
        self.write_areas()
        self.write_taxonomies()
        self._upsert("organization", self.b.valid("organization"))
        self._upsert("location", self.b.valid("location"),
                     lambda rec: {**rec.values, "area_id": self._area_id(rec)})
        self._upsert("service", self.b.valid("service"))
        for kind in ("service_at_location", "contact", "phone", "schedule", "language", "cost_option",
                     "required_document"):
            self._upsert(kind, self.b.valid(kind))
        self._upsert("service_area", self.b.valid("service_area"),
                     lambda rec: {**rec.values, "area_id": self._area_id(rec)})
        self._upsert("attribute", self.b.valid("attribute"), lambda rec: {
            **rec.values,
            "taxonomy_term_id": self.b.term_remap.get(rec.values["taxonomy_term_id"],
                                                      rec.values["taxonomy_term_id"])})
        self.remove_unlisted_children()
        return self.affected_services()

    def remove_unlisted_children(self) -> None:
        # A record this import inserted has no children but the ones it listed: only records that
        # were already stored are looked at (a first import skips this step's queries entirely).
        imported = {kind: [r.id for r in self.b.valid(kind) if r.id not in self.new_ids[kind]]
                    for kind in ("service", "organization", "location", "contact", "service_at_location")}
        for kind, parent_kinds in CHILDREN.items():
            if kind not in self.b.canon.provided:
                continue
            model = MODELS[kind]
            listed = self.b.seen_ids[kind]
            table = model.__table__
            unlisted: set[str] = set()
            for parent_kind in parent_kinds:
                column = table.c[f"{parent_kind}_id"]
                for chunk in _chunks(imported[parent_kind]):
                    query = select(table.c.id).where(among(self.session, column, chunk))
                    if kind == "attribute":  # mapped/inferred/confirmed links are the crosswalk's
                        query = query.where(table.c.origin.is_(None))
                    unlisted |= {ident for ident in self.session.scalars(query) if ident not in listed}
            for obj in self._load(model, list(unlisted)).values():
                self._touch(kind, obj)
                self.session.delete(obj)
                self.report.deleted[kind] += 1
        self.session.flush()

    def _touch(self, kind: str, obj) -> None:
        """Remember what changed, to rewrite only the search documents that it can affect."""
        if kind == "service":
            self.changed_services.add(obj.id)
        elif kind in ("organization", "location", "taxonomy_term"):
            self.changed[kind].add(obj.id)
        elif getattr(obj, "service_id", None):
            self.changed_services.add(obj.service_id)
        elif getattr(obj, "service_at_location_id", None):
            self.changed["service_at_location"].add(obj.service_at_location_id)
        elif getattr(obj, "organization_id", None):
            self.changed["organization"].add(obj.organization_id)
        elif getattr(obj, "location_id", None):
            self.changed["location"].add(obj.location_id)

    def affected_services(self) -> set[str]:
        ids = set(self.changed_services)
        organizations = sorted(self.changed["organization"])
        locations = sorted(self.changed["location"])
        for chunk in _chunks(sorted(self.changed["service_at_location"])):
            ids |= set(self.session.scalars(select(m.ServiceAtLocation.service_id)
                                            .where(among(self.session, m.ServiceAtLocation.id, chunk))))
        for chunk in _chunks(organizations):
            ids |= set(self.session.scalars(select(m.Service.id)
                                            .where(among(self.session, m.Service.organization_id, chunk))))
        for chunk in _chunks(locations):
            ids |= set(self.session.scalars(select(m.ServiceAtLocation.service_id)
                                            .where(among(self.session, m.ServiceAtLocation.location_id, chunk))))
        for chunk in _chunks(sorted(self.changed["area"])):
            ids |= set(self.session.scalars(select(m.ServiceAtLocation.service_id).join(m.Location)
                                            .where(among(self.session, m.Location.area_id, chunk))))
        terms = sorted(self.changed["taxonomy_term"])
        for chunk in _chunks(terms):
            ids |= set(self.session.scalars(select(m.Attribute.service_id).where(
                among(self.session, m.Attribute.taxonomy_term_id, chunk), m.Attribute.service_id.is_not(None))))
        return ids

    def enqueue_index(self, service_ids: set[str]) -> None:
        """The outbox rows for every affected service, in this transaction: a crash after commit
        leaves work for ``flask index sync`` instead of a stale index."""
        enqueue_services(self.session, service_ids)


def count_records(builder: Builder) -> int:
    kinds = defaultdict(int)
    for kind in builder.ORDER:
        kinds[kind] = len(builder.valid(kind))
    return sum(kinds.values())
