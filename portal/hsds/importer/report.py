"""What an import found and did: problems per row (file, row, field, problem) and counts."""
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

    def error(self, file, row, fld, problem) -> None:
        self.problems.append(Problem(file, row, fld, problem, "error"))

    def warning(self, file, row, fld, problem) -> None:
        self.problems.append(Problem(file, row, fld, problem, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the import did (or, in a dry run, would) change the database."""
        return not self.errors or self.partial

    def summary_lines(self) -> list[str]:
        lines = [f"Format: HSDS {self.version} ({self.source})"]
        for label, counter in (("created", self.created), ("updated", self.updated),
                               ("deleted", self.deleted), ("skipped", self.skipped)):
            if counter:
                lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))
        if self.created_terms:
            lines.append(f"taxonomy terms created: {len(self.created_terms)}")
        lines.append(f"errors: {len(self.errors)}, warnings: {len(self.warnings)}")
        if self.seconds:
            lines.append("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        return lines
