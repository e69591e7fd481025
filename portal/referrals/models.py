"""Clients, consent, referrals, their append-only events and follow-ups.

A client is pseudonymous: a generated code, birth year, gender, area and language. Contact details
are optional, kept only when the client agreed, and shown only to the organisation that recorded
them and to a receiving organisation holding valid consent that covers contact details.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..common import TimestampMixin, UUIDMixin, as_aware, today, utcnow
from ..extensions import db
from . import followup_rule
from .duetimes import DEFAULT_FOLLOW_UP_MONTHS
from .followup_vocab import DROPOUT_BARRIERS, FOLLOW_UP_END_REASONS, MEDICATION_ADHERENCE
from .statemachine import (
    CLOSED_STATUSES,
    DECLINE_REASONS,
    DECLINED_BY,
    NOT_CONNECTED_REASONS,
    OPEN_STATUSES,
    STATUSES,
    URGENCIES,
)

GENDERS = ("female", "male", "other", "unknown")
CONTACT_PREFERENCES = ("phone", "sms", "in_person", "via_worker", "do_not_contact")
CONSENT_ITEMS = ("referral", "contact", "care_plan")  # referral = needs, reason, stage and handoff
FOLLOW_UP_OUTCOMES = ("stable", "relapse_risk", "re_referred", "lost_contact")
# Who agreed: the client, or a guardian (a minor, or an adult who cannot decide for themselves).
CONSENT_GIVERS = ("client", "guardian")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Client(UUIDMixin, TimestampMixin, db.Model):
    __tablename__ = "client"
    __table_args__ = (
        CheckConstraint(_in("gender", GENDERS), name="gender_known"),
        CheckConstraint(_in("contact_preference", CONTACT_PREFERENCES), name="contact_preference_known"),
        CheckConstraint("birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)", name="birth_year_range"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(10), nullable=False, default="unknown")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(20), nullable=False, default="zh")
    # The organisation that recorded the client (the sending side).
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    contact_preference: Mapped[str] = mapped_column(String(20), nullable=False, default="via_worker")
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_note: Mapped[str | None] = mapped_column(String(300))
    # When the client agreed that contact details are recorded at all (NULL: none are kept).
    contact_consent_on: Mapped[date | None] = mapped_column(Date)
    # A worker's judgement that the person is at risk now (self-harm, violence, overdose): crisis
    # services and hotlines come first, and every referral made for them carries the flag.
    at_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    area = relationship("Area")
    organization = relationship("Organization")
    consents: Mapped[list[Consent]] = relationship(back_populates="client", order_by="Consent.created_at.desc()")
    referrals: Mapped[list[Referral]] = relationship(back_populates="client", order_by="Referral.created_at.desc()")

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_phone or self.contact_note)

    def __str__(self) -> str:
        return self.code


class Consent(UUIDMixin, db.Model):
    """Which organisation may receive what, for what purpose, until when. With ``referral_id`` it
    covers that referral only; without, every referral of the client to that organisation."""

    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint("expires_on >= given_on", name="expires_after_given"),
        Index("ix_consent_client_org", "client_id", "organization_id"),
        CheckConstraint(_in("given_by", CONSENT_GIVERS), name="given_by_known"),
    )

    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True)
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    items: Mapped[str] = mapped_column(String(100), nullable=False)  # comma-separated CONSENT_ITEMS
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False)
    given_by: Mapped[str] = mapped_column(String(10), nullable=False, default="client")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    client: Mapped[Client] = relationship(back_populates="consents")
    organization = relationship("Organization")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def item_list(self) -> list[str]:
        return [i for i in self.items.split(",") if i]

    def is_valid(self, on: date | None = None) -> bool:
        on = on or today()
        return self.revoked_at is None and self.given_on <= on <= self.expires_on

    def covers(self, organization_id: str, referral_id: str | None, item: str, on: date | None = None) -> bool:
        return (self.is_valid(on) and self.organization_id == organization_id
                and (self.referral_id is None or self.referral_id == referral_id)
                and item in self.item_list)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on < today():
            return "expired"
        if self.given_on > today():
            return "not_yet_valid"
        return "valid"


class Referral(UUIDMixin, TimestampMixin, db.Model):
    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint("decline_reason IS NULL OR " + _in("decline_reason", DECLINE_REASONS), name="decline_reason_known"),
        CheckConstraint("declined_by IS NULL OR " + _in("declined_by", DECLINED_BY), name="declined_by_known"),
        CheckConstraint("not_connected_reason IS NULL OR " + _in("not_connected_reason", NOT_CONNECTED_REASONS),
                        name="not_connected_reason_known"),
        CheckConstraint("follow_up_months >= 1 AND follow_up_months <= 12", name="follow_up_months_range"),
        Index("ix_referral_to_org_status", "to_organization_id", "status"),
        Index("ix_referral_from_org_status", "from_organization_id", "status"),
        Index("ix_referral_area_status", "area_id", "status"),
    )

    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="RESTRICT"), nullable=False, index=True)
    from_organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="RESTRICT"), nullable=False, index=True)
    to_organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), nullable=False)
    # Where the referral belongs for the coordinators: the client's area, else the service's.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    urgency: Mapped[str] = mapped_column(String(10), nullable=False, default="routine")
    reason: Mapped[str | None] = mapped_column(Text)  # minimum necessary
    # Handoff person on each side (the receiver names theirs when answering).
    sender_handoff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    receiver_handoff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Stage transitions (care_stage codes), e.g. home_based_rehab -> community_integration.
    from_stage: Mapped[str | None] = mapped_column(String(80))
    to_stage: Mapped[str | None] = mapped_column(String(80))
    transfer_criterion: Mapped[str | None] = mapped_column(String(300))
    care_plan_notes: Mapped[str | None] = mapped_column(Text)
    # The running step's due time; escalated_at marks that this step's overdue notice went out.
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_attended_on: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(String(30))
    declined_by: Mapped[str | None] = mapped_column(String(10))
    not_connected_reason: Mapped[str | None] = mapped_column(String(40))
    # Chosen from duetimes.FOLLOW_UP_MONTHS when the referral is created (followups.chosen_months).
    follow_up_months: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_FOLLOW_UP_MONTHS)
    # The stored match profile (matching/stored.py, a random token) the referral was made from, so
    # "refer elsewhere" can match the same needs again. Profiles expire: it may point at nothing.
    match_profile_id: Mapped[str | None] = mapped_column(String(64))
    at_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # "Refer back": the referral this one answers (the receiver sends the person back, or on, and
    # the first sender sees how it went).
    parent_referral_id: Mapped[str | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    # Two people answering the same referral at once: the second gets a clear conflict, not a
    # silent overwrite.
    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship(back_populates="referrals")
    service = relationship("Service")
    from_organization = relationship("Organization", foreign_keys=[from_organization_id])
    to_organization = relationship("Organization", foreign_keys=[to_organization_id])
    from_user = relationship("User", foreign_keys=[from_user_id])
    sender_handoff = relationship("User", foreign_keys=[sender_handoff_id])
    receiver_handoff = relationship("User", foreign_keys=[receiver_handoff_id])
    area = relationship("Area")
    parent_referral: Mapped[Referral | None] = relationship(remote_side="Referral.id", foreign_keys=[parent_referral_id])
    need_rows: Mapped[list[ReferralNeed]] = relationship(back_populates="referral", cascade="all, delete-orphan",
                                                          order_by="ReferralNeed.category_code")
    events: Mapped[list[ReferralEvent]] = relationship(back_populates="referral", order_by="ReferralEvent.id")
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="referral", order_by="FollowUp.due_on")

    @property
    def needs(self) -> list[str]:
        return [n.category_code for n in self.need_rows]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    # The overdue rule, once: an open referral whose running step's due time has passed (a due time
    # equal to ``now`` is not yet overdue). ``referral.is_overdue()`` answers in Python (pages, API);
    # ``Referral.is_overdue(now)`` is the same rule as SQL (board filter, overdue-first ordering,
    # escalation), so the two cannot drift apart.
    @hybrid_method
    def is_overdue(self, now: datetime | None = None) -> bool:
        due = as_aware(self.due_at)
        return self.status in OPEN_STATUSES and due is not None and due < (now or utcnow())

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, now: datetime | None = None):
        return and_(cls.status.in_(OPEN_STATUSES), cls.due_at.is_not(None), cls.due_at < (now or utcnow()))


class ReferralNeed(db.Model):
    __tablename__ = "referral_need"
    __table_args__ = (UniqueConstraint("referral_id", "category_code", name="uq_referral_need_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, index=True)
    category_code: Mapped[str] = mapped_column(String(80), nullable=False, index=True)

    referral: Mapped[Referral] = relationship(back_populates="need_rows")


class ReferralEvent(db.Model):
    """Append-only history of a referral: who, when, from which status to which, and a note."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id", ondelete="RESTRICT"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events")
    user = relationship("User")
    organization = relationship("Organization")


class FollowUp(db.Model):
    """A scheduled contact with a person: due date, then done date, outcome and a note. It belongs to
    the person (``client_id``); ``referral_id`` says which service's care it follows, when it does
    (a connected referral's follow-ups), so retention can be counted per service."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR " + _in("outcome", FOLLOW_UP_OUTCOMES), name="outcome_known"),
        CheckConstraint("medication_adherence IS NULL OR " + _in("medication_adherence", MEDICATION_ADHERENCE),
                        name="adherence_known"),
        CheckConstraint("barrier IS NULL OR " + _in("barrier", DROPOUT_BARRIERS), name="barrier_known"),
        Index("ix_follow_up_client_due", "client_id", "due_on"),
        # A series ends only by the "end follow-up" action, with its reason (followups.end_follow_ups).
        CheckConstraint("end_reason IS NULL OR " + _in("end_reason", FOLLOW_UP_END_REASONS), name="end_reason_known"),
        CheckConstraint("(ended_on IS NULL AND end_reason IS NULL) OR (ended_on IS NOT NULL AND end_reason IS NOT NULL)",
                        name="end_has_reason"),
        CheckConstraint("done_on IS NULL OR ended_on IS NULL", name="done_or_ended"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), nullable=False)
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # Structured findings (NULL: not asked). ``in_treatment`` False with a ``barrier`` is a drop-out
    # and why; ``stay_reasons`` is a comma-separated list of followup_vocab.STAY_REASONS.
    in_treatment: Mapped[bool | None] = mapped_column(Boolean)
    medication_adherence: Mapped[str | None] = mapped_column(String(20))
    side_effects: Mapped[bool | None] = mapped_column(Boolean)
    relapse: Mapped[bool | None] = mapped_column(Boolean)
    crisis: Mapped[bool | None] = mapped_column(Boolean)
    barrier: Mapped[str | None] = mapped_column(String(30))
    stay_reasons: Mapped[str | None] = mapped_column(String(200))
    # Set instead of ``done_on`` when the series ends here (no next follow-up is scheduled).
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    client: Mapped[Client] = relationship()
    referral: Mapped[Referral | None] = relationship(back_populates="follow_ups")

    # The follow-up rules, once (pure: followup_rule.py), in Python for pages and as SQL for the
    # board and the lists, like ``Referral.is_overdue``.
    @hybrid_method
    def is_overdue(self, on: date | None = None) -> bool:
        return followup_rule.is_overdue(self.due_on, self.done_on, self.ended_on, on or today())

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, on: date | None = None):
        return and_(cls.done_on.is_(None), cls.ended_on.is_(None), cls.due_on < (on or today()))

    @hybrid_method
    def is_pending(self) -> bool:
        return self.done_on is None and self.ended_on is None

    @is_pending.inplace.expression
    @classmethod
    def _is_pending_expression(cls):
        return and_(cls.done_on.is_(None), cls.ended_on.is_(None))

    @hybrid_method
    def done_in_last_year(self, on: date | None = None) -> bool:
        return followup_rule.done_in_last_year(self.done_on, on or today())

    @done_in_last_year.inplace.expression
    @classmethod
    def _done_in_last_year_expression(cls, on: date | None = None):
        start, end = followup_rule.year_window(on or today())
        return and_(cls.done_on.is_not(None), cls.done_on >= start, cls.done_on <= end)

    @property
    def stay_reason_list(self) -> list[str]:
        return [r for r in (self.stay_reasons or "").split(",") if r]


@event.listens_for(Session, "before_flush")
def _events_are_append_only(session, flush_context, instances):
    """Referral history is evidence: rows are added, never changed or removed."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ReferralEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise ValueError("referral events are append-only")
