"""``import_dataset``: read an Open Referral dataset (HSDS 3.0 JSON or CSV, 2.0 or 1.1 CSV, Ohana CSV
or NDJSON; folder, zip or single file), validate it row by row, and upsert it into the directory.

All or nothing by default: any error leaves the database untouched (the caller rolls back). With
``partial`` every valid record is imported and each skipped one is reported. An import in which no
organisation, service or location is valid is never committed (``report.imported_nothing``). The
caller commits (``finish_import``), which also brings the search index in step through the outbox.

Pipeline (each step reusable by other importers, e.g. spreadsheets): a reader makes ``Canonical``
tables (``json3``, ``tabular``, ``formats.ohana_*``) → ``build.Builder`` validates them into records →
hooks in ``BEFORE_WRITE`` run → ``write.Writer`` upserts (bulk inserts for new rows) → hooks in
``AFTER_WRITE`` run (e.g. the taxonomy crosswalk; each is called as ``hook(session, builder, report)``,
may add figures to ``report.extra``, such as ``category_coverage``, and returns the services it
changed) → index outbox rows, one per affected service.

Settings: ``PORTAL_DEFAULT_COUNTRY`` (ISO code; phone numbers and addresses without a country) — the
``country`` argument (``--country``) overrides it for one dataset.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from ...session_context import context_of, using
from . import formats, json3, tabular
from .build import Builder
from .report import ImportReport, Problem
from .source import SourceError, open_dataset
from .write import Writer, count_records

__all__ = ["import_dataset", "finish_import", "ImportReport", "Problem", "SourceError"]

AUDIT_REASON = "hsds_import"
# From this many services (and at least half of the directory) the import rebuilds the search index
# instead of following the feed (``finish_import``): the rebuild analyses text in two processes from
# ``search.index.PARALLEL_FROM`` on, the follow in one. Measured on a quiet machine, the 4,000-service
# 2-1-1-style bench (3,686 imported): index step 12.8 s following, 8.0 s rebuilding (import 20.6 -> 15.3 s).
REBUILD_INDEX_FROM = 2000
Hook = Callable[..., None]
BEFORE_WRITE: list[Hook] = []  # hook(session, builder, report), after validation, before writing
# hook(session, builder, report), after writing, before the index rows; returns the ids of services
# whose search documents it changed (or None): they join the import's one outbox row per service.
AFTER_WRITE: list[Hook] = []
READERS = {"json3": ("JSON", json3.to_canonical), "json3_lines": ("JSON lines", json3.to_canonical),
           "tabular": ("CSV datapackage", tabular.to_canonical),
           "ohana_csv": ("Ohana CSV, pre-HSDS", formats.ohana_csv),
           "ohana_ndjson": ("Ohana NDJSON, pre-HSDS", formats.ohana_ndjson)}


def _settings() -> dict:
    try:
        from flask import current_app

        return {"home_country": current_app.config.get("PORTAL_DEFAULT_COUNTRY", "CN")}
    except RuntimeError:  # no app (pure use)
        return {"home_country": "CN"}


def import_dataset(session, path, *, partial: bool = False, dry_run: bool = False,
                   progress: Callable[[int, int], None] | None = None,
                   country: str | None = None) -> ImportReport:
    """Validate and (unless there are errors and not ``partial``) write the dataset into ``session``.
    Returns the report; ``report.ok`` says whether the session now holds changes worth committing.
    ``country``: the dataset's ISO country (phone numbers, addresses) when it is not the deployment's."""
    report = ImportReport(dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    dataset = open_dataset(path)
    kind = formats.detect(dataset)
    report.source, reader = READERS[kind]
    canon = reader(dataset, report)
    report.version = canon.version if kind in ("json3", "json3_lines", "tabular") else ""
    if not report.version:
        report.source = canon.version
    builder = Builder(session, canon, report, country=(country or "").upper() or None, **_settings())
    builder.build()
    report.seconds["validate"] = time.perf_counter() - started
    if report.imported_nothing:
        report.error("(dataset)", None, None, "nothing to import: no organisation, service or location "
                     "in it is valid (see the problems above)")
    if (report.errors and not partial) or report.imported_nothing or report.diagnoses:
        return report
    total = count_records(builder)
    done = shown = 0
    every = max(total // 500, 1)  # a bar redrawn per record costs more than the record at 100k

    def step(n: int) -> None:
        nonlocal done, shown
        done += n
        if progress and (done - shown >= every or done >= total):
            shown = done
            progress(done, total)

    return write_built(session, builder, report, step)


def write_built(session, builder, report: ImportReport, step=None) -> ImportReport:
    """Write what a builder validated, for every kind of import (HSDS datasets, spreadsheets): the
    hooks before and after (the taxonomy crosswalk), the rows, one index update per service at the
    end. Flushes only; the caller's boundary commits (``finish_import`` for the CLI, the request
    for the admin page). A constraint the validation did not foresee rolls everything back and the
    report says why."""
    started = time.perf_counter()
    # Index documents are written once at the end, not per flush (see Writer.enqueue_index).
    context = context_of(session)
    context.skip_outbox = True
    context.audit_reason = AUDIT_REASON  # until finish_import: the commit's flush is audited too
    try:
        for hook in BEFORE_WRITE:
            hook(session, builder, report)
        writer = Writer(session, builder, report, step)
        affected = writer.write()
        for hook in AFTER_WRITE:
            affected |= set(hook(session, builder, report) or ())
        writer.enqueue_index(affected)  # one outbox row per service, whoever changed it
        report.indexed = len(affected)
        context.index_pending = True  # after the commit (CLI or request boundary) the index follows
    except SQLAlchemyError as exc:
        session.rollback()
        report.error("(database)", None, None, f"the database refused the import: {exc.orig if hasattr(exc, 'orig') else exc}"[:500])
        report.partial = False
        report.created.clear(), report.updated.clear(), report.deleted.clear()
        return report
    finally:
        context.skip_outbox = False
    report.seconds["write"] = time.perf_counter() - started
    return report


def finish_import(session, report: ImportReport,
                  progress: Callable[[int, int], None] | None = None) -> None:
    """Commit a successful, non-dry-run import and bring the search index up to date; roll back
    otherwise. ``progress(done, total)`` follows the index rebuild of a large import."""
    from ...search.outbox import apply_pending

    try:
        if report.dry_run or not report.ok:
            session.rollback()
            return
        started = time.perf_counter()
        rebuild = _rebuild_rather_than_follow(session, report)
        if rebuild:
            session.flush()  # whatever the commit would flush, so nothing re-arms the follow below
            context_of(session).index_pending = False  # the rebuild covers the feed rows
        session.commit()
        report.committed = True
        if not (rebuild and _rebuild_index(progress)):
            apply_pending()
        report.seconds["index"] = time.perf_counter() - started
    finally:
        context_of(session).audit_reason = None


def _rebuild_rather_than_follow(session, report: ImportReport) -> bool:
    """An import that rewrites most of the directory's documents (a first import, a big refresh)
    rebuilds the index: one writer with a large buffer, documents added instead of replaced, and
    several processes for large directories (``SearchIndex.rebuild``); following the feed would
    replace them one by one, in rounds that each write and merge a segment."""
    from sqlalchemy import func, select

    from ...directory.models import Service

    if report.indexed < REBUILD_INDEX_FROM:
        return False
    return 2 * report.indexed >= (session.scalar(select(func.count(Service.id))) or 0)


def _rebuild_index(progress) -> bool:
    """True when the index was rebuilt; otherwise the feed keeps the work (the caller follows it)."""
    import logging

    from sqlalchemy.orm import Session

    from ...extensions import db
    from ...search.service import get_index

    try:
        with Session(db.engine) as fresh, using(fresh, skip_outbox=True):
            get_index().rebuild(fresh, progress=progress)
        return True
    except Exception:  # a busy or broken index must not undo a committed import: the feed has it
        logging.getLogger(__name__).exception("index rebuild after the import failed; following the feed")
        return False
