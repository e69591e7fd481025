"""What a coordinator (of the referral's area) or an admin does to a referral that is stuck: nudge both
handoff people, name another handoff person on the receiving side, or leave a note. None of these
moves the referral's status; each is a referral event (shown in its history, for both sides and the
coordinators, unlike the sides' own notes, which hold the client's story) and nudges and reassignments
notify the people concerned. Flushes; the caller commits.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..common import utcnow
from ..extensions import db
from ..notifications.operations import notify
from . import handoff, notices
from .errors import ReferralError
from .models import Referral, ReferralEvent
from .queries import coordinates
from .statemachine import OPEN_STATUSES

ACTIONS = ("nudge", "reassign", "coordinator_note")
NOTE_MAX = 2000


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:NOTE_MAX] if text else None


def _check(user, referral: Referral, action: str, *, open_only: bool) -> None:
    if action not in ACTIONS:
        raise ReferralError(_l("Choose what to do."), "action")
    if not coordinates(user, referral):
        raise ReferralError(_l("Only the coordinators of the referral's area and administrators can do this."))
    if open_only and not can_nudge(referral):
        raise ReferralError(_l("Only an open referral can be nudged or handed to someone else."), "action")


def can_nudge(referral: Referral) -> bool:
    """Nudges and reassignments are for referrals still moving (open)."""
    return referral.status in OPEN_STATUSES


def _event(user, referral: Referral, action: str, note: str | None) -> ReferralEvent:
    event = ReferralEvent(referral_id=referral.id, at=utcnow(), user_id=user.id, organization_id=user.organization_id,
                          action=action, from_status=referral.status, to_status=referral.status, note=note)
    db.session.add(event)
    return event


def handoff_people(referral: Referral) -> list:
    """Who a nudge reaches: the handoff person on each side (where the receiver has named none yet,
    the receiving organisation's agency staff)."""
    sender = [referral.sender_handoff] if referral.sender_handoff is not None else notices.sender_people(referral)
    receiver = [referral.receiver_handoff] if referral.receiver_handoff is not None else notices.receiver_people(referral)
    return sender + receiver


def nudge(user, referral: Referral, note: str | None = None) -> ReferralEvent:
    _check(user, referral, "nudge", open_only=True)
    event = _event(user, referral, "nudge", _clean(note))
    code = referral.client.code
    notify(handoff_people(referral), "referral_nudged", f"协调员提醒：请跟进转介 {code}",
           f"A coordinator asks you to follow up referral {code}", notices.link(referral))
    db.session.flush()
    return event


def reassign_receiver(user, referral: Referral, handoff_id, note: str | None = None) -> ReferralEvent:
    """Name another handoff person of the receiving organisation (an active member of it)."""
    _check(user, referral, "reassign", open_only=True)
    new_id = handoff.checked_handoff(handoff_id, referral.to_organization_id, "receiver_handoff_id")
    before = referral.receiver_handoff.name if referral.receiver_handoff is not None else "—"
    referral.receiver_handoff_id = new_id
    db.session.flush()
    db.session.refresh(referral, ["receiver_handoff"])
    text = f"{before} → {referral.receiver_handoff.name}"
    extra = _clean(note)
    event = _event(user, referral, "reassign", f"{text}\n{extra}" if extra else text)
    code = referral.client.code
    notify([referral.receiver_handoff], "referral_reassigned", f"协调员将转介 {code} 交由您跟进",
           f"A coordinator made you the handoff person for referral {code}", notices.link(referral))
    db.session.flush()
    return event


def add_note(user, referral: Referral, note: str | None) -> ReferralEvent:
    _check(user, referral, "coordinator_note", open_only=False)
    text = _clean(note)
    if text is None:
        raise ReferralError(_l("Write the note."), "note")
    event = _event(user, referral, "coordinator_note", text)
    db.session.flush()
    return event
