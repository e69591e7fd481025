"""Creating a referral: the draft, and the new-referral form in one step (client, draft, consent,
send). Flushes; the caller commits once, or rolls back on ``ReferralError`` so nothing is half made.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ..directory.models import Service
from ..extensions import db
from ..punctuation import clauses_text
from . import eligibility, followups, handoff, referback
from .clients import ClientData, ConsentData, create_client, record_consent
from .errors import ExcludedByRules, ReferralError
from .models import Client, Referral, ReferralEvent, ReferralNeed
from .transitions import transition


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
    follow_up_months: int | None = None  # None: the configured default (see followups.chosen_months)
    sender_handoff_id: int | None = None  # None: the author
    # The worker's reason to refer although matching's hard rules exclude the client from the service:
    # the operation finds the rules itself (``eligibility``), wants a reason when any applies, and
    # records it on the "create" event.
    override_reason: str | None = None
    # The raw stored match profile the referral started from, if any: its conditions and groups
    # (not on the referral form) count for the hard rules too.
    match_profile: Mapping[str, Any] | None = None
    match_token: str | None = None  # that profile's id, kept on the referral ("refer elsewhere")
    # "Refer back" (referback.py): the referral this one answers. Its receiver may then refer a client
    # another organisation recorded; every other rule here applies as usual.
    parent_referral_id: str | None = None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check(user, client: Client, data: ReferralData) -> tuple[Service, list[str]]:
    """The rules of a new referral; returns the service referred to and the hard rules of matching
    that exclude the client from it (overridden with the worker's reason)."""
    if not user.organization_id or not user.has_role("worker", "agency"):
        raise ReferralError(_l("Only staff of an organisation can send referrals."))
    if data.parent_referral_id:
        referback.checked_parent(user, client, data.parent_referral_id)
    elif client.organization_id != user.organization_id:
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
    excluded_by = eligibility.excluded_by(
        eligibility.facts(birth_year=client.birth_year, gender=client.gender, area_id=client.area_id,
                          urgency=data.urgency, match_profile=data.match_profile),
        service.id, data.needs)
    if excluded_by and not _clean(data.override_reason):
        raise ExcludedByRules(excluded_by)
    return service, excluded_by


def create_referral(user, client: Client, data: ReferralData) -> Referral:
    """A draft referral from the user's organisation; ``send`` it to share it with the receiver."""
    service, excluded_by = _check(user, client, data)
    months = followups.chosen_months(data.follow_up_months)
    sender_handoff_id = user.id
    if data.sender_handoff_id:
        sender_handoff_id = handoff.checked_handoff(data.sender_handoff_id, user.organization_id, "sender_handoff_id")
    area_id = client.area_id
    if area_id is None:
        area_id = next((loc.area_id for loc in service.locations if loc.area_id), None)
    referral = Referral(
        client=client, from_organization_id=user.organization_id, from_user_id=user.id,
        service_id=service.id, to_organization_id=service.organization_id, area_id=area_id, status="draft",
        urgency=data.urgency, reason=_clean(data.reason), from_stage=data.from_stage or None,
        to_stage=data.to_stage or None, transfer_criterion=_clean(data.transfer_criterion),
        care_plan_notes=_clean(data.care_plan_notes), follow_up_months=months,
        sender_handoff_id=sender_handoff_id, match_profile_id=(data.match_token or None) and data.match_token[:64],
        at_risk=client.at_risk,  # the client's risk flag travels with every new referral (risk.py)
        parent_referral_id=data.parent_referral_id or None,
        need_rows=[ReferralNeed(category_code=code) for code in dict.fromkeys(data.needs)],
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralEvent(referral_id=referral.id, user_id=user.id, organization_id=user.organization_id,
                                 action="create", from_status=None, to_status="draft",
                                 note=_override_note(excluded_by, data.override_reason)))
    db.session.flush()
    return referral


def _override_note(excluded_by: list[str], reason: str | None) -> str | None:
    if not excluded_by:
        return None
    return str(_l("Referred although the service's rules exclude the client (%(rules)s). Reason: %(reason)s",
                  rules=clauses_text(excluded_by), reason=_clean(reason)))[:2000]


def start_referral(user, client: Client | None, client_data: ClientData | None, data: ReferralData,
                   consent: ConsentData | None, send: bool) -> Referral:
    """Create (or reuse) the client, the draft referral, the consent if one was given now, and send it
    when asked. All or nothing: the caller rolls back on ``ReferralError``."""
    return start_referrals(user, client, client_data, [data], consent, send)[0]


MAX_PLAN_REFERRALS = 10


def start_referrals(user, client: Client | None, client_data: ClientData | None, items: list[ReferralData],
                    consent: ConsentData | None, send: bool) -> list[Referral]:
    """A care plan referred at once: one client, one referral per service, and the client's one consent
    decision (items, purpose, dates) recorded for each receiver as the consent rules require (a consent
    names one receiving organisation: per referral, or per organisation when its scope is the
    organisation, so two services of one organisation share it). All or nothing."""
    if not items:
        raise ReferralError(_l("Choose an active service to refer to."), "service_id")
    if len(items) > MAX_PLAN_REFERRALS:
        raise ReferralError(_l("Refer at most %(n)d services at once.", n=MAX_PLAN_REFERRALS), "plan_items")
    if len({item.service_id for item in items}) != len(items):
        raise ReferralError(_l("Each service can be referred to once."), "plan_items")
    if client is None:
        if client_data is None:
            raise ReferralError(_l("Choose a client or record a new one."), "client_id")
        client = create_client(user, client_data)
    referrals = [create_referral(user, client, data) for data in items]
    if consent is not None:
        recorded: set[str] = set()
        for referral in referrals:
            if consent.scope != "referral" and referral.to_organization_id in recorded:
                continue
            record_consent(user, client, referral.to_organization_id, consent.items, consent.purpose,
                           consent.given_on, consent.expires_on,
                           referral_id=referral.id if consent.scope == "referral" else None,
                           given_by=consent.given_by)
            recorded.add(referral.to_organization_id)
    if send:
        for referral in referrals:
            transition(user, referral, "send")
    return referrals
