"""The risk flag: a worker of the organisation that recorded a client judges the person at risk now
(self-harm, violence, overdose), or no longer. One operation sets and clears it, for the web page and
any other entry point:

- the client's flag (``Client.at_risk``) changes, with an audit event (who, when, set or cleared;
  no words about the person: the judgement is the worker's, its story stays in their own notes);
- the flag is copied onto the client's drafts and open referrals (``Referral.at_risk``), each with a
  referral event in its history (``flag_at_risk`` / ``clear_at_risk``, no status change), so the
  receiver, the coordinators and the sender see the same flag; a closed referral keeps the flag it
  had while it was moving;
- the receivers of sent open referrals are told when the flag is set;
- every new referral for the client starts with the client's flag (``create.create_referral``).

Flushes; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.models import AuditEvent, record
from ..common import utcnow
from ..extensions import db
from ..notifications.operations import notify
from . import notices
from .errors import ReferralError
from .models import Client, Referral, ReferralEvent
from .statemachine import OPEN_STATUSES

# The referral events that carry the flag (no status change; shown in the history).
SET, CLEARED = "flag_at_risk", "clear_at_risk"
# The audit actions on the client (who and when; nothing else about the person).
AUDIT_SET, AUDIT_CLEARED = "client_at_risk_set", "client_at_risk_cleared"
# Statuses whose referrals follow the client's flag: still being prepared or still moving.
FOLLOWS_CLIENT = ("draft", *OPEN_STATUSES)


def may_flag(user, client: Client) -> bool:
    """Staff (worker or agency) of the organisation that recorded the client."""
    return bool(user.organization_id) and user.organization_id == client.organization_id \
        and user.has_role("worker", "agency")


def set_client_risk(user, client: Client, at_risk: bool) -> list[Referral]:
    """Set or clear the client's risk flag; returns the referrals whose flag changed with it. Setting
    a flag that is already set (or clearing a clear one) changes and records nothing."""
    if not may_flag(user, client):
        raise ReferralError(_l("Only staff of the organisation that recorded the client can set or clear "
                               "the risk flag."))
    at_risk = bool(at_risk)
    if client.at_risk == at_risk:
        return []
    now = utcnow()
    client.at_risk = at_risk
    action = SET if at_risk else CLEARED
    record(AUDIT_SET if at_risk else AUDIT_CLEARED, user_id=user.id,
           record_type="client", record_id=client.id, changes={"at_risk": at_risk})
    changed = list(db.session.scalars(
        select(Referral).where(Referral.client_id == client.id, Referral.status.in_(FOLLOWS_CLIENT),
                               Referral.at_risk != at_risk)))
    for referral in changed:
        referral.at_risk = at_risk
        db.session.add(ReferralEvent(referral_id=referral.id, at=now, user_id=user.id,
                                     organization_id=user.organization_id, action=action,
                                     from_status=referral.status, to_status=referral.status))
    db.session.flush()
    if at_risk:
        for referral in changed:
            if referral.sent_at is not None:
                code = client.code
                notify(notices.receiver_people(referral), "referral_at_risk", f"转介 {code}：当事人现有风险",
                       f"Referral {code}: the person is at risk now", notices.link(referral))
    return changed


@dataclass(frozen=True)
class RiskChange:
    at: datetime
    set: bool  # True: marked at risk; False: cleared
    user: object | None


def changes(client: Client, limit: int = 10) -> list[RiskChange]:
    """The flag's history for the client page, newest first, from the audit trail."""
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "client", AuditEvent.record_id == client.id,
                                 AuditEvent.action.in_((AUDIT_SET, AUDIT_CLEARED)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [RiskChange(row.at, row.action == AUDIT_SET, row.user) for row in rows]
