"""Matching's hard rules are checked by the create operation itself (issue 12): whichever entry point
creates a referral — the web form or ``POST /api/v1/referrals`` — a service whose eligibility rules
exclude the client is refused with an error that names the rules, unless a reason to refer anyway is
given, which is then recorded on the referral's "create" event."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common import today
from portal.directory.models import Area
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import Referral, ReferralEvent
from tests.helpers import bearer

from ..referral_helpers import MMT_SERVICE, PHONE

RESIDENTS_ONLY = "仅限服务区域内居民"  # the Jiangbin methadone clinic takes residents of Jiangbin only


def _body(area_code: str, **overrides):
    body = {"service_id": MMT_SERVICE, "needs": ["methadone_maintenance"], "urgency": "routine",
            "client": {"birth_year": 1979, "gender": "male", "area_code": area_code, "contact_phone": PHONE,
                       "contact_preference": "phone", "contact_consent": True},
            "consent": {"scope": "referral", "items": ["referral"], "purpose": "Methadone referral",
                        "given_on": today().isoformat(), "expires_on": (today() + timedelta(days=90)).isoformat()}}
    body.update(overrides)
    return body


def _referrals(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Referral.id)))


def test_the_api_refuses_a_service_whose_rules_exclude_the_client_and_names_the_rule(app, client):
    response = client.post("/api/v1/referrals", json=_body("JL-11-01"), headers=bearer(app))
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert "override_reason" in body["fields"]
    assert RESIDENTS_ONLY in body["fields"]["override_reason"][0]
    assert _referrals(app) == 0


def test_the_api_sends_it_with_a_reason_and_records_the_reason(app, client):
    response = client.post("/api/v1/referrals", json=_body("JL-11-01", override_reason="Clinic agreed to take him"),
                           headers=bearer(app))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        note = db.session.scalars(select(ReferralEvent.note).where(ReferralEvent.action == "create")).one()
    assert "Clinic agreed to take him" in note and RESIDENTS_ONLY in note


def test_the_api_still_sends_a_referral_the_rules_allow(app, client):
    response = client.post("/api/v1/referrals", json=_body("JL-01-01"), headers=bearer(app))
    assert response.status_code == 201, response.get_json()
    assert _referrals(app) == 1


def _start(app, area_code: str, override_reason: str | None):
    with app.test_request_context("/?lang=en"):
        worker = db.session.scalar(select(User).where(User.email == "worker@demo.local"))
        area_id = db.session.scalar(select(Area.id).where(Area.code == area_code))
        client_data = operations.ClientData(birth_year=1980, gender="male", area_id=area_id, language="zh")
        data = operations.ReferralData(service_id=MMT_SERVICE, needs=["methadone_maintenance"],
                                       override_reason=override_reason)
        try:
            referral = operations.start_referral(worker, None, client_data, data, None, send=False)
        except operations.ReferralError as error:
            db.session.rollback()
            return error
        note = db.session.scalars(select(ReferralEvent.note).where(ReferralEvent.referral_id == referral.id)).one()
        db.session.commit()
        return note


def test_the_operation_wants_a_reason_whatever_the_caller_passes(app):
    error = _start(app, "JL-11-01", None)
    assert isinstance(error, operations.ExcludedByRules)
    assert error.field == "override_reason"
    assert any("resident" in rule for rule in error.rules), error.rules
    assert "resident" in str(error.message)
    assert _referrals(app) == 0


def test_with_a_reason_the_operation_creates_it_and_records_the_rules_and_the_reason(app):
    note = _start(app, "JL-11-01", "Moving to Jiangbin next week")
    assert "Moving to Jiangbin next week" in note and "resident" in note
    assert _referrals(app) == 1
