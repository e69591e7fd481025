"""Small pieces shared by every domain: ids, clocks, model mixins."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


def new_uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return utcnow().date()


class UUIDMixin:
    """HSDS entities are identified by UUIDs (stored as canonical text for portability)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)


class TimestampMixin:
    # Pass the function, not its value: a default evaluated at import time would freeze.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


def as_aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def live_row(session, model, key, now: datetime | None = None, max_key_length: int = 64):
    """The row of ``model`` under a random ``key`` given by a browser (a stored match profile, a shared
    list), or None when the key is malformed, unknown or expired. An expired row is deleted on the
    way (flushed; the caller's boundary commits), so nothing outlives its time for lack of a job."""
    if not key or not isinstance(key, str) or len(key) > max_key_length:
        return None
    row = session.get(model, key)
    if row is None:
        return None
    if as_aware(row.expires_at) <= (now or utcnow()):
        session.delete(row)
        session.flush()
        return None
    return row
