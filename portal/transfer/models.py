"""Transfer criteria per (from_stage, to_stage) of the ``care_stage`` vocabulary, and the ones a
referral with that transition met (who ticked each, when)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db
from ..i18n_fields import BilingualMixin


class TransferCriterion(BilingualMixin, db.Model):
    """One tickable criterion, e.g. home_based_rehab -> community_integration: "stable for 3 months".
    Shipped in ``portal/vocab/data/transfer_criteria.json`` (ids derived from pair and code, see
    ``install``); an administrator edits labels and order, or sets ``active`` off instead of deleting
    (ticks already recorded keep pointing at it)."""

    __tablename__ = "transfer_criterion"
    __table_args__ = (
        UniqueConstraint("from_stage", "to_stage", "code", name="uq_transfer_criterion_pair_code"),
        Index("ix_transfer_criterion_pair", "from_stage", "to_stage"),
        CheckConstraint("from_stage <> to_stage", name="two_stages"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_stage: Mapped[str] = mapped_column(String(80), nullable=False)
    to_stage: Mapped[str] = mapped_column(String(80), nullable=False)
    code: Mapped[str] = mapped_column(String(80), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str] = mapped_column(String(300), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return self.name_zh


class ReferralCriterion(db.Model):
    """A criterion ticked as met on a referral. Unticking removes the row: what the page shows is
    what is met now, and by whom it was ticked."""

    __tablename__ = "referral_criterion"
    __table_args__ = (UniqueConstraint("referral_id", "criterion_id", name="uq_referral_criterion_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, index=True)
    criterion_id: Mapped[str] = mapped_column(ForeignKey("transfer_criterion.id", ondelete="RESTRICT"),
                                              nullable=False, index=True)
    met_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    met_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    criterion: Mapped[TransferCriterion] = relationship()
    met_by = relationship("User")
