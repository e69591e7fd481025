"""In real Chromium: "near me" asks for the location only when pressed, fills it into the search or
the match form, and says so clearly when the location is refused; a typed landmark on phone size."""
from __future__ import annotations

import re

import pytest

from .phone_pages import sign_in

pytestmark = pytest.mark.browser

# Near 江滨区疾病预防控制中心美沙酮维持治疗门诊 (江滨区古渡街道).
HERE = {"latitude": 30.58163, "longitude": 114.30169}


def _context(browser, granted: bool, viewport=None):
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900},
                                  geolocation=HERE, permissions=["geolocation"] if granted else [])
    context.set_default_timeout(10_000)
    return context


def test_near_me_on_search_sorts_by_distance_from_the_shared_location(browser, live_server):
    context = _context(browser, granted=True)
    page = context.new_page()
    try:
        page.goto(live_server("/search?q=美沙酮"))
        assert "仅用于本次搜索，不会保存" in page.locator(".near-me-note").inner_text()
        page.click("button[data-near-me]")
        page.wait_for_url(re.compile(r".*lat=30\.582.*lon=114\.302.*|.*lon=114\.302.*lat=30\.582.*"))
        assert "sort=distance" in page.url
        assert "计算距离的起点：您的位置" in page.locator(".place-used").inner_text()
        first = page.locator(".cards .card").first
        assert "江滨区" in first.locator(".area").inner_text()
        assert "米" in first.locator(".distance").inner_text()
    finally:
        context.close()


def test_refused_location_says_so_and_changes_nothing(browser, live_server):
    context = _context(browser, granted=False)
    page = context.new_page()
    try:
        page.goto(live_server("/search?q=美沙酮"))
        url = page.url
        page.click("button[data-near-me]")
        status = page.locator("#near-me-status")
        status.filter(has_text="未获得位置授权").wait_for()
        assert page.url == url and page.locator("#place").is_visible()
    finally:
        context.close()


def test_near_me_fills_the_match_forms_point(browser, live_server):
    context = _context(browser, granted=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "worker")
        page.goto(live_server("/match"))
        page.fill("#place", "江滨区")
        page.click("button[data-near-me]")
        page.locator("#near-me-status").filter(has_text="已填入").wait_for()
        assert page.locator("#latitude").input_value() == "30.582"
        assert page.locator("#longitude").input_value() == "114.302"
        assert page.locator("#place").input_value() == ""  # the point, not the old text, is used
        page.check("input[name=needs][value=methadone_maintenance]")
        page.click("#match-form button.primary")
        page.wait_for_url(re.compile(r".*/match/results/.*"))
        assert page.locator(".suggestion").count() >= 1
    finally:
        context.close()


def test_a_typed_landmark_on_a_phone_sorts_results_from_it(browser, live_server):
    context = _context(browser, granted=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server("/search?q=美沙酮"))
        page.fill("#place", "古渡街道")
        page.press("#place", "Enter")
        page.wait_for_url("**place=**")
        assert "古渡街道（江滨区）" in page.locator(".place-used").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator(".cards .card").first.bounding_box()["y"] < 844
    finally:
        context.close()
