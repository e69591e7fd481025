"""What matching remembers: needs no eligible service could meet nearby, counted by district for the
coordinators' service-gap report (no client data: an area, a category and when); and, for a few
hours, the profile a worker submitted (``StoredProfile``: its owner only, then deleted)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
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
    # The same profile from the same worker on the same day counts once (operations.submission_key:
    # a keyed hash, no client or worker data).
    submission_key: Mapped[str | None] = mapped_column(String(40), index=True)

    area = relationship("Area")


class StoredProfile(db.Model):
    """A submitted match profile kept for a short while on the server, so that the results page is a
    plain GET (Back and reload work, no resubmit prompt) and "Refer" can pre-fill the referral form.
    The id is a random token, the only thing that leaves the server (in the results URL); the profile
    never goes into the cookie. Visible only to the user who made it; expired rows are deleted by the
    request that finds them and by ``flask matching purge-profiles``."""

    __tablename__ = "match_profile"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # secrets.token_urlsafe
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    # {"raw": the form values as parse_profile takes them, "relaxed": the loosened rule or None}
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
