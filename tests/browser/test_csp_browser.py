"""The Content-Security-Policy (portal/security_headers.py) in real Chromium: key pages load with no
violation reported, and their scripts still work (issue 13, part 5)."""
from __future__ import annotations

import pytest

from ..conftest import ROLE_USERS, browser_login
from ..referral_helpers import MMT_SERVICE

pytestmark = pytest.mark.browser

# Collects every violation the page reports, from before its first script runs (an init script is
# added by the test harness, so the policy does not apply to it).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _watch(page) -> list[str]:
    console: list[str] = []
    page.add_init_script(WATCH)
    return console


def _visit(page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    violations = page.evaluate("window.__csp")
    assert violations == [] and console == [], f"{url}: {violations} {console}"


def test_public_and_worker_pages_run_their_scripts_without_csp_violations(page, live_server):
    console = _watch(page)
    for path in ("/", f"/services/{MMT_SERVICE}", "/search?q=美沙酮"):
        _visit(page, live_server(path), console)
    # static/js/directory.js (search page) marks the page as scripted.
    assert page.evaluate("document.documentElement.classList.contains('js')")
    browser_login(page, live_server, ROLE_USERS["worker"])
    _visit(page, live_server("/match"), console)
    _visit(page, live_server(f"/referrals/new?service_id={MMT_SERVICE}"), console)
    # static/js/picker.js: typing narrows the service list.
    box = page.locator("input[data-filter-select]").first
    select_id = box.get_attribute("data-filter-select")
    before = page.locator(f"#{select_id} option").count()
    box.fill("美沙酮")
    assert 0 < page.locator(f"#{select_id} option").count() < before
    assert page.evaluate("window.__csp") == [] and console == []


def test_admin_list_and_edit_work_under_the_policy(page, live_server):
    console = _watch(page)
    browser_login(page, live_server, ROLE_USERS["admin"])
    _visit(page, live_server("/admin/service/"), console)
    assert page.evaluate("typeof window.jQuery") == "function"
    assert page.locator("[onclick]").count() == 0  # every inline handler rewired (static/js/admin_csp.js)
    rows = page.locator("table.model-list tbody tr").count()
    # The row's delete button still asks first; saying no keeps the row.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("table.model-list tbody tr form button").first.click()
    page.wait_for_timeout(300)
    assert asked and page.locator("table.model-list tbody tr").count() == rows
    # A list action (the users' Deactivate …) with nothing selected says so: Flask-Admin's
    # actions.js, reached through the rewired link.
    _visit(page, live_server("/admin/user/"), console)
    action = page.locator(".dropdown-menu a.dropdown-item[href='#']:not(.filter)").first  # a rewired action
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    action.dispatch_event("click")
    page.wait_for_timeout(300)
    assert len(asked) == 2
    page.goto(live_server("/admin/service/"))
    edit = page.locator("a[href*='/admin/service/edit/']").first.get_attribute("href")
    _visit(page, live_server(edit) if edit.startswith("/") else edit, console)
    assert page.locator(".select2-container").count() > 0  # Flask-Admin's widgets started
    assert page.evaluate("window.__csp") == [] and console == []


def test_every_key_page_of_every_role_loads_without_csp_violations(browser, live_server):
    from .phone_pages import BY_ROLE, resolve, send_referral, sign_in

    found: dict[str, list[str]] = {}
    for role, entries in BY_ROLE.items():
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        console = _watch(page)
        try:
            sign_in(page, live_server, role)
            if role == "worker":
                send_referral(page, live_server)
            for name, url in [resolve(page, live_server, entry) for entry in entries]:
                page.goto(url)
                if problems := page.evaluate("window.__csp") + console:
                    found[f"{role or 'public'} {name}"] = list(problems)
                console.clear()
        finally:
            context.close()
    assert not found, found
