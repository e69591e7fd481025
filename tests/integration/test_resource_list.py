"""The resource list (资源对接卡): the POST /list/add contract other pages rely on, the list page,
the plain-text copy and the printable handout with QR codes in the chosen language."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.directory.models import Service
from portal.directory.resource_list import safe_next
from portal.extensions import db

from ..conftest import csrf_token


def _two_services(app) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Service).where(Service.status == "active",
                                                        Service.name_en.is_not(None)).order_by(Service.id).limit(2))
        return [(s.id, s.name_zh, s.name_en) for s in rows]


def _add(client, service_id, next_url=None):
    data = {"csrf_token": csrf_token(client, "/search"), "service_id": service_id}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/list/add", data=data)


def test_add_two_services_and_see_them_on_the_list(app, client):
    (first, first_zh, _), (second, second_zh, _) = _two_services(app)
    response = _add(client, first, "/search?q=%E7%BE%8E%E6%B2%99%E9%85%AE")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=%E7%BE%8E%E6%B2%99%E9%85%AE"
    _add(client, second)
    _add(client, second)  # twice is still once
    html = client.get("/list").get_data(as_text=True)
    assert first_zh in html and second_zh in html
    assert html.count('class="card"') == 2


def test_add_without_csrf_token_is_refused(app, client):
    (first, _, _), _ = _two_services(app)
    response = client.post("/list/add", data={"service_id": first})
    assert response.status_code == 400
    assert "class=\"card\"" not in client.get("/list").get_data(as_text=True)


def test_next_never_leaves_the_site(app, client):
    (first, _, _), _ = _two_services(app)
    response = _add(client, first, "https://evil.example/steal")
    assert response.headers["Location"] == "/list"
    assert safe_next("//evil.example", "/list") == "/list"
    assert safe_next("/\\evil.example", "/list") == "/list"
    assert safe_next("/search?q=x", "/list") == "/search?q=x"


def test_unknown_service_is_not_added_and_says_so(client):
    response = _add(client, "00000000-0000-0000-0000-000000000000", "/list")
    assert response.status_code == 302
    html = client.get("/list").get_data(as_text=True)
    assert "找不到该服务" in html


def test_remove_takes_a_service_off_the_list(app, client):
    (first, first_zh, _), (second, second_zh, _) = _two_services(app)
    _add(client, first)
    _add(client, second)
    client.post("/list/remove", data={"csrf_token": csrf_token(client, "/list"), "service_id": first})
    html = client.get("/list").get_data(as_text=True)
    assert first_zh not in html and second_zh in html


def test_plain_text_copy_holds_name_address_and_phone(app, client):
    (first, first_zh, _), _ = _two_services(app)
    _add(client, first)
    html = client.get("/list").get_data(as_text=True)
    text = re.search(r'<textarea id="list-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "<" not in text.replace("&lt;", "")
    assert f"1. {first_zh}" in text
    assert f"/services/{first}" in text


def test_print_view_has_qr_codes_and_the_chosen_language(app, client):
    (first, first_zh, first_en), (second, second_zh, second_en) = _two_services(app)
    _add(client, first)
    _add(client, second)
    english = client.get("/list/print?print_lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert first_en in english and second_en in english
    assert "Services for you" in english
    assert english.count("<svg") == 2
    chinese = client.get("/list/print?print_lang=zh_CN").get_data(as_text=True)
    assert first_zh in chinese and "为您推荐的服务" in chinese
    assert 'class="site-header"' not in chinese  # a clean handout, not the site around it
    assert "@media print" in client.get("/static/css/directory.css").get_data(as_text=True)
    # Printing in English does not switch the screen language.
    assert "为您推荐的服务" in client.get("/list").get_data(as_text=True)


def test_qr_code_encodes_the_service_page_address():
    from portal.directory.resource_list import qr_svg

    svg = qr_svg("http://localhost/services/abc")
    assert svg.startswith("<svg") and "path" in svg
