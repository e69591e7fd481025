"""The search package's own table: the index outbox, read as a change feed (outbox.py writes it,
feed.py follows and prunes it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class IndexOutbox(db.Model):
    """Service ids whose search documents must be rewritten, numbered by ``id`` (the feed's
    sequence). Written in the same transaction as the change; every host's index copy follows the
    rows from its own position (feed.py) and nobody deletes a row for having applied it: rows older
    than ``SEARCH_FEED_RETENTION_DAYS`` are pruned by ``flask privacy purge``. The database is the
    source of truth."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
