"""The crosswalk: rows that map a term of an imported taxonomy (Open Eligibility, AIRS/211, a city's
own list) onto one of the portal's terms (a category, population, condition or care stage).

Kept as data: shipped files (``data/*.json``, installed by ``flask vocab install`` and the migrations)
and rows administrators add or edit in the admin. A source term is matched by vocabulary and code
first, then by name (case and spacing ignored) in the same vocabulary, then by name in any
vocabulary (``source_vocabulary = "*"``, and the shipped names: the same title means the same thing
whichever export carries it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import TimestampMixin, UUIDMixin, utcnow
from ..directory.models import Service, TaxonomyTerm
from ..extensions import db

ANY_VOCABULARY = "*"
TARGET_VOCABULARIES = ("category", "population", "condition", "care_stage")


def normalise_name(name: str | None) -> str:
    return " ".join((name or "").replace("&amp;", "&").lower().split())


class CrosswalkMapping(UUIDMixin, TimestampMixin, db.Model):
    __tablename__ = "crosswalk_mapping"
    __table_args__ = (
        CheckConstraint("source_code IS NOT NULL OR source_name IS NOT NULL", name="source_given"),
        CheckConstraint("value IN ('serves', 'only')", name="value_known"),
        Index("ix_crosswalk_mapping_source", "source_vocabulary", "source_code"),
        Index("ix_crosswalk_mapping_name", "source_name_key"),
    )

    # The imported taxonomy's name as the directory holds it ("open_eligibility", "AIRS"), or "*".
    source_vocabulary: Mapped[str] = mapped_column(String(80), nullable=False, default=ANY_VOCABULARY)
    source_code: Mapped[str | None] = mapped_column(String(80))
    source_name: Mapped[str | None] = mapped_column(String(200))
    # ``normalise_name(source_name)``: what names are compared on (set on every save).
    source_name_key: Mapped[str | None] = mapped_column(String(200))
    target_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    # "only" when the source term restricts eligibility (e.g. an eligibility facet "Women").
    value: Mapped[str] = mapped_column(String(10), nullable=False, default="serves")
    # Which shipped file the row came from ("open-eligibility", "hsds-3-example"), or NULL when an
    # administrator made it. Installing a file again never touches rows an administrator made.
    shipped_in: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)

    target_term: Mapped[TaxonomyTerm] = relationship()

    def __str__(self) -> str:
        source = self.source_code or ""
        if self.source_name:
            source = f"{source} {self.source_name}".strip()
        return f"{self.source_vocabulary}: {source} → {self.target_term.vocabulary if self.target_term else '?'}"


@event.listens_for(CrosswalkMapping, "before_insert")
@event.listens_for(CrosswalkMapping, "before_update")
def _name_key(mapper, connection, target: CrosswalkMapping) -> None:
    target.source_name_key = normalise_name(target.source_name) or None
    target.source_vocabulary = (target.source_vocabulary or ANY_VOCABULARY).strip() or ANY_VOCABULARY


class CrosswalkRejection(UUIDMixin, db.Model):
    """A person said a derived (inferred or mapped) link of a service to one of our terms is wrong.
    The crosswalk never proposes that term for that service again: not on re-import, not on
    ``flask vocab crosswalk``. Removing the row (admin) lets it be proposed again."""

    __tablename__ = "crosswalk_rejection"
    __table_args__ = (UniqueConstraint("service_id", "taxonomy_term_id"),)

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id", ondelete="CASCADE"), nullable=False)
    # The note of the link that was rejected ("words: peer, support"), for whoever reviews it later.
    note: Mapped[str | None] = mapped_column(String(300))
    rejected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    # For the admin's list (service and term names); no backrefs: the directory knows nothing of this.
    service: Mapped[Service] = relationship()
    taxonomy_term: Mapped[TaxonomyTerm] = relationship()
