"""Problem reports: anyone can report a wrong listing; the owning agency (or an admin) resolves or
rejects it with a note; a signed-in reporter sees the outcome."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.directory.models import Service
from portal.extensions import db
from portal.listings.models import ProblemReport
from portal.notifications.models import Notification

from ..conftest import csrf_token, login


def _ids(app):
    with app.app_context():
        own = db.session.scalar(select(User).where(User.email == "agency@demo.local")).organization_id
        other = db.session.scalar(select(User).where(User.email == "agency2@demo.local")).organization_id
        service = db.session.scalars(select(Service).where(Service.organization_id == own).order_by(Service.name_zh)).first()
        return own, other, service.id, service.name_zh


def _reports(app, service_id):
    with app.app_context():
        rows = db.session.scalars(select(ProblemReport).where(ProblemReport.service_id == service_id)).all()
        db.session.expunge_all()
        return rows


def test_anonymous_visitor_reports_a_wrong_phone_and_the_agency_is_told(app, client):
    _own, _other, sid, name = _ids(app)
    url = f"/services/{sid}/report-problem"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "反馈信息错误" in html and name in html and "电话号码有误" in html
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "kind": "wrong_phone",
                                      "text": "电话已停机，新号码是 027-8888-0000"})
    assert response.status_code == 200
    assert "已发送给服务机构和管理员" in response.get_data(as_text=True)
    [report] = _reports(app, sid)
    assert (report.kind, report.status, report.reporter_id) == ("wrong_phone", "open", None)
    with app.app_context():
        agency = db.session.scalar(select(User).where(User.email == "agency@demo.local"))
        notes = db.session.scalars(select(Notification).where(Notification.user_id == agency.id,
                                                              Notification.kind == "problem_report")).all()
        assert len(notes) == 1 and name in notes[0].text_zh


def test_report_form_errors_are_shown_next_to_the_fields(app, client):
    _own, _other, sid, _name = _ids(app)
    url = f"/services/{sid}/report-problem"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "kind": "other", "text": "  "})
    assert response.status_code == 400 and "请描述问题" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 400 and "请选择哪里有误" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "kind": "other", "text": "长" * 1001})
    assert response.status_code == 400 and "1000 字以内" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "kind": "made_up"})
    assert response.status_code == 400
    assert _reports(app, sid) == []


def test_report_without_csrf_token_is_refused(app, client):
    _own, _other, sid, _name = _ids(app)
    response = client.post(f"/services/{sid}/report-problem", data={"kind": "closed"})
    assert response.status_code == 400
    assert _reports(app, sid) == []


def test_reporting_an_unknown_service_is_404(app, client):
    assert client.get("/services/no-such-service/report-problem").status_code == 404


def test_a_flood_of_reports_from_one_browser_is_refused(app, client):
    _own, _other, sid, _name = _ids(app)
    url = f"/services/{sid}/report-problem"
    token = csrf_token(client, url)
    codes = [client.post(url, data={"csrf_token": token, "kind": "closed"}).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]
    assert "请一小时后再试" in client.post(url, data={"csrf_token": token, "kind": "closed"}).get_data(as_text=True)
    assert len(_reports(app, sid)) == 5


def test_agency_resolves_a_report_and_the_signed_in_reporter_sees_the_outcome(app, client, login_as):
    _own, _other, sid, name = _ids(app)
    url = f"/services/{sid}/report-problem"
    worker = app.test_client()
    login(worker, "worker@demo.local")
    worker.post(url, data={"csrf_token": csrf_token(worker, url), "kind": "wrong_hours", "text": "周六不开门"})
    [report] = _reports(app, sid)
    with app.app_context():
        worker_id = db.session.scalar(select(User.id).where(User.email == "worker@demo.local"))
    assert report.reporter_id == worker_id
    assert "等待机构处理" in worker.get("/listings/my-reports").get_data(as_text=True)

    agency = login_as("agency")
    queue = agency.get("/listings/reports").get_data(as_text=True)
    assert f'id="report-{report.id}"' in queue and "周六不开门" in queue
    token = csrf_token(agency, "/listings/reports")
    bad = agency.post(f"/listings/reports/{report.id}/close", data={"csrf_token": token, "outcome": "resolved"})
    assert bad.status_code == 400 and "请写一句简短说明" in bad.get_data(as_text=True)
    done = agency.post(f"/listings/reports/{report.id}/close", data={"csrf_token": token, "outcome": "resolved",
                                                                     "note": "已更新周六时间"})
    assert done.status_code == 302
    [report] = _reports(app, sid)
    assert (report.status, report.resolution_note) == ("resolved", "已更新周六时间")
    assert f'id="report-{report.id}"' not in agency.get("/listings/reports").get_data(as_text=True)
    assert "已更新周六时间" in agency.get("/listings/reports?status=resolved").get_data(as_text=True)

    mine = worker.get("/listings/my-reports").get_data(as_text=True)
    assert "已解决" in mine and "已更新周六时间" in mine
    notes = worker.get("/notifications/").get_data(as_text=True)
    assert f"您对“{name}”的问题反馈已解决" in notes
    # Closing twice is refused; the outcome stays.
    again = agency.post(f"/listings/reports/{report.id}/close", data={"csrf_token": token, "outcome": "rejected", "note": "x"})
    assert again.status_code == 302
    assert _reports(app, sid)[0].status == "resolved"


def test_admin_sees_every_report_and_can_reject_one(app, client, login_as):
    _own, _other, sid, _name = _ids(app)
    url = f"/services/{sid}/report-problem"
    client.post(url, data={"csrf_token": csrf_token(client, url), "kind": "closed"})
    [report] = _reports(app, sid)
    admin = login_as("admin")
    assert f'id="report-{report.id}"' in admin.get("/listings/reports").get_data(as_text=True)
    admin.post(f"/listings/reports/{report.id}/close", data={"csrf_token": csrf_token(admin, "/listings/reports"),
                                                             "outcome": "rejected", "note": "已电话核实，仍在营业"})
    assert _reports(app, sid)[0].status == "rejected"


def test_another_agency_can_neither_see_nor_close_the_report(app, client):
    _own, _other, sid, _name = _ids(app)
    url = f"/services/{sid}/report-problem"
    client.post(url, data={"csrf_token": csrf_token(client, url), "kind": "closed", "text": "机密内容"})
    [report] = _reports(app, sid)
    other = app.test_client()
    login(other, "agency2@demo.local")
    assert "机密内容" not in other.get("/listings/reports?status=all").get_data(as_text=True)
    response = other.post(f"/listings/reports/{report.id}/close", data={
        "csrf_token": csrf_token(other, "/listings/"), "outcome": "rejected", "note": "x"})
    assert response.status_code == 404
    assert _reports(app, sid)[0].status == "open"
