"""Follow-ups after a referral connects: how often they come, scheduling the first, recording each.

The rule: every 1 or 3 months (``duetimes.FOLLOW_UP_MONTHS``), chosen per referral when it is
created; left unchosen, the ``REFERRAL_FOLLOW_UP_MONTHS`` setting applies. Web form and API both
pass what they were given to ``chosen_months`` (through ``create.create_referral``).
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..common import today
from ..extensions import db
from .duetimes import DEFAULT_FOLLOW_UP_MONTHS, FOLLOW_UP_MONTHS, add_months
from .errors import ReferralError
from .models import FollowUp, Referral


def configured_months() -> int:
    """The setting used when a referral does not choose (``REFERRAL_FOLLOW_UP_MONTHS``)."""
    return current_app.config.get("REFERRAL_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS)


def chosen_months(months) -> int:
    """``months`` if it is an allowed interval (1 or 3); None means the configured default."""
    if months is None:
        months = configured_months()
    if isinstance(months, bool) or months not in FOLLOW_UP_MONTHS:
        raise ReferralError(_l("Follow-ups come every month or every 3 months."), "follow_up_months")
    return months


def schedule_first(referral: Referral, attended_on: date) -> FollowUp:
    """The first follow-up: the referral's interval after the client first attended."""
    follow_up = FollowUp(client_id=referral.client_id, referral_id=referral.id, due_on=add_months(attended_on, referral.follow_up_months))
    db.session.add(follow_up)
    return follow_up


def next_due(follow_up: FollowUp, done_on: date) -> date:
    """When the next follow-up falls due: one interval after the one being recorded. Recorded early,
    the schedule keeps its rhythm (an interval after this one's due date, never the same date again);
    recorded late, an interval after it was done."""
    return add_months(max(follow_up.due_on, done_on), follow_up.referral.follow_up_months)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def record_follow_up(user, follow_up: FollowUp, outcome: str, done_on: date, note: str | None,
                     next_on: date | None) -> FollowUp | None:
    """Record a follow-up once, dated today or earlier; the next one (if any) comes after it."""
    if follow_up.done_on is not None:
        raise ReferralError(_l("This follow-up was already recorded."))
    if done_on is None or done_on > today():
        raise ReferralError(_l("The follow-up date cannot be in the future."), "done_on")
    if next_on is not None and next_on <= done_on:
        raise ReferralError(_l("The next follow-up must be after this one."), "next_on")
    follow_up.done_on = done_on
    follow_up.outcome = outcome
    follow_up.note = _clean(note)
    follow_up.recorded_by_id = user.id
    nxt = None
    if next_on is not None:
        nxt = FollowUp(client_id=follow_up.client_id, referral_id=follow_up.referral_id, due_on=next_on)
        db.session.add(nxt)
    db.session.flush()
    return nxt
