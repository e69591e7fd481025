"""Clients and their consent: recording a pseudonymous client, recording and revoking consent, and
finding the consent that covers a disclosure. Each operation checks, changes models, records the
audit entry and flushes; the caller commits once.

Nothing here logs client data; audit rows carry ids and item names only.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.models import record
from ..common import today, utcnow
from ..extensions import db
from .errors import ReferralError
from .models import CONSENT_GIVERS, CONSENT_ITEMS, Client, Consent

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out on the phone


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
    """Only staff of an organisation record clients; contact details are kept only with the client's
    agreement."""
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


@dataclass
class ConsentData:
    """Consent given on the new-referral form (see ``create.start_referral``)."""

    scope: str  # "referral" or "organization"
    items: list[str]
    purpose: str
    given_on: date
    expires_on: date
    given_by: str = "client"  # or "guardian" (CONSENT_GIVERS)


def record_consent(user, client: Client, organization_id: str, items, purpose: str, given_on: date,
                   expires_on: date, referral_id: str | None = None, given_by: str = "client") -> Consent:
    """Consent covers at least the referral details, states its purpose, was given by today and has
    not expired. ``given_by`` says who gave it: the client or a guardian."""
    items = [i for i in CONSENT_ITEMS if i in set(items)]
    if given_by not in CONSENT_GIVERS:
        raise ReferralError(_l("Say who gave the consent: the client or a guardian."), "consent_given_by")
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
                      expires_on=expires_on, given_by=given_by, recorded_by_id=user.id)
    db.session.add(consent)
    db.session.flush()
    record("consent_given", user_id=user.id, record_type="client", record_id=client.id,
           changes={"consent_id": consent.id, "organization_id": organization_id, "items": items,
                    "referral_id": referral_id, "expires_on": expires_on.isoformat(), "given_by": given_by})
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
                  on: date | None = None, given_by: str | None = None) -> Consent | None:
    """The newest unrevoked consent of ``client`` that lets ``organization_id`` receive ``item``
    (given by ``given_by``, when named: "guardian" for the guardian rule)."""
    query = select(Consent).where(Consent.client_id == client.id, Consent.organization_id == organization_id,
                                  Consent.revoked_at.is_(None))
    if given_by is not None:
        query = query.where(Consent.given_by == given_by)
    rows = db.session.scalars(query.order_by(Consent.created_at.desc()))
    return next((c for c in rows if c.covers(organization_id, referral_id, item, on)), None)


# --- erasure: what "a client's personal data" is, once ----------------------------------------------
# Used by an erasure on request (``erase_client``: web, API) and by the retention purge
# (portal/privacy). What stays is what the reports count: status, dates, service, area, needs and
# the coded reasons; the rows themselves stay, so the audit trail's ids keep meaning something.

REFERRAL_TEXT_FIELDS = ("reason", "transfer_criterion", "care_plan_notes")
CLIENT_CONTACT_FIELDS = ("contact_phone", "contact_note", "contact_consent_on")
_CHUNK = 500


def referral_has_text():
    """SQL: the referral still holds free text (its own fields, an event note or a follow-up note)."""
    from sqlalchemy import exists, or_

    from .models import FollowUp, Referral, ReferralEvent

    return or_(*(getattr(Referral, f).is_not(None) for f in REFERRAL_TEXT_FIELDS),
               exists().where(ReferralEvent.referral_id == Referral.id, ReferralEvent.note.is_not(None)),
               exists().where(FollowUp.referral_id == Referral.id, FollowUp.note.is_not(None)))


def client_has_contact():
    """SQL: the client still has contact details (or the date they were agreed to), or a note on one
    of their own follow-ups (those without a referral: the referral's text rule does not reach them)."""
    from sqlalchemy import exists, or_

    from .models import FollowUp

    return or_(*(getattr(Client, f).is_not(None) for f in CLIENT_CONTACT_FIELDS),
               exists().where(FollowUp.client_id == Client.id, FollowUp.referral_id.is_(None),
                              FollowUp.note.is_not(None)))


def erase_referral_text(referral_ids) -> None:
    """Blank the free text of these referrals, their events and follow-ups; nothing else changes.

    Referral events are append-only (a flush refuses to change one): erasure is the one exception,
    written as statements, not through the ORM. ``updated_at`` is kept, because erasing is not
    activity (the inactive-client rule reads it); ``version`` moves, so an edit open on an old copy
    gets a conflict instead of writing the text back."""
    from sqlalchemy import update

    from .models import FollowUp, Referral, ReferralEvent

    db.session.flush()  # pending changes first: the statements below bypass the unit of work
    ids = sorted(set(referral_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        db.session.execute(update(ReferralEvent).where(ReferralEvent.referral_id.in_(chunk),
                                                       ReferralEvent.note.is_not(None)).values(note=None),
                           execution_options={"synchronize_session": False})
        db.session.execute(update(FollowUp).where(FollowUp.referral_id.in_(chunk), FollowUp.note.is_not(None))
                           .values(note=None), execution_options={"synchronize_session": False})
        db.session.execute(update(Referral).where(Referral.id.in_(chunk)).values(
            **{f: None for f in REFERRAL_TEXT_FIELDS}, updated_at=Referral.updated_at,
            version=Referral.version + 1), execution_options={"synchronize_session": False})
    db.session.expire_all()


def erase_client_contact(client_ids) -> None:
    """Remove the contact details of these clients and the notes of their own follow-ups (kept: code,
    birth year, gender, area, and the follow-ups' dates and coded findings)."""
    from sqlalchemy import update

    from .models import FollowUp

    db.session.flush()
    ids = sorted(set(client_ids))
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(update(Client).where(Client.id.in_(ids[start:start + _CHUNK])).values(
            **{f: None for f in CLIENT_CONTACT_FIELDS}, contact_preference="via_worker",
            updated_at=Client.updated_at), execution_options={"synchronize_session": False})
        db.session.execute(update(FollowUp).where(FollowUp.client_id.in_(ids[start:start + _CHUNK]),
                                                  FollowUp.referral_id.is_(None), FollowUp.note.is_not(None))
                           .values(note=None), execution_options={"synchronize_session": False})
    db.session.expire_all()


# --- consent revoked (or expired) while a referral is under way ----------------------------------------
# The rule (docs/privacy.md#consent): once no valid consent lets the receiving organisation hold the
# referral, the receiver keeps only what it needs to close the case. It still sees the status,
# dates, needs, urgency and the client's pseudonymous code; it no longer sees the reason, stages,
# transfer criterion, care plan, notes or contact details; it may close the referral (decline, not
# connected, complete) with a coded reason but no free text, and may not move it forward (acknowledge,
# accept, waitlist, connect: that would record new details about the client) or reopen it. The
# sender, who recorded the data, is not affected.

RECEIVER_ACTIONS_WITHOUT_CONSENT = ("decline", "not_connect", "complete")


def receiver_consent_lapsed(referral) -> bool:
    """No valid consent lets the receiver hold this (sent) referral any more."""
    if referral.status in ("draft", "entered_in_error"):
        return False
    return valid_consent(referral.client, referral.to_organization_id, referral.id, "referral") is None


def check_receiver_may(referral, action: str, values: dict | None) -> None:
    """Raise ReferralError when the receiver's step is not allowed without consent (see above)."""
    if not receiver_consent_lapsed(referral):
        return
    if action not in RECEIVER_ACTIONS_WITHOUT_CONSENT:
        raise ReferralError(_l("The client withdrew consent: the referral can only be closed now."))
    if ((values or {}).get("note") or "").strip():
        raise ReferralError(_l("The client withdrew consent: no notes can be recorded about them."), "note")


def erase_client(user, client: Client) -> int:
    """Erasure on the client's request (web or API; the caller checked the row rule): every consent
    is revoked — so open referrals fall under the rule above and can only be closed — and the
    contact details and the free text of every referral are erased. The pseudonymous row, the
    referrals' status, dates and coded reasons stay (reports, and the audit trail's ids). Returns
    how many consents it revoked."""
    now = utcnow()
    revoked = 0
    for consent in client.consents:
        if consent.revoked_at is None:
            consent.revoked_at, consent.revoked_by_id = now, user.id
            revoked += 1
    db.session.flush()
    from .models import Referral

    erase_referral_text(db.session.scalars(select(Referral.id).where(Referral.client_id == client.id)).all())
    erase_client_contact([client.id])
    from ..cases.operations import erase_case_records  # the case record goes whole (cases/operations.py)

    case_records = erase_case_records([client.id])
    record("client_erased", user_id=user.id, record_type="client", record_id=client.id,
           changes={"why": "request", "consents_revoked": revoked, "case_records_removed": case_records})
    db.session.flush()
    return revoked


def acts_for_client(user, client: Client) -> bool:
    """Consent and erasure are the recording organisation's business (its staff), as on the client
    page; an administrator may also erase (``may_erase``)."""
    return bool(user.organization_id) and client.organization_id == user.organization_id \
        and user.has_role("worker", "agency")


def may_erase(user, client: Client) -> bool:
    return acts_for_client(user, client) or user.has_role("admin")
