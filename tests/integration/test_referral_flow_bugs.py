"""Flow bugs of issue 14, each walked through the pages a worker, an agency or a coordinator uses:
follow-ups recorded early, the first-visit date's message, the agency's pending list, and the reports
CSV over a range too long to export."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.common import today
from portal.extensions import db
from portal.referrals.duetimes import add_months
from portal.referrals.models import FollowUp

from ..referral_helpers import post_transition, token_from
from .test_referrals import _sent


def _connected(app, login_as, attended_on=None) -> tuple[str, object]:
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    post_transition(agency, referral_id, "accept")
    response = post_transition(agency, referral_id, "connect", first_attended_on=(attended_on or today()).isoformat())
    assert response.status_code == 302
    return referral_id, agency


def test_a_follow_up_recorded_early_schedules_the_next_one_an_interval_after_it(app, login_as):
    referral_id, agency = _connected(app, login_as)
    with app.app_context():
        first = db.session.scalars(select(FollowUp).where(FollowUp.referral_id == referral_id)).one()
        first_id, first_due = first.id, first.due_on
    assert first_due == add_months(today(), 3)
    page = agency.get("/referrals/follow-ups").get_data(as_text=True)
    proposed = re.search(rf'id="next_on-{first_id}" name="next_on" value="([^"]+)"', page).group(1)
    # Recorded today, well before it was due: the page proposes the date after the one being recorded.
    assert proposed == add_months(first_due, 3).isoformat()
    response = agency.post(f"/referrals/{referral_id}/follow-ups/{first_id}",
                           data={"csrf_token": token_from(page), "outcome": "stable", "done_on": today().isoformat(),
                                 "next_on": proposed, "note": ""})
    assert response.status_code == 302
    with app.app_context():
        dues = [f.due_on for f in db.session.scalars(select(FollowUp).where(FollowUp.referral_id == referral_id)
                                                     .order_by(FollowUp.id))]
    assert dues == [first_due, add_months(first_due, 3)]
    assert len(set(dues)) == 2


def test_the_first_visit_date_accepts_today_and_its_message_says_so(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    post_transition(agency, referral_id, "accept")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    html = post_transition(agency, referral_id, "connect", first_attended_on=tomorrow).get_data(as_text=True)
    assert "首次到访日期不能晚于今天（今天可以）" in html
    assert "今天之前" not in html
    assert post_transition(agency, referral_id, "connect", first_attended_on=today().isoformat()).status_code == 302


def test_a_connected_referral_leaves_the_agency_pending_list(app, login_as):
    referral_id, agency = _connected(app, login_as)
    pending = agency.get("/referrals/inbox").get_data(as_text=True)
    assert "待处理" in pending
    assert referral_id not in pending
    assert referral_id in agency.get("/referrals/inbox?show=all").get_data(as_text=True)


def test_a_pending_referral_is_in_the_agency_pending_list(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    assert referral_id in agency.get("/referrals/inbox").get_data(as_text=True)


def test_a_csv_range_over_three_years_is_refused_next_to_the_field_not_shifted(app, login_as):
    _sent(app, login_as)
    coordinator = login_as("coordinator")
    start = (today() - timedelta(days=4 * 365)).isoformat()
    response = coordinator.get(f"/reports/export.csv?start={start}&end={today().isoformat()}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "三年" in response.get_data(as_text=True) or "three years" in response.get_data(as_text=True)
    ok = coordinator.get(f"/reports/export.csv?start={(today() - timedelta(days=30)).isoformat()}")
    assert ok.status_code == 200 and ok.mimetype == "text/csv"
