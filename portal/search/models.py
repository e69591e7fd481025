"""The search package's own table: the index outbox (see outbox.py for how it is written and applied)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class IndexOutbox(db.Model):
    """Service ids whose search documents must be rewritten. Written in the same transaction as the
    change; applied to the index after commit; whatever is left (a crash) is applied by
    ``flask index sync``. The database is the source of truth."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
