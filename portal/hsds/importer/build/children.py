"""Languages, cost options, required documents and service areas: rows of one service each. Their ids
are not trusted (1.x/2.0 exports repeat them, or reuse the service's id): a row is one service and
language (or document, area …), identified by its content when its own id does not identify it."""
from __future__ import annotations

from ....directory import models as m
from .. import clean
from ..canonical import Row
from .base import BuilderBase, Rec

COST_WORDS = (("sliding", "sliding_scale"), ("insur", "insurance"), ("subsid", "subsidy"),
              ("free", "free"), ("no charge", "free"), ("fixed", "fixed_fee"))
LANGUAGE_CODES = {"english": "en", "spanish": "es", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
                  "french": "fr", "german": "de", "arabic": "ar", "russian": "ru", "polish": "pl",
                  "urdu": "ur", "vietnamese": "vi", "korean": "ko", "japanese": "ja", "tagalog": "tl",
                  "portuguese": "pt", "italian": "it", "hindi": "hi", "uyghur": "ug", "tibetan": "bo",
                  "中文": "zh", "普通话": "zh", "英语": "en", "粤语": "yue", "american sign language": "ase",
                  "asl": "ase", "sign language": "sgn", "haitian creole": "ht", "greek": "el",
                  "hebrew": "he", "farsi": "fa", "persian": "fa", "somali": "so", "amharic": "am",
                  "bengali": "bn", "gujarati": "gu", "punjabi": "pa", "thai": "th", "ukrainian": "uk",
                  "turkish": "tr", "swahili": "sw", "romanian": "ro", "lithuanian": "lt", "serbian": "sr",
                  "bosnian": "bs", "croatian": "hr", "hmong": "hmn", "khmer": "km", "lao": "lo", "nepali": "ne"}


class ChildBuilder(BuilderBase):
    def build_simple_children(self) -> None:
        self.build_languages()
        self.build_cost_options()
        self.build_required_documents()
        self.build_service_areas()

    def build_languages(self) -> None:
        seen: set[tuple[str, str]] = set()
        for row in self.rows("language"):
            sid = self.ref(row, "service", "service_id")
            name = self.val(row, "name", clean.one_line, 80)
            code = self.val(row, "code", clean.one_line, 20)
            if not code and name:
                code = LANGUAGE_CODES.get(name.lower(), name.lower()[:20])
            if not code:
                self.drop_row(row, "language", "no language named", "name")
                continue
            if sid is None:
                self.drop_row(row, "language", "language of a location or phone (languages are per service)",
                              "service_id", listed=False)
                continue
            if (sid, code) in seen:
                self.report.drop("language", "same service and language listed twice")
                continue
            seen.add((sid, code))
            ident = self.child_ident(row, "language", (sid, code), parent_raw=row.data.get("service_id"))
            values = {"service_id": sid, "code": code, "name": name,
                      "note": self.val(row, "note", clean.one_line, 300)}
            self.store(Rec("language", ident, self.fit(row, "language", values), row.file, row.row,
                           [("service", sid, "service_id")]), row)

    def build_cost_options(self) -> None:
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
                self.report.value_dropped(row.file, row.row, "cost_option", "currency",
                                          f"not a 3-letter currency code: {currency!r}")
                currency = None
            values = {"service_id": sid, "kind": kind, "amount": amount, "currency": currency, **descriptions}
            ident = self.child_ident(row, "cost_option", (sid, kind, amount, descriptions["description_zh"],
                                                          descriptions["description_en"]),
                                     parent_raw=row.data.get("service_id"))
            self._child(row, "cost_option", ident, sid, values)

    def build_required_documents(self) -> None:
        for row in self.rows("required_document"):
            sid = self.ref(row, "service", "service_id")
            values = {"service_id": sid, **self.bilingual(row, "document", "document", one_line=300,
                                                             required=True)}
            if not values["document_zh"]:
                self.drop_row(row, "required_document", "no document named", "document")
                continue
            ident = self.child_ident(row, "required_document", (sid, values["document_zh"]),
                                     parent_raw=row.data.get("service_id"))
            self._child(row, "required_document", ident, sid, values)

    def build_service_areas(self) -> None:
        seen: set[tuple] = set()
        for row in self.rows("service_area"):
            sid = self.ref(row, "service", "service_id")
            code = self.val(row, "area_code", clean.one_line, 40)
            name = self.val(row, "name", clean.one_line, 200)
            if (sid, code, name) in seen:
                self.report.drop("service_area", "same service and area listed twice")
                continue
            seen.add((sid, code, name))
            values = {"service_id": sid, "name": name,
                      "description": self.val(row, "description", clean.text), "_area_code": code}
            ident = self.child_ident(row, "service_area", (sid, name, code), parent_raw=row.data.get("service_id"))
            self._child(row, "service_area", ident, sid, values)

    def _child(self, row: Row, kind: str, ident: str, sid: str | None, values: dict) -> None:
        if sid is None:
            self.drop_row(row, kind, "no service_id", "service_id")
            return
        rec = Rec(kind, ident, self.fit(row, kind, values), row.file, row.row, [("service", sid, "service_id")])
        self.store(rec, row)
