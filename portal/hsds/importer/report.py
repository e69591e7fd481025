"""What an import found and did: problems per row (file, row, field, problem) and counts.

Stable API (used by the HSDS CLI, the spreadsheet import and the bench; extend, do not change):

* ``Problem(file, row, field, problem, severity)`` and ``.line()``;
* ``ImportReport``: ``error(file, row, field, problem)`` / ``warning(...)``, ``errors``, ``warnings``,
  ``ok``, ``summary_lines()``; counters ``created`` / ``updated`` / ``deleted`` / ``skipped`` per
  record kind; ``created_terms``; ``committed``; ``seconds``; ``version`` / ``source``.
* Added for "nothing dropped silently": ``dropped`` (Counter of ``"kind: reason"`` → rows that could
  not be linked or held nothing, e.g. ``"eligibility: no service_id"``) through ``drop()``;
  ``values_dropped`` (Counter of ``"kind.field"`` → invalid optional values left out, record kept)
  through ``value_dropped()``; ``kept`` (records that passed validation, per kind, whether or not
  they change anything); ``diagnoses`` (one-line explanations of a whole-dataset problem, printed
  first; a dataset with one is not imported, ``--partial`` included); ``imported_nothing``.
* ``indexed``: how many services the import queued for the search index (``finish_import``
  rebuilds the index instead of following the feed when they are most of the directory).
* ``extra`` (dict): figures added by later steps, e.g. ``extra["category_coverage"]`` by the taxonomy
  crosswalk (see ``importer.AFTER_WRITE``); ``summary_lines()`` prints every entry.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One finding. ``error`` rows are not imported (and, without ``--partial``, stop the whole
    import); ``warning`` rows are imported with the noted loss or change (e.g. a term created)."""

    file: str
    row: str | int | None  # CSV: 1-based data row (header = row 0); JSON: a path such as contents[3]
    field: str | None
    problem: str
    severity: str = "error"

    def line(self) -> str:
        where = self.file + (f" row {self.row}" if self.row not in (None, "") else "")
        what = f"{self.field}: " if self.field else ""
        return f"{self.severity.upper():7} {where}: {what}{self.problem}"


@dataclass
class ImportReport:
    version: str = ""
    source: str = ""
    dry_run: bool = False
    partial: bool = False
    problems: list[Problem] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    created_terms: list[str] = field(default_factory=list)
    committed: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    dropped: Counter = field(default_factory=Counter)
    values_dropped: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    diagnoses: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    indexed: int = 0  # services whose search documents the import rewrites (one feed row each)

    def error(self, file, row, fld, problem) -> None:
        self.problems.append(Problem(file, row, fld, problem, "error"))

    def warning(self, file, row, fld, problem) -> None:
        self.problems.append(Problem(file, row, fld, problem, "warning"))

    def drop(self, kind: str, reason: str, n: int = 1) -> None:
        """Rows of ``kind`` not stored for ``reason`` (counted; the caller may also list them)."""
        self.dropped[f"{kind}: {reason}"] += n

    def value_dropped(self, file, row, kind: str, fld: str, problem: str) -> None:
        """An invalid optional value left out; the record itself is imported."""
        self.values_dropped[f"{kind}.{fld}"] += 1
        self.warning(file, row, fld, f"{problem}; value left out, record kept")

    @property
    def imported_nothing(self) -> bool:
        """No organisation, service or location passed validation: nothing worth committing."""
        return bool(self.kept) and not any(self.kept.get(k) for k in ("organization", "service", "location"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the import did (or, in a dry run, would) change the database."""
        return (not self.errors or self.partial) and not self.imported_nothing and not self.diagnoses

    def summary_lines(self) -> list[str]:
        fmt = f"HSDS {self.version} ({self.source})" if self.version else self.source
        lines = [*self.diagnoses, f"Format: {fmt}"]
        for label, counter in (("created", self.created), ("updated", self.updated),
                               ("deleted", self.deleted), ("skipped", self.skipped),
                               ("rows not stored", self.dropped), ("invalid values left out", self.values_dropped)):
            if counter:
                lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))
        for key, value in self.extra.items():
            lines.append(f"{key.replace('_', ' ')}: {value}")
        if self.created_terms:
            lines.append(f"taxonomy terms created: {len(self.created_terms)}")
        lines.append(f"errors: {len(self.errors)}, warnings: {len(self.warnings)}")
        if self.seconds:
            lines.append("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        return lines
