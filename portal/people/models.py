"""Peer supporters and volunteers: people (often in recovery themselves) who work with an
organisation's services, e.g. standing in for carers during respite. Kept to what staff need to
plan with: a display name or initials (never a full identity), the kind of role, the training
status with its date, and the services they work in. The public never sees names: the service page
shows staff the counts by training status only (see ``queries.counts_for_service``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db

PEOPLE_KINDS = ("peer_supporter", "volunteer")
TRAINING_STATUSES = ("not_trained", "in_training", "trained")
MAX_DISPLAY_NAME = 40


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


peer_supporter_service = Table(
    "peer_supporter_service", db.metadata,
    Column("peer_supporter_id", ForeignKey("peer_supporter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PeerSupporter(db.Model):
    __tablename__ = "peer_supporter"
    __table_args__ = (
        CheckConstraint(_in("kind", PEOPLE_KINDS), name="kind_known"),
        CheckConstraint(_in("training_status", TRAINING_STATUSES), name="training_status_known"),
        # "Trained" is a claim with a date (when the training was completed).
        CheckConstraint("training_status != 'trained' OR training_date IS NOT NULL", name="trained_has_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"),
                                                 nullable=False, index=True)
    # A first name, a nickname or initials: enough for colleagues to know who is meant.
    display_name: Mapped[str] = mapped_column(String(MAX_DISPLAY_NAME), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    training_status: Mapped[str] = mapped_column(String(12), nullable=False)
    # When the current training status began: completed ("trained", required) or started ("in training").
    training_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow,
                                                 onupdate=utcnow)

    organization = relationship("Organization")
    services = relationship("Service", secondary=peer_supporter_service, order_by="Service.name_zh")

    def __str__(self) -> str:
        return self.display_name
