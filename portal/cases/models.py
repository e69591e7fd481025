"""The case record: one per client, kept only with the client's (or guardian's) consent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..common import utcnow
from ..extensions import db
from .levels import MANAGEMENT_LEVELS


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CaseRecord(db.Model):
    __tablename__ = "case_record"
    __table_args__ = (
        CheckConstraint("management_level IS NULL OR " + _in("management_level", MANAGEMENT_LEVELS),
                        name="management_level_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False, unique=True)
    # Sets the follow-up interval (levels.FOLLOW_UP_EVERY).
    management_level: Mapped[str | None] = mapped_column(String(12))
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    client = relationship("Client", backref=backref("case_record", uselist=False))
    case_manager = relationship("User")
