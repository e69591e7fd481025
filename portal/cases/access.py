"""Who may see a case record, once, for every view and the API alike.

- ``EDIT``: staff (worker, agency) of the organisation that recorded the client: they keep the record.
- ``READ_PLAN``: staff of an organisation the client was referred to (a sent referral) while a valid
  consent covering ``care_plan`` lets it receive that referral's care plan: it reads the management
  level and the current plan, nothing else (no conditions, medication or caregiver), read-only.
- Everyone else (other organisations, coordinators, administrators): nothing. Coordinators chase
  handoffs and need no health record; administrators manage accounts, not clients' care.

Computed from the consent rows on every call, so a revoked consent takes effect on the next request.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..referrals.clients import valid_consent
from ..referrals.models import Client, Referral

EDIT = "edit"
READ_PLAN = "read_plan"
ORG_ROLES = ("worker", "agency")


def case_access(user, client: Client) -> str | None:
    """``EDIT``, ``READ_PLAN`` or None (see the module's docstring)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.organization_id \
            or not user.has_role(*ORG_ROLES):
        return None
    if client.organization_id == user.organization_id:
        return EDIT
    referral_ids = db.session.scalars(select(Referral.id).where(
        Referral.client_id == client.id, Referral.to_organization_id == user.organization_id,
        Referral.sent_at.is_not(None), Referral.status != "entered_in_error"))
    for referral_id in referral_ids:
        if valid_consent(client, user.organization_id, referral_id, "care_plan") is not None:
            return READ_PLAN
    return None


def may_read(user, client: Client) -> bool:
    return case_access(user, client) is not None


def may_edit(user, client: Client) -> bool:
    return case_access(user, client) == EDIT
