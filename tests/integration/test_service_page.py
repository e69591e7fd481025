"""The service page (what, for whom, how to get in, cost, hours, places, contact; more for staff)
and the organisation page."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.directory import hours
from portal.directory.models import Contact, Schedule, Service
from portal.extensions import db


def _service_with_contact(app) -> tuple[str, str, str]:
    with app.app_context():
        contact = db.session.scalar(select(Contact).where(Contact.service_id.is_not(None)).limit(1))
        service = db.session.get(Service, contact.service_id)
        return service.id, contact.name, service.name_zh


def test_public_page_shows_eligibility_access_cost_hours_places_and_contact(app, client):
    service_id, contact_name, name = _service_with_contact(app)
    response = client.get(f"/services/{service_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert name in html
    for heading in ("服务内容", "服务对象", "如何申请", "费用", "开放时间", "服务地点", "联系方式"):
        assert heading in html
    assert '/organizations/' in html
    assert f"/services/{service_id}/report-problem" in html
    # The named intake person is for staff only.
    assert contact_name not in html
    assert "工作人员可见" not in html
    assert "/referrals/new" not in html


def test_staff_see_intake_contact_and_capacity_notes(app, client, login_as):
    service_id, contact_name, _ = _service_with_contact(app)
    with app.app_context():
        service = db.session.get(Service, service_id)
        service.capacity_notes = "本月只接收紧急转介"
        db.session.commit()
    login_as("worker")
    html = client.get(f"/services/{service_id}").get_data(as_text=True)
    assert contact_name in html
    assert "本月只接收紧急转介" in html
    assert "工作人员可见" in html


def test_signed_in_worker_sees_start_a_referral_link(app, client, login_as):
    with app.app_context():
        service_id = db.session.scalar(select(Service.id).where(Service.accepts_referrals.is_(True),
                                                                 Service.status == "active").limit(1))
    login_as("worker")
    html = client.get(f"/services/{service_id}").get_data(as_text=True)
    assert f'href="/referrals/new?service_id={service_id}"' in html


def test_unknown_service_is_a_404_page(client):
    response = client.get("/services/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert client.get("/services/" + "x" * 300).status_code == 404


def test_page_in_english_with_fallback_marked(app, client):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name_en.is_(None)).limit(1))
        service_id, name_zh = service.id, service.name_zh
    html = client.get(f"/services/{service_id}?lang=en").get_data(as_text=True)
    assert "Who it is for" in html
    assert name_zh in html and "not translated" in html


def test_open_now_badge_follows_the_schedule(app, client):
    with app.app_context():
        service = db.session.scalar(select(Service).join(Schedule, Schedule.service_id == Service.id).limit(1))
        service_id = service.id
        for schedule in list(service.schedules):
            db.session.delete(schedule)
        for link in service.location_links:
            for schedule in list(link.schedules):
                db.session.delete(schedule)
        for weekday in range(1, 8):
            db.session.add(Schedule(service_id=service_id, weekday=weekday, opens_at=time(0, 0),
                                    closes_at=time(23, 59)))
        db.session.commit()
    html = client.get(f"/services/{service_id}").get_data(as_text=True)
    assert 'data-open-now="yes"' in html


def test_hours_open_now_uses_local_time_and_unknown_is_not_closed():
    class Row:
        def __init__(self, weekday, opens, closes):
            self.weekday, self.opens_at, self.closes_at = weekday, opens, closes
            self.valid_from = self.valid_to = None
            self.notes = None

    rows = [Row(1, time(9), time(17))]
    shanghai = ZoneInfo("Asia/Shanghai")
    assert hours.is_open(rows, datetime(2026, 11, 23, 10, 0, tzinfo=shanghai)) is True  # Monday
    assert hours.is_open(rows, datetime(2026, 11, 23, 17, 0, tzinfo=shanghai)) is False
    assert hours.is_open(rows, datetime(2026, 11, 24, 10, 0, tzinfo=shanghai)) is False
    assert hours.is_open([], datetime(2026, 11, 24, 10, 0, tzinfo=shanghai)) is None
    assert hours.next_opening(rows, datetime(2026, 11, 23, 18, 0, tzinfo=shanghai)) == (7, time(9))


def test_organisation_page_lists_all_its_services(app, client):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == "active").limit(1))
        org = service.organization
        names = [s.name_zh for s in org.services if s.status != "defunct"]
        org_id = org.id
    html = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert all(name in html for name in names)
    assert client.get("/organizations/nope").status_code == 404
