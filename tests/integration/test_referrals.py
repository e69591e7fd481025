"""Referrals through the pages: clients with consent, sending, the agency inbox, the life cycle,
refusals that leave no trace, consent revocation, follow-ups, escalation and row-level access."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common import today, utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from portal.referrals.models import Client, Consent, FollowUp, Referral, ReferralEvent

from ..conftest import login
from ..referral_helpers import (
    MMT_ORG,
    MMT_SERVICE,
    OTHER_PASSWORD,
    PHONE,
    latest_referral,
    make_unrelated_org,
    post_transition,
    send_referral,
    token_from,
)


def _events(app, referral_id):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                                                     .order_by(ReferralEvent.id))]


def _sent(app, login_as, **overrides) -> str:
    client = login_as("worker")
    response = send_referral(client, **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        referral_id = latest_referral().id
    client.post("/logout", data={"csrf_token": token_from(client.get("/account").get_data(as_text=True))})
    return referral_id


def test_new_referral_form_opens_prefilled_from_service_and_needs(login_as):
    client = login_as("worker")
    html = client.get(f"/referrals/new?service_id={MMT_SERVICE}&needs=methadone_maintenance,counselling,bogus").get_data(as_text=True)
    assert f'<option selected value="{MMT_SERVICE}">' in html or f'value="{MMT_SERVICE}" selected' in html
    assert 'checked id="needs-' in html or 'value="methadone_maintenance" checked' in html
    assert html.count("checked") >= 2  # two known needs ticked; the unknown code is ignored
    assert "新建转介" in html


def test_worker_sends_referral_with_consent_and_the_agency_is_told(app, login_as):
    referral_id = _sent(app, login_as)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == "sent" and referral.to_organization_id == MMT_ORG
        assert referral.client.code.startswith("C-") and referral.client.contact_phone == PHONE
        assert referral.due_at is not None and referral.needs == ["methadone_maintenance"]
        disclosure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "disclosure",
                                                               AuditEvent.record_id == referral.client_id))
        assert disclosure.changes["to_organization_id"] == MMT_ORG
        assert set(disclosure.changes["items"]) == {"referral", "contact"}
        texts = [n.text_zh for n in db.session.scalars(select(Notification).where(Notification.kind == "referral_received"))]
        assert any(referral.client.code in t for t in texts)
        # Notifications never carry contact details.
        assert not any(PHONE in t for t in texts)
    assert _events(app, referral_id) == ["create", "send"]


def test_referral_cannot_be_sent_without_consent_and_nothing_is_saved(app, login_as):
    client = login_as("worker")
    response = send_referral(client, consent_given=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "没有有效的知情同意" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Referral.id))) == 0
        assert db.session.scalar(select(func.count(Client.id))) == 0


def test_contact_details_without_the_clients_agreement_are_refused_next_to_the_field(app, login_as):
    client = login_as("worker")
    response = send_referral(client, contact_consent=None)
    assert response.status_code == 400
    assert 'id="contact_consent-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Client.id))) == 0


def test_agency_acknowledges_accepts_and_connects_from_the_inbox_and_the_worker_sees_each_step(app, client, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    inbox = agency.get("/referrals/inbox").get_data(as_text=True)
    assert referral_id in inbox and "确认收到" in inbox
    for action, status in (("acknowledge", "acknowledged"), ("accept", "accepted")):
        response = post_transition(agency, referral_id, action, next="/referrals/inbox")
        assert response.status_code == 302 and response.headers["Location"].endswith("/referrals/inbox")
        with app.app_context():
            assert db.session.get(Referral, referral_id).status == status
    response = post_transition(agency, referral_id, "connect", first_attended_on=today().isoformat())
    assert response.status_code == 302
    assert _events(app, referral_id) == ["create", "send", "acknowledge", "accept", "connect"]
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.first_attended_on == today() and referral.receiver_handoff is not None
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.referral_id == referral_id))
        assert (follow_up.due_on - today()).days in range(89, 93)
        status_notes = db.session.scalars(select(Notification).where(Notification.kind == "referral_status")).all()
        assert len(status_notes) == 3 and all(n.user.email == "worker@demo.local" for n in status_notes)
    agency.post("/logout", data={"csrf_token": token_from(agency.get("/account").get_data(as_text=True))})
    worker = login_as("worker")
    assert "已衔接" in worker.get("/referrals/").get_data(as_text=True)
    detail = worker.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert "确认收到" in detail and "已接受" in detail and "已衔接" in detail


@pytest.mark.parametrize("first, then, expected", [
    ("cancel", "accept", "已取消"),
    ("decline", "connect", "已拒绝"),
])
def test_invalid_transitions_are_refused_with_a_clear_message_and_leave_no_event(app, login_as, first, then, expected):
    referral_id = _sent(app, login_as)
    actor = login_as("worker" if first == "cancel" else "agency")
    fields = {"decline_reason": "no_capacity", "declined_by": "provider"} if first == "decline" else {}
    assert post_transition(actor, referral_id, first, **fields).status_code == 302
    actor.post("/logout", data={"csrf_token": token_from(actor.get("/account").get_data(as_text=True))})
    agency = login_as("agency")
    before = _events(app, referral_id)
    response = post_transition(agency, referral_id, then, first_attended_on=today().isoformat())
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="refusal"' in html and expected in html and "不能" in html
    assert _events(app, referral_id) == before


def test_the_sender_cannot_accept_its_own_referral_and_no_event_is_written(app, login_as):
    referral_id = _sent(app, login_as)
    worker = login_as("worker")
    response = post_transition(worker, referral_id, "accept")
    assert response.status_code == 409
    assert "只有接收机构" in response.get_data(as_text=True)
    assert _events(app, referral_id) == ["create", "send"]


def test_decline_needs_a_reason_from_the_list(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    response = post_transition(agency, referral_id, "decline", decline_reason="", declined_by="provider")
    assert response.status_code == 409 and "原因" in response.get_data(as_text=True)
    assert _events(app, referral_id) == ["create", "send"]


def test_revoking_consent_hides_contact_details_from_the_receiver_at_once(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    assert PHONE in agency.get(f"/referrals/{referral_id}").get_data(as_text=True)
    with app.app_context():
        viewed = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "client_contact_viewed"))
        assert viewed >= 1
        client_id = db.session.get(Referral, referral_id).client_id
        consent_id = db.session.scalar(select(Consent.id).where(Consent.client_id == client_id))
    # The worker revokes, in another session.
    worker_client = app.test_client()
    login(worker_client, "worker@demo.local")
    page = worker_client.get(f"/referrals/clients/{client_id}").get_data(as_text=True)
    response = worker_client.post(f"/referrals/clients/{client_id}/consents/{consent_id}/revoke",
                                  data={"csrf_token": token_from(page)})
    assert response.status_code == 302
    html = agency.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert PHONE not in html
    assert 'id="contact-hidden"' in html
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consent_revoked")) is not None


def test_receiver_without_contact_consent_never_sees_the_phone(app, login_as):
    referral_id = _sent(app, login_as, consent_items=["referral"])
    agency = login_as("agency")
    html = agency.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert PHONE not in html and 'id="contact-hidden"' in html


def test_do_not_contact_preference_withholds_the_phone_from_the_receiver(app, login_as):
    referral_id = _sent(app, login_as, contact_preference="do_not_contact")
    agency = login_as("agency")
    html = agency.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert PHONE not in html and "不要直接联系" in html


def test_a_draft_is_not_shared_until_sent_and_sending_it_later_works(app, login_as):
    referral_id = _sent(app, login_as, submit="draft")
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "draft"
    agency = login_as("agency")
    assert agency.get(f"/referrals/{referral_id}").status_code == 404
    assert referral_id not in agency.get("/referrals/inbox").get_data(as_text=True)
    agency.post("/logout", data={"csrf_token": token_from(agency.get("/account").get_data(as_text=True))})
    worker = login_as("worker")
    assert post_transition(worker, referral_id, "send").status_code == 302
    assert _events(app, referral_id) == ["create", "send"]


def test_users_of_unrelated_organisations_get_404_on_every_referral_endpoint(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    post_transition(agency, referral_id, "accept")
    post_transition(agency, referral_id, "connect", first_attended_on=today().isoformat())
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        client_id, follow_up_id = referral.client_id, referral.follow_ups[0].id
        consent_id = referral.client.consents[0].id
    make_unrelated_org(app)
    for email in ("other.worker@demo.local", "other.agency@demo.local", "agency2@demo.local"):
        outsider = app.test_client()
        assert login(outsider, email, OTHER_PASSWORD if email.startswith("other") else None).status_code == 302
        token = token_from(outsider.get("/account").get_data(as_text=True))
        assert outsider.get(f"/referrals/{referral_id}").status_code == 404
        assert outsider.post(f"/referrals/{referral_id}/transition",
                             data={"csrf_token": token, "action": "complete"}).status_code == 404
        assert outsider.post(f"/referrals/{referral_id}/follow-ups/{follow_up_id}",
                             data={"csrf_token": token, "outcome": "stable", "done_on": today().isoformat()}).status_code in (403, 404)
        assert outsider.get(f"/referrals/clients/{client_id}").status_code == 404
        assert outsider.post(f"/referrals/clients/{client_id}/consents", data={"csrf_token": token}).status_code == 404
        assert outsider.post(f"/referrals/clients/{client_id}/consents/{consent_id}/revoke",
                             data={"csrf_token": token}).status_code == 404
        for path in ("/referrals/", "/referrals/inbox", "/referrals/follow-ups", "/referrals/clients/"):
            response = outsider.get(path)
            assert referral_id not in response.get_data(as_text=True) and client_id not in response.get_data(as_text=True)
        assert outsider.get("/referrals/board").status_code == 403
        assert outsider.get("/reports/").status_code == 403
        assert outsider.get("/reports/export.csv").status_code == 403
    _events_after = _events(app, referral_id)
    assert _events_after == ["create", "send", "accept", "connect"]
    with app.app_context():
        assert db.session.get(Consent, consent_id).revoked_at is None
        assert db.session.get(FollowUp, follow_up_id).done_on is None


def test_board_filters_by_status_and_overdue(app, login_as):
    referral_id = _sent(app, login_as)
    coordinator = login_as("coordinator")
    assert referral_id not in coordinator.get("/referrals/board?status=accepted").get_data(as_text=True)
    assert referral_id in coordinator.get("/referrals/board?status=sent&category=methadone_maintenance").get_data(as_text=True)
    assert referral_id not in coordinator.get("/referrals/board?overdue=y").get_data(as_text=True)
    with app.app_context():
        db.session.get(Referral, referral_id).due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    html = coordinator.get("/referrals/board?overdue=y").get_data(as_text=True)
    assert referral_id in html and "已逾期" in html


def test_escalation_flags_overdue_to_both_sides_and_coordinators_then_expires(app, runner, login_as):
    referral_id = _sent(app, login_as)
    with app.app_context():
        db.session.get(Referral, referral_id).due_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    result = runner.invoke(args=["referrals", "escalate"])
    assert "flagged: 1; expired: 0" in result.output
    with app.app_context():
        told = {n.user.email for n in db.session.scalars(select(Notification).where(Notification.kind == "referral_overdue"))}
        assert {"worker@demo.local", "agency@demo.local", "coordinator@demo.local"} <= told
        assert "coordinator2@demo.local" not in told
    # Run again: no second notice for the same step.
    assert "flagged: 0" in runner.invoke(args=["referrals", "escalate"]).output
    with app.app_context():
        db.session.get(Referral, referral_id).due_at = utcnow() - timedelta(days=20)
        db.session.commit()
    assert "expired: 1" in runner.invoke(args=["referrals", "escalate"]).output
    assert _events(app, referral_id)[-1] == "expire"
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "expired"


def test_follow_up_outcome_is_recorded_and_the_next_one_scheduled(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    post_transition(agency, referral_id, "accept")
    post_transition(agency, referral_id, "connect", first_attended_on=today().isoformat())
    agency.post("/logout", data={"csrf_token": token_from(agency.get("/account").get_data(as_text=True))})
    worker = login_as("worker")
    page = worker.get("/referrals/follow-ups").get_data(as_text=True)
    assert referral_id in page
    with app.app_context():
        follow_up_id = db.session.scalar(select(FollowUp.id).where(FollowUp.referral_id == referral_id))
    next_on = (today() + timedelta(days=30)).isoformat()
    response = worker.post(f"/referrals/{referral_id}/follow-ups/{follow_up_id}",
                           data={"csrf_token": token_from(page), "outcome": "relapse_risk",
                                 "done_on": today().isoformat(), "next_on": next_on, "note": ""})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(FollowUp).where(FollowUp.referral_id == referral_id).order_by(FollowUp.id)).all()
        assert rows[0].outcome == "relapse_risk" and rows[0].done_on == today()
        assert rows[1].due_on.isoformat() == next_on and rows[1].done_on is None


def test_referral_pages_are_never_cached(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    assert agency.get(f"/referrals/{referral_id}").headers["Cache-Control"] == "no-store"


def test_nav_links_follow_roles(login_as, client):
    html = login_as("worker").get("/").get_data(as_text=True)
    assert 'href="/referrals/"' in html and 'href="/referrals/inbox"' not in html
