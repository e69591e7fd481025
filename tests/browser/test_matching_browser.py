"""In real Chromium: a social worker in 凤岭区 (no methadone clinic nearby) enters a three-need
profile, reads the explained suggestions and the care plan, relaxes the distance, adds a suggestion
to the resource list and starts a referral prefilled with the service and the needs it covers."""
from __future__ import annotations

import re

import pytest

from ..conftest import browser_login

pytestmark = pytest.mark.browser


def test_worker_matches_relaxes_distance_adds_to_list_and_starts_a_referral(page, live_server):
    browser_login(page, live_server, "worker@demo.local")
    page.click("nav >> text=服务匹配")
    page.wait_for_url("**/match")
    assert page.locator("h1").inner_text() == "按服务对象的需求匹配服务"

    for need in ("methadone_maintenance", "employment_support", "family_support"):
        page.check(f"input[name=needs][value={need}]")
    page.select_option("#area", "JL-11-01")
    page.fill("input[name=travel_km]", "5")
    page.fill("input[name=age]", "40")
    page.select_option("select[name=gender]", "male")
    page.check("input[name=conditions][value=opioid_use]")
    page.check("input[name=populations][value=people_in_community_treatment]")
    page.click("button:has-text('查找服务')")

    # Explained suggestions and a plan; methadone is an unmet need within 5 km.
    first = page.locator(".suggestion").first
    explanation = first.locator(".explanation").inner_text()
    assert re.match(r"满足 3 项需求中的 \d 项 · ", explanation), explanation
    assert "核实" in explanation
    assert page.locator("#plan .plan-step").count() >= 1
    unmet = page.locator("#plan .unmet li[data-need=methadone_maintenance]")
    assert "可到达范围内没有符合条件的服务" in unmet.inner_text()
    assert "超出范围的最近选择" in unmet.inner_text()
    page.click("#excluded summary")
    assert page.locator("#excluded li").count() >= 1

    # Relax the distance: the nearest clinic comes in and the form shows the new limit.
    relax = page.locator("#relax button[data-rule=distance]")
    label = relax.inner_text()
    km = re.search(r"显示 (\d+) 公里以内的服务", label).group(1)
    relax.click()
    page.wait_for_selector("text=以下结果放宽了一项条件")
    assert page.locator("input[name=travel_km]").input_value() == km
    methadone = page.locator(".suggestion", has_text="美沙酮维持治疗")
    assert methadone.count() >= 1
    assert page.locator("#plan .unmet li[data-need=methadone_maintenance]").count() == 0

    # Add the clinic to the resource list: back on the results, with a confirmation.
    clinic = methadone.first
    clinic_name = clinic.locator("h3").inner_text()
    service_id = clinic.get_attribute("data-service-id")
    clinic.locator("button:has-text('加入资源对接卡')").click()
    page.wait_for_url("**/match?again=1")
    assert page.locator(".flash").first.is_visible()
    assert page.locator(f".suggestion[data-service-id='{service_id}']").count() == 1
    page.goto(live_server("/list"))
    assert clinic_name in page.locator("main").inner_text()

    # Start a referral from the results: the form opens with the service and its needs.
    page.goto(live_server("/match?again=1"))
    page.locator(f".suggestion[data-service-id='{service_id}'] >> text=发起转介").click()
    page.wait_for_url(re.compile(r".*/referrals/new\?service_id=.*needs=methadone_maintenance.*"))
    assert page.locator("select[name=service_id]").input_value() == service_id
    assert page.locator("input[name=needs][value=methadone_maintenance]").is_checked()
