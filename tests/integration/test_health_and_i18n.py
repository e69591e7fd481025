"""/healthz, and the interface in Chinese first, English second."""
from __future__ import annotations

import shutil

from sqlalchemy import func, select

from portal.directory.models import Service
from portal.search.models import IndexOutbox
from portal.extensions import db
from portal.search.service import get_index

from ..conftest import login


def test_healthz_reports_counts_and_a_complete_index(client):
    body = client.get("/healthz").json
    assert body["db"] == "ok" and body["index"] == "ok"
    assert body["organizations"] >= 80
    assert body["services"] >= 250
    assert body["index_documents"] == body["services"]
    assert body["outbox_backlog"] == 0


def test_healthz_needs_no_login_and_reports_a_missing_index(app, client):
    with app.app_context():
        shutil.rmtree(get_index().path)
    body = client.get("/healthz").json
    assert body["index"] == "missing"
    assert body["index_documents"] == 0
    assert body["status"] == "degraded"


def test_a_change_to_a_service_reaches_the_index_and_leaves_no_backlog(app, client):
    with app.app_context():
        service = db.session.scalar(select(Service).limit(1))
        service.name_zh = "改名后的服务名称"
        db.session.commit()
        # The feed row stays (other hosts follow it too); this host's copy has applied it.
        assert db.session.scalar(select(func.count(IndexOutbox.id))) >= 1
        assert get_index().backlog(db.session) == 0
        with get_index().open().searcher() as searcher:
            assert searcher.document(id=service.id)["name"].startswith("改名后的服务名称")
    assert client.get("/healthz").json["outbox_backlog"] == 0


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录" in html
    assert "Sign in" not in html


def test_login_page_in_english_with_lang_parameter(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_language_choice_is_remembered_for_the_session(client):
    client.get("/login?lang=en")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.get("/login?lang=zh")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_accept_language_english_gives_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in html


def test_accept_language_chinese_gives_chinese(client):
    html = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "登录" in html


def test_language_choice_is_saved_on_the_user(app):
    first = app.test_client()
    login(first, "worker@demo.local")
    first.get("/?lang=en")
    second = app.test_client()
    login(second, "worker@demo.local")
    assert "Sign out" in second.get("/").get_data(as_text=True)


def test_language_switch_link_keeps_the_page(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/login?lang=en"' in html


def test_wrong_password_message_in_both_languages(client):
    from ..conftest import csrf_token

    token = csrf_token(client, "/login?lang=en")
    html = client.post("/login?lang=en", data={"csrf_token": token, "email": "worker@demo.local",
                                               "password": "nope-nope-nope"}).get_data(as_text=True)
    assert "Wrong email or password." in html
    token = csrf_token(client, "/login?lang=zh")
    html = client.post("/login?lang=zh", data={"csrf_token": token, "email": "worker@demo.local",
                                               "password": "nope-nope-nope"}).get_data(as_text=True)
    assert "邮箱或密码错误。" in html


def test_unknown_page_gives_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["status"] == 404


def test_home_page_links_each_stage_of_the_continuum_to_its_services(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/search?stage=home_based_rehab"' in html
    listing = client.get("/search?stage=home_based_rehab").get_data(as_text=True)
    everything = client.get("/search").get_data(as_text=True)
    import re

    count = lambda page: int(re.search(r"找到 (\d+) 个服务", page).group(1))  # noqa: E731
    assert 0 < count(listing) < count(everything)


def test_shared_page_pieces_are_translated_too(client):
    """Macros live in templates/_macros, a folder Babel skips unless told: their strings must be in
    the Chinese catalogue like every other."""
    html = client.get("/search?q=美沙酮").get_data(as_text=True)
    assert "加入资源对接卡" in html
    assert "Add to resource list" not in html
