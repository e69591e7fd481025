"""Areas (our export's extension table), taxonomies, taxonomy terms and attributes (term links).

A link to a term that neither the dataset nor the directory defines creates a term only when the
row names it (HSDS 1.1 ``services_taxonomy.taxonomy_detail``); a bare unresolved id is counted and
dropped, never turned into a term named after the id."""
from __future__ import annotations

from sqlalchemy import select

from ....directory import models as m
from .. import clean
from ..canonical import Row
from .base import IMPORTED_VOCABULARY, BuilderBase, Rec


class TaxonomyBuilder(BuilderBase):
    def build_areas(self) -> None:
        for row in self.rows("area"):
            code = self.val(row, "code", clean.one_line, 40, required=True)
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
            name = self.val(row, "name", clean.one_line, 80, required=True)
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

    def build_attributes(self) -> None:
        seen: set[tuple] = set()
        for row in self.rows("attribute"):
            entity = (row.data.get("link_entity") or "service").strip().lower().rstrip("s")
            entity = {"service": "service", "organization": "organization", "location": "location"}.get(entity)
            link = self.ref(row, entity or "service", "link_id")
            term = self.ref(row, "taxonomy_term", "taxonomy_term_id")
            if entity is None:
                self.drop_row(row, "attribute", f"terms on {row.data.get('link_entity')!r} records are not stored",
                              "link_entity")
                continue
            if link is None:
                self.drop_row(row, "attribute", "no link_id", "link_id")
                continue
            if term is None:
                self.drop_row(row, "attribute", "no taxonomy_term_id", "taxonomy_term_id")
                continue
            if term not in self.recs["taxonomy_term"] and not self._unknown_term(row, term):
                self.drop_row(row, "attribute", "unknown taxonomy term (no such id, no name)", "taxonomy_term_id",
                              listed=self.report.dropped["attribute: unknown taxonomy term (no such id, no name)"] < 50)
                continue
            value = (row.data.get("value") or "serves").strip().lower()
            value = value if value in m.ATTRIBUTE_VALUES else "serves"
            if (entity, link, term) in seen:
                continue
            seen.add((entity, link, term))
            ident = self.child_ident(row, "attribute", (entity, link, term))
            values = {"taxonomy_term_id": term, "value": value, "service_id": None,
                      "organization_id": None, "location_id": None, f"{entity}_id": link}
            rec = Rec("attribute", ident, values, row.file, row.row,
                      [(entity, link, "link_id"), ("taxonomy_term", term, "taxonomy_term_id")])
            self.store(rec, row)

    def _unknown_term(self, row: Row, term_id: str) -> bool:
        """A link to a term the dataset does not define: fine if the directory has it; created in the
        imported vocabulary only when the row names it (its label). False: unresolved."""
        if term_id in self._known_terms():
            return True
        if not row.data.get("_term_label"):
            return False
        raw = str(row.data.get("taxonomy_term_id") or "").strip()
        label = clean.one_line(row.data.get("_term_label"), 200)
        if not label:
            return False
        values = {"code": raw[:80], "name_zh": label, "name_en": label,
                  "description": None, "position": 0, "_taxonomy_id": None,
                  "_vocabulary": IMPORTED_VOCABULARY, "_parent": None}
        self.recs["taxonomy_term"][term_id] = Rec("taxonomy_term", term_id, values, row.file, row.row)
        return True

    def _known_terms(self) -> set[str]:
        if not hasattr(self, "_db_terms"):
            self._db_terms = set(self.session.scalars(select(m.TaxonomyTerm.id)))
        return self._db_terms
