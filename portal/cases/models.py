"""The case record: one per client, kept only with the client's (or guardian's) consent, with its
conditions and the individual plan's append-only entries."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from ..common import utcnow
from ..extensions import db
from ..referrals.models import CONSENT_GIVERS
from .levels import MANAGEMENT_LEVELS
from .vocab import CAREGIVER_RELATIONSHIPS, PLAN_DOMAINS, PLAN_STATUSES


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CaseRecord(db.Model):
    __tablename__ = "case_record"
    __table_args__ = (
        CheckConstraint("management_level IS NULL OR " + _in("management_level", MANAGEMENT_LEVELS),
                        name="management_level_known"),
        CheckConstraint(_in("consent_given_by", CONSENT_GIVERS), name="consent_given_by_known"),
        CheckConstraint("caregiver_relationship IS NULL OR " + _in("caregiver_relationship", CAREGIVER_RELATIONSHIPS),
                        name="caregiver_relationship_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False, unique=True)
    # Sets the follow-up interval (levels.FOLLOW_UP_EVERY).
    management_level: Mapped[str | None] = mapped_column(String(12))
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # The record exists only with consent: when it was given, and by whom (the client or a guardian).
    consent_on: Mapped[date] = mapped_column(Date, nullable=False)
    consent_given_by: Mapped[str] = mapped_column(String(10), nullable=False, default="client")
    medication: Mapped[str | None] = mapped_column(String(200))
    # One caregiver or guardian, the minimum to reach and involve them.
    caregiver_name: Mapped[str | None] = mapped_column(String(100))
    caregiver_relationship: Mapped[str | None] = mapped_column(String(20))
    caregiver_phone: Mapped[str | None] = mapped_column(String(40))
    caregiver_is_guardian: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    client = relationship("Client", backref=backref("case_record", uselist=False))
    case_manager = relationship("User")
    condition_rows: Mapped[list[CaseCondition]] = relationship(back_populates="case_record", cascade="all, delete-orphan",
                                                               order_by="CaseCondition.condition_code")
    plan_entries: Mapped[list[CasePlanEntry]] = relationship(back_populates="case_record", order_by="CasePlanEntry.id",
                                                             passive_deletes=True)

    @property
    def conditions(self) -> list[str]:
        return [row.condition_code for row in self.condition_rows]

    @property
    def has_caregiver(self) -> bool:
        return bool(self.caregiver_name or self.caregiver_phone or self.caregiver_relationship)


class CaseCondition(db.Model):
    """A condition (a code of the ``condition`` vocabulary) recorded on a case record."""

    __tablename__ = "case_condition"
    __table_args__ = (UniqueConstraint("case_record_id", "condition_code", name="uq_case_condition_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_record_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False)
    condition_code: Mapped[str] = mapped_column(String(80), nullable=False, index=True)

    case_record: Mapped[CaseRecord] = relationship(back_populates="condition_rows")


class CasePlanEntry(db.Model):
    """One change to one domain of the individual plan: the domain's status and goal text, who and
    when. Append-only: the plan's history is the list of entries, the current plan the newest entry
    per domain."""

    __tablename__ = "case_plan_entry"
    __table_args__ = (
        CheckConstraint(_in("domain", PLAN_DOMAINS), name="domain_known"),
        CheckConstraint(_in("status", PLAN_STATUSES), name="status_known"),
        Index("ix_case_plan_entry_record_domain", "case_record_id", "domain", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_record_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False)
    domain: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    case_record: Mapped[CaseRecord] = relationship(back_populates="plan_entries")
    recorded_by = relationship("User")


@event.listens_for(Session, "before_flush")
def _plan_entries_are_append_only(session, flush_context, instances):
    """The plan's history is what the case manager recorded when: rows are added, never changed.
    (Removing the whole record removes them with it, through the database's cascade.)"""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, CasePlanEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise ValueError("case plan entries are append-only")
