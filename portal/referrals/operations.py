"""The referral domain's operations, in one import for views, the API and the CLI. Each rule lives in
the module that does one job:

- ``clients``      clients and consent
- ``visibility``   what each side may read (contact details, care plan, reason)
- ``create``       a new referral, and the new-referral form in one step
- ``transitions``  the life cycle (state machine + the rules that need the database), due times
- ``handoff``      the handoff person on each side
- ``followups``    the follow-up interval, scheduling and recording follow-ups
- ``escalation``   overdue notices and expiry
- ``notices``      who is told what
- ``risk``         the risk flag on a client and its referrals

Every operation checks, changes models, records events/audit and notifications, and flushes; the
caller commits once.
"""
from __future__ import annotations

from .clients import ClientData, ConsentData, create_client, new_client_code, record_consent, revoke_consent, valid_consent
from .create import ReferralData, create_referral, start_referral, start_referrals
from .duetimes import add_months
from .errors import ExcludedByRules, ReferralError
from .escalation import escalate
from .followups import next_due, record_follow_up
from .risk import set_client_risk
from .statemachine import Refusal
from .transitions import configured_due_table, transition
from .visibility import can_see_care_plan, can_see_contact, can_see_reason, contact_details

__all__ = [
    "ClientData", "ConsentData", "ExcludedByRules", "ReferralData", "ReferralError", "Refusal", "add_months", "can_see_care_plan",
    "can_see_contact", "can_see_reason", "configured_due_table", "contact_details", "create_client",
    "create_referral", "escalate", "new_client_code", "next_due", "record_consent", "record_follow_up", "revoke_consent",
    "set_client_risk", "start_referral", "start_referrals", "transition", "valid_consent",
]
