"""Service-at-location links (one per service and place, whatever the export repeats)."""
from __future__ import annotations

from collections import defaultdict

from .. import clean
from .base import BuilderBase, Rec


class LinkBuilder(BuilderBase):
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
        # HSDS 1.0 / Ohana services name their location directly.
        for rec in list(self.recs["service"].values()):
            lid = rec.values.pop("_location_id", None)
            if lid and (rec.id, lid) not in pairs:
                ident = clean.content_id("service_at_location", rec.id, lid)
                pairs[(rec.id, lid)] = ident
                self.recs["service_at_location"][ident] = Rec(
                    "service_at_location", ident, {"service_id": rec.id, "location_id": lid},
                    rec.file, rec.row, [("service", rec.id, "service_id"), ("location", lid, "_location_id")])
                self.seen_ids["service_at_location"].add(ident)
        self.pairs = pairs
        self._links_by_location: dict[str, list[str]] = defaultdict(list)
        for (sid, lid), ident in pairs.items():
            self._links_by_location[lid].append(ident)
