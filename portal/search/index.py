"""The Whoosh index on disk: rebuild (into a new folder, then swap), follow the change feed, sync.

One writer at a time, across threads and processes: every write first takes an exclusive lock on a
lock file next to the index folder (``<index>.lock``), waiting up to a timeout and then raising
``IndexBusyError`` with a clear message. The lock covers rebuilds too, so an outbox update can never
land in an index that a rebuild is about to replace. A rebuild writes a fresh folder and renames it
into place, because Whoosh's table of contents is not crash-safe, then follows the change feed (the
outbox, see feed.py) from the position it read before it started. Each index folder keeps its own
position in the feed, so several hosts' copies follow one database.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from . import feed, segments, sidecar
from ..directory.models import Service
from .analyzers import init_jieba, init_pinyin
from .document_rows import Lookups, service_views
from .documents import SCHEMA_VERSION, build_schema, service_document

log = logging.getLogger(__name__)

# How long a writer waits for another one. Commands wait long; a web request applying its own
# change tries once and otherwise leaves the work in the feed for the next follow (never waits).
WRITE_TIMEOUT = 30.0
REQUEST_WRITE_TIMEOUT = 0.0
VERSION_FILE = "portal_schema_version"
# Services; from here a rebuild analyses text in several processes (jieba is the bottleneck). A
# 3,686-service import rebuilt in 8.0 s with two, where one process took 12.8 s (the import bench).
PARALLEL_FROM = 2000
MAX_PROCS = 4


class IndexBusyError(RuntimeError):
    """Another process (or thread) is writing the index."""


def _write_sidecars(path: Path, procs: int = 1) -> None:
    """The new segment's sidecar, written by the writer (under its lock) so that no searcher has to
    (see sidecar). A failure here loses nothing: a searcher writes a missing one itself."""
    try:
        sidecar.write_missing(path, procs)
    except Exception:  # noqa: BLE001 - the index itself is written; never fail its write for a cache
        log.exception("search index: could not write the segment sidecars in %s", path)


class SearchIndex:
    def __init__(self, path: str, retention_days: int = feed.DEFAULT_RETENTION_DAYS,
                 gap_seconds: int = feed.DEFAULT_GAP_SECONDS) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.retention_days = retention_days
        self.gap_seconds = gap_seconds

    # --- reading ------------------------------------------------------------------------------

    def exists(self) -> bool:
        return whoosh_index.exists_in(str(self.path))

    def schema_version(self) -> int | None:
        try:
            return int((self.path / VERSION_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def needs_rebuild(self) -> bool:
        """Missing, of an older format, or too long without following the feed (it may have missed
        rows that were pruned since)."""
        return (not self.exists() or self.schema_version() != SCHEMA_VERSION
                or feed.is_stale(self.position(), self.retention_days))

    def position(self) -> feed.Position | None:
        """Where this copy stands in the change feed (None: never built by a rebuild)."""
        return feed.Position.load(self.path)

    def backlog(self, session: Session) -> int:
        """Feed rows this copy has not applied yet."""
        return feed.backlog(session, self.position())

    def open(self, mmap: bool = True):
        """The Whoosh index (created empty if missing). ``mmap=False`` for a writer applying a few
        changes: deleting a document's old version looks its id up in every segment, and a mapped
        segment is first copied into memory whole (see whoosh_adapter.read_segments)."""
        if not self.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            ix = whoosh_index.create_in(str(self.path), build_schema())
            (self.path / VERSION_FILE).write_text(str(SCHEMA_VERSION))
            return ix
        return FileStorage(str(self.path), supports_mmap=mmap).open_index()

    def doc_count(self) -> int | None:
        if not self.exists():
            return None
        return self.open().doc_count()

    # --- the single-writer lock -----------------------------------------------------------------

    @contextlib.contextmanager
    def exclusive(self, timeout: float = WRITE_TIMEOUT) -> Iterator[None]:
        """Hold the writer lock; wait up to ``timeout`` seconds, then raise IndexBusyError."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexBusyError(
                            f"The search index at {self.path} is being written by another process "
                            f"(waited {timeout:g} s). Try again when it has finished, e.g. after a "
                            "running 'flask index rebuild'."
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _writer(self, ix):
        try:
            return ix.writer(timeout=WRITE_TIMEOUT, delay=0.1)
        except LockError as exc:
            raise IndexBusyError(
                f"The search index at {self.path} is locked by another writer; try again later."
            ) from exc

    # --- writing ----------------------------------------------------------------------------

    def rebuild(self, session: Session, progress: Callable[[int, int], None] | None = None,
                batch: int = 500, timeout: float = WRITE_TIMEOUT) -> int:
        """Index every service from the database into a new folder, swap it in, then apply what
        reached the feed meanwhile."""
        with self.exclusive(timeout):
            done = self._rebuild_locked(session, progress, batch)
            self._sync_locked(session)
        return done

    def _rebuild_locked(self, session, progress, batch) -> int:
        total = session.scalar(select(func.count(Service.id))) or 0
        fresh = self.path.with_name(self.path.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = whoosh_index.create_in(str(fresh), build_schema())
        # Large rebuilds analyse text in several processes (see segments.py); each writes its own
        # segments, which the searcher handles like any other. Small ones stay in-process.
        procs = min(os.cpu_count() or 1, MAX_PROCS) if total >= PARALLEL_FROM else 1
        init_jieba()  # before forking, so the workers inherit the loaded dictionary
        if procs > 1:
            init_pinyin()  # and pypinyin's (each worker loaded it again to write its sidecars: ~0.9 s)
        # Read before the services: feed rows up to here are covered by this build, later ones (and
        # the gaps of transactions still open) are followed afterwards.
        position = feed.start_position(session, self.gap_seconds)
        try:
            ids = list(session.scalars(select(Service.id).order_by(Service.id)))
            lookups = Lookups(session)
            documents = ([service_document(service) for service in service_views(session, ids[at:at + batch], lookups)]
                         for at in range(0, len(ids), batch))
            done = segments.build(fresh, ix.schema, documents, procs,
                                  progress and (lambda sent: progress(sent, total)))
            (fresh / VERSION_FILE).write_text(str(SCHEMA_VERSION))
            position.save(fresh)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        _write_sidecars(fresh, procs)
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(fresh, self.path)
        shutil.rmtree(old, ignore_errors=True)
        session.commit()  # ends the read transaction, so the follow below sees newer rows
        return done

    def apply(self, session: Session, service_ids: Iterable[str], timeout: float = WRITE_TIMEOUT) -> int:
        """Rewrite (or delete) the documents of the given services."""
        with self.exclusive(timeout):
            return self._apply_locked(session, service_ids)

    def _apply_locked(self, session: Session, service_ids: Iterable[str]) -> int:
        ids = sorted(set(service_ids))
        if not ids:
            return 0
        ix = self.open(mmap=False)
        writer = self._writer(ix)
        try:
            found = set()
            for service in service_views(session, ids):
                writer.update_document(**service_document(service))
                found.add(service.id)
            for missing in set(ids) - found:
                writer.delete_by_term("id", missing)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        _write_sidecars(self.path)
        return len(ids)

    def write_sidecars(self, timeout: float = WRITE_TIMEOUT) -> None:
        """Write the sidecar of every segment that lacks a current one (an index written before
        sidecars, or before their format changed), in several processes, before any searcher has
        to write them itself at its first search (``flask index ensure``, run by ``make run``)."""
        if self.exists():
            with self.exclusive(timeout):
                _write_sidecars(self.path, min(os.cpu_count() or 1, MAX_PROCS))

    def sync(self, session: Session, limit: int = 5000, timeout: float = WRITE_TIMEOUT) -> int:
        """Follow the change feed: apply the rows this copy has not applied, then remember the new
        position. Rows are never deleted here (other copies follow them too; pruning is
        ``flask privacy purge``'s). Safe to run anytime, from any number of processes (they take
        turns)."""
        with self.exclusive(timeout):
            return self._sync_locked(session, limit)

    def _sync_locked(self, session: Session, limit: int = 5000) -> int:
        position = self.position() or feed.Position()
        applied = 0
        while True:
            rows = feed.read_batch(session, position, limit)
            session.commit()  # end the read transaction: the next batch sees rows committed since
            if rows:
                self._apply_locked(session, [service_id for _, service_id in rows])
            # Saved only after Whoosh committed: a process killed before this re-applies the rows.
            position.advance([seq for seq, _ in rows], time.time(), self.gap_seconds)
            position.save(self.path)
            applied += len(rows)
            if len(rows) < limit:
                return applied
