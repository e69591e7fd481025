"""The demo follow-up histories (seed/followups.py): a year of follow-ups with findings, drop-outs with
their barriers, reasons to stay, ended series, overdue ones and a person below the yearly minimum;
loaded once."""
from __future__ import annotations

from sqlalchemy import select

from portal.common import today
from portal.extensions import db
from portal.referrals.duetimes import add_months
from portal.referrals.followup_rule import YEARLY_MINIMUM, done_in_last_year
from portal.referrals.models import FollowUp, Referral
from seed import followups as demo
from seed.loader import seed_id


def test_the_demo_follow_ups_give_the_lists_and_the_retention_report_data(app, runner, login_as):
    assert runner.invoke(args=["seed", "history"]).exit_code == 0
    # ``flask seed history`` loads these rows after the referral history (seed/person.py).
    with app.app_context():
        assert set(demo.load(db.session).values()) == {0}  # it ran once, with the history
        mmt = seed_id("organization", "mmt-jiangbin")
        stories = db.session.scalars(select(Referral).where(Referral.to_organization_id == mmt,
                                                            Referral.reason == demo.MARK)).all()
        assert len(stories) == len(demo.METHADONE_STORIES)
        rows = db.session.scalars(select(FollowUp).join(Referral).where(Referral.to_organization_id == mmt,
                                                                          Referral.reason == demo.MARK)).all()
        assert len({r.referral_id for r in rows if r.in_treatment is False}) >= 5  # drop-outs
        own = db.session.scalars(select(FollowUp).where(FollowUp.referral_id.is_(None))).all()
        assert len({f.client_id for f in own}) >= len(demo.PERSON_STORIES)
        assert sum(1 for r in rows if r.ended_on) >= 2 and sum(1 for r in rows + own if r.is_overdue()) >= 3
        dropped = [r for r in rows if r.in_treatment is False]
        assert dropped and all(r.barrier for r in dropped) and not any(r.stay_reasons for r in dropped)
        stayed = [r for r in rows if r.in_treatment is True]
        assert stayed and all(r.stay_reasons for r in stayed) and not any(r.barrier for r in stayed)
        assert any(r.crisis for r in rows) and any(r.ended_on and r.end_reason for r in rows)
        # a client attending for a year was seen at about 3, 6, 9 and 12 months
        year_long = [r for r in db.session.scalars(select(Referral).where(Referral.reason == demo.MARK))
                     if r.first_attended_on <= add_months(today(), -12)]
        assert year_long
        for referral in year_long:
            done = sorted(f.done_on for f in referral.follow_ups if f.done_on)
            months = [round((d - referral.first_attended_on).days / 30.4) for d in done]
            assert months[:1] == [3], months
        own = db.session.scalars(select(FollowUp).where(FollowUp.referral_id.is_(None))).all()
        by_client: dict[str, int] = {}
        for f in own:
            by_client[f.client_id] = by_client.get(f.client_id, 0) + done_in_last_year(f.done_on, today())
        assert any(n < YEARLY_MINIMUM for n in by_client.values())
    board = login_as("coordinator").get("/referrals/board").get_data(as_text=True)
    assert 'id="overdue-follow-ups"' in board and 'id="below-minimum"' in board
