"""What each role can and cannot open, and the admin's forms (CSRF, field errors, nothing saved)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.directory.models import Location, Organization, Service
from portal.extensions import db

ADMIN_PAGES = ["/admin/", "/admin/organization/", "/admin/service/", "/admin/location/", "/admin/taxonomy/",
               "/admin/taxonomyterm/", "/admin/area/", "/admin/user/", "/admin/service/new/"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_login_from_admin(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["worker", "agency", "coordinator"])
def test_non_admin_roles_get_403_on_every_admin_page(app, login_as, role):
    client = login_as(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "access_refused")) >= len(ADMIN_PAGES)


def test_admin_opens_every_admin_page(login_as):
    client = login_as("admin")
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path


@pytest.mark.parametrize("role", ["worker", "agency", "coordinator", "admin"])
def test_every_role_sees_home_and_own_account(login_as, role):
    client = login_as(role)
    assert client.get("/").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert f"{role}@demo.local" in page


def test_worker_account_shows_their_organisation(app, login_as):
    client = login_as("worker")
    with app.app_context():
        from portal.accounts.models import User

        user = db.session.scalar(select(User).where(User.email == "worker@demo.local"))
        org_name = user.organization.name_zh
    assert org_name in client.get("/account").get_data(as_text=True)


def test_admin_link_only_shown_to_admins(login_as, client):
    assert "/admin/" not in login_as("worker").get("/").get_data(as_text=True)


def test_admin_link_shown_to_admin(login_as):
    assert 'href="/admin/"' in login_as("admin").get("/").get_data(as_text=True)


def test_account_page_needs_login(client):
    assert client.get("/account").status_code == 302


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "admin form has no CSRF token"
    return match.group(1)


def _service_form(org_id: str, **overrides) -> dict:
    data = {"organization": org_id, "name_zh": "测试服务", "status": "active", "capacity_status": "accepting"}
    data.update(overrides)
    return data


def test_admin_service_form_carries_a_csrf_token_and_rejects_posts_without_it(app, login_as):
    client = login_as("admin")
    html = client.get("/admin/service/new/").get_data(as_text=True)
    assert _form_token(html)
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).limit(1))
        before = db.session.scalar(select(func.count(Service.id)))
    response = client.post("/admin/service/new/", data=_service_form(org_id))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == before


def test_admin_creates_a_valid_service_and_it_becomes_searchable_in_the_index(app, login_as):
    client = login_as("admin")
    token = _form_token(client.get("/admin/service/new/").get_data(as_text=True))
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).limit(1))
    response = client.post("/admin/service/new/", data=_service_form(
        org_id, csrf_token=token, name_zh="测试喘息照护新服务", minimum_age="18", maximum_age="65"))
    assert response.status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name_zh == "测试喘息照护新服务"))
        assert service is not None and service.minimum_age == 18
        from portal.search.service import get_index

        with get_index().open().searcher() as searcher:
            assert searcher.document(id=service.id) is not None


def test_admin_form_with_max_age_below_min_age_shows_field_error_and_saves_nothing(app, login_as):
    client = login_as("admin")
    token = _form_token(client.get("/admin/service/new/").get_data(as_text=True))
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).limit(1))
        before = db.session.scalar(select(func.count(Service.id)))
    response = client.post("/admin/service/new/", data=_service_form(
        org_id, csrf_token=token, name_zh="年龄错误的服务", minimum_age="40", maximum_age="18"))
    assert response.status_code == 200  # the form again, with the error
    html = response.get_data(as_text=True)
    assert ("Maximum age must not be below minimum age" in html) or ("最大年龄不能小于最小年龄" in html)
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == before


def test_admin_location_with_latitude_200_shows_field_error_and_saves_nothing(app, login_as):
    client = login_as("admin")
    token = _form_token(client.get("/admin/location/new/").get_data(as_text=True))
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).limit(1))
        before = db.session.scalar(select(func.count(Location.id)))
    response = client.post("/admin/location/new/", data={
        "csrf_token": token, "organization": org_id, "location_type": "physical", "name_zh": "错误坐标",
        "latitude": "200", "longitude": "114.3"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("Latitude must be between -90 and 90" in html) or ("纬度必须在 -90 到 90 之间" in html)
    with app.app_context():
        assert db.session.scalar(select(func.count(Location.id))) == before


def test_admin_user_form_requires_organisation_for_workers(app, login_as):
    client = login_as("admin")
    token = _form_token(client.get("/admin/user/new/").get_data(as_text=True))
    response = client.post("/admin/user/new/", data={
        "csrf_token": token, "email": "orgless@demo.local", "name": "No Org", "active": "y",
        "roles_selected": ["worker"], "new_password": "a-long-password-1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("must belong to an organisation" in html) or ("必须属于一个机构" in html)
    with app.app_context():
        from portal.accounts.models import User

        assert db.session.scalar(select(User).where(User.email == "orgless@demo.local")) is None


def test_admin_creates_a_coordinator_with_a_hashed_password(app, login_as):
    client = login_as("admin")
    token = _form_token(client.get("/admin/user/new/").get_data(as_text=True))
    response = client.post("/admin/user/new/", data={
        "csrf_token": token, "email": "New.Coord@demo.local", "name": "New Coord", "active": "y",
        "roles_selected": ["coordinator"], "new_password": "a-long-password-1"})
    assert response.status_code == 302
    with app.app_context():
        from portal.accounts.models import User

        user = db.session.scalar(select(User).where(User.email == "new.coord@demo.local"))
        assert user.roles == {"coordinator"}
        assert user.password_hash.startswith("$argon2id$")
    other = app.test_client()
    from ..conftest import login

    assert login(other, "new.coord@demo.local", "a-long-password-1").status_code == 302
