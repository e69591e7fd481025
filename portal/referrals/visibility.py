"""What each side may read of a referral: contact details, the care plan, the reason. Computed from
the consent rows on every call, so a revoked consent takes effect on the next request."""
from __future__ import annotations

from ..audit.models import record
from .clients import receiver_consent_lapsed, valid_consent
from .models import Client, Referral
from .queries import sides as acting_sides


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
    side = acting_sides(user, referral)
    if "sender" in side:
        return True
    # A receiver whose consent was withdrawn keeps only what closing needs (clients.py).
    return "receiver" in side and not receiver_consent_lapsed(referral)


def contact_details(user, client: Client, referral: Referral | None = None) -> dict:
    """Contact details for display; every call is an audited view (who, when, which record)."""
    record("client_contact_viewed", user_id=user.id, record_type="client", record_id=client.id,
           changes={"referral_id": referral.id} if referral is not None else None)
    if client.contact_preference == "do_not_contact" and user.organization_id != client.organization_id:
        # The receiver is told not to make direct contact and gets no number to call.
        return {"preference": client.contact_preference, "phone": None, "note": None}
    return {"preference": client.contact_preference, "phone": client.contact_phone, "note": client.contact_note}
