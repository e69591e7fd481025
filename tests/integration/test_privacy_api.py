"""Consent revocation and client erasure through the API: bearer tokens, role- and row-checked
(404 for a client another organisation recorded), the same operations as the client page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.operations import create_token
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.referrals.models import Client, Consent, Referral


def _bearer(user) -> dict:
    _token, secret = create_token(user, days=1)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def case(world):
    station, clinic, other = (world.organization(n) for n in ("社工站", "门诊", "别的机构"))
    people = {"sender": world.user("worker", org=station), "receiver": world.user("agency", org=clinic),
              "outsider": world.user("worker", org=other), "coordinator": world.user("coordinator"),
              "admin": world.user("admin")}
    client = world.client(station, phone="13600000000")
    referral = world.referral(client, world.service(clinic), people["sender"], status="sent")
    consent = world.consent(client, clinic, items=("referral", "contact"), referral_=referral)
    world.commit()
    return people, client.id, consent.id, referral.id


def test_the_recording_organisation_revokes_a_consent(world, case):
    people, client_id, consent_id, referral_id = case
    http = world.app.test_client()
    url = f"/api/v1/clients/{client_id}/consents/{consent_id}/revocation"
    response = http.post(url, headers=_bearer(people["sender"]))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "revoked"
    db.session.expire_all()
    assert db.session.get(Consent, consent_id).revoked_at is not None
    assert http.post(url, headers=_bearer(people["sender"])).status_code == 409  # already revoked
    # the receiver now can only close it (the same rule as the web)
    receiver = _bearer(people["receiver"])
    accept = http.post(f"/api/v1/referrals/{referral_id}/transitions", json={"action": "accept"}, headers=receiver)
    assert accept.status_code in (409, 422) and "撤回同意" in accept.json["error"]  # Chinese by default


@pytest.mark.parametrize("who", ["receiver", "outsider", "admin"])
def test_nobody_else_may_revoke_and_nobody_learns_the_client_exists(world, case, who):
    people, client_id, consent_id, _referral_id = case
    response = world.app.test_client().post(f"/api/v1/clients/{client_id}/consents/{consent_id}/revocation",
                                            headers=_bearer(people[who]))
    assert response.status_code in (403, 404)
    if who != "admin":
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Consent, consent_id).revoked_at is None


def test_a_coordinator_token_is_refused_and_no_token_is_unauthorised(world, case):
    people, client_id, _consent_id, _referral_id = case
    http = world.app.test_client()
    assert http.post(f"/api/v1/clients/{client_id}/erasure", headers=_bearer(people["coordinator"])).status_code == 403
    assert http.post(f"/api/v1/clients/{client_id}/erasure").status_code == 401


def test_erasure_through_the_api(world, case):
    people, client_id, consent_id, referral_id = case
    http = world.app.test_client()
    assert http.post(f"/api/v1/clients/{client_id}/erasure", headers=_bearer(people["outsider"])).status_code == 404
    assert http.post(f"/api/v1/clients/{client_id}/erasure", headers=_bearer(people["receiver"])).status_code == 404
    response = http.post(f"/api/v1/clients/{client_id}/erasure", headers=_bearer(people["sender"]))
    assert response.status_code == 200, response.json
    assert response.json == {"client_id": client_id, "client_code": response.json["client_code"], "erased": True,
                             "consents_revoked": 1}
    db.session.expire_all()
    client, referral = db.session.get(Client, client_id), db.session.get(Referral, referral_id)
    assert client.contact_phone is None and referral.reason is None and referral.status == "sent"
    assert db.session.get(Consent, consent_id).revoked_at is not None
    assert db.session.scalar(select(AuditEvent.user_id).where(AuditEvent.action == "client_erased")) == \
        people["sender"].id
    assert "13600000000" not in response.get_data(as_text=True)


def test_the_routes_are_in_the_openapi_document(world):
    paths = world.app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/clients/{client_id}/erasure"]
    assert "post" in paths["/clients/{client_id}/consents/{consent_id}/revocation"]
