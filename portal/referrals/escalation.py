"""Chasing referrals nobody answered in time (``flask referrals escalate``, run from cron)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..common import as_aware
from ..extensions import db
from . import notices
from .duetimes import add_working_days
from .models import Referral
from .statemachine import UNANSWERED_STATUSES
from .transitions import transition


def escalate(now: datetime, due_table: dict, grace_days: int) -> tuple[int, int]:
    """Flag overdue referrals to both sides and the area's coordinators (once per step), and expire
    unanswered ones once ``grace_days`` working days after their due time have passed. Overdue is
    the model's rule (``Referral.is_overdue``). Returns (flagged, expired)."""
    flagged = expired = 0
    for referral in db.session.scalars(select(Referral).where(Referral.is_overdue(now))):
        if referral.status in UNANSWERED_STATUSES and add_working_days(as_aware(referral.due_at), grace_days) < now:
            transition(None, referral, "expire", now=now, due_table=due_table)
            expired += 1
            continue
        if referral.escalated_at is None:
            referral.escalated_at = now
            notices.overdue(referral, "referral_overdue")
            flagged += 1
    db.session.flush()
    return flagged, expired
