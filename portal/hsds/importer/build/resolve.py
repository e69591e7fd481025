"""Dependencies: a record whose parent is skipped or missing is skipped too, and says why; and the
one-line diagnosis of a dataset whose primary keys are row numbers while its foreign keys are ids."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ....bulk import among
from .base import LABELS, MODELS, BuilderBase

ORDER = ("taxonomy", "taxonomy_term", "organization", "location", "service", "service_at_location",
         "contact", "phone", "schedule", "language", "cost_option", "required_document",
         "service_area", "attribute")
KEY_FILES = (("organization", "service", "organization_id"), ("service", "service_at_location", "service_id"),
             ("location", "service_at_location", "location_id"), ("organization", "location", "organization_id"))


def _row_numbers(raw_ids: list[str]) -> bool:
    """Ids 1..N (or 0..N-1) in file order: a spreadsheet's row numbers, not record ids."""
    if len(raw_ids) < 3 or not all(r.isdigit() for r in raw_ids):
        return False
    numbers = [int(r) for r in raw_ids]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] in (0, 1, 2)


class ResolveBuilder(BuilderBase):
    ORDER = ORDER

    def _in_database(self) -> dict[str, set[str]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for kind in ORDER:
            for rec in self.recs[kind].values():
                for dep_kind, dep_id, _ in rec.deps:
                    if dep_id and dep_id not in self.recs[dep_kind]:
                        wanted[dep_kind].add(dep_id)
        found: dict[str, set[str]] = {}
        for kind, ids in wanted.items():
            model, ids = MODELS[kind], sorted(ids)
            found[kind] = set()
            for start in range(0, len(ids), 500):
                found[kind] |= set(self.session.scalars(select(model.id).where(among(self.session, model.id, ids[start:start + 500]))))
        return found

    def resolve_dependencies(self) -> None:
        in_db = self._in_database()
        resolved = defaultdict(lambda: [0, 0])  # (target kind, kind, field) → [resolved, total]
        for kind in ORDER:  # parents before children, so one pass settles every cascade
            for rec in self.recs[kind].values():
                for dep_kind, dep_id, fld in rec.deps:
                    if dep_id is None:
                        continue
                    counts = resolved[(dep_kind, kind, fld)]
                    counts[1] += 1
                    if dep_id in self.recs[dep_kind] or dep_id in in_db.get(dep_kind, set()):
                        counts[0] += 1
                if rec.skipped:
                    continue
                for dep_kind, dep_id, fld in rec.deps:
                    if dep_id is None:
                        continue
                    target = self.recs[dep_kind].get(dep_id)
                    if target is not None and target.skipped:
                        self.report.error(rec.file, rec.row, fld,
                                          f"its {LABELS.get(dep_kind, dep_kind)} ({target.file} row "
                                          f"{target.row}) is not imported")
                    elif target is None and dep_id not in in_db.get(dep_kind, set()):
                        self.report.error(rec.file, rec.row, fld,
                                          f"no such {LABELS.get(dep_kind, dep_kind)} in the dataset or the directory")
                    else:
                        continue
                    rec.skipped = True
                    self.report.skipped[kind] += 1
                    break
        self._diagnose_row_numbers(resolved)

    def _diagnose_row_numbers(self, resolved) -> None:
        for target, kind, fld in KEY_FILES:
            ok, total = resolved.get((target, kind, fld), (0, 0))
            rows = [r for r in self.canon.tables[target] if isinstance(r.row, int)]
            raw = [str(r.data.get("id") or "").strip() for r in rows]
            if total and not ok and _row_numbers(raw):
                self.report.diagnoses.append(
                    f"{rows[0].file}: its ids are row numbers ({raw[0]}…{raw[-1]}) and none of the {total} "
                    f"{fld} values of the {kind} rows matches one: the export wrote row numbers instead of "
                    "record ids; export again with the records' own ids.")
                return

    def count_kept(self) -> None:
        for kind in ORDER:
            self.report.kept[kind] = len(self.valid(kind))
