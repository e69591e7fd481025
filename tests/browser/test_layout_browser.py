"""At phone size (390×844) no staff or public page scrolls sideways, and the first result of a
search and of a match is on the first screen."""
from __future__ import annotations

import pytest

from .phone_pages import BY_ROLE, PHONE_SCREEN, phone as _phone, resolve, send_referral, sideways as _sideways, sign_in, submit_match

pytestmark = pytest.mark.browser

def test_no_staff_or_public_page_scrolls_sideways_on_a_phone(browser, live_server):
    too_wide = {}
    for role, entries in BY_ROLE.items():
        context, page = _phone(browser)
        try:
            sign_in(page, live_server, role)
            if role == "worker":
                send_referral(page, live_server)
            for entry in entries:
                name, url = resolve(page, live_server, entry)
                response = page.goto(url)
                assert response.status == 200, f"{name} as {role}: {response.status}"
                if problem := _sideways(page):
                    too_wide[f"{role or 'public'} {name}"] = problem
            if role == "worker":
                submit_match(page, live_server)
                if problem := _sideways(page):
                    too_wide["worker match results"] = problem
        finally:
            context.close()
    assert not too_wide, too_wide


def _first_screen(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("el => el.getBoundingClientRect().top")


def test_first_search_and_match_result_is_on_the_first_phone_screen(browser, live_server):
    context, page = _phone(browser)
    try:
        page.goto(live_server("/search?q=美沙酮"))
        assert page.evaluate("window.scrollY") == 0
        assert _first_screen(page, ".cards .card") < PHONE_SCREEN["height"]
        assert not page.locator(".filters .facet").first.is_visible()  # filters folded away …
        page.locator(".filter-panel > summary").click()
        assert page.locator(".filters .facet").first.is_visible()  # … one tap away

        sign_in(page, live_server, "worker")
        submit_match(page, live_server)
        assert page.url.endswith("#results")  # the browser lands at the results …
        assert 0 <= _first_screen(page, ".suggestion") < PHONE_SCREEN["height"]
        page.goto(page.url.partition("#")[0])  # … and they come first even from the top of the page
        assert _first_screen(page, ".suggestion") < PHONE_SCREEN["height"]
        assert not page.locator("#match-form").is_visible()
        page.locator(".filter-panel > summary").click()  # the form, one tap away
        assert page.locator("#match-form input[name=travel_km]").is_visible()
    finally:
        context.close()


def test_signed_in_header_is_one_line_with_a_menu_on_a_phone(browser, live_server):
    context, page = _phone(browser)
    try:
        sign_in(page, live_server, "coordinator")
        header = page.locator(".site-header")
        assert header.evaluate("el => el.getBoundingClientRect().height") < 70
        board = page.locator("nav a[href='/referrals/board']")
        assert not board.is_visible()
        page.locator(".site-menu > summary").click()
        board.click()
        page.wait_for_url("**/referrals/board")
    finally:
        context.close()
