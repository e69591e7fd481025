"""Coordinators act on stuck referrals (issue 12): nudge both handoff people, give the receiver's
handoff to someone else, add a note — each a referral event shown in the history, only for the
coordinators of the referral's area and admins; the board filters by district, organisation, status,
urgency and the day it was sent. And "refer elsewhere" after a decline matches the same needs again
without the declined service."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.common import today
from portal.directory.models import Area
from portal.extensions import db
from portal.notifications.models import Notification
from portal.referrals.models import Referral, ReferralEvent

from ..conftest import login
from ..referral_helpers import MMT_ORG, MMT_SERVICE, WORKER_ORG, post_transition, token_from
from .test_referrals import _sent


@pytest.fixture
def as_user(login_as, client):
    """Sign in as someone else on the one test client (signing out whoever is signed in first)."""
    def switch(who, password=None):
        account = client.get("/account")
        if account.status_code == 200:
            client.post("/logout", data={"csrf_token": token_from(account.get_data(as_text=True))})
        if password:
            login(client, who, password)
            return client
        return login_as(who)
    return switch


def _coordinate(client, referral_id, action, **fields):
    token = token_from(client.get(f"/referrals/{referral_id}").get_data(as_text=True))
    return client.post(f"/referrals/{referral_id}/coordinate", data={"csrf_token": token, "action": action, **fields})


def _events(app, referral_id):
    with app.app_context():
        return [(e.action, e.note) for e in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id))]


def _told(app, kind):
    with app.app_context():
        return {n.user.email for n in db.session.scalars(select(Notification).where(Notification.kind == kind))}


def test_a_coordinator_nudges_both_handoff_people_and_it_shows_in_the_history(app, login_as, as_user):
    referral_id = _sent(app, login_as)
    agency = as_user("agency")
    post_transition(agency, referral_id, "acknowledge")  # the agency user becomes the receiver's handoff
    coordinator = as_user("coordinator")
    page = coordinator.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert 'id="coordinate"' in page
    response = _coordinate(coordinator, referral_id, "nudge", coordinator_note="Please call the client today")
    assert response.status_code == 302
    assert _events(app, referral_id)[-1] == ("nudge", "Please call the client today")
    assert _told(app, "referral_nudged") == {"worker@demo.local", "agency@demo.local"}
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "acknowledged"  # no status change
    worker = as_user("worker")
    history = worker.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert 'data-action="nudge"' in history and "Please call the client today" in history


def test_a_coordinator_hands_the_receiving_side_to_another_member(app, login_as, as_user):
    referral_id = _sent(app, login_as)
    with app.app_context():
        colleague = create_user("mmt.second@demo.local", "Second nurse", "second-nurse-pass-2026", ["agency"],
                                organization_id=MMT_ORG)
        outsider = db.session.scalar(select(User.id).where(User.email == "worker@demo.local"))
        db.session.commit()
        colleague_id = colleague.id
    coordinator = as_user("coordinator")
    refused = _coordinate(coordinator, referral_id, "reassign", new_receiver_handoff_id=str(outsider))
    assert refused.status_code == 409  # not a member of the receiving organisation
    response = _coordinate(coordinator, referral_id, "reassign", new_receiver_handoff_id=str(colleague_id))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Referral, referral_id).receiver_handoff_id == colleague_id
    action, note = _events(app, referral_id)[-1]
    assert action == "reassign" and "Second nurse" in note
    assert _told(app, "referral_reassigned") == {"mmt.second@demo.local"}


def test_a_coordinator_note_is_recorded_and_an_empty_one_is_refused(app, login_as, as_user):
    referral_id = _sent(app, login_as)
    coordinator = as_user("admin")
    assert _coordinate(coordinator, referral_id, "coordinator_note", coordinator_note="  ").status_code == 409
    assert _coordinate(coordinator, referral_id, "coordinator_note",
                       coordinator_note="Clinic is short-staffed this week").status_code == 302
    assert _events(app, referral_id)[-1] == ("coordinator_note", "Clinic is short-staffed this week")


def test_only_coordinators_of_the_area_and_admins_may_act(app, login_as, as_user):
    referral_id = _sent(app, login_as)
    other_area = as_user("coordinator2@demo.local", "demo-coordinator-2026")
    assert other_area.post(f"/referrals/{referral_id}/coordinate",
                           data={"csrf_token": token_from(other_area.get("/referrals/board").get_data(as_text=True)),
                                 "action": "nudge"}).status_code == 404
    worker = as_user("worker")
    page = worker.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert 'id="coordinate"' not in page
    assert worker.post(f"/referrals/{referral_id}/coordinate",
                       data={"csrf_token": token_from(page), "action": "nudge"}).status_code == 403
    assert [a for a, _n in _events(app, referral_id)] == ["create", "send"]


def test_a_coordinator_note_does_not_confuse_reopening_a_closed_referral(app, login_as, as_user):
    referral_id = _sent(app, login_as)
    agency = as_user("agency")
    post_transition(agency, referral_id, "decline", decline_reason="no_capacity", declined_by="provider")
    coordinator = as_user("coordinator")
    assert _coordinate(coordinator, referral_id, "coordinator_note", coordinator_note="Seen").status_code == 302
    worker = as_user("worker")
    assert post_transition(worker, referral_id, "reopen", note="Capacity again").status_code == 302
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "sent"


def _board_ids(client, **params) -> set[str]:
    html = client.get("/referrals/board", query_string=params).get_data(as_text=True)
    with client.application.app_context():
        ids = db.session.scalars(select(Referral.id)).all()
    return {i for i in ids if f'data-referral="{i}"' in html}


def test_the_board_filters_by_urgency_organisation_district_and_date(app, login_as, as_user):
    urgent = _sent(app, login_as, urgency="urgent")
    routine = _sent(app, login_as, urgency="routine")
    with app.app_context():
        db.session.get(Referral, routine).sent_at -= timedelta(days=10)
        area_id = db.session.get(Referral, urgent).area_id
        district = db.session.get(Area, area_id).district() if area_id else None
        district = district.id if district is not None else None
        other_district = db.session.scalar(select(Area.id).where(Area.level == "district", Area.code == "JL-11"))
        db.session.commit()
    board = as_user("coordinator")
    assert _board_ids(board) == {urgent, routine}
    assert _board_ids(board, urgency="urgent") == {urgent}
    assert _board_ids(board, organization_id=WORKER_ORG) == {urgent, routine}
    assert _board_ids(board, organization_id=MMT_ORG) == {urgent, routine}
    with app.app_context():
        unrelated = db.session.scalar(select(User.organization_id).where(User.email == "admin@demo.local"))
    if unrelated not in (WORKER_ORG, MMT_ORG):
        assert _board_ids(board, organization_id=unrelated or "none") == set()
    assert _board_ids(board, sent_from=(today() - timedelta(days=2)).isoformat()) == {urgent}
    assert _board_ids(board, sent_to=(today() - timedelta(days=5)).isoformat()) == {routine}
    if district is not None:
        assert _board_ids(board, district=str(district)) == {urgent, routine}
    assert _board_ids(board, district=str(other_district)) == set()


def test_refer_elsewhere_after_a_decline_matches_again_without_the_declined_service(app, login_as, as_user):
    referral_id = _sent(app, login_as, area_id="")
    with app.app_context():
        jiangbin = db.session.scalar(select(Area.id).where(Area.code == "JL-01-01"))
        referral = db.session.get(Referral, referral_id)
        referral.client.area_id = jiangbin
        db.session.commit()
    agency = as_user("agency")
    page = agency.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert 'id="refer-elsewhere"' not in page
    post_transition(agency, referral_id, "decline", decline_reason="no_capacity", declined_by="provider")
    worker = as_user("worker")
    page = worker.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert 'id="refer-elsewhere"' in page
    response = worker.post(f"/referrals/{referral_id}/elsewhere", data={"csrf_token": token_from(page)})
    assert response.status_code == 303
    results = worker.get(response.headers["Location"])
    assert results.status_code == 200
    html = results.get_data(as_text=True)
    assert 'id="elsewhere"' in html
    assert f'data-service-id="{MMT_SERVICE}"' not in html
    assert "/referrals/new?match=" in html and "client_id=" in html
    # The token is the worker's own: nobody else may open it.
    other = as_user("agency")
    assert other.get(response.headers["Location"]).status_code == 404
