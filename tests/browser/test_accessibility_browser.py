"""axe-core (bundled by axe-playwright-python: no network) on about twenty key pages, in Chinese
and English, at desktop and phone size: no serious or critical violation. And the three main
flows — search, match, referral — done with the keyboard alone."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from .phone_pages import KEY_PAGES, PHONE_SCREEN, resolve, send_referral, sign_in, submit_match

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
BLOCKING = {"serious", "critical"}
# The WCAG 2.1 A/AA rules plus axe's best practices (landmarks, one main, headings, region).
AXE_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


# All four combinations: each role's pages run as their own test (``-n 2`` splits them across
# workers), and within it every page is open twice, at desktop and at phone size, in one signed-in
# context; axe runs on both at once (each page has its own renderer process), so checking both
# sizes costs little more than checking one.
LANGS = ("zh", "en")


def _start_axe(page) -> None:
    page.evaluate("options => { window.__axeViolations = axe.run(document, options).then(r => r.violations); }",
                  AXE_OPTIONS)


def _blocking(page) -> list[str]:
    violations = page.evaluate("() => window.__axeViolations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in BLOCKING]


def _with_lang(url: str, lang: str) -> str:
    return url + ("&" if "?" in url else "?") + f"lang={lang}"


@pytest.mark.parametrize("role", list(KEY_PAGES), ids=lambda role: role or "public")
def test_key_pages_have_no_serious_accessibility_violations(browser, live_server, role):
    axe = Axe()
    found: dict[str, list[str]] = {}
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    phone = context.new_page()
    phone.set_viewport_size(PHONE_SCREEN)
    try:
        sign_in(page, live_server, role)
        if role == "worker":
            send_referral(page, live_server)
        pages = [resolve(page, live_server, entry) for entry in KEY_PAGES[role]]
        if role == "worker":
            submit_match(page, live_server)
            pages.append(("match results", page.url.partition("#")[0]))
        for name, url in pages:
            for lang in LANGS:
                sized = (("desktop", page), ("phone", phone))
                for _size, tab in sized:
                    response = tab.goto(_with_lang(url, lang))
                    assert response.status == 200, f"{name}: {response.status}"
                    assert tab.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
                    tab.evaluate(axe.axe_script)
                    _start_axe(tab)
                for size, tab in sized:
                    if problems := _blocking(tab):
                        found[f"{role or 'public'} {name} {lang} {size}"] = problems
    finally:
        context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


# --- keyboard only: after the first page.goto, every step is keyboard.press / keyboard.type -------

def _tab_to(page, selector: str, limit: int = 120) -> None:
    """Tab forward until the element matching ``selector`` has the focus (reading the focus is not
    interacting); fails when the page has no tab stop for it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def _choose(page, selector: str, value: str) -> None:
    """A <select> by keyboard: focus it, then arrow down to the wanted option."""
    _tab_to(page, selector)
    for key in ["ArrowDown"] * 40 + ["ArrowUp"] * 80:
        if page.locator(selector).input_value() == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{value} not reachable in {selector}")


def _keyboard_sign_in(page, live_server, role: str) -> None:
    from ..conftest import DEMO_PASSWORDS, ROLE_USERS

    email = ROLE_USERS[role]
    page.goto(live_server("/login"))
    _tab_to(page, "input[name=email]")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORDS[email])
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def desk(browser):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_search_by_keyboard_alone(desk, live_server):
    page = desk
    page.goto(live_server("/"))
    page.keyboard.press("Tab")  # the first stop skips the header
    assert page.evaluate("document.activeElement.className") == "skip-link"
    _tab_to(page, "input[name=q]")
    page.keyboard.type("美沙酮")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=**")
    _tab_to(page, ".cards .card h2 a")
    name = page.evaluate("document.activeElement.textContent").strip()
    page.keyboard.press("Enter")
    page.wait_for_url("**/services/**")
    assert name in page.locator("h1").inner_text()


def test_match_and_referral_by_keyboard_alone(desk, live_server):
    page = desk
    _keyboard_sign_in(page, live_server, "worker")
    page.keyboard.press("Tab")
    _tab_to(page, "nav a[href='/match']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/match")
    _tab_to(page, "input[name=needs][value=methadone_maintenance]")
    page.keyboard.press("Space")
    _choose(page, "#area", "JL-01-01")
    _tab_to(page, "#match-form button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/match/results/[A-Za-z0-9_-]+#results$"))
    assert page.locator(".suggestion").count() >= 1

    # From the first suggestion to a sent referral.
    _tab_to(page, ".suggestion a.refer")
    page.keyboard.press("Enter")
    page.wait_for_url("**/referrals/new?match=**")
    assert page.locator("input[name=needs][value=methadone_maintenance]").is_checked()
    _tab_to(page, "#birth_year")
    page.keyboard.type("1984")
    _choose(page, "#gender", "male")
    _choose(page, "#contact_preference", "phone")
    _tab_to(page, "#contact_phone")
    page.keyboard.type("13800001234")
    _tab_to(page, "#contact_consent")
    page.keyboard.press("Space")
    _tab_to(page, "#reason")
    page.keyboard.type("出院后需要继续维持治疗")
    _tab_to(page, "#consent_given")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=consent_items][value=contact]")
    page.keyboard.press("Space")
    _tab_to(page, "button[value=send]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/referrals/[0-9a-f-]{36}$"))
    assert "转介已发送" in page.locator(".flash").inner_text()
