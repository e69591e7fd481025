"""In real Chromium, on a phone: a worker starts follow-ups for a client of the station without any
referral, records one with findings (a wrong combination is refused beside its field), sees the next
date scheduled and the yearly count, and the pages never scroll sideways."""
from __future__ import annotations

import pytest

from .phone_pages import assert_no_sideways, phone, send_referral, sign_in

pytestmark = pytest.mark.browser

def test_a_worker_follows_a_person_up_without_a_referral_on_a_phone(browser, live_server):
    context, page = phone(browser)
    try:
        sign_in(page, live_server, "worker")
        send_referral(page, live_server)  # the demo has no clients: this records one
        page.goto(live_server("/referrals/clients/"))
        page.locator("#clients a[href$='/follow-ups']").first.click()
        assert page.locator("h1").inner_text().startswith("随访")
        assert_no_sideways(page)
        assert "近 12 个月随访 0 次" in page.locator("#yearly-count").inner_text()
        page.click("#start-follow-ups button[type=submit]")
        assert "已为该服务对象开始随访" in page.locator(".flash").inner_text()

        page.locator("#person-follow-ups a", has_text="记录随访").first.click()
        assert_no_sideways(page)
        page.select_option("#outcome", "stable")
        page.select_option("#in_treatment", "no")
        page.click("#record-follow-up button[type=submit]")
        assert page.locator("#barrier-error").inner_text() == "请说明服务对象为何已不在治疗（原因不明时选“其他原因”）。"
        assert_no_sideways(page)
        page.select_option("#barrier", "feels_dependent")
        page.fill("#next_on", "")
        page.click("#record-follow-up button[type=submit]")
        assert "随访已记录，已安排下一次随访" in page.locator(".flash").inner_text()
        assert "近 12 个月随访 1 次" in page.locator("#yearly-count").inner_text()
        rows = page.locator("#person-follow-ups tbody tr")
        assert rows.count() == 2
        assert "觉得依赖美沙酮" in page.locator("#person-follow-ups").inner_text()
        assert "已排期" in rows.first.inner_text()
        assert_no_sideways(page)
    finally:
        context.close()
