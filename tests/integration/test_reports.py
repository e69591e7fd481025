"""The coordinator dashboard and CSV export over real referrals."""
from __future__ import annotations

import csv
import io

from portal.common import utcnow
from portal.extensions import db
from portal.matching.models import UnmetNeed

from ..conftest import DEMO_PASSWORDS, login
from ..referral_helpers import PHONE, latest_referral, post_transition
from .test_referrals import _sent


def test_dashboard_shows_the_funnel_and_service_gaps_for_the_coordinator(app, login_as):
    referral_id = _sent(app, login_as)
    agency = login_as("agency")
    post_transition(agency, referral_id, "acknowledge")
    with app.app_context():
        from portal.directory.models import Area
        from sqlalchemy import select

        fengling = db.session.scalar(select(Area).where(Area.code == "JL-11"))
        db.session.add(UnmetNeed(area_id=fengling.id, category_code="methadone_maintenance", recorded_at=utcnow()))
        db.session.commit()
    coordinator = app.test_client()
    login(coordinator, "coordinator@demo.local")
    html = coordinator.get("/reports/").get_data(as_text=True)
    assert 'data-step="sent"' in html
    funnel = html[html.index('id="funnel"'):html.index('id="dropout"')]
    assert '<span class="count">1</span>' in funnel  # sent and acknowledged
    assert funnel.count('<span class="count">0</span>') == 2  # accepted, connected
    gaps = html[html.index('id="gaps"'):]
    assert "凤岭区" in gaps and "美沙酮维持治疗" in gaps


def test_bad_dates_fall_back_with_a_message_next_to_the_field(login_as):
    html = login_as("coordinator").get("/reports/?start=2026-13-45&end=2026-01-01").get_data(as_text=True)
    assert 'id="start-error"' in html


def test_csv_export_has_codes_but_no_contact_or_story(app, login_as):
    _sent(app, login_as)
    coordinator = app.test_client()
    login(coordinator, "coordinator@demo.local", DEMO_PASSWORDS["coordinator@demo.local"])
    response = coordinator.get("/reports/export.csv?codes=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    with app.app_context():
        code = latest_referral().client.code
    assert rows[0]["client_code"] == code and rows[0]["status"] == "sent"
    assert PHONE not in text and "maintenance treatment after detox" not in text


def test_csv_export_speaks_the_readers_language_unless_codes_are_asked_for(app, login_as):
    _sent(app, login_as)
    coordinator = app.test_client()
    login(coordinator, "coordinator@demo.local", DEMO_PASSWORDS["coordinator@demo.local"])
    with app.app_context():
        code = latest_referral().client.code

    def first_row(query):
        text = coordinator.get("/reports/export.csv" + query).get_data(as_text=True)
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))[0]

    chinese = first_row("?lang=zh")
    assert chinese["服务对象编号"] == code and chinese["状态"] == "已发送" and chinese["紧急程度"] == "常规"
    assert "美沙酮" in chinese["需求"] and "methadone_maintenance" not in chinese["需求"]
    english = first_row("?lang=en")
    assert english["Client code"] == code and english["Status"] == "Sent" and english["Urgency"] == "Routine"
    assert "status" in first_row("?codes=1")


def test_the_period_fields_are_labelled_as_dates_in_both_languages(login_as):
    coordinator = login_as("coordinator")
    chinese = coordinator.get("/reports/?lang=zh").get_data(as_text=True)
    assert "开始日期" in chinese and "结束日期" in chinese and "转出机构</label>" not in chinese
    english = coordinator.get("/reports/?lang=en").get_data(as_text=True)
    assert "Start date" in english and "End date" in english


def test_reports_are_for_coordinators_and_admins_only(login_as):
    assert login_as("worker").get("/reports/").status_code == 403
