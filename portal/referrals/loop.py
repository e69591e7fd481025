"""Closing the loop: refer back (or on) from a referral, what the first sender sees of the referrals
made from theirs, and the care plan that both handoff sides keep up to date.

Rules (docs/domain.md#closing-the-loop):
- Refer back goes through ``create.start_referrals`` like every referral (``referback`` says who may).
- Later referrals on the original's page: whoever may see a later referral (its sender, its receiver
  once sent, the coordinators of its area) sees it as usual, with a link. The first sender (the
  original's sending organisation) who is neither side of it sees only its service, status and dates,
  and only while the client's consent lets that organisation receive it: a valid consent for the
  first sender's organisation covering "referral", for that later referral or for every referral.
  Referring back to the first sender records that consent anyway; referring on, the form asks.
- The care plan (``Referral.care_plan_notes``): the sending side edits it; the receiving side too
  while a valid consent covers the care plan for it (the same rule as reading it). Each edit is an
  append-only event ``care_plan_updated`` carrying the new text, so the page shows who changed it,
  when, and to what. An edit made on an older copy than the stored one is a conflict, not an overwrite.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .clients import ConsentData, receiver_consent_lapsed, record_consent, valid_consent
from .create import ReferralData, start_referrals
from .errors import ReferralError
from .models import Referral, ReferralEvent
from .queries import sides as acting_sides
from .queries import visible_referral
from .statemachine import RECEIVER, SENDER

CARE_PLAN_EVENT = "care_plan_updated"
MAX_CARE_PLAN = 5000


class CarePlanConflict(ReferralError):
    """The care plan changed since the editor loaded it."""

    def __init__(self) -> None:
        super().__init__(_l("Someone else changed this referral since you opened it. Your edit was not saved: "
                            "read the care plan again and make your change on the current text."), "care_plan_notes")


# --- refer back ---------------------------------------------------------------------------------------

def refer_back(user, parent: Referral, data: ReferralData, consent: ConsentData | None, send: bool,
               tell_first_sender: bool = False, given_on: date | None = None,
               expires_on: date | None = None) -> Referral:
    """A new referral answering ``parent`` (made, consented and sent by ``create.start_referrals``).
    ``tell_first_sender``: the client also agreed that the first sender is told how the new referral
    goes (only asked when it goes to another organisation: going back, the consent already names it)."""
    data.parent_referral_id = parent.id
    referral = start_referrals(user, parent.client, None, [data], consent, send)[0]
    first_sender = parent.from_organization_id
    if tell_first_sender and referral.to_organization_id != first_sender:
        if given_on is None or expires_on is None:
            raise ReferralError(_l("Give the dates of the client's consent."), "consent_given_on")
        record_consent(user, parent.client, first_sender, ["referral"],
                       str(_l("Tell the first referrer how the later referral goes")), given_on, expires_on,
                       referral_id=referral.id)
    return referral


@dataclass(frozen=True)
class LaterReferral:
    referral: Referral
    linked: bool  # the reader may open it (it is theirs, or they coordinate it)


def later_referrals(user, referral: Referral) -> list[LaterReferral]:
    """The referrals made from this one that ``user`` may know of (the rule in the module docstring)."""
    out = []
    first_sender = SENDER in acting_sides(user, referral)
    for child in db.session.scalars(select(Referral).where(Referral.parent_referral_id == referral.id)
                                    .order_by(Referral.created_at)):
        if visible_referral(user, child.id) is not None:
            out.append(LaterReferral(child, True))
        elif first_sender and child.sent_at is not None and child.status != "entered_in_error" \
                and valid_consent(child.client, referral.from_organization_id, child.id, "referral") is not None:
            out.append(LaterReferral(child, False))
    return out


def earlier_referral(user, referral: Referral) -> Referral | None:
    """The referral this one answers, when the user may see it."""
    if referral.parent_referral_id is None:
        return None
    return visible_referral(user, referral.parent_referral_id)


# --- the care plan -------------------------------------------------------------------------------------

def may_edit_care_plan(user, referral: Referral) -> bool:
    if referral.status == "entered_in_error":
        return False
    user_sides = acting_sides(user, referral)
    if SENDER in user_sides:
        return True
    return (RECEIVER in user_sides and not receiver_consent_lapsed(referral)
            and valid_consent(referral.client, referral.to_organization_id, referral.id, "care_plan") is not None)


def update_care_plan(user, referral: Referral, text: str | None, read_version: int | None) -> ReferralEvent:
    """Replace the care plan, recording the new text as an event. ``read_version``: the referral's
    version when the editor loaded it (a newer stored version is a ``CarePlanConflict``)."""
    if not may_edit_care_plan(user, referral):
        raise ReferralError(_l("Only the sending side, or the receiving side with the client's consent to the "
                               "care plan, can change the care plan."))
    if read_version is not None and read_version != referral.version:
        raise CarePlanConflict()
    text = (text or "").strip() or None
    if text is not None and len(text) > MAX_CARE_PLAN:
        raise ReferralError(_l("Keep the care plan under %(n)d characters.", n=MAX_CARE_PLAN), "care_plan_notes")
    if text == referral.care_plan_notes:
        raise ReferralError(_l("The care plan is unchanged."), "care_plan_notes")
    referral.care_plan_notes = text
    event = ReferralEvent(referral_id=referral.id, user_id=user.id, organization_id=user.organization_id,
                          action=CARE_PLAN_EVENT, from_status=referral.status, to_status=referral.status, note=text)
    db.session.add(event)
    db.session.flush()  # the version check: a concurrent writer's flush raises StaleDataError here
    return event


@dataclass(frozen=True)
class CarePlanVersion:
    at: datetime
    user_name: str | None
    organization_name: str | None
    text: str | None  # None: the care plan was emptied (or the text was erased)


def care_plan_history(referral: Referral) -> list[CarePlanVersion]:
    """Every edit, newest first (show only to readers who may see the care plan)."""
    return [CarePlanVersion(ev.at, ev.user.name if ev.user else None,
                            str(ev.organization.t("name")) if ev.organization else None, ev.note)
            for ev in reversed(referral.events) if ev.action == CARE_PLAN_EVENT]
