"""Contacts and phones. Phone numbers are normalised with ``phonenumbers`` in the country of the
record (its location's address) or of the dataset (``--country``, else the country in which most of
its numbers are valid, the deployment's ``PORTAL_DEFAULT_COUNTRY`` first); extensions are kept."""
from __future__ import annotations

from .. import clean
from ..canonical import Row
from .base import BuilderBase, Rec

PHONE_TYPES = {"voice": "voice", "hotline": "hotline", "text": "text", "sms": "text", "tty": "text",
               "textphone": "text", "fax": "fax", "cell": "cell", "mobile": "cell"}


class ContactBuilder(BuilderBase):
    def build_contacts(self) -> None:
        for row in self.rows("contact"):
            parent = self._service_or_org(row)
            name = self.val(row, "name", clean.one_line, 120, required=True)
            if not name:
                self.drop_row(row, "contact", "no name", "name")
                continue
            ident = self.child_ident(row, "contact", (parent, name, row.data.get("email")))
            values = {"name": name, "title": self.val(row, "title", clean.one_line, 120),
                      "department": self.val(row, "department", clean.one_line, 120),
                      "email": self.val(row, "email", clean.email, 200)}
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
        if oid is None and row.data.get("location_id"):  # contacts of a place: its organisation's
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

    def phone_region(self) -> str:
        if not hasattr(self, "_phone_region"):
            if self.country or self.canon.own_export:
                self._phone_region = self.country or self.home_country
            else:
                countries = [c for c, _ in self.address_countries.most_common(3)]
                numbers = [str(r.data.get("number") or "") for r in self.canon.tables["phone"]]
                # The dataset's own address country first (ties go to it), then the deployment's.
                self._phone_region = clean.phone_region(numbers, [*countries, self.home_country, "US", "GB"])
                if self._phone_region != self.home_country:
                    self.report.warning("phones", None, "number",
                                        f"numbers read as {self._phone_region} numbers (most are valid there; "
                                        "use --country to say otherwise)")
        return self._phone_region

    def build_phones(self) -> None:
        region = self.phone_region()
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
            own = region
            if parent and parent[0] == "location" and parent[1] in self.recs["location"]:
                own = self.recs["location"][parent[1]].values.get("country") or region
            try:
                if self.canon.own_export:  # our own export: numbers as stored
                    number, parsed_ext, recognised = clean.one_line(data.get("number"), 40), None, True
                else:
                    number, parsed_ext, recognised = clean.phone(data.get("number"), own, self.home_country)
            except clean.Invalid as exc:
                self._err(row, "number", str(exc))
                number, parsed_ext, recognised = None, None, False
            if not number:
                if not self._row_failed:
                    self.drop_row(row, "phone", "no number", "number")
                continue
            if not recognised:
                self.report.values_dropped["phone.number (kept as written, not a valid number)"] += 1
            raw_type = (data.get("type") or data.get("number_type") or "voice").strip().lower()
            extension = data.get("extension_text") or data.get("extension")
            if isinstance(extension, float) and extension == int(extension):
                extension = int(extension)
            extension = clean.one_line(str(extension), 20) if extension not in (None, "") else parsed_ext
            values = {"number": number, "type": PHONE_TYPES.get(raw_type, "voice"),
                      "extension": extension,
                      "description": self.val(row, "description", clean.one_line, 300)}
            ident = self.child_ident(row, "phone", (parent, number, values["extension"]))
            rec = Rec("phone", ident, self.fit(row, "phone", values), row.file, row.row)
            self._attach(rec, row, parent)
            self.store(rec, row)
