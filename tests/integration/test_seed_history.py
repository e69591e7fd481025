"""A fresh `make run` shows a city with a year of referrals: `flask seed history`."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.common import as_aware, today, utcnow
from portal.extensions import db
from portal.referrals.models import FollowUp, Referral, ReferralEvent


def test_history_covers_every_state_and_the_last_twelve_months(app, runner):
    result = runner.invoke(args=["seed", "history"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        referrals = db.session.scalars(select(Referral)).all()
        statuses = Counter(r.status for r in referrals)
        assert {"sent", "acknowledged", "accepted", "waitlisted", "declined", "connected", "completed",
                "not_connected", "cancelled", "expired"} <= set(statuses), statuses
        # The year's ~60 stories, plus the people behind them (seed/person.py: follow-up series,
        # crises, a guardian's referral, refer-backs).
        assert 60 <= len(referrals) <= 120
        created = sorted(as_aware(r.created_at) for r in referrals)
        # A year of stories; the methadone clients followed up to their 12-month mark began ~13 months ago.
        assert created[-1] - created[0] > timedelta(days=270) and created[0] > utcnow() - timedelta(days=400)
        assert any(r.is_overdue for r in referrals), "some open referrals are past their due time"
        assert all(r.decline_reason for r in referrals if r.status == "declined")
        reopened = db.session.scalars(select(ReferralEvent).where(ReferralEvent.action == "reopen")).all()
        assert reopened, "some declined referrals were asked again"
        follow_ups = db.session.scalars(select(FollowUp)).all()
        assert any(f.done_on for f in follow_ups) and any(f.is_overdue() for f in follow_ups)
        for referral in referrals:  # a history reads forwards: created, sent, then each step
            times = [as_aware(e.at) for e in sorted(referral.events, key=lambda e: e.id)]
            assert times == sorted(times) and times[-1] <= utcnow(), referral.id
            assert [e.action for e in sorted(referral.events, key=lambda e: e.id)][:2] == ["create", "send"]
        assert all(f.done_on <= today() for f in follow_ups if f.done_on)


def test_the_board_and_the_dashboard_show_the_history_and_a_second_run_changes_nothing(app, runner, login_as):
    runner.invoke(args=["seed", "history"])
    with app.app_context():
        count = db.session.query(Referral).count()
    coordinator = login_as("coordinator")
    board = coordinator.get("/referrals/board?overdue=y").get_data(as_text=True)
    assert "已逾期" in board
    again = runner.invoke(args=["seed", "history"])
    assert again.exit_code == 0 and "already has referrals" in again.output
    with app.app_context():
        assert db.session.query(Referral).count() == count
