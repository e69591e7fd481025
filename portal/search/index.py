"""The Whoosh index on disk: open, rebuild (into a new folder, then swap), apply the outbox.

One writer at a time: Whoosh's own lock file, waited on for ``WRITE_TIMEOUT`` seconds, then a clear
``IndexBusyError``. A rebuild writes a fresh folder and renames it into place, because Whoosh's
table of contents is not crash-safe.
"""
from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload
from whoosh import index as whoosh_index
from whoosh.index import LockError

from ..common import utcnow
from ..directory.models import Attribute, IndexOutbox, Location, Service, ServiceAtLocation, TaxonomyTerm
from .documents import build_schema, service_document

log = logging.getLogger(__name__)
WRITE_TIMEOUT = 30.0


class IndexBusyError(RuntimeError):
    """Another process is writing the index."""


def _service_query():
    return select(Service).options(
        selectinload(Service.organization),
        selectinload(Service.attributes).selectinload(Attribute.taxonomy_term).selectinload(TaxonomyTerm.taxonomy),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.location).selectinload(Location.area),
        selectinload(Service.service_areas),
        selectinload(Service.cost_options),
        selectinload(Service.languages),
    )


class SearchIndex:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return whoosh_index.exists_in(str(self.path))

    def open(self):
        if not self.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            return whoosh_index.create_in(str(self.path), build_schema())
        return whoosh_index.open_dir(str(self.path))

    def doc_count(self) -> int | None:
        if not self.exists():
            return None
        return self.open().doc_count()

    def _writer(self, ix):
        try:
            return ix.writer(timeout=WRITE_TIMEOUT, delay=0.1)
        except LockError as exc:
            raise IndexBusyError(
                f"The search index at {self.path} is being written by another process; try again later."
            ) from exc

    def rebuild(self, session: Session, progress: Callable[[int, int], None] | None = None,
                batch: int = 500) -> int:
        """Index every service from the database into a new folder, then swap it in."""
        total = session.scalar(select(func.count(Service.id))) or 0
        fresh = self.path.with_name(self.path.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = whoosh_index.create_in(str(fresh), build_schema())
        writer = ix.writer(limitmb=256)
        done = 0
        # The outbox is cleared only for entries that existed before we started reading.
        started = utcnow()
        try:
            ids = list(session.scalars(select(Service.id).order_by(Service.id)))
            for start in range(0, len(ids), batch):
                chunk = ids[start:start + batch]
                for service in session.scalars(_service_query().where(Service.id.in_(chunk))):
                    writer.add_document(**service_document(service))
                    done += 1
                session.expunge_all()
                if progress:
                    progress(done, total)
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(fresh, self.path)
        shutil.rmtree(old, ignore_errors=True)
        session.execute(delete(IndexOutbox).where(IndexOutbox.enqueued_at <= started))
        session.commit()
        return done

    def apply(self, session: Session, service_ids: Iterable[str]) -> int:
        """Rewrite (or delete) the documents of the given services."""
        ids = sorted(set(service_ids))
        if not ids:
            return 0
        ix = self.open()
        writer = self._writer(ix)
        try:
            found = set()
            for service in session.scalars(_service_query().where(Service.id.in_(ids))):
                writer.update_document(**service_document(service))
                found.add(service.id)
            for missing in set(ids) - found:
                writer.delete_by_term("id", missing)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return len(ids)

    def sync(self, session: Session, limit: int = 5000) -> int:
        """Apply what is waiting in the outbox and remove the applied rows. Safe to run anytime."""
        applied = 0
        while True:
            rows = session.execute(
                select(IndexOutbox.id, IndexOutbox.service_id).order_by(IndexOutbox.id).limit(limit)
            ).all()
            if not rows:
                return applied
            self.apply(session, [r.service_id for r in rows])
            session.execute(delete(IndexOutbox).where(IndexOutbox.id <= rows[-1].id,
                                                      IndexOutbox.id.in_([r.id for r in rows])))
            session.commit()
            applied += len(rows)
