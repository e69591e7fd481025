"""The taxonomy crosswalk at the end of an import (HSDS or spreadsheet).

``before_write`` remembers the links people confirmed on the services about to be imported (the
writer removes attributes a dataset no longer lists, and a confirmed category is ours, not the
dataset's); ``after_write`` puts them back, maps the imported terms onto our vocabularies and infers
categories for the services that still have none (``portal.crosswalk``). The figures go into the
report: ``report.crosswalk`` (a ``CrosswalkSummary``) and ``report.extra`` (printed by
``summary_lines``): how many services got a category, and the unmapped source terms by count.
A large import's texts are read for categories in a second process while the rows are written
(``crosswalk.ahead``): same results, found sooner.
"""
from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import insert, select

from ..bulk import among
from ..crosswalk.ahead import read_ahead
from ..crosswalk.infer import service_texts
from ..crosswalk.operations import apply_crosswalk, category_words_of
from ..directory import models as m

_CONFIRMED = "crosswalk_confirmed_links"
_AHEAD = "crosswalk_read_ahead"


def _service_ids(builder) -> list[str]:
    return [rec.id for rec in builder.valid("service")]


def _texts(builder):
    for rec in builder.valid("service"):
        values = rec.values
        yield from service_texts(values.get("name_zh"), values.get("name_en"), values.get("description_zh"),
                                 values.get("description_en"))


def before_write(session, builder, report) -> None:
    # The services' texts are read for categories in another process while the rows are written.
    report.__dict__[_AHEAD] = read_ahead(_texts(builder), category_words_of(session))
    ids = _service_ids(builder)
    kept = []
    for start in range(0, len(ids), 500):
        kept += [dict(id=a.id, taxonomy_term_id=a.taxonomy_term_id, service_id=a.service_id, value=a.value,
                      origin=a.origin, origin_note=a.origin_note)
                 for a in session.scalars(select(m.Attribute).where(
                     among(session, m.Attribute.service_id, ids[start:start + 500]), m.Attribute.origin == "confirmed"))]
    report.__dict__[_CONFIRMED] = kept


def after_write(session, builder, report) -> set[str]:
    kept = report.__dict__.pop(_CONFIRMED, [])
    if kept:
        present = set()
        ids = [k["id"] for k in kept]
        for start in range(0, len(ids), 500):
            present |= set(session.scalars(select(m.Attribute.id).where(among(session, m.Attribute.id, ids[start:start + 500]))))
        have = set(session.execute(select(m.Attribute.service_id, m.Attribute.taxonomy_term_id).where(
            among(session, m.Attribute.service_id, {k["service_id"] for k in kept}))).all())
        missing = [k for k in kept if k["id"] not in present and (k["service_id"], k["taxonomy_term_id"]) not in have]
        if missing:
            session.execute(insert(m.Attribute), missing)
    # The import enqueues every service it touched once, these included (write_built).
    ahead = report.__dict__.pop(_AHEAD, None)
    with ahead.apply() if ahead else nullcontext():
        summary, changed = apply_crosswalk(session, _service_ids(builder), enqueue=False)
    report.crosswalk = summary
    report.extra["category_coverage"] = (
        f"{summary.with_category} of {summary.services} services ({summary.coverage:.0%}; "
        f"stated {summary.by_origin['stated']}, mapped {summary.by_origin['mapped']}, "
        f"inferred {summary.by_origin['inferred']})")
    if summary.unmapped_terms:
        top = summary.unmapped_terms.most_common(15)
        more = len(summary.unmapped_terms) - len(top)
        report.extra["unmapped_source_terms"] = (
            f"{len(summary.unmapped_terms)} (services per term) " + "; ".join(f"{t} ×{n}" for t, n in top)
            + (f"; … {more} more" if more > 0 else ""))
    return changed


def register() -> None:
    """Run at the end of every import (``importer.BEFORE_WRITE`` / ``AFTER_WRITE``); idempotent."""
    from . import importer

    if before_write not in importer.BEFORE_WRITE:
        importer.BEFORE_WRITE.append(before_write)
    if after_write not in importer.AFTER_WRITE:
        importer.AFTER_WRITE.append(after_write)
