"""Reading the audit trail: the last change to a record (for concurrent-edit messages) and a
record's history."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import AuditEvent

CHANGE_ACTIONS = ("create", "update", "delete")


def last_change(record_type: str, record_id: str) -> AuditEvent | None:
    """The most recent create/update/delete of one record, or None."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id),
               AuditEvent.action.in_(CHANGE_ACTIONS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()


def history(record_type: str, record_id: str, limit: int = 50) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))
