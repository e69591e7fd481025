"""In real Chromium: search in Chinese and English, apply two filters, open a service, collect two
services into a resource list and open its print view."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_filter_open_collect_and_print(page, live_server):
    page.goto(live_server("/"))
    page.fill("input[name=q]", "美沙酮")
    page.click(".search-box button[type=submit]")
    page.wait_for_url("**/search?q=**")
    assert "个服务" in page.locator(".result-count").inner_text()
    assert "美沙酮" in " ".join(page.locator(".cards .card mark").all_inner_texts())

    page.fill("input[name=q]", "respite care")
    page.click(".search-box button[type=submit]")
    page.wait_for_url("**q=respite+care**")
    first_names = page.locator(".cards .card h2 a").all_inner_texts()
    assert first_names and any("喘息" in n or "托养" in n for n in first_names[:3])
    total_before = int(page.locator(".cards .card").count())

    # Two filters: accepting referrals, then the first kind of help offered.
    page.click(".toggles a[data-filter=accepting]")
    page.wait_for_url("**accepting=1**")
    page.locator("details[data-facet=category] a.facet-option").first.click()
    page.wait_for_url("**category=**")
    assert page.locator(".chips .chip").count() == 2
    assert 0 < page.locator(".cards .card").count() <= total_before

    # Add the first result from the list, then open the second result's page and add it there.
    page.locator(".cards .card .add-to-list button").first.click()
    assert "已加入资源对接卡" in page.locator(".flash").inner_text()
    page.goto(live_server("/search?q=美沙酮"))
    page.locator(".cards .card h2 a").nth(1).click()
    page.wait_for_url("**/services/**")
    assert page.locator("h2", has_text="服务对象").count() == 1
    page.click("button:has-text('加入资源对接卡')")
    assert "共 2 个服务" in page.locator(".flash").inner_text()

    page.goto(live_server("/list"))
    assert page.locator(".resource-list .card").count() == 2
    assert "1. " in page.locator("#list-text").input_value()
    page.click("a.print-link:has-text('打印中文版')")
    page.wait_for_url("**/list/print**")
    assert page.locator(".handout-item").count() == 2
    assert page.locator(".handout-item .qr svg").count() == 2
    assert page.locator("h1").inner_text() == "为您推荐的服务"
    page.emulate_media(media="print")
    assert not page.locator(".print-tools").is_visible()
