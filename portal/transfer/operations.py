"""Ticking transfer criteria on a referral with a stage transition.

Who: the sending side, and the receiving side while the client's consent lets it hold the referral
(the criteria are part of the stage hand-over the "referral" consent item covers). Readers: whoever
sees the referral's reason and stages (``visibility.can_see_reason``). Flushes; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..common import utcnow
from ..extensions import db
from ..referrals.clients import receiver_consent_lapsed
from ..referrals.errors import ReferralError
from ..referrals.models import Referral
from ..referrals.queries import sides as acting_sides
from ..referrals.statemachine import RECEIVER, SENDER
from ..referrals.visibility import can_see_reason
from .models import ReferralCriterion, TransferCriterion


def criteria_for(referral: Referral) -> list[TransferCriterion]:
    """The active criteria of the referral's stage pair, plus any retired one it already met."""
    if not (referral.from_stage and referral.to_stage):
        return []
    met = select(ReferralCriterion.criterion_id).where(ReferralCriterion.referral_id == referral.id)
    return list(db.session.scalars(
        select(TransferCriterion).where(TransferCriterion.from_stage == referral.from_stage,
                                        TransferCriterion.to_stage == referral.to_stage,
                                        or_(TransferCriterion.active.is_(True), TransferCriterion.id.in_(met)))
        .order_by(TransferCriterion.position, TransferCriterion.code)))


def met_on(referral: Referral) -> dict[str, ReferralCriterion]:
    return {row.criterion_id: row for row in db.session.scalars(
        select(ReferralCriterion).where(ReferralCriterion.referral_id == referral.id))}


def may_tick(user, referral: Referral) -> bool:
    if referral.status == "entered_in_error":
        return False
    user_sides = acting_sides(user, referral)
    if SENDER in user_sides:
        return True
    return RECEIVER in user_sides and not receiver_consent_lapsed(referral)


def set_met(user, referral: Referral, criterion_ids) -> tuple[int, int]:
    """Make the ticked set exactly ``criterion_ids``: new ticks record who and when, unticked ones
    are removed. Returns (ticked, unticked)."""
    if not may_tick(user, referral):
        raise ReferralError(_l("Only the sending side, or the receiving side with the client's consent, can tick "
                               "transfer criteria."))
    allowed = {c.id for c in criteria_for(referral)}
    wanted = {i for i in criterion_ids if i}
    if not allowed or wanted - allowed:
        raise ReferralError(_l("Tick only the criteria listed for this stage transition."), "criteria")
    current = met_on(referral)
    now = utcnow()
    for criterion_id in sorted(wanted - current.keys()):
        db.session.add(ReferralCriterion(referral_id=referral.id, criterion_id=criterion_id, met_at=now,
                                         met_by_id=user.id))
    for criterion_id in current.keys() - wanted:
        db.session.delete(current[criterion_id])
    db.session.flush()
    return len(wanted - current.keys()), len(current.keys() - wanted)


@dataclass(frozen=True)
class CriteriaView:
    criteria: list[TransferCriterion]
    met: dict[str, ReferralCriterion]
    may_tick: bool


def criteria_view(user, referral: Referral) -> CriteriaView | None:
    """What the referral page shows (None: no criteria for its transition, or not for this reader)."""
    if not can_see_reason(user, referral):
        return None
    criteria = criteria_for(referral)
    if not criteria:
        return None
    return CriteriaView(criteria, met_on(referral), may_tick(user, referral))
