"""In real Chromium, three people close the loop: a worker records a client with consent and sends a
referral to the methadone clinic; the clinic acknowledges, accepts and records "connected" while
the worker watches the status change; the coordinator sees it on the board and in the funnel."""
from __future__ import annotations

import re

import pytest

from ..conftest import browser_login
from ..referral_helpers import MMT_SERVICE, PHONE
from .phone_pages import fill_and_send_new_referral

pytestmark = pytest.mark.browser


def _new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_worker_agency_and_coordinator_close_the_loop(page, browser, live_server):
    # The worker: a new client with consent, sent straight from the service's referral link.
    browser_login(page, live_server, "worker@demo.local")
    page.goto(live_server(f"/referrals/new?service_id={MMT_SERVICE}&needs=methadone_maintenance"))
    assert page.locator("h1").inner_text() == "新建转介"
    assert page.locator("#service_id").input_value() == MMT_SERVICE
    fill_and_send_new_referral(page)
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    referral_url = page.url
    assert "转介已发送" in page.locator(".flash").inner_text()
    assert page.locator("#status").inner_text() == "已发送"
    # The heading names the referral (service and date); the client's code is in the client section.
    assert page.locator("h1").inner_text().startswith("转介 · ")
    code = page.locator("#client-code").inner_text()
    assert code.startswith("C-")

    agency_context, agency = _new_page(browser)
    try:
        browser_login(agency, live_server, "agency@demo.local")
        agency.click("nav >> text=转介收件箱")
        row = agency.locator("#inbox tr", has_text=code)
        assert "已发送" in row.inner_text()
        row.locator("button", has_text="确认收到").click()
        agency.wait_for_url("**/referrals/inbox")
        assert "已确认收到" in agency.locator("#inbox tr", has_text=code).inner_text()

        page.goto(referral_url)
        assert page.locator("#status").inner_text() == "已确认收到"

        agency.locator("#inbox tr", has_text=code).locator("button", has_text="接受").click()
        agency.wait_for_url("**/referrals/inbox")
        page.reload()
        assert page.locator("#status").inner_text() == "已接受"

        # The receiver sees the contact details the client consented to.
        agency.locator("#inbox tr", has_text=code).locator("a", has_text=code).click()
        assert agency.locator("#contact-phone").inner_text() == PHONE
        agency.click("#do-connect")
        agency.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
        assert agency.locator("#status").inner_text() == "已衔接"
    finally:
        agency_context.close()

    page.reload()
    assert page.locator("#status").inner_text() == "已衔接"
    history = page.locator("#events").inner_text()
    for step in ("确认收到", "接受", "记录已衔接"):
        assert step in history
    page.click("nav >> text=转介")
    assert "已衔接" in page.locator("#referrals tr", has_text=code).inner_text()

    coordinator_context, coordinator = _new_page(browser)
    try:
        browser_login(coordinator, live_server, "coordinator@demo.local")
        coordinator.click("nav >> text=转介看板")
        row = coordinator.locator("#board tr", has_text=code)
        assert "已衔接" in row.inner_text()
        coordinator.click("nav >> text=统计报表")
        funnel = coordinator.locator("#funnel")
        for step in ("sent", "acknowledged", "accepted", "connected"):
            assert funnel.locator(f"li[data-step={step}] .count").inner_text() == "1"
        assert PHONE not in coordinator.content()
    finally:
        coordinator_context.close()
