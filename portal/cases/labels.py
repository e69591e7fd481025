"""Words shown for the case record's codes. Lazy, so they follow the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..referrals import labels as referral_labels

MANAGEMENT_LEVEL = {
    "intensive": _l("Intensive (every two weeks)"),
    "standard": _l("Standard (monthly)"),
    "maintenance": _l("Maintenance (quarterly)"),
}

PLAN_DOMAIN = {
    "housing": _l("Housing"),
    "education": _l("Education"),
    "employment": _l("Employment"),
    "finances": _l("Finances"),
    "family": _l("Family"),
    "health": _l("Health"),
}

PLAN_STATUS = {
    "goal_set": _l("Goal set"),
    "in_progress": _l("In progress"),
    "achieved": _l("Achieved"),
    "on_hold": _l("On hold"),
    "not_needed": _l("Not needed"),
}

CAREGIVER_RELATIONSHIP = {
    "parent": _l("Mother or father"),
    "spouse": _l("Spouse or partner"),
    "child": _l("Son or daughter"),
    "sibling": _l("Brother or sister"),
    "other_relative": _l("Other relative"),
    "friend": _l("Friend"),
    "other": _l("Other"),
}

# Who gave a consent (the consent to keep a case record, and a referral's consent): one table.
CONSENT_GIVER = referral_labels.CONSENT_GIVER

GUARDIAN_REASON = {
    "minor": _l("the client is under 18"),
    "service_requires": _l("the service requires a guardian's consent"),
}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))
