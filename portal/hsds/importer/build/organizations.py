"""Organisations."""
from __future__ import annotations

from ....directory.models import AREA_LEVELS
from .. import clean
from .base import BuilderBase, Rec


class OrganizationBuilder(BuilderBase):
    def _network_level(self, row) -> str | None:
        level = (str(row.data.get("network_level") or "")).strip().lower() or None
        if level is not None and level not in AREA_LEVELS:
            self.report.value_dropped(row.file, row.row, "organization", "network_level",
                                      f"unknown value {level!r}")
            level = None
        return level

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
                "email": self.val(row, "email", clean.email, 200),
                "website": self.val(row, "website", clean.url, 500),
                "legal_status": self.val(row, "legal_status", clean.one_line, 120),
                "department": self.val(row, "department", clean.one_line, 40),
                "verified_on": self.val(row, "verified_on", clean.day),
                "network_level": self._network_level(row),
            }
            if not values["name_zh"]:
                self._err(row, "name", "missing")
            self.store(Rec("organization", ident, self.fit(row, "organization", values), row.file, row.row), row)
