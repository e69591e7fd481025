"""The rules of the referral domain: clients, consent, referrals and their transitions, contact
details, escalation and follow-ups. Each function checks, changes models, records events/audit and
notifications, and flushes; the caller commits once.

Nothing here logs client data; audit rows carry ids and item names only.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.models import record
from ..common import as_aware, today, utcnow
from ..directory.models import Service
from ..extensions import db
from ..notifications.operations import coordinators_for_area, notify, users_of_organization
from . import labels
from .duetimes import DEFAULT_DUE_WORKING_DAYS, add_working_days, due_at, parse_due_days
from .models import CONSENT_ITEMS, Client, Consent, FollowUp, Referral, ReferralEvent, ReferralNeed
from .queries import sides as acting_sides
from .statemachine import CLOSED_STATUSES, SYSTEM, UNANSWERED_STATUSES, Refusal, check, due_step

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out on the phone


class ReferralError(ValueError):
    """A rule was broken. ``field`` names the form field to show it next to (or None)."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- clients and consent ---------------------------------------------------------------------------

def new_client_code() -> str:
    for _ in range(20):
        code = "C-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Client.id).where(Client.code == code)) is None:
            return code
    raise RuntimeError("could not find a free client code")


@dataclass
class ClientData:
    birth_year: int | None
    gender: str
    area_id: int | None
    language: str
    contact_preference: str = "via_worker"
    contact_phone: str | None = None
    contact_note: str | None = None
    contact_consent: bool = False


def create_client(user, data: ClientData) -> Client:
    if not user.organization_id:
        raise ReferralError(_l("Only staff of an organisation can record clients."))
    if data.birth_year is not None and not (1900 <= data.birth_year <= today().year):
        raise ReferralError(_l("Enter a birth year between 1900 and this year."), "birth_year")
    phone = (data.contact_phone or "").strip() or None
    note = (data.contact_note or "").strip() or None
    if (phone or note) and not data.contact_consent:
        raise ReferralError(_l("Contact details can only be kept when the client agreed to it."), "contact_consent")
    client = Client(code=new_client_code(), birth_year=data.birth_year, gender=data.gender, area_id=data.area_id,
                    language=data.language, organization_id=user.organization_id, created_by_id=user.id,
                    contact_preference=data.contact_preference, contact_phone=phone, contact_note=note,
                    contact_consent_on=today() if (phone or note) else None)
    db.session.add(client)
    db.session.flush()
    record("client_created", user_id=user.id, record_type="client", record_id=client.id)
    return client


def record_consent(user, client: Client, organization_id: str, items, purpose: str, given_on: date,
                   expires_on: date, referral_id: str | None = None) -> Consent:
    items = [i for i in CONSENT_ITEMS if i in set(items)]
    if "referral" not in items:
        raise ReferralError(_l("Consent must at least cover the referral details."), "consent_items")
    if not (purpose or "").strip():
        raise ReferralError(_l("State the purpose the client agreed to."), "consent_purpose")
    if given_on is None or given_on > today():
        raise ReferralError(_l("The date consent was given cannot be in the future."), "consent_given_on")
    if expires_on is None or expires_on < given_on:
        raise ReferralError(_l("The expiry date must be on or after the date consent was given."), "consent_expires_on")
    if expires_on < today():
        raise ReferralError(_l("This consent would already have expired."), "consent_expires_on")
    consent = Consent(client_id=client.id, organization_id=organization_id, referral_id=referral_id,
                      items=",".join(items), purpose=purpose.strip()[:500], given_on=given_on,
                      expires_on=expires_on, recorded_by_id=user.id)
    db.session.add(consent)
    db.session.flush()
    record("consent_given", user_id=user.id, record_type="client", record_id=client.id,
           changes={"consent_id": consent.id, "organization_id": organization_id, "items": items,
                    "referral_id": referral_id, "expires_on": expires_on.isoformat()})
    return consent


def revoke_consent(user, consent: Consent) -> None:
    """Takes effect on the very next request: visibility is computed from consent rows each time."""
    if consent.revoked_at is not None:
        raise ReferralError(_l("This consent was already revoked."))
    consent.revoked_at = utcnow()
    consent.revoked_by_id = user.id
    db.session.flush()
    record("consent_revoked", user_id=user.id, record_type="client", record_id=consent.client_id,
           changes={"consent_id": consent.id, "organization_id": consent.organization_id})


def valid_consent(client: Client, organization_id: str, referral_id: str | None, item: str = "referral",
                  on: date | None = None) -> Consent | None:
    rows = db.session.scalars(select(Consent).where(Consent.client_id == client.id,
                                                    Consent.organization_id == organization_id,
                                                    Consent.revoked_at.is_(None))
                              .order_by(Consent.created_at.desc()))
    return next((c for c in rows if c.covers(organization_id, referral_id, item, on)), None)


# --- what each side may read ------------------------------------------------------------------------

def can_see_contact(user, referral: Referral) -> bool:
    """Contact details: the recording organisation, or the receiver holding valid consent for them."""
    client = referral.client
    if not client.has_contact:
        return False
    if user.organization_id and user.organization_id == client.organization_id and user.has_role("worker", "agency"):
        return True
    side = acting_sides(user, referral)
    if "receiver" in side and referral.status not in ("draft", "entered_in_error"):
        return valid_consent(client, referral.to_organization_id, referral.id, "contact") is not None
    return False


def can_see_care_plan(user, referral: Referral) -> bool:
    side = acting_sides(user, referral)
    if "sender" in side:
        return True
    if "receiver" in side:
        return valid_consent(referral.client, referral.to_organization_id, referral.id, "care_plan") is not None
    return False


def can_see_reason(user, referral: Referral) -> bool:
    # Coordinators chase handoffs; they need status and dates, not the client's story.
    return bool(acting_sides(user, referral) & {"sender", "receiver"})


def contact_details(user, client: Client, referral: Referral | None = None) -> dict:
    """Contact details for display; every call is an audited view (who, when, which record)."""
    record("client_contact_viewed", user_id=user.id, record_type="client", record_id=client.id,
           changes={"referral_id": referral.id} if referral is not None else None)
    if client.contact_preference == "do_not_contact" and user.organization_id != client.organization_id:
        # The receiver is told not to make direct contact and gets no number to call.
        return {"preference": client.contact_preference, "phone": None, "note": None}
    return {"preference": client.contact_preference, "phone": client.contact_phone, "note": client.contact_note}


# --- referrals ---------------------------------------------------------------------------------------

@dataclass
class ReferralData:
    service_id: str
    needs: list[str]
    urgency: str = "routine"
    reason: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    transfer_criterion: str | None = None
    care_plan_notes: str | None = None
    follow_up_months: int = 3
    sender_handoff_id: int | None = None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def create_referral(user, client: Client, data: ReferralData) -> Referral:
    """A draft referral from the user's organisation; ``send`` it to share it with the receiver."""
    if not user.organization_id or not user.has_role("worker", "agency"):
        raise ReferralError(_l("Only staff of an organisation can send referrals."))
    if client.organization_id != user.organization_id:
        raise ReferralError(_l("Choose a client recorded by your organisation."), "client_id")
    service = db.session.get(Service, data.service_id) if data.service_id else None
    if service is None or service.status != "active":
        raise ReferralError(_l("Choose an active service to refer to."), "service_id")
    if service.accepts_referrals is False:
        raise ReferralError(_l("This service does not accept referrals."), "service_id")
    if not data.needs:
        raise ReferralError(_l("Choose at least one need this referral addresses."), "needs")
    if (data.from_stage or data.to_stage) and not _clean(data.transfer_criterion):
        raise ReferralError(_l("For a stage transition, state the transfer criterion that was met."), "transfer_criterion")
    area_id = client.area_id
    if area_id is None:
        area_id = next((loc.area_id for loc in service.locations if loc.area_id), None)
    referral = Referral(
        client=client, from_organization_id=user.organization_id, from_user_id=user.id,
        service_id=service.id, to_organization_id=service.organization_id, area_id=area_id, status="draft",
        urgency=data.urgency, reason=_clean(data.reason), from_stage=data.from_stage or None,
        to_stage=data.to_stage or None, transfer_criterion=_clean(data.transfer_criterion),
        care_plan_notes=_clean(data.care_plan_notes), follow_up_months=data.follow_up_months,
        sender_handoff_id=data.sender_handoff_id or user.id,
        need_rows=[ReferralNeed(category_code=code) for code in dict.fromkeys(data.needs)],
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralEvent(referral_id=referral.id, user_id=user.id, organization_id=user.organization_id,
                                 action="create", from_status=None, to_status="draft"))
    db.session.flush()
    return referral


def _status_before_closing(referral: Referral) -> str | None:
    for ev in reversed(referral.events):
        if ev.to_status in CLOSED_STATUSES:
            return ev.from_status
    return None


def _link(referral: Referral) -> str:
    return f"/referrals/{referral.id}"


def _notify_status(referral: Referral, users, kind: str) -> None:
    zh, en = labels.both_languages(labels.STATUS, referral.status)
    code = referral.client.code
    notify(users, kind, f"转介 {code}：{zh}", f"Referral {code}: {en}", _link(referral))


def _sender_people(referral: Referral):
    people = [referral.from_user, referral.sender_handoff]
    people = [p for p in people if p is not None]
    return people or users_of_organization(referral.from_organization_id, "worker", "agency")


def _receiver_people(referral: Referral):
    people = users_of_organization(referral.to_organization_id, "agency")
    if referral.receiver_handoff is not None:
        people.append(referral.receiver_handoff)
    return people


def transition(user, referral: Referral, action: str, values: dict | None = None, now: datetime | None = None,
               due_table: dict | None = None, follow_up_default: int = 3):
    """Apply one transition for ``user`` (None = the system). Raises ``Refusal`` and changes nothing
    when the state machine says no."""
    values = dict(values or {})
    now = now or utcnow()
    actor_sides = {SYSTEM} if user is None else acting_sides(user, referral)
    result = check(referral.status, action, actor_sides, values, _status_before_closing(referral))
    consent = None
    if action == "send":
        # Same rule for the form, the draft page and the API: valid consent covering the receiver.
        consent = valid_consent(referral.client, referral.to_organization_id, referral.id)
        if consent is None:
            raise ReferralError(_l("This referral cannot be sent: there is no valid consent from the client "
                                   "covering the receiving organisation."), "consent")
    if action == "connect":
        attended = values["first_attended_on"]
        if isinstance(attended, str):
            try:
                attended = date.fromisoformat(attended)
            except ValueError:
                raise ReferralError(_l("Enter the first attended date as YYYY-MM-DD."), "first_attended_on") from None
        if attended > today() or (referral.sent_at and attended < as_aware(referral.sent_at).date() - timedelta(days=1)):
            raise ReferralError(_l("The first attended date must be between sending and today."), "first_attended_on")
        values["first_attended_on"] = attended

    _apply(referral, result.to_status, action, values, now, due_table or configured_due_table())
    if "receiver" in actor_sides:
        # The receiver names its handoff person when answering; whoever answers first holds it.
        if values.get("receiver_handoff_id"):
            referral.receiver_handoff_id = values["receiver_handoff_id"]
        elif referral.receiver_handoff_id is None:
            referral.receiver_handoff_id = user.id
    note = _clean(values.get("note"))
    db.session.add(ReferralEvent(referral_id=referral.id, at=now, user_id=user.id if user else None,
                                 organization_id=user.organization_id if user else None, action=action,
                                 from_status=result.from_status, to_status=result.to_status,
                                 note=note[:2000] if note else None))
    if action == "send":
        record("disclosure", user_id=user.id, record_type="client", record_id=referral.client_id,
               changes={"referral_id": referral.id, "to_organization_id": referral.to_organization_id,
                        "items": consent.item_list, "consent_id": consent.id})
    if action == "connect":
        _schedule_follow_up(referral, values["first_attended_on"], referral.follow_up_months or follow_up_default)
    db.session.flush()
    _notify_after(referral, action, actor_sides)
    return result


def configured_due_table() -> dict:
    from flask import current_app

    return parse_due_days(current_app.config.get("REFERRAL_DUE_WORKING_DAYS") or DEFAULT_DUE_WORKING_DAYS)


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


def _notify_after(referral: Referral, action: str, actor_sides: set[str]) -> None:
    if action == "expire":
        _notify_overdue(referral, "referral_expired")
    elif action == "send":
        code = referral.client.code
        zh_urgency, en_urgency = labels.both_languages(labels.URGENCY, referral.urgency)
        notify(_receiver_people(referral), "referral_received", f"新转介 {code}（{zh_urgency}）",
               f"New referral {code} ({en_urgency})", _link(referral))
    elif "receiver" in actor_sides:
        _notify_status(referral, _sender_people(referral), "referral_status")
    elif referral.sent_at is not None and action in ("cancel", "complete", "reopen", "mark_entered_in_error"):
        _notify_status(referral, _receiver_people(referral), "referral_status")


def _schedule_follow_up(referral: Referral, start: date, months: int) -> FollowUp:
    follow_up = FollowUp(referral_id=referral.id, due_on=add_months(start, months))
    db.session.add(follow_up)
    return follow_up


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")


def record_follow_up(user, follow_up: FollowUp, outcome: str, done_on: date, note: str | None,
                     next_on: date | None) -> FollowUp | None:
    if follow_up.done_on is not None:
        raise ReferralError(_l("This follow-up was already recorded."))
    if done_on is None or done_on > today():
        raise ReferralError(_l("The follow-up date cannot be in the future."), "done_on")
    if next_on is not None and next_on <= done_on:
        raise ReferralError(_l("The next follow-up must be after this one."), "next_on")
    follow_up.done_on = done_on
    follow_up.outcome = outcome
    follow_up.note = _clean(note)
    follow_up.recorded_by_id = user.id
    nxt = None
    if next_on is not None:
        nxt = FollowUp(referral_id=follow_up.referral_id, due_on=next_on)
        db.session.add(nxt)
    db.session.flush()
    return nxt


# --- escalation ----------------------------------------------------------------------------------------

def escalate(now: datetime, due_table: dict, grace_days: int) -> tuple[int, int]:
    """Flag overdue referrals to both sides and the area's coordinators (once per step), and expire
    unanswered ones once the grace period after their due time has passed. Returns (flagged, expired)."""
    from .statemachine import OPEN_STATUSES

    flagged = expired = 0
    rows = db.session.scalars(select(Referral).where(Referral.status.in_(OPEN_STATUSES),
                                                     Referral.due_at.is_not(None), Referral.due_at < now))
    for referral in rows:
        due = as_aware(referral.due_at)
        if referral.status in UNANSWERED_STATUSES and add_working_days(due, grace_days) < now:
            transition(None, referral, "expire", now=now, due_table=due_table)
            expired += 1
            continue
        if referral.escalated_at is None:
            referral.escalated_at = now
            _notify_overdue(referral, "referral_overdue")
            flagged += 1
    db.session.flush()
    return flagged, expired


def _notify_overdue(referral: Referral, kind: str) -> None:
    code = referral.client.code
    zh, en = labels.both_languages(labels.STATUS, referral.status)
    people = _sender_people(referral) + _receiver_people(referral) + coordinators_for_area(referral.area)
    if kind == "referral_expired":
        notify(people, kind, f"转介 {code} 无人答复，已过期", f"Referral {code} was not answered and has expired",
               _link(referral))
    else:
        notify(people, kind, f"转介 {code} 已逾期（{zh}）", f"Referral {code} is overdue ({en})", _link(referral))


__all__ = ["ReferralError", "Refusal", "create_client", "record_consent", "revoke_consent", "create_referral",
           "transition", "escalate", "record_follow_up", "contact_details", "can_see_contact"]


# --- the new-referral form in one step ------------------------------------------------------------------

@dataclass
class ConsentData:
    scope: str  # "referral" or "organization"
    items: list[str]
    purpose: str
    given_on: date
    expires_on: date


def start_referral(user, client: Client | None, client_data: ClientData | None, data: ReferralData,
                   consent: ConsentData | None, send: bool) -> Referral:
    """Create (or reuse) the client, the draft referral, the consent if one was given now, and send it
    when asked. All or nothing: the caller rolls back on ``ReferralError``."""
    if client is None:
        if client_data is None:
            raise ReferralError(_l("Choose a client or record a new one."), "client_id")
        client = create_client(user, client_data)
    referral = create_referral(user, client, data)
    if consent is not None:
        record_consent(user, client, referral.to_organization_id, consent.items, consent.purpose, consent.given_on,
                       consent.expires_on, referral_id=referral.id if consent.scope == "referral" else None)
    if send:
        transition(user, referral, "send")
    return referral
