"""The referral rules through every entry point that reaches them, as a user sees the result:
overdue (Python and SQL from ``Referral.is_overdue``, on each backend), the shipped due times through
a real send, the follow-up interval (web form, API, configuration), and the handoff person on each
side (web form and API both go through ``referrals.handoff``)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.common import as_aware, today, utcnow
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import FollowUp, Referral

from ..conftest import login
from ..referral_helpers import MMT_ORG, MMT_SERVICE, PHONE, latest_referral, make_unrelated_org, send_referral, token_from
from tests.helpers import bearer as _headers

UTC = timezone.utc



def _body(**overrides) -> dict:
    body = {"service_id": MMT_SERVICE, "needs": ["methadone_maintenance"], "urgency": "routine",
            "client": {"birth_year": 1979, "gender": "female", "contact_phone": PHONE,
                       "contact_preference": "phone", "contact_consent": True},
            "consent": {"items": ["referral", "contact"], "purpose": "Referral",
                        "expires_on": (today() + timedelta(days=90)).isoformat()}}
    body.update(overrides)
    return body


def _api_referral(app, client, **overrides):
    return client.post("/api/v1/referrals", json=_body(**overrides), headers=_headers(app, "worker@demo.local"))


# --- overdue ----------------------------------------------------------------------------------------

def test_sql_and_python_agree_on_overdue_at_the_boundary(app, client):
    ids = [_api_referral(app, client).get_json()["id"] for _ in range(5)]
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    cases = {  # id: (status, due_at)
        ids[0]: ("sent", now - timedelta(seconds=1)),      # overdue
        ids[1]: ("sent", now),                             # due this very moment: not yet
        ids[2]: ("accepted", now + timedelta(seconds=1)),  # not yet
        ids[3]: ("completed", now - timedelta(days=9)),    # closed: never
        ids[4]: ("acknowledged", now - timedelta(days=2)),  # overdue
    }
    with app.app_context():
        for referral_id, (status, due) in cases.items():
            referral = db.session.get(Referral, referral_id)
            referral.status, referral.due_at = status, due
        db.session.commit()
        in_sql = set(db.session.scalars(select(Referral.id).where(Referral.id.in_(ids), Referral.is_overdue(now))))
        in_python = {r.id for r in db.session.scalars(select(Referral).where(Referral.id.in_(ids))) if r.is_overdue(now)}
    assert in_sql == in_python == {ids[0], ids[4]}


def test_a_routine_referral_sent_on_friday_is_overdue_after_wednesday_same_time(app, client, runner):
    referral_id = _api_referral(app, client, send=False).get_json()["id"]
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    wednesday = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        operations.transition(referral.from_user, referral, "send", now=friday)
        db.session.commit()
        assert as_aware(referral.due_at) == wednesday
        table = operations.configured_due_table()
        # The escalation job reads the same rule from SQL: nothing to chase at the due time itself…
        assert operations.escalate(wednesday, table, 5) == (0, 0)
        # …and the referral is flagged a moment later.
        assert operations.escalate(wednesday + timedelta(seconds=1), table, 5) == (1, 0)
        db.session.commit()


def test_the_board_the_inbox_and_the_api_show_the_same_overdue_referral(app, client, login_as):
    referral_id = _api_referral(app, client).get_json()["id"]
    with app.app_context():
        db.session.get(Referral, referral_id).due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    api = client.get(f"/api/v1/referrals/{referral_id}", headers=_headers(app, "agency@demo.local")).get_json()
    assert api["overdue"] is True
    board = login_as("coordinator").get("/referrals/board?overdue=y").get_data(as_text=True)
    assert referral_id in board
    agency = app.test_client()
    login(agency, "agency@demo.local")
    inbox = agency.get("/referrals/inbox").get_data(as_text=True)
    assert f'class="is-overdue" data-referral="{referral_id}"' in inbox


# --- follow-up interval --------------------------------------------------------------------------

@pytest.mark.parametrize("chosen, stored", [("1", 1), ("3", 3)])
def test_the_web_form_keeps_an_allowed_follow_up_interval(app, login_as, chosen, stored):
    response = send_referral(login_as("worker"), follow_up_months=chosen)
    assert response.status_code == 302
    with app.app_context():
        assert latest_referral().follow_up_months == stored


def test_the_web_form_refuses_another_follow_up_interval_and_saves_nothing(app, login_as):
    with app.app_context():
        before = db.session.scalar(select(func.count(Referral.id)))
    response = send_referral(login_as("worker"), follow_up_months="2")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Referral.id))) == before


def test_the_web_form_offers_the_configured_interval_first(app, login_as):
    app.config["REFERRAL_FOLLOW_UP_MONTHS"] = 1
    html = login_as("worker").get("/referrals/new").get_data(as_text=True)
    assert 'selected value="1"' in html or 'value="1" selected' in html


@pytest.mark.parametrize("months", [2, 0, "3", True])
def test_the_api_refuses_another_follow_up_interval_on_its_field(app, client, months):
    response = _api_referral(app, client, follow_up_months=months)
    assert response.status_code == 400  # refused by the published schema (1, 3 or null) before the operation
    assert "follow_up_months" in response.get_json()["fields"]


def test_the_api_uses_the_configured_interval_when_none_is_chosen_and_schedules_by_it(app, client):
    app.config["REFERRAL_FOLLOW_UP_MONTHS"] = 1
    created = _api_referral(app, client).get_json()
    agency = _headers(app, "agency@demo.local")
    for action in ("acknowledge", "accept"):
        client.post(f"/api/v1/referrals/{created['id']}/transitions", json={"action": action}, headers=agency)
    attended = today()
    response = client.post(f"/api/v1/referrals/{created['id']}/transitions",
                           json={"action": "connect", "first_attended_on": attended.isoformat()}, headers=agency)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Referral, created["id"]).follow_up_months == 1
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.referral_id == created["id"]))
        assert follow_up.due_on == operations.add_months(attended, 1)


# --- handoff person ------------------------------------------------------------------------------

def _colleague_of_the_receiver(app) -> int:
    with app.app_context():
        user = create_user("colleague@demo.local", "Colleague", "colleague-password-2026", ["agency"],
                           organization_id=MMT_ORG)
        db.session.commit()
        return user.id


def _stranger(app) -> int:
    make_unrelated_org(app)
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "other.agency@demo.local"))


def test_the_api_names_the_receivers_handoff_person(app, client):
    colleague = _colleague_of_the_receiver(app)
    created = _api_referral(app, client).get_json()
    response = client.post(f"/api/v1/referrals/{created['id']}/transitions",
                           json={"action": "acknowledge", "receiver_handoff_id": colleague},
                           headers=_headers(app, "agency@demo.local"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Referral, created["id"]).receiver_handoff_id == colleague


def test_the_api_refuses_a_receivers_handoff_person_from_another_organisation(app, client):
    stranger = _stranger(app)
    created = _api_referral(app, client).get_json()
    response = client.post(f"/api/v1/referrals/{created['id']}/transitions",
                           json={"action": "acknowledge", "receiver_handoff_id": stranger},
                           headers=_headers(app, "agency@demo.local"))
    assert response.status_code == 422
    assert "receiver_handoff_id" in response.get_json()["fields"]
    with app.app_context():
        referral = db.session.get(Referral, created["id"])
        assert referral.status == "sent" and referral.receiver_handoff_id is None


def test_the_web_form_refuses_a_receivers_handoff_person_from_another_organisation(app, client, login_as):
    stranger = _stranger(app)
    referral_id = _api_referral(app, client).get_json()["id"]
    agency = login_as("agency")
    token = token_from(agency.get(f"/referrals/{referral_id}").get_data(as_text=True))
    response = agency.post(f"/referrals/{referral_id}/transition?lang=en",
                           data={"csrf_token": token, "action": "acknowledge", "receiver_handoff_id": str(stranger)})
    assert response.status_code == 409
    assert "Choose a handoff person from the receiving organisation." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "sent"


def test_the_web_form_names_the_receivers_handoff_person(app, client, login_as):
    colleague = _colleague_of_the_receiver(app)
    referral_id = _api_referral(app, client).get_json()["id"]
    agency = login_as("agency")
    token = token_from(agency.get(f"/referrals/{referral_id}").get_data(as_text=True))
    response = agency.post(f"/referrals/{referral_id}/transition",
                           data={"csrf_token": token, "action": "acknowledge", "receiver_handoff_id": str(colleague)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Referral, referral_id).receiver_handoff_id == colleague


def test_the_api_refuses_a_senders_handoff_person_from_another_organisation(app, client):
    stranger = _stranger(app)
    response = _api_referral(app, client, sender_handoff_id=stranger)
    assert response.status_code == 422 and "sender_handoff_id" in response.get_json()["fields"]
