"""The index outbox read as a change feed, so that several index copies (one per app host) can follow
one shared database.

Rows of ``index_outbox`` are numbered by their id (the sequence) and kept for a retention window
(``SEARCH_FEED_RETENTION_DAYS``); nobody deletes a row because they applied it. Each index copy
keeps its own position in a small file inside its index folder (``feed_position.json``): the last
sequence it applied and the *gaps* below it.

Why gaps: a sequence number is taken when a row is inserted, but rows become visible when their
transaction commits, and transactions do not commit in the order they inserted. A follower that
has read row 11 may see row 10 appear later (a longer transaction), or never (a rollback: sequences
do not roll back). So the numbers skipped below the position are remembered and looked for again on
every follow, until they are found or older than ``SEARCH_FEED_GAP_SECONDS`` (longer than any
transaction that writes the directory). Applying a service twice is harmless (its document is
rewritten from the database), so re-reading is always safe; only skipping is not.

Crash safety: the position is written (atomically: a temporary file renamed over the old one) only
after Whoosh has committed the documents, so a process killed mid-apply applies the same rows again
on its next follow. A copy that has not followed for longer than the retention window may have
missed pruned rows and is rebuilt (``needs_rebuild``).

Pure bookkeeping plus small queries: the index class (index.py) decides when to call it, under its
writer lock.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ..common import utcnow
from .models import IndexOutbox

POSITION_FILE = "feed_position.json"
DEFAULT_RETENTION_DAYS = 7
DEFAULT_GAP_SECONDS = 3600
# Gaps remembered at most (a burst of rolled-back transactions must not grow the file without bound).
MAX_GAPS = 10_000


@dataclass
class Position:
    """Where one index copy stands in the feed."""

    last: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # sequence -> when first missed (epoch s)
    followed_at: float = 0.0  # epoch seconds of the last successful follow (or build)

    # --- on disk --------------------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path) -> Position | None:
        try:
            data = json.loads((folder / POSITION_FILE).read_text())
            return cls(last=int(data["last"]), gaps={int(k): float(v) for k, v in data["gaps"].items()},
                       followed_at=float(data["followed_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / POSITION_FILE
        tmp = folder / (POSITION_FILE + ".tmp")
        tmp.write_text(json.dumps({"last": self.last, "gaps": {str(k): v for k, v in self.gaps.items()},
                                   "followed_at": self.followed_at}))
        os.replace(tmp, target)

    # --- bookkeeping (pure) -------------------------------------------------------------------------

    def advance(self, seen: list[int], now: float, gap_seconds: float) -> None:
        """Take note of the sequences just read (ascending, above ``last`` or among the gaps)."""
        for seq in seen:
            self.gaps.pop(seq, None)
        above = [seq for seq in seen if seq > self.last]
        if above:
            present = set(above)
            for seq in range(self.last + 1, above[-1]):
                if seq not in present:
                    self.gaps.setdefault(seq, now)
            self.last = above[-1]
        self.forget_old_gaps(now, gap_seconds)
        self.followed_at = now

    def forget_old_gaps(self, now: float, gap_seconds: float) -> None:
        self.gaps = {seq: t for seq, t in self.gaps.items() if now - t <= gap_seconds}
        if len(self.gaps) > MAX_GAPS:
            self.gaps = dict(sorted(self.gaps.items())[-MAX_GAPS:])


def settings(config) -> tuple[int, int]:
    """(retention days, gap seconds) from the app's config."""
    return (int(config.get("SEARCH_FEED_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)),
            int(config.get("SEARCH_FEED_GAP_SECONDS", DEFAULT_GAP_SECONDS)))


def is_stale(position: Position | None, retention_days: int, now: float | None = None) -> bool:
    """Whether a copy may have missed rows that were pruned (or never followed at all)."""
    if position is None:
        return True
    now = time.time() if now is None else now
    return now - position.followed_at > retention_days * 86400


def _pending_filter(position: Position):
    condition = IndexOutbox.id > position.last
    if position.gaps:
        condition = or_(condition, IndexOutbox.id.in_(sorted(position.gaps)))
    return condition


def read_batch(session: Session, position: Position, limit: int) -> list[tuple[int, str]]:
    """The next rows this copy has not applied: (sequence, service id), ascending."""
    rows = session.execute(
        select(IndexOutbox.id, IndexOutbox.service_id).where(_pending_filter(position))
        .order_by(IndexOutbox.id).limit(limit)).all()
    return [(r.id, r.service_id) for r in rows]


def backlog(session: Session, position: Position | None) -> int:
    """Rows waiting for this copy (all retained rows if it has no position)."""
    query = select(func.count(IndexOutbox.id))
    if position is not None:
        query = query.where(_pending_filter(position))
    return session.scalar(query) or 0


def start_position(session: Session, gap_seconds: int) -> Position:
    """The position of an index built from the database now: after the newest visible row, with
    every number missing above the last row older than the grace counted as a gap (a transaction
    still open while the build reads may commit one of them later). Read *before* the build reads
    the services."""
    now = time.time()
    newest = session.scalar(select(func.max(IndexOutbox.id))) or 0
    settled = session.scalar(select(func.max(IndexOutbox.id)).where(
        IndexOutbox.enqueued_at < utcnow() - timedelta(seconds=gap_seconds))) or 0
    floor = max(settled, newest - MAX_GAPS)
    present = set(session.scalars(select(IndexOutbox.id).where(IndexOutbox.id > floor)))
    return Position(last=newest, gaps={seq: now for seq in range(floor + 1, newest) if seq not in present},
                    followed_at=now)


def prune(session: Session, retention_days: int, now=None) -> int:
    """Delete feed rows older than the window (flushes; the caller commits). The newest row always
    stays, so the sequence never starts again below a copy's position (SQLite reuses the highest
    rowid once it is deleted)."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    newest = session.scalar(select(func.max(IndexOutbox.id)))
    if newest is None:
        return 0
    result = session.execute(delete(IndexOutbox).where(IndexOutbox.enqueued_at < cutoff,
                                                       IndexOutbox.id != newest))
    return result.rowcount or 0
