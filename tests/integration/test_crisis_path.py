"""The crisis path (issue 16) through the database and the pages: an emergency referral is due in
clock hours and chased by the escalation job a second after its due time, at night and at weekends;
a worker marks a client at risk (audited, copied onto the open referrals and every new one, seen by
the receiver and the coordinators, filterable on the board) and clears it again (recorded); the
agency's after-hours phone shows on its service page and on referral pages; a match for a person at
risk puts crisis lines open around the clock first and says why. The pure rules are in
tests/unit/test_crisis_rules.py."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEvent
from portal.common import as_aware
from portal.directory.models import Service
from portal.extensions import db
from portal.notifications.models import Notification
from portal.referrals import operations
from portal.referrals.models import Client, Referral, ReferralEvent
from seed.loader import seed_id

from tests.helpers import bearer

from ..conftest import ROLE_USERS, csrf_token, login
from .test_listings import _service_form

UTC = timezone.utc
FRIDAY_NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


def _handoff(world):
    """A social-work station refers clients of one district to a clinic; a coordinator watches."""
    city = world.area("city")
    district = world.area("district", city)
    station, clinic = world.organization("社工站"), world.organization("门诊")
    people = {"worker": world.user("worker", org=station), "receiver": world.user("agency", org=clinic),
              "coordinator": world.user("coordinator", area_=district),
              "outsider": world.user("worker", org=world.organization("无关机构"))}
    service = world.service(clinic, categories=("counselling",))
    return people, station, clinic, district, service


def _post(http, path, **data):
    return http.post(path, data={"csrf_token": csrf_token(http, "/referrals/clients/"), **data})


# --- emergency: due in hours -------------------------------------------------------------------------

def test_an_emergency_sent_on_friday_night_is_chased_one_second_after_two_hours_not_on_monday(world):
    people, station, clinic, district, service = _handoff(world)
    client = world.client(station, district)
    world.consent(client, clinic)
    referral = world.referral(client, service, people["worker"], status="draft", urgency="emergency",
                              needs=("counselling",))
    operations.transition(people["worker"], referral, "send", now=FRIDAY_NIGHT)
    world.commit()
    assert as_aware(referral.due_at) == FRIDAY_NIGHT + timedelta(hours=2)
    table = operations.configured_due_table()
    assert operations.escalate(FRIDAY_NIGHT + timedelta(hours=2), table, 5) == (0, 0)
    assert operations.escalate(FRIDAY_NIGHT + timedelta(hours=2, seconds=1), table, 5) == (1, 0)
    db.session.commit()
    chased = db.session.scalars(select(Notification).where(Notification.kind == "referral_overdue")).all()
    assert {n.user_id for n in chased} >= {people["worker"].id, people["receiver"].id, people["coordinator"].id}
    assert all(n.text_zh.startswith("危急转介") and n.text_en.startswith("Emergency referral") for n in chased)
    # Acknowledged (Saturday 02:00): the next step is due four hours later, still on Saturday.
    operations.transition(people["receiver"], referral, "acknowledge", now=FRIDAY_NIGHT + timedelta(hours=3))
    assert as_aware(referral.due_at) == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def test_the_database_knows_the_emergency_urgency_and_nothing_else_new(world):
    people, station, clinic, district, service = _handoff(world)
    client = world.client(station, district)
    assert world.referral(client, service, urgency="emergency").urgency == "emergency"
    with pytest.raises(IntegrityError):
        world.referral(client, service, urgency="whenever")
    db.session.rollback()


def test_emergencies_lead_the_inbox_and_the_board_before_older_overdue_work(world):
    people, station, clinic, district, service = _handoff(world)
    calm, crisis = world.client(station, district), world.client(station, district)
    overdue = world.referral(calm, service, people["worker"], due_at=datetime(2020, 1, 1, tzinfo=UTC))
    emergency = world.referral(crisis, service, people["worker"], urgency="emergency")
    inbox = world.sign_in(people["receiver"]).get("/referrals/inbox").get_data(as_text=True)
    assert inbox.index(f'data-referral="{emergency.id}"') < inbox.index(f'data-referral="{overdue.id}"')
    board = world.sign_in(people["coordinator"]).get("/referrals/board").get_data(as_text=True)
    assert board.index(f'data-referral="{emergency.id}"') < board.index(f'data-referral="{overdue.id}"')
    assert "危急（按小时计）" in board


# --- the risk flag -----------------------------------------------------------------------------------

def test_marking_a_client_at_risk_is_audited_copied_to_open_referrals_and_seen_by_receiver_and_board(world):
    people, station, clinic, district, service = _handoff(world)
    client, calm_client = world.client(station, district), world.client(station, district)
    open_referral = world.referral(client, service, people["worker"], needs=("counselling",))
    closed = world.referral(client, service, people["worker"], status="completed")
    calm = world.referral(calm_client, service, people["worker"])
    worker = world.sign_in(people["worker"])

    response = _post(worker, f"/referrals/clients/{client.id}/risk", at_risk="1")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, client.id).at_risk is True
    assert db.session.get(Referral, open_referral.id).at_risk is True
    assert db.session.get(Referral, closed.id).at_risk is False  # a closed referral keeps its history
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.record_id == client.id,
                                                        AuditEvent.action == "client_at_risk_set")).all()
    assert [(a.user_id, a.changes) for a in audit] == [(people["worker"].id, {"at_risk": True})]
    events = db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == open_referral.id,
                                                            ReferralEvent.action == "flag_at_risk")).all()
    assert [(e.user_id, e.from_status, e.to_status) for e in events] == [(people["worker"].id, "sent", "sent")]

    page = worker.get(f"/referrals/clients/{client.id}").get_data(as_text=True)
    assert "data-at-risk" in page and "data-crisis-banner" in page and 'id="risk-clear"' in page
    assert people["worker"].name in page.split('id="risk-history"')[1]

    receiver = world.sign_in(people["receiver"])
    inbox = receiver.get("/referrals/inbox").get_data(as_text=True)
    row = inbox.split(f'data-referral="{open_referral.id}"')[1].split("</tr>")[0]
    assert "data-at-risk" in row and "有风险" in row
    calm_row = inbox.split(f'data-referral="{calm.id}"')[1].split("</tr>")[0]
    assert "data-at-risk" not in calm_row
    detail = receiver.get(f"/referrals/{open_referral.id}").get_data(as_text=True)
    assert 'id="risk-notice"' in detail and "data-crisis-banner" in detail and "已标记为有风险" in detail
    told = db.session.scalars(select(Notification).where(Notification.user_id == people["receiver"].id,
                                                         Notification.kind == "referral_at_risk")).all()
    assert len(told) == 1
    api = world.app.test_client().get(f"/api/v1/referrals/{open_referral.id}",
                                      headers=bearer(world.app, people["receiver"].email)).get_json()
    assert api["at_risk"] is True

    coordinator = world.sign_in(people["coordinator"])
    flagged = coordinator.get("/referrals/board?at_risk=y").get_data(as_text=True)
    assert f'data-referral="{open_referral.id}"' in flagged and f'data-referral="{calm.id}"' not in flagged
    everything = coordinator.get("/referrals/board").get_data(as_text=True)
    assert f'data-referral="{calm.id}"' in everything


def test_a_new_referral_for_a_client_at_risk_carries_the_flag_and_the_form_starts_as_an_emergency(world):
    people, station, clinic, district, service = _handoff(world)
    client, calm = world.client(station, district, at_risk=True), world.client(station, district)
    worker = world.sign_in(people["worker"])
    form = worker.get(f"/referrals/new?client_id={client.id}").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="emergency"|<option[^>]*value="emergency"[^>]*selected', form)
    calm_form = worker.get(f"/referrals/new?client_id={calm.id}").get_data(as_text=True)
    assert not re.search(r'<option[^>]*value="emergency"[^>]*selected', calm_form)
    made = operations.create_referral(people["worker"], client,
                                      operations.ReferralData(service_id=service.id, needs=["counselling"]))
    plain = operations.create_referral(people["worker"], calm,
                                       operations.ReferralData(service_id=service.id, needs=["counselling"]))
    assert (made.at_risk, plain.at_risk) == (True, False)


def test_clearing_the_flag_is_recorded_and_follows_onto_the_open_referrals(world):
    people, station, clinic, district, service = _handoff(world)
    client = world.client(station, district)
    referral = world.referral(client, service, people["worker"])
    worker = world.sign_in(people["worker"])
    _post(worker, f"/referrals/clients/{client.id}/risk", at_risk="1")
    response = _post(worker, f"/referrals/clients/{client.id}/risk", at_risk="0")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, client.id).at_risk is False
    assert db.session.get(Referral, referral.id).at_risk is False
    actions = [e.action for e in db.session.get(Referral, referral.id).events]
    assert actions == ["flag_at_risk", "clear_at_risk"]
    cleared = db.session.scalars(select(AuditEvent.user_id).where(AuditEvent.record_id == client.id,
                                                                  AuditEvent.action == "client_at_risk_cleared")).all()
    assert cleared == [people["worker"].id]
    page = worker.get(f"/referrals/clients/{client.id}").get_data(as_text=True)
    history = page.split('id="risk-history"')[1].split("</ul>")[0]
    assert history.count("<li>") == 2 and "已解除风险标记" in history and "已标记为有风险" in history
    assert 'id="risk-set"' in page and "data-crisis-banner" not in page
    detail = worker.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "已解除风险标记" in detail  # the referral's history says it too


def test_only_the_recording_organisation_sets_the_flag(world):
    people, station, clinic, district, service = _handoff(world)
    client = world.client(station, district)
    world.referral(client, service, people["worker"])
    outsider = world.sign_in(people["outsider"])
    assert _post(outsider, f"/referrals/clients/{client.id}/risk", at_risk="1").status_code == 404
    receiver = world.sign_in(people["receiver"])
    assert _post(receiver, f"/referrals/clients/{client.id}/risk", at_risk="1").status_code == 404
    db.session.expire_all()
    assert db.session.get(Client, client.id).at_risk is False
    with pytest.raises(operations.ReferralError):
        operations.set_client_risk(people["receiver"], client, True)
    assert db.session.get(Client, client.id).at_risk is False


# --- after-hours phone -------------------------------------------------------------------------------

def test_the_agency_sets_an_after_hours_phone_that_shows_on_its_service_and_referral_pages(world):
    people, station, clinic, district, service = _handoff(world)
    client = world.client(station, district)
    referral = world.referral(client, service, people["worker"])
    agency = world.sign_in(people["receiver"])
    data = _service_form(agency.get(f"/listings/services/{service.id}").get_data(as_text=True))

    bad = agency.post(f"/listings/services/{service.id}", data={**data, "after_hours_phone": "call 120!"})
    assert bad.status_code == 400 and 'id="after_hours_phone-error"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Service, service.id).after_hours_phone is None  # nothing saved

    data = _service_form(agency.get(f"/listings/services/{service.id}").get_data(as_text=True))
    assert agency.post(f"/listings/services/{service.id}",
                       data={**data, "after_hours_phone": " 027-8888 0000 "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, service.id).after_hours_phone == "027-8888 0000"
    public = world.app.test_client().get(f"/services/{service.id}").get_data(as_text=True)
    assert 'href="tel:027-8888 0000" data-after-hours-phone' in public and "非办公时间联系电话" in public
    sender_view = world.sign_in(people["worker"]).get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'id="after-hours"' in sender_view and "027-8888 0000" in sender_view


def test_the_admin_edits_the_after_hours_phone_with_the_same_phone_rule(world):
    people, station, clinic, district, service = _handoff(world)
    admin = world.sign_in(world.user("admin"))
    path = f"/admin/service/edit/?id={service.id}"

    def save(number):
        page = admin.get(path).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return admin.post(path + "&lang=en", data={
            "csrf_token": token, "expected_version": str(db.session.get(Service, service.id).version),
            "organization": clinic.id, "name_zh": service.name_zh, "status": "active",
            "capacity_status": "unknown", "after_hours_phone": number})

    refused = save("ring the bell")
    assert refused.status_code == 200 and "Use digits, spaces, +, - and brackets only." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Service, service.id).after_hours_phone is None
    assert save("+86 27 8500-1600").status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, service.id).after_hours_phone == "+86 27 8500-1600"


# --- matching: crisis lines first --------------------------------------------------------------------

CRISIS_LINES = {seed_id("service", key) for key in ("mhc-city/crisis_line", "ngo-xinyu/crisis_line")}


def test_a_match_for_a_person_at_risk_puts_a_24_hour_crisis_line_first_and_says_why(app, client, login_as):
    login_as("worker")
    data = {"csrf_token": csrf_token(client, "/match"), "needs": ["counselling"], "area": "JL-06-01",
            "travel_km": "5", "urgency": "normal", "at_risk": "y"}
    page = client.post("/match", data=data, follow_redirects=True).get_data(as_text=True)
    first = page.split('class="suggestion" data-service-id="')[1]
    assert first.split('"')[0] in CRISIS_LINES
    explanation = first.split('class="explanation">')[1].split("</p>")[0]
    assert "危机热线" in explanation and "24小时开放" in explanation
    refer = re.search(r'class="refer" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    form = client.get(refer).get_data(as_text=True)
    assert re.search(r'<option[^>]*value="emergency"[^>]*selected|<option[^>]*selected[^>]*value="emergency"', form)


# --- demo rows ---------------------------------------------------------------------------------------

def test_the_demo_shows_an_answered_and_an_overdue_emergency_for_people_at_risk_once(app, login_as):
    from seed import crisis as demo

    with app.app_context():
        made = demo.load(db.session)
        db.session.commit()
        assert made == {"after_hours_phones": 5, "clients_at_risk": 2, "emergency_referrals": 2}
        emergencies = db.session.scalars(select(Referral).where(Referral.urgency == "emergency")).all()
        assert all(r.at_risk and r.client.at_risk for r in emergencies)
        assert sorted((r.status, r.is_overdue()) for r in emergencies) == [("acknowledged", False), ("sent", True)]
        assert demo.load(db.session) == {"after_hours_phones": 0, "clients_at_risk": 0, "emergency_referrals": 0}
        overdue = next(r.id for r in emergencies if r.status == "sent")
    inbox = login_as("agency").get("/referrals/inbox").get_data(as_text=True)
    first = inbox.split('data-referral="')[1]
    assert first.startswith(overdue) and "data-at-risk" in first.split("</tr>")[0]
    hotline = app.test_client().get(f"/services/{seed_id('service', 'narcotics-city/drug_hotline')}")
    assert "027-8500 1100" in hotline.get_data(as_text=True)


def test_the_crisis_pages_speak_the_readers_language(app):
    """The language walk's checks (test_language_everywhere) on the pages of a person at risk with an
    emergency referral: the demo walk reaches them only once seed/crisis.py is part of the history."""
    import re as _re

    from seed import crisis as demo

    from .test_language_everywhere import (
        ENGLISH_ALLOWED,
        _catalogue,
        _known_codes,
        _problems_en,
        _problems_zh,
        data_values,
        visible_text,
    )

    with app.app_context():
        demo.load(db.session)
        db.session.commit()
        referral = db.session.scalars(select(Referral).where(Referral.urgency == "emergency")).first()
        paths = {"worker": [f"/referrals/clients/{referral.client_id}", f"/referrals/{referral.id}", "/referrals/"],
                 "agency": [f"/referrals/{referral.id}", "/referrals/inbox",
                            f"/listings/services/{referral.service_id}", f"/services/{referral.service_id}"],
                 "coordinator": ["/referrals/board?at_risk=y", f"/referrals/{referral.id}"]}
    table = _catalogue()
    data = data_values(app)
    english = {m.strip() for m in table if _re.search(r"[A-Za-z]{2}", m) and "%(" not in m and "{" not in m} - data - ENGLISH_ALLOWED
    chinese = {t.strip() for t in table.values() if _re.search(r"[\u4e00-\u9fff]", t) and "%(" not in t} - data
    codes = _known_codes()
    failures = {}
    for role, role_paths in paths.items():
        http = app.test_client()
        assert login(http, ROLE_USERS[role]).status_code == 302
        for path in role_paths:
            for lang in ("zh", "en"):
                response = http.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
                assert response.status_code == 200, path
                nodes = visible_text(response.get_data(as_text=True))
                found = _problems_zh(nodes, english, codes) if lang == "zh" else _problems_en(nodes, chinese)
                if found:
                    failures[f"{role} {lang} {path}"] = found
    assert not failures
