"""Problem reports: anyone viewing a service can say a listing is wrong; the owning agency or an
administrator resolves or rejects the report with a note, and a signed-in reporter sees the outcome.

A report holds no personal data on purpose: the reporter is a user id (or nobody), the text is about
the listing and limited in length, and no IP address or contact detail is stored. An anonymous report
keeps ``reporter_key``, a keyed hash of the sender's address, only so that the hourly limit holds
across sessions (it cannot be turned back into the address without the app's secret).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db

PROBLEM_KINDS = ("closed", "wrong_phone", "wrong_hours", "wrong_eligibility", "other")
REPORT_STATUSES = ("open", "resolved", "rejected")
MAX_REPORT_TEXT = 1000
MAX_NOTE_TEXT = 1000


class ProblemReport(db.Model):
    __tablename__ = "problem_report"
    __table_args__ = (
        CheckConstraint("kind IN ('closed', 'wrong_phone', 'wrong_hours', 'wrong_eligibility', 'other')",
                        name="kind_known"),
        CheckConstraint("status IN ('open', 'resolved', 'rejected')", name="status_known"),
        Index("ix_problem_report_service_status", "service_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str | None] = mapped_column(String(MAX_REPORT_TEXT))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    reporter_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    resolution_note: Mapped[str | None] = mapped_column(String(MAX_NOTE_TEXT))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    service = relationship("Service")
    reporter = relationship("User", foreign_keys=[reporter_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
