""""Refer back" (or on): the receiving organisation of a referral it took on sends the person back to
the first sender, or on to another service, as a new referral whose parent is the original. The new
referral is made by the same create operation as any other (``create``: consent, matching's hard rules,
due times); this module holds only the rule that lets a receiver refer a client it did not record.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from .clients import receiver_consent_lapsed
from .errors import ReferralError
from .models import Referral
from .queries import sides
from .statemachine import RECEIVER

# The receiver took the person on: accepted, connected, or completed the care.
REFER_BACK_STATUSES = ("accepted", "connected", "completed")


def may_refer_back(user, parent: Referral) -> bool:
    """Staff of the receiving organisation, once it accepted (connected, completed) the referral and
    while the client's consent still lets it hold the referral."""
    return (RECEIVER in sides(user, parent) and parent.status in REFER_BACK_STATUSES
            and user.has_role("worker", "agency") and not receiver_consent_lapsed(parent))


def checked_parent(user, client, parent_referral_id: str) -> Referral:
    """The referral a new one answers; a ReferralError when the user may not refer back from it."""
    parent = db.session.get(Referral, parent_referral_id[:36]) if parent_referral_id else None
    if parent is None or parent.client_id != client.id or not may_refer_back(user, parent):
        raise ReferralError(_l("You can refer a person back only from a referral your organisation "
                               "accepted, with the client's consent still valid."), "parent_referral_id")
    return parent
