"""Moving a referral through its life cycle: one ``transition`` for the web form, the API and the
escalation job. The state machine (``statemachine.check``) says whether the move is allowed; the
rules here add what needs the database: consent before sending, a plausible first-attended date,
the receiver's handoff person, the next step's due time, the event row, the disclosure audit, the
first follow-up and the notices. Flushes; the caller commits once.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..audit.models import record
from ..common import as_aware, today, utcnow
from ..extensions import db
from . import followups, handoff, notices
from .clients import check_receiver_may, valid_consent
from .duetimes import DEFAULT_DUE_HOURS, DEFAULT_DUE_WORKING_DAYS, due_at, due_table
from .errors import ReferralError
from .models import Consent, Referral, ReferralEvent
from .queries import sides as acting_sides
from .statemachine import ADMIN, CLOSED_STATUSES, RECEIVER, SENDER, SYSTEM, check, due_step


def configured_due_table() -> dict:
    """Due times per step and urgency: working days (``REFERRAL_DUE_WORKING_DAYS``) and, for an
    emergency, clock hours (``REFERRAL_DUE_HOURS``); else the shipped defaults."""
    from flask import current_app

    return due_table(current_app.config.get("REFERRAL_DUE_WORKING_DAYS") or DEFAULT_DUE_WORKING_DAYS,
                     current_app.config.get("REFERRAL_DUE_HOURS") or DEFAULT_DUE_HOURS)


def transition(user, referral: Referral, action: str, values: dict | None = None, now: datetime | None = None,
               due_table: dict | None = None):
    """Apply one transition for ``user`` (None = the system). Raises ``Refusal`` or ``ReferralError``
    and changes nothing when a rule says no."""
    values = dict(values or {})
    now = now or utcnow()
    actor_sides = {SYSTEM} if user is None else acting_sides(user, referral)
    result = check(referral.status, action, actor_sides, values, _status_before_closing(referral))
    if RECEIVER in actor_sides and not actor_sides & {SENDER, ADMIN}:
        check_receiver_may(referral, action, values)  # consent withdrawn: close only (clients.py)
    consent = _consent_to_send(referral) if action == "send" else None
    if action == "connect":
        values["first_attended_on"] = _first_attended_on(referral, values["first_attended_on"])
    if RECEIVER in actor_sides and values.get("receiver_handoff_id"):
        values["receiver_handoff_id"] = handoff.checked_handoff(values["receiver_handoff_id"],
                                                                referral.to_organization_id, "receiver_handoff_id")

    _apply(referral, result.to_status, action, values, now, due_table or configured_due_table())
    if RECEIVER in actor_sides:
        # Whoever answers first holds the handoff unless the receiver names someone.
        referral.receiver_handoff_id = values.get("receiver_handoff_id") or referral.receiver_handoff_id or user.id
    note = (values.get("note") or "").strip() or None
    db.session.add(ReferralEvent(referral_id=referral.id, at=now, user_id=user.id if user else None,
                                 organization_id=user.organization_id if user else None, action=action,
                                 from_status=result.from_status, to_status=result.to_status,
                                 note=note[:2000] if note else None))
    if action == "send":
        record("disclosure", user_id=user.id, record_type="client", record_id=referral.client_id,
               changes={"referral_id": referral.id, "to_organization_id": referral.to_organization_id,
                        "items": consent.item_list, "consent_id": consent.id})
    if action == "connect":
        followups.schedule_first(referral, values["first_attended_on"])
    db.session.flush()
    notices.after_transition(referral, action, actor_sides)
    return result


def _status_before_closing(referral: Referral) -> str | None:
    for ev in reversed(referral.events):
        # Events that change no status (a coordinator's note or nudge) say nothing about the closing.
        if ev.to_status in CLOSED_STATUSES and ev.from_status != ev.to_status:
            return ev.from_status
    return None


def _consent_to_send(referral: Referral) -> Consent:
    """Same rule for the form, the draft page and the API: valid consent covering the receiver, given
    by a guardian when the guardian rule (portal/cases/guardian.py) says so."""
    consent = valid_consent(referral.client, referral.to_organization_id, referral.id)
    if consent is None:
        raise ReferralError(_l("This referral cannot be sent: there is no valid consent from the client "
                               "covering the receiving organisation."), "consent")
    from ..cases.guardian import guardian_reasons
    from ..cases.labels import GUARDIAN_REASON

    reasons = guardian_reasons(referral.client.birth_year, today().year, referral.service.guardian_consent_required)
    if reasons:
        consent = valid_consent(referral.client, referral.to_organization_id, referral.id, given_by="guardian")
        if consent is None:
            raise ReferralError(_l("This referral needs consent given by a guardian (%(why)s): record the "
                                   "guardian's consent.", why="; ".join(str(GUARDIAN_REASON[r]) for r in reasons)),
                                "consent_given_by")
    return consent


def _first_attended_on(referral: Referral, attended) -> date:
    """A date between the day before sending (clocks and time zones) and today."""
    if isinstance(attended, str):
        try:
            attended = date.fromisoformat(attended)
        except ValueError:
            raise ReferralError(_l("Enter the first attended date as YYYY-MM-DD."), "first_attended_on") from None
    if attended > today() or (referral.sent_at and attended < as_aware(referral.sent_at).date() - timedelta(days=1)):
        raise ReferralError(_l("The first attended date cannot be after today or before the referral was sent."), "first_attended_on")
    return attended


def _apply(referral: Referral, to_status: str, action: str, values: dict, now: datetime, due_table: dict) -> None:
    referral.status = to_status
    if action == "send":
        referral.sent_at = now
    elif action == "acknowledge":
        referral.acknowledged_at = now
    elif action in ("accept", "waitlist"):
        referral.acknowledged_at = referral.acknowledged_at or now
        if action == "accept":
            referral.accepted_at = now
    elif action == "decline":
        referral.acknowledged_at = referral.acknowledged_at or now
        referral.decline_reason = values["reason"]
        referral.declined_by = values["declined_by"]
    elif action == "connect":
        referral.connected_at = now
        referral.first_attended_on = values["first_attended_on"]
    elif action == "not_connect":
        referral.not_connected_reason = values["reason"]
    elif action == "reopen":
        referral.closed_at = None
        if to_status == "sent":
            referral.decline_reason = referral.declined_by = None
        referral.not_connected_reason = None
    if to_status in CLOSED_STATUSES or to_status == "entered_in_error":
        referral.closed_at = now
    # Each step has its own due time, counted from when the step starts.
    referral.due_at = due_at(now, referral.urgency, due_step(to_status), due_table)
    referral.escalated_at = None
