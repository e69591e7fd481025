"""``import_dataset``: read an Open Referral dataset (HSDS 3.0 JSON or CSV, 2.0 or 1.1 CSV; folder
or zip), validate it row by row, and upsert it into the directory.

All or nothing by default: any error leaves the database untouched (the caller rolls back). With
``partial`` every valid record is imported and each skipped one is reported. The caller commits
(``finish_import``), which also brings the search index in step through the outbox.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from . import json3, tabular
from .build import Builder
from .report import ImportReport, Problem
from .source import SourceError, open_dataset
from .write import Writer, count_records

__all__ = ["import_dataset", "finish_import", "ImportReport", "Problem", "SourceError"]

AUDIT_REASON = "hsds_import"


def import_dataset(session, path, *, partial: bool = False, dry_run: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate and (unless there are errors and not ``partial``) write the dataset into ``session``.
    Returns the report; ``report.ok`` says whether the session now holds changes worth committing."""
    report = ImportReport(dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    dataset = open_dataset(path)
    report.source = "JSON" if not dataset.csv_files() and dataset.json_files() else "CSV datapackage"
    canon = (json3 if report.source == "JSON" else tabular).to_canonical(dataset, report)
    report.version = canon.version
    builder = Builder(session, canon, report)
    builder.build()
    report.seconds["validate"] = time.perf_counter() - started
    if report.errors and not partial:
        return report
    total = count_records(builder)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    started = time.perf_counter()
    # Index documents are written once at the end, not per flush (see Writer.enqueue_index).
    session.info["skip_outbox"] = True
    session.info["audit_reason"] = AUDIT_REASON
    try:
        writer = Writer(session, builder, report, step)
        affected = writer.write()
        writer.enqueue_index(affected)
    except SQLAlchemyError as exc:
        # A constraint the validation did not foresee: nothing is kept, and the report says why.
        session.rollback()
        report.error("(database)", None, None, f"the database refused the import: {exc.orig if hasattr(exc, 'orig') else exc}"[:500])
        report.partial = False
        report.created.clear(), report.updated.clear(), report.deleted.clear()
        return report
    finally:
        session.info.pop("skip_outbox", None)
    report.seconds["write"] = time.perf_counter() - started
    return report


def finish_import(session, report: ImportReport) -> None:
    """Commit a successful, non-dry-run import and apply its index updates; roll back otherwise."""
    from ...search.outbox import apply_pending

    try:
        if report.dry_run or not report.ok:
            session.rollback()
            return
        started = time.perf_counter()
        session.commit()
        report.committed = True
        apply_pending()
        report.seconds["index"] = time.perf_counter() - started
    finally:
        session.info.pop("audit_reason", None)
