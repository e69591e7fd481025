"""Append-only audit trail: security events (logins, refused access) and changes to records.
Never holds personal data: record ids and field names, not client details."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)

    # Read-only link for the audit browser ("who"); the row keeps user_id if the user is deleted.
    user = relationship("User", viewonly=True)


def record(action: str, *, user_id: int | None = None, record_type: str | None = None,
           record_id: str | None = None, changes: dict | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(action=action, user_id=user_id, record_type=record_type,
                       record_id=record_id, changes=changes)
    db.session.add(event)
    return event
