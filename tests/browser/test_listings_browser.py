"""In real Chromium, on a phone-sized screen: an agency user marks a stale listing "waitlist 3 weeks"
and "still correct", and a public search shows the new status and a fresh badge straight away."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.directory.models import Service
from portal.extensions import db

from ..conftest import browser_login

pytestmark = pytest.mark.browser


def _stale_service_of(live_server, email):
    app = live_server.app
    with app.app_context():
        org_id = db.session.scalar(select(User).where(User.email == email)).organization_id
        services = db.session.scalars(select(Service).where(Service.organization_id == org_id)
                                      .order_by(Service.name_zh)).all()
        stale = next(s for s in services if s.is_stale(app.config["STALE_AFTER_DAYS"]) and s.status == "active")
        return stale.id, stale.name_zh


def test_agency_updates_a_listing_on_a_phone_and_public_search_shows_it_at_once(page, live_server, browser):
    sid, name = _stale_service_of(live_server, "agency@demo.local")
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, "agency@demo.local")
    page.click(".site-menu > summary")  # on a phone the header's links fold behind "菜单"
    page.click("nav >> text=我的服务信息")
    card = page.locator(f"article[data-service-id='{sid}']")
    assert "待核实" in card.locator(".badge.stale").inner_text()
    # The buttons are big enough for a thumb.
    box = card.locator("button[value=waitlist]").bounding_box()
    assert box["height"] >= 44

    card.locator(f"#wait-{sid}").fill("3")
    card.locator("button[value=waitlist]").click()
    page.wait_for_load_state()
    card = page.locator(f"article[data-service-id='{sid}']")
    assert "需排队：3 周" in card.locator(".capacity").inner_text()
    card.locator("button[value=verify]").click()
    page.wait_for_load_state()
    card = page.locator(f"article[data-service-id='{sid}']")
    assert card.locator(".badge.fresh").inner_text() == "今天已核实"
    assert card.locator(".badge.stale").count() == 0
    # A member of the public (no sign-in) searches for it right away: no waiting, no retry — the index
    # was updated when the change was committed.
    public = browser.new_context(locale="zh-CN").new_page()
    try:
        public.goto(live_server(f"/search?q={name}"))
        result = public.locator(f"li.card[data-service-id='{sid}']")
        result.wait_for(timeout=1000)
        assert "3" in result.locator(".capacity").inner_text()
        assert result.locator(".badge.stale").count() == 0
        assert "is-stale" not in (result.get_attribute("class") or "")
        assert result.locator(".badge").first.is_visible()
    finally:
        public.context.close()


def test_a_visitor_reports_a_problem_and_the_agency_closes_it(page, live_server, browser):
    sid, name = _stale_service_of(live_server, "agency@demo.local")
    visitor = browser.new_context(locale="zh-CN").new_page()
    try:
        visitor.goto(live_server(f"/services/{sid}"))
        visitor.click("a[href$='/report-problem']")
        visitor.check("input[value=wrong_hours]")
        visitor.fill("textarea[name=text]", "周日其实不开门")
        visitor.click("button[type=submit]")
        assert name in visitor.locator(".report-sent").inner_text()
    finally:
        visitor.context.close()

    browser_login(page, live_server, "agency@demo.local")
    page.goto(live_server("/listings/reports"))
    report = page.locator("article.report", has_text="周日其实不开门")
    report.locator("input[value=resolved]").check()
    report.locator("textarea").fill("已更正周日时间")
    report.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("article.report", has_text="周日其实不开门").count() == 0
    assert "问题反馈已处理" in page.locator(".flash").inner_text()
