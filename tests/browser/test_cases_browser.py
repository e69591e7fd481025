"""In real Chromium, on a phone: a worker opens a case record for a 17-year-old on the guardian's
consent (the client's own consent is refused beside its field), sets the management level and a
guardian, updates the plan twice and sees the newest entry as the current plan and both in its
history; then refers her to the youth clinic, is refused until the consent is the guardian's, and
the referral shows "guardian consent recorded". No page scrolls sideways."""
from __future__ import annotations

from datetime import date

import pytest

from seed.loader import seed_id

from .phone_pages import assert_no_sideways, phone, sign_in

pytestmark = pytest.mark.browser

YOUTH_CLINIC = seed_id("service", "mhc-city/youth_psych")  # 12 to 18


def test_a_worker_keeps_a_minors_case_record_with_the_guardian_on_a_phone(browser, live_server):
    context, page = phone(browser)
    try:
        sign_in(page, live_server, "worker")
        page.goto(live_server("/referrals/clients/new"))
        page.fill("#birth_year", str(date.today().year - 17))
        page.select_option("#gender", "female")
        page.locator("main button[type=submit]").click()
        page.locator("#case-section a").click()
        assert_no_sideways(page)
        page.select_option("#management_level", "intensive")
        page.fill("#caregiver_name", "赵丽")
        page.select_option("#caregiver_relationship", "parent")
        page.check("#caregiver_is_guardian")
        page.locator("#case-form button[type=submit]").click()
        assert page.locator("#consent_given_by-error").inner_text() == "服务对象未满 18 岁：建立个案档案须由监护人同意。"
        assert_no_sideways(page)
        page.select_option("#consent_given_by", "guardian")
        page.locator("#case-form button[type=submit]").click()
        assert "个案档案已建立" in page.locator(".flash").inner_text()
        assert "强化管理（每两周）" in page.locator("#case-level").inner_text()
        assert "赵丽（父母）" in page.locator("#case-caregiver").inner_text()

        for status, text in (("goal_set", "回到学校上课"), ("in_progress", "已复学，每周三天")):
            page.select_option("#domain", "education")
            page.select_option("#status", status)
            page.fill("#text", text)
            page.locator("#plan-form button[type=submit]").click()
            assert "计划已更新" in page.locator(".flash").inner_text()
        assert "已复学，每周三天" in page.locator("#current-plan").inner_text()
        assert "回到学校上课" not in page.locator("#current-plan").inner_text()
        assert page.locator("#plan-history tbody tr").count() == 2
        assert_no_sideways(page)

        # Referred to the youth clinic: the client's own consent is refused beside "given by".
        client_id = page.url.split("/referrals/clients/")[1].split("/")[0]
        page.goto(live_server(f"/referrals/new?service_id={YOUTH_CLINIC}&needs=counselling&client_id={client_id}"))
        page.fill("#reason", "情绪低落，拒绝上学")
        page.check("#consent_given")
        page.click("button[value=send]")
        assert page.locator("#consent_given_by-error").inner_text().startswith("此转介需要监护人同意（服务对象未满 18 岁")
        assert_no_sideways(page)
        page.select_option("#consent_given_by", "guardian")
        page.click("button[value=send]")
        page.wait_for_url(lambda url: "/referrals/new" not in url)
        assert "已记录监护人同意" in page.locator("#guardian-consent").inner_text()
        assert_no_sideways(page)
    finally:
        context.close()
