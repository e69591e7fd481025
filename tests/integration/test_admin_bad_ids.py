"""Malformed ids in admin URLs (``?id=a,b``, ``?id=1,2``) answer with "no such record", never a 500,
on every model view of the admin (issue 13, part 7)."""
from __future__ import annotations

import re
from html import unescape

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import select

from portal.directory.models import Service
from portal.extensions import db

from ..conftest import csrf_token

BAD_IDS = ["a,b", "1,2", "a", "", "1,", "%00", "99999999999999999999999"]


def _model_views(app) -> list[str]:
    admin = app.extensions["admin"][0]
    return [view.endpoint for view in admin._views if isinstance(view, ModelView)]


def test_every_admin_model_view_answers_bad_ids_without_a_server_error(app, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page, not a traceback
    client = login_as("admin")
    endpoints = _model_views(app)
    assert {"user", "service", "area", "taxonomyterm", "auditevent"} <= set(endpoints)
    failures = []
    for endpoint in endpoints:
        for page in ("details", "edit"):
            for bad in BAD_IDS:
                response = client.get(f"/admin/{endpoint}/{page}/", query_string={"id": bad})
                if response.status_code not in (302, 404):
                    failures.append((endpoint, page, bad, response.status_code))
    assert failures == []


def test_a_bad_id_on_an_edit_page_sends_the_admin_back_to_the_list_with_a_message(login_as):
    client = login_as("admin")
    response = client.get("/admin/service/edit/", query_string={"id": "1,2"}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Record does not exist" in page or "记录不存在" in page


def test_deleting_a_service_from_the_admin_list_works(app, login_as):
    # The delete form was built on the service form, whose age check crashed on a form without ages.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = login_as("admin")
    with app.app_context():
        sid = db.session.scalars(select(Service.id).order_by(Service.name_zh)).first()
    response = client.post("/admin/service/delete/", data={"csrf_token": csrf_token(client, "/"), "id": sid,
                                                           "url": "/admin/service/"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Service, sid) is None


def _admin_form(client, path: str) -> dict:
    """The fields an admin edit page would send back unchanged (inputs, selects, checkboxes)."""

    html = client.get(path).get_data(as_text=True)
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or 'type="password"' in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ("y" if "checkbox" in tag else "")
    for attrs, body in re.findall(r"<select([^>]*)>(.*?)</select>", html, re.S):
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        values = [a or b for a, b in re.findall(
            r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', body)]
        if values:
            data[name] = values if "multiple" in attrs else values[0]
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body.strip("\n"))
    return data


@pytest.mark.parametrize("endpoint", ["user", "area", "taxonomyterm"])
def test_admin_saves_an_existing_user_area_and_term_unchanged(app, login_as, endpoint):
    # Flask-Admin's Unique validator once refused a row's own unchanged email or code.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = login_as("admin")
    listing = client.get(f"/admin/{endpoint}/").get_data(as_text=True)
    row_id = re.search(rf'/admin/{endpoint}/edit/\?id=([^&"]+)', listing).group(1)
    path = f"/admin/{endpoint}/edit/?id={row_id}"
    response = client.post(path, data=_admin_form(client, path))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
