"""In real Chromium, on a phone: a worker records a client, marks the person at risk (the badge, the
crisis lines and the history appear), opens a new referral for them (it starts as an emergency),
then clears the flag (the crisis lines go, the history keeps both). No page scrolls sideways. (The
rules behind it: tests/integration/test_crisis_path.py.)"""
from __future__ import annotations

import pytest

from .phone_pages import assert_no_sideways, phone, sign_in

pytestmark = pytest.mark.browser

def test_a_worker_marks_a_person_at_risk_and_clears_it_on_a_phone(browser, live_server):
    context, page = phone(browser)
    try:
        sign_in(page, live_server, "worker")
        page.goto(live_server("/referrals/clients/new"))
        page.fill("#birth_year", "1988")
        page.locator("main button[type=submit]").click()
        assert page.locator("#risk-notice").inner_text() == "未标记为有风险。"
        page.locator("#risk-set").click()
        assert "已标记为有风险" in page.locator(".flash").inner_text()
        assert page.locator("h1 [data-at-risk]").inner_text() == "有风险"
        assert page.locator("#risk [data-crisis-banner]").is_visible()
        assert page.locator("#risk-history li").count() == 1
        assert_no_sideways(page)
        client_page = page.url
        page.locator("a[href*='/referrals/new?client_id=']").click()
        assert page.locator("#urgency").input_value() == "emergency"
        assert_no_sideways(page)
        page.goto(client_page)
        page.locator("#risk-clear").click()
        assert page.locator("#risk-notice").inner_text() == "未标记为有风险。"
        assert page.locator("[data-crisis-banner]").count() == 0
        assert page.locator("#risk-history li").count() == 2
        assert_no_sideways(page)
    finally:
        context.close()
