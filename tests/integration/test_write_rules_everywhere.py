"""Rules that used to live at one entry point only, driven through every entry point that can reach
them, as a user sees the result: location ownership (listing form, admin service and location
forms: ``listings.operations.require_own_locations``), problem-report limits (the public form:
``listings.operations.report_problem``), and the password rule (admin user form and
``flask users set-password``: ``accounts.operations.set_password``)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.passwords import verify_password
from portal.common import utcnow
from portal.directory.models import Location, Service, ServiceAtLocation
from portal.extensions import db
from portal.listings import operations as ops
from portal.listings.models import ProblemReport

from ..conftest import csrf_token, login
from .test_listings import _service_form


def _org(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.organization_id).where(User.email == email))


def _admin_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


# --- location ownership --------------------------------------------------------------------------

def _linked_pair(app) -> tuple[str, str, int, int]:
    """A demo agency's service, one of its locations it is delivered at, and their versions."""
    own = _org(app, "agency@demo.local")
    with app.app_context():
        service, location = db.session.execute(
            select(Service, Location).join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
            .join(Location, ServiceAtLocation.location_id == Location.id)
            .where(Service.organization_id == own, Location.organization_id == own).limit(1)).one()
        return service.id, location.id, service.version, location.version


def _foreign_location(app) -> str:
    other = _org(app, "agency2@demo.local")
    with app.app_context():
        return db.session.scalar(select(Location.id).where(Location.organization_id == other).limit(1))


def _links(app, service_id: str) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(ServiceAtLocation.location_id)
                                      .where(ServiceAtLocation.service_id == service_id)))


def test_the_listing_form_refuses_another_organisations_location(app, login_as):
    service_id, location_id, _, _ = _linked_pair(app)
    foreign = _foreign_location(app)
    client = login_as("agency")
    before = _links(app, service_id)
    data = _service_form(client.get(f"/listings/services/{service_id}").get_data(as_text=True))
    data["locations"] = [location_id, foreign]
    assert client.post(f"/listings/services/{service_id}", data=data).status_code == 403
    assert _links(app, service_id) == before and foreign not in before


def test_a_new_listing_at_another_organisations_location_is_refused_and_not_created(app, login_as):
    foreign = _foreign_location(app)
    client = login_as("agency")
    with app.app_context():
        before = db.session.scalar(select(func.count(Service.id)))
    data = _service_form(client.get(f"/listings/services/{_linked_pair(app)[0]}").get_data(as_text=True))
    data.update(name_zh="越权服务", locations=[foreign])
    data.pop("version", None)
    assert client.post("/listings/services/new", data=data).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == before


def test_the_operation_refuses_another_organisations_location_whoever_calls_it(app):
    service_id, location_id, _, _ = _linked_pair(app)
    foreign = _foreign_location(app)
    with app.app_context():
        service = db.session.get(Service, service_id)
        with pytest.raises(ops.ForeignLocation):
            ops.save_service(service, {}, [location_id, foreign], set(), set())
        ops.require_own_locations(service.organization_id, [location_id])  # its own: fine


def test_the_admin_cannot_move_a_location_away_from_the_services_delivered_there(app, login_as):
    _, location_id, _, location_version = _linked_pair(app)
    own, other = _org(app, "agency@demo.local"), _org(app, "agency2@demo.local")
    client = login_as("admin")
    path = f"/admin/location/edit/?id={location_id}"
    response = client.post(path + "&lang=en", data={
        "csrf_token": _admin_token(client, path), "expected_version": str(location_version),
        "organization": other, "location_type": "physical", "name_zh": "搬走的地点"})
    assert response.status_code == 200
    assert "Services of another organisation are delivered at this location." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Location, location_id).organization_id == own


def test_the_admin_cannot_move_a_service_away_from_its_locations(app, login_as):
    service_id, _, service_version, _ = _linked_pair(app)
    own, other = _org(app, "agency@demo.local"), _org(app, "agency2@demo.local")
    client = login_as("admin")
    path = f"/admin/service/edit/?id={service_id}"
    response = client.post(path + "&lang=en", data={
        "csrf_token": _admin_token(client, path), "expected_version": str(service_version),
        "organization": other, "name_zh": "搬走的服务", "status": "active", "capacity_status": "accepting"})
    assert response.status_code == 200
    assert "A service can only be delivered at its own organisation&#39;s locations." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Service, service_id).organization_id == own


# --- problem-report limits -----------------------------------------------------------------------

def _some_service(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Service.id).where(Service.status == "active").order_by(Service.id).limit(1))


def test_anonymous_visitors_get_ten_reports_per_service_per_hour_across_browsers(app):
    service_id = _some_service(app)
    url = f"/services/{service_id}/report-problem"
    codes = []
    for n in range(ops.ANONYMOUS_REPORTS_PER_SERVICE_PER_HOUR + 1):
        # A fresh session and address each time: only the per-service count in the database applies.
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        codes.append(browser.post(url, data={"csrf_token": csrf_token(browser, url), "kind": "closed"}).status_code)
    assert codes == [200] * ops.ANONYMOUS_REPORTS_PER_SERVICE_PER_HOUR + [429]
    signed_in = app.test_client()
    login(signed_in, "worker@demo.local")
    assert signed_in.post(url, data={"csrf_token": csrf_token(signed_in, url), "kind": "closed"}).status_code == 200


def test_a_signed_in_user_cannot_reset_the_report_limit_by_signing_in_again(app):
    service_id = _some_service(app)
    url = f"/services/{service_id}/report-problem"
    codes = []
    for _ in range(3):  # three logins, each a new session
        browser = app.test_client()
        login(browser, "worker@demo.local")
        for _ in range(ops.REPORTS_PER_HOUR):
            codes.append(browser.post(url, data={"csrf_token": csrf_token(browser, url), "kind": "closed"}).status_code)
    assert codes.count(200) == ops.REPORTS_PER_HOUR
    assert codes[ops.REPORTS_PER_HOUR:] == [429] * (2 * ops.REPORTS_PER_HOUR)


def test_an_anonymous_visitor_cannot_reset_the_report_limit_with_a_new_session(app):
    service_id = _some_service(app)
    url = f"/services/{service_id}/report-problem"
    codes = []
    for _ in range(ops.REPORTS_PER_HOUR + 1):
        browser = app.test_client()  # cookies dropped every time; the same address
        codes.append(browser.post(url, data={"csrf_token": csrf_token(browser, url), "kind": "closed"}).status_code)
    assert codes == [200] * ops.REPORTS_PER_HOUR + [429]


def test_the_report_operation_limits_each_sender_and_forgets_reports_older_than_an_hour(app):
    service_id = _some_service(app)
    now = utcnow()
    with app.app_context():
        service = db.session.get(Service, service_id)
        for minutes in range(ops.REPORTS_PER_HOUR):
            ops.report_problem(service, "closed", None, None, "192.0.2.7", now=now - timedelta(minutes=minutes))
        with pytest.raises(ops.TooManyReports):
            ops.report_problem(service, "closed", None, None, "192.0.2.7", now=now)
        assert isinstance(ops.report_problem(service, "closed", None, None, "192.0.2.8", now=now), ProblemReport)
        later = now + timedelta(minutes=61)
        assert isinstance(ops.report_problem(service, "closed", None, None, "192.0.2.7", now=later), ProblemReport)


# --- the password rule ---------------------------------------------------------------------------

def _user(app, email: str) -> tuple[int, str, int]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user.id, user.password_hash, user.session_version


def _admin_edit_user(client, user_id: int, password: str):
    path = f"/admin/user/edit/?id={user_id}"
    return client.post(path + "&lang=en", data={
        "csrf_token": _admin_token(client, path), "email": "coordinator@demo.local", "name": "Coordinator",
        "roles_selected": ["coordinator"], "active": "y", "new_password": password})


def test_the_admin_user_form_applies_the_password_rule(app, login_as):
    user_id, old_hash, _ = _user(app, "coordinator@demo.local")
    response = _admin_edit_user(login_as("admin"), user_id, "short")
    assert response.status_code == 200
    assert "The password must have at least" in response.get_data(as_text=True)
    assert _user(app, "coordinator@demo.local")[1] == old_hash


def test_the_admin_sets_a_password_and_signs_out_the_users_other_sessions(app, login_as):
    user_id, _, version = _user(app, "coordinator@demo.local")
    elsewhere = app.test_client()
    login(elsewhere, "coordinator@demo.local")
    assert _admin_edit_user(login_as("admin"), user_id, "a-brand-new-password-1").status_code == 302
    _, new_hash, new_version = _user(app, "coordinator@demo.local")
    assert verify_password(new_hash, "a-brand-new-password-1") and new_version == version + 1
    assert elsewhere.get("/account").status_code == 302  # that session was signed out
    assert login(app.test_client(), "coordinator@demo.local", "a-brand-new-password-1").status_code == 302


def test_the_cli_applies_the_same_password_rule(app, runner):
    _, old_hash, version = _user(app, "coordinator@demo.local")
    refused = runner.invoke(args=["users", "set-password", "--email", "coordinator@demo.local",
                                  "--password", "short"])
    assert refused.exit_code != 0 and "at least" in refused.output
    assert _user(app, "coordinator@demo.local")[1] == old_hash
    done = runner.invoke(args=["users", "set-password", "--email", "coordinator@demo.local",
                               "--password", "a-brand-new-password-2"])
    assert done.exit_code == 0, done.output
    _, new_hash, new_version = _user(app, "coordinator@demo.local")
    assert verify_password(new_hash, "a-brand-new-password-2") and new_version == version + 1


def test_behind_a_trusted_proxy_each_visitor_has_their_own_report_limit(app, monkeypatch):
    from ..conftest import dispose, make_app

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    proxied = make_app(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"])
    try:
        service_id = _some_service(proxied)
        url = f"/services/{service_id}/report-problem"

        def report(visitor: str) -> int:
            browser = proxied.test_client()
            browser.environ_base["HTTP_X_FORWARDED_FOR"] = visitor
            return browser.post(url, data={"csrf_token": csrf_token(browser, url), "kind": "closed"}).status_code

        assert [report("203.0.113.1") for _ in range(ops.REPORTS_PER_HOUR + 1)][-1] == 429
        assert report("203.0.113.2") == 200  # another visitor behind the same proxy
    finally:
        dispose(proxied)
