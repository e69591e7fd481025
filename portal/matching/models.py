"""What matching remembers: needs no eligible service could meet nearby, counted by district for the
coordinators' service-gap report. No client data: an area, a category and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import utcnow
from ..extensions import db


class UnmetNeed(db.Model):
    __tablename__ = "unmet_need"
    __table_args__ = (Index("ix_unmet_need_area_category", "area_id", "category_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The district the client lives in (the street's district when a street was given).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    category_code: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # Which organisation's staff ran the match (for "gaps my agency keeps hitting"); never a person.
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))

    area = relationship("Area")
