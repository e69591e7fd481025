"""The referral API: a hospital-like system sends a referral with a token and follows its status;
every call is scoped to the token user's organisation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.common import today
from portal.extensions import db
from portal.referrals.models import Referral, ReferralEvent

from ..referral_helpers import MMT_ORG, MMT_SERVICE, PHONE, make_unrelated_org
from tests.helpers import bearer as _token



def _body(**overrides):
    body = {"service_id": MMT_SERVICE, "needs": ["methadone_maintenance"], "urgency": "urgent",
            "reason": "Discharged today; needs dosing tomorrow.",
            "client": {"birth_year": 1979, "gender": "female", "area_code": "JL-01", "contact_phone": PHONE,
                       "contact_preference": "phone", "contact_consent": True},
            "consent": {"scope": "referral", "items": ["referral", "contact"], "purpose": "Discharge referral",
                        "given_on": today().isoformat(), "expires_on": (today() + timedelta(days=90)).isoformat()}}
    body.update(overrides)
    return body


def _event_count(app, referral_id):
    with app.app_context():
        return db.session.scalar(select(func.count(ReferralEvent.id)).where(ReferralEvent.referral_id == referral_id))


def test_a_system_sends_a_referral_and_follows_it_to_connected(app, client):
    worker = _token(app, "worker@demo.local")
    response = client.post("/api/v1/referrals", json=_body(), headers=worker)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "sent" and created["to_organization_id"] == MMT_ORG
    assert created["client"]["code"].startswith("C-") and created["overdue"] is False
    agency = _token(app, "agency@demo.local")
    listing = client.get("/api/v1/referrals?status=sent", headers=agency).get_json()
    assert listing["total_items"] == 1 and listing["contents"][0]["id"] == created["id"]
    assert "contact" not in listing["contents"][0]["client"]  # lists never carry contact details
    detail = client.get(f"/api/v1/referrals/{created['id']}", headers=agency).get_json()
    assert detail["client"]["contact"]["phone"] == PHONE
    assert detail["allowed_actions"][:2] == ["acknowledge", "accept"]
    for action in ("acknowledge", "accept"):
        assert client.post(f"/api/v1/referrals/{created['id']}/transitions", json={"action": action},
                           headers=agency).status_code == 200
    response = client.post(f"/api/v1/referrals/{created['id']}/transitions",
                           json={"action": "connect", "first_attended_on": today().isoformat()}, headers=agency)
    assert response.get_json()["status"] == "connected"
    status = client.get(f"/api/v1/referrals/{created['id']}", headers=worker).get_json()
    assert [e["to_status"] for e in status["events"]] == ["draft", "sent", "acknowledged", "accepted", "connected"]


def test_sending_without_consent_is_refused_and_nothing_is_saved(app, client):
    response = client.post("/api/v1/referrals", json=_body(consent=None), headers=_token(app, "worker@demo.local"))
    assert response.status_code == 422
    assert "consent" in response.get_json()["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_invalid_input_gets_field_errors(app, client):
    worker = _token(app, "worker@demo.local")
    response = client.post("/api/v1/referrals", json=_body(urgency="yesterday", needs="detox"), headers=worker)
    assert response.status_code == 400
    assert {"urgency", "needs"} <= set(response.get_json()["fields"])
    assert client.post("/api/v1/referrals", data="not json", headers=worker).status_code == 400


def test_refused_transitions_answer_409_and_leave_no_event(app, client):
    worker = _token(app, "worker@demo.local")
    referral_id = client.post("/api/v1/referrals", json=_body(), headers=worker).get_json()["id"]
    own = client.post(f"/api/v1/referrals/{referral_id}/transitions", json={"action": "accept"}, headers=worker)
    assert own.status_code == 409 and own.get_json()["error"]
    assert client.post(f"/api/v1/referrals/{referral_id}/transitions", json={"action": "cancel"},
                       headers=worker).status_code == 200
    before = _event_count(app, referral_id)
    agency = _token(app, "agency@demo.local")
    refused = client.post(f"/api/v1/referrals/{referral_id}/transitions", json={"action": "accept"}, headers=agency)
    assert refused.status_code == 409
    assert _event_count(app, referral_id) == before


def test_tokens_of_unrelated_organisations_see_nothing(app, client):
    referral_id = client.post("/api/v1/referrals", json=_body(), headers=_token(app, "worker@demo.local")).get_json()["id"]
    make_unrelated_org(app)
    before = _event_count(app, referral_id)
    for email in ("other.worker@demo.local", "other.agency@demo.local", "agency2@demo.local"):
        outsider = _token(app, email)
        assert client.get(f"/api/v1/referrals/{referral_id}", headers=outsider).status_code == 404
        assert client.post(f"/api/v1/referrals/{referral_id}/transitions", json={"action": "acknowledge"},
                           headers=outsider).status_code == 404
        assert client.get("/api/v1/referrals", headers=outsider).get_json()["total_items"] == 0
    assert _event_count(app, referral_id) == before
    assert client.get("/api/v1/referrals").status_code == 401
