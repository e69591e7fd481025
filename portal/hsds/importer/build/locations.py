"""Locations with their addresses and accessibility rows; a location's organisation when the export
does not give one that resolves (taken from a service delivered there, through service_at_location)."""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from ....bulk import among
from ....directory import models as m
from .. import clean
from ..canonical import Row
from .base import BuilderBase, Rec


class LocationBuilder(BuilderBase):
    def location_details(self) -> tuple[dict, dict]:
        """Addresses and accessibility rows, per location id (physical addresses first)."""
        addresses: dict[str, list[tuple[Row, dict]]] = defaultdict(list)
        for row in self.rows("address"):
            loc = self.ref(row, "location", "location_id")
            if loc is None:
                self.drop_row(row, "address", "no location_id", "location_id")
                continue
            values = {"address": self.val(row, "address_1", clean.one_line, 300),
                      "city": self.val(row, "city", clean.one_line, 120),
                      "postal_code": self.val(row, "postal_code", clean.one_line, 20),
                      "state_province": self.val(row, "state_province", clean.one_line, 120),
                      "country": self.val(row, "country", clean.country),
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
            elif text:
                self.drop_row(row, "accessibility", "no location_id", "location_id")
        self.address_countries = Counter(values["country"] for items in addresses.values()
                                         for _, values in items if values["country"])
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
                self.report.value_dropped(row.file, row.row, "location", "location_type",
                                          f"unknown location type {location_type!r}: read as physical")
                location_type = "physical"
            values = {
                "organization_id": self.ref(row, "organization", "organization_id"),
                "location_type": location_type,
                **self.bilingual(row, "name", "name", one_line=200),
                **self.bilingual(row, "transportation", "transportation"),
                "latitude": self.val(row, "latitude", clean.decimal, -90, 90),
                "longitude": self.val(row, "longitude", clean.decimal, -180, 180),
            }
            if (values["latitude"] is None) != (values["longitude"] is None):
                values["latitude"] = values["longitude"] = None  # half a coordinate places nothing
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
            if "city_raw" in data:  # our export: the stored values, not the address defaults
                values["state_province"] = self.val(row, "state_province_raw", clean.one_line, 120)
                values["country"] = self.val(row, "country_raw", clean.country)
            else:
                values["state_province"] = address.get("state_province")
                values["country"] = address.get("country")
            if "accessibility_zh" in data or "accessibility_en" in data:
                values.update(self.bilingual(row, "accessibility", "accessibility"))
            else:
                text = "\n".join(accessibility.get(ident, [])) or None
                values.update({"accessibility_zh": text if clean.is_chinese(text) else None,
                               "accessibility_en": None if clean.is_chinese(text) else text})
            values["_area_code"] = self.val(row, "area_code", clean.one_line, 40)
            rec = Rec("location", ident, self.fit(row, "location", values), row.file, row.row)
            self.store(rec, row)

    # --- organisations reached through the links the export has ------------------------------------

    def _organizations_that_resolve(self) -> set[str]:
        wanted = set()
        for kind in ("location", "service"):
            for rec in self.recs[kind].values():
                oid = rec.values.get("organization_id")
                if oid and oid not in self.recs["organization"]:
                    wanted.add(oid)
        found = {rec.id for rec in self.valid("organization")}
        ids = sorted(wanted)
        for start in range(0, len(ids), 500):
            found |= set(self.session.scalars(select(m.Organization.id).where(
                among(self.session, m.Organization.id, ids[start:start + 500]))))
        return found

    def infer_location_organizations(self) -> None:
        """HSDS 3.0 makes a location's organisation optional and 1.x exports often name one that is
        not in the file (or the location's own id): take the organisation of a service delivered
        there, through service_at_location, and say so."""
        resolves = self._organizations_that_resolve()
        for rec in self.recs["location"].values():
            oid = rec.values.get("organization_id")
            if (oid and oid in resolves) or rec.skipped:
                continue
            for ident in self._links_by_location.get(rec.id, []):
                service = self.recs["service"].get(self.recs["service_at_location"][ident].values["service_id"])
                if service is None or service.skipped:
                    continue
                service_org = service.values.get("organization_id")
                if service_org and service_org in resolves:
                    rec.values["organization_id"] = service_org
                    if oid:
                        self.report.warning(rec.file, rec.row, "organization_id",
                                            "no such organisation; took the organisation of the service "
                                            f"delivered there ({service.file} row {service.row})")
                        key = "locations given the organisation of their service"
                        self.report.extra[key] = self.report.extra.get(key, 0) + 1
                    break
        for rec in self.recs["location"].values():
            oid = rec.values.get("organization_id")
            if oid:
                rec.deps.append(("organization", oid, "organization_id"))
            elif not rec.skipped:
                self.report.error(rec.file, rec.row, "organization_id", "missing")
                rec.skipped = True
                self.report.skipped["location"] += 1
        # HSDS 1.0 / Ohana services without an organisation: the location's.
        links_by_service = defaultdict(list)
        for link in self.recs["service_at_location"].values():
            links_by_service[link.values["service_id"]].append(link)
        for rec in self.recs["service"].values():
            if rec.values.get("organization_id") or rec.skipped:
                continue
            for link in links_by_service.get(rec.id, []):
                location = self.recs["location"].get(link.values["location_id"])
                if location is not None and location.values.get("organization_id"):
                    rec.values["organization_id"] = location.values["organization_id"]
                    rec.deps.append(("organization", rec.values["organization_id"], "organization_id"))
                    break
            else:
                self.report.error(rec.file, rec.row, "organization_id", "missing")
                rec.skipped = True
                self.report.skipped["service"] += 1
