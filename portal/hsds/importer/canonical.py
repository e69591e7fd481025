"""Every input format becomes the same canonical tables: HSDS 3.0 table names and field names, one
``Row`` per record with where it came from (file and row, or JSON path) for the error report.

Stable API (the HSDS readers, Ohana readers and the spreadsheet import all produce it; the builder
consumes it): ``Canonical(version)`` with ``tables`` (table name in ``TABLES`` → list of ``Row``),
``provided`` (child tables the dataset supplies at all), ``own_export`` and ``add(table, file, row,
data)``; ``Row(file, row, data)`` where ``data`` maps HSDS 3.0 field names to raw values (strings from
CSV, JSON values otherwise). Extra keys starting with ``_`` are hints between reader and builder
(``_location_id``: a service's location in HSDS 1.0/Ohana; ``_term_label``: a linked term's name).
Builder-only fields read when present: ``hours_text`` on services (original opening-hours text),
``state_province``/``country`` on addresses, ``*_zh``/``*_en`` bilingual columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The canonical tables, in the order they are built.
TABLES = (
    "area", "taxonomy", "taxonomy_term", "organization", "location", "address", "accessibility",
    "service", "eligibility", "service_at_location", "contact", "phone", "schedule", "language",
    "cost_option", "required_document", "service_area", "attribute",
)


@dataclass
class Row:
    file: str
    row: int | str
    data: dict


@dataclass
class Canonical:
    version: str
    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})
    # Child tables the dataset supplies at all: only for those may an import remove rows that the
    # dataset no longer lists (a dataset without phones must not wipe our phones).
    provided: set[str] = field(default_factory=set)
    # Our own export read back: values are taken as stored (phone numbers are not re-formatted).
    own_export: bool = False

    def add(self, table: str, file: str, row, data: dict) -> None:
        self.tables[table].append(Row(file, row, data))
        self.provided.add(table)
