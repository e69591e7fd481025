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
from .models import CONSENT_ITEMS, Client, Consent

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


def record_consent(user, client: Client, organization_id: str, items, purpose: str, given_on: date,
                   expires_on: date, referral_id: str | None = None) -> Consent:
    """Consent covers at least the referral details, states its purpose, was given by today and has
    not expired."""
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
    """The newest unrevoked consent of ``client`` that lets ``organization_id`` receive ``item``."""
    rows = db.session.scalars(select(Consent).where(Consent.client_id == client.id,
                                                    Consent.organization_id == organization_id,
                                                    Consent.revoked_at.is_(None))
                              .order_by(Consent.created_at.desc()))
    return next((c for c in rows if c.covers(organization_id, referral_id, item, on)), None)
