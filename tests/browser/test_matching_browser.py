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
    results_url = page.url
    assert re.search(r"/match/results/[A-Za-z0-9_-]+#results$", results_url)
    clinic.locator("button:has-text('加入资源对接卡')").click()
    page.wait_for_url(results_url.partition("#")[0])
    assert page.locator(".flash").first.is_visible()
    assert page.locator(f".suggestion[data-service-id='{service_id}']").count() == 1
    page.goto(live_server("/list"))
    assert clinic_name in page.locator("main").inner_text()

    # Start a referral from the results: the form opens with the service and its needs.
    page.goto(results_url)
    page.locator(f".suggestion[data-service-id='{service_id}'] >> text=发起转介").click()
    page.wait_for_url(re.compile(r".*/referrals/new\?match=[A-Za-z0-9_-]+&service_id=.*"))
    assert page.locator("select[name=service_id]").input_value() == service_id
    assert page.locator("input[name=needs][value=methadone_maintenance]").is_checked()


def test_worker_refers_the_whole_plan_and_back_and_reload_keep_the_results(page, live_server):
    """One flow: match, reload and Back without a resubmit prompt, refer the plan (the form opens
    pre-filled), narrow the service picker by typing, send: one referral per service."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, live_server, "worker@demo.local")
    page.goto(live_server("/match"))
    for need in ("methadone_maintenance", "employment_support"):
        page.check(f"input[name=needs][value={need}]")
    page.select_option("#area", "JL-01-01")
    page.fill("input[name=age]", "38")
    page.select_option("select[name=gender]", "male")
    page.check("input[name=conditions][value=opioid_use]")
    page.click("button:has-text('查找服务')")
    page.wait_for_url(re.compile(r".*/match/results/[A-Za-z0-9_-]+#results$"))
    results_url = page.url
    steps = page.locator("#plan .plan-step").count()
    assert steps >= 2

    page.reload()  # a GET: no "confirm form resubmission"
    assert page.url == results_url and page.locator("#plan .plan-step").count() == steps
    assert page.locator("input[name=age]").input_value() == "38"

    page.click("#refer-plan")
    page.wait_for_url(re.compile(r".*/referrals/new\?match=.*plan=1"))
    assert page.locator("input[name=plan_items]:checked").count() == steps
    assert page.locator("#gender").input_value() == "male"
    page.go_back()  # Back to the results, again without a resubmit prompt
    page.wait_for_url(results_url)
    assert page.locator("#plan .plan-step").count() == steps
    page.go_forward()
    page.wait_for_url(re.compile(r".*/referrals/new\?match=.*plan=1"))

    page.fill("#transfer_criterion", "维持治疗稳定 3 个月")
    page.select_option("#contact_preference", "via_worker")
    page.check("#consent_given")
    page.click("button[value=send]")
    page.wait_for_url("**/referrals/")
    assert f"已发送 {steps} 份转介" in page.locator(".flash").inner_text()
    assert page.locator("#referrals tbody tr").count() == steps
    assert dialogs == []

    # The picker on a blank form: typing narrows the services, no inline script needed.
    page.goto(live_server("/referrals/new"))
    before = page.locator("#service_id option").count()
    assert page.locator("#filter-services").is_hidden()
    page.fill("#service_q", "美沙酮")
    after = page.locator("#service_id option").count()
    assert 1 < after < before
    labels = page.locator("#service_id option").all_inner_texts()
    assert all("美沙酮" in label for label in labels if label != "—")
