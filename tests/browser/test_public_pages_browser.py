"""In real Chromium: the crisis banner on the home and search pages, and a resource list shared as
a link that a second browser (with no session) opens read-only."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_crisis_banner_then_share_the_list_as_a_link_and_open_it_elsewhere(page, live_server, browser):
    page.goto(live_server("/"))
    banner = page.locator("[data-crisis-banner]")
    assert banner.is_visible()
    numbers = banner.locator("[data-crisis-number]").all_inner_texts()
    assert any("110" in n for n in numbers) and any("120" in n for n in numbers)
    assert len(numbers) > 2  # the directory's own hotlines come first
    # Small and unobtrusive: a strip, not a block that pushes the search box off the screen.
    assert banner.bounding_box()["height"] < 120
    assert page.locator(".search-box").bounding_box()["y"] < 400

    page.goto(live_server("/search?q=美沙酮"))
    assert page.locator("[data-crisis-banner]").is_visible()
    for n in range(2):
        page.locator(".cards .card .add-to-list button").nth(n).click()
        page.wait_for_load_state()
    page.goto(live_server("/list"))
    short = page.locator("#list-short").input_value().splitlines()
    assert len(short) == 3 and all(len(line) <= 70 for line in short[1:])
    page.click("[data-share]")
    page.wait_for_url("**/list?shared=**")
    link = page.locator("[data-shared-link]").input_value()
    assert "/list/shared/" in link
    assert link in page.locator("#list-short").input_value()  # the short text carries the link

    stranger = browser.new_context(locale="en-US")
    try:
        other = stranger.new_page()
        other.goto(link)
        assert other.locator(".shared-list .card").count() == 2
        assert other.locator("form[action*='/list/remove']").count() == 0
    finally:
        stranger.close()
