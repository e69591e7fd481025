"""The handoff person on each side of a referral: a named, active member of that side's organisation.
The sender's is set when the referral is created (its author unless another is named); the receiver
names theirs when answering (whoever answers first holds it unless another is named). Web form and
API both go through ``checked_handoff``, and the form's choices come from ``candidates``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from .errors import ReferralError

_NOT_A_MEMBER = {
    "sender_handoff_id": _l("Choose a handoff person from your organisation."),
    "receiver_handoff_id": _l("Choose a handoff person from the receiving organisation."),
}


def _members(organization_id: str):
    return select(User).where(User.organization_id == organization_id, User.active.is_(True))


def candidates(organization_id: str) -> list[User]:
    """Who may be named as the handoff person of ``organization_id``, by name."""
    return list(db.session.scalars(_members(organization_id).order_by(User.name)))


def checked_handoff(user_id, organization_id: str, field: str) -> int:
    """``user_id`` if it names an active member of ``organization_id``; else a ReferralError on ``field``."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ReferralError(_NOT_A_MEMBER[field], field) from None
    if db.session.scalar(_members(organization_id).where(User.id == user_id)) is None:
        raise ReferralError(_NOT_A_MEMBER[field], field)
    return user_id
