"""javascript: links never reach a page or the API, and no form stores one (issue 13, part 4)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.directory.models import Organization
from portal.extensions import db
from portal.listings.operations import save_service
from portal.validators import InvalidURL


EVIL = "javascript:alert(document.cookie)"


def test_a_stored_javascript_link_is_not_rendered_or_republished(world, empty_app):
    org = world.organization(website=EVIL)
    service = world.service(org, url="javascript://%0aalert(1)")
    good = world.service(org, url="www.example.org")
    world.commit()
    client = empty_app.test_client()
    for path in (f"/services/{service.id}", f"/organizations/{org.id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "javascript:" not in page.get_data(as_text=True).lower(), path
    assert 'href="https://www.example.org"' in client.get(f"/services/{good.id}").get_data(as_text=True)
    body = client.get(f"/api/v1/services/{service.id}").get_json()
    assert body.get("url") is None  # empty fields are left out
    assert "javascript:" not in client.get(f"/api/v1/services/{service.id}").get_data(as_text=True)


def test_admin_forms_refuse_a_javascript_link(app, login_as):
    client = login_as("admin")
    html = client.get("/admin/organization/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/admin/organization/new/", data={
        "csrf_token": token, "name_zh": "坏链接机构", "name_en": "Bad link org", "website": EVIL})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Organization).where(Organization.name_zh == "坏链接机构")) is None


def test_admin_forms_store_a_bare_host_as_https(app, login_as):
    client = login_as("admin")
    html = client.get("/admin/organization/new/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/admin/organization/new/", data={
        "csrf_token": token, "name_zh": "好链接机构", "name_en": "Good link org", "website": "www.example.org"})
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.name_zh == "好链接机构"))
        assert org.website == "https://www.example.org"


def test_the_listing_form_uses_the_same_link_rule(app):
    from portal.listings.forms import ServiceForm

    with app.test_request_context(method="POST", data={"url": "javascript://example.com/%0aalert(1)"}):
        form = ServiceForm(meta={"csrf": False})
        assert not form.url.validate(form)
    with app.test_request_context(method="POST", data={"url": "example.org/intake"}):
        form = ServiceForm(meta={"csrf": False})
        assert form.url.validate(form)
        assert form.url.data == "https://example.org/intake"


def test_the_listing_operation_refuses_a_javascript_link_from_any_caller(world):
    org = world.organization()
    service = world.service(org)
    with pytest.raises(InvalidURL):
        save_service(service, {"url": EVIL}, [], set(), set())
    save_service(service, {"url": "example.org"}, [], set(), set())
    assert service.url == "https://example.org"
