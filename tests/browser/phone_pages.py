"""The staff and public pages the layout and accessibility tests walk, with the role that sees each.

Pages with an id in their address are reached by following a link from a list page, so the tests
keep working whatever ids the demo data gets. ``/match/results/<token>`` is reached by submitting a
real match (see ``submit_match``)."""
from __future__ import annotations

from urllib.parse import urljoin

from ..conftest import DEMO_PASSWORDS, ROLE_USERS
from ..referral_helpers import MMT_SERVICE, PHONE

PHONE_SCREEN = {"width": 390, "height": 844}
SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"
WIDEST = """() => { let w = null; for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect(); if (!w || r.right > w.right) w = {right: r.right, tag: el.tagName,
  id: el.id, cls: el.className && el.className.baseVal === undefined ? el.className : ''}; } return w; }"""


def phone(browser, locale: str = "zh-CN"):
    """(context, page) of a phone-sized, touch browser; the caller closes the context."""
    context = browser.new_context(locale=locale, viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def sideways(page) -> str | None:
    """None, or how wide the page is and which element sticks out, when it scrolls sideways."""
    if page.evaluate(SCROLLS_SIDEWAYS):
        width = page.evaluate("document.documentElement.scrollWidth")
        return f"{width}px wide (widest: {page.evaluate(WIDEST)})"
    return None


def assert_no_sideways(page) -> None:
    assert sideways(page) is None, (page.url, sideways(page))


REFERRAL_DETAIL = ("referral detail", "/referrals/", "#referrals a[href*='/referrals/']")
LISTING_EDIT = ("listing edit", "/listings/", "main a[href*='/listings/services/']:not([href$='/new'])")
PUBLIC = [
    "/",
    "/search?q=美沙酮",
    f"/services/{MMT_SERVICE}",
    f"/services/{MMT_SERVICE}/report-problem",
    "/list",
    "/list/print",
    "/login",
    # a link from the service page: its organisation
    ("organization", f"/services/{MMT_SERVICE}", "a[href*='/organizations/']"),
]
WORKER = [
    "/match",
    "/referrals/",
    "/referrals/new",
    REFERRAL_DETAIL,
    "/referrals/clients/",
    ("client", "/referrals/clients/", "main a[href*='/referrals/clients/']:not([href$='/new'])"),
    "/referrals/clients/new",
    "/referrals/follow-ups",
    ("person follow-ups", "/referrals/clients/", "#clients a[href$='/follow-ups']"),
    ("case record", "/referrals/clients/", "#clients a[href$='/case']"),
    "/referrals/time-in-stage",
    "/notifications/",
    "/account",
]
AGENCY = [
    "/referrals/inbox",
    "/listings/",
    LISTING_EDIT,
    "/listings/services/new",
    "/listings/locations",
    ("location edit", "/listings/locations", "main a[href*='/listings/locations/']:not([href$='/new'])"),
    "/listings/people",
    "/listings/my-reports",
    "/listings/reports",
]
COORDINATOR = [
    "/referrals/board",
    "/referrals/time-in-stage",
    "/reports/",
    "/reports/retention",
]
BY_ROLE = {None: PUBLIC, "worker": WORKER, "agency": AGENCY, "coordinator": COORDINATOR}

# About twenty key pages for the accessibility checks (the layout check walks them all).
KEY_PAGES = {
    None: [e for e in PUBLIC if not (isinstance(e, str) and e.startswith("/list"))],
    "worker": ["/match", "/referrals/", "/referrals/new", REFERRAL_DETAIL, "/referrals/clients/",
               "/notifications/", "/account"],
    "agency": ["/referrals/inbox", "/listings/", LISTING_EDIT],
    "coordinator": ["/referrals/board", "/reports/"],
}


def sign_in(page, live_server, role: str | None) -> None:
    if role is None:
        return
    email = ROLE_USERS[role]
    page.goto(live_server("/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORDS[email])
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def resolve(page, live_server, entry) -> tuple[str, str]:
    """(name, absolute address) of a page entry; a linked page is found on its list page."""
    if isinstance(entry, str):
        return entry, live_server(entry)
    name, start, selector = entry
    page.goto(live_server(start))
    link = page.locator(selector).first
    assert link.count(), f"no link to a {name} on {start}"
    return name, urljoin(page.url, link.get_attribute("href"))


def submit_match(page, live_server) -> None:
    """A real match through the form (the worker must be signed in): lands on the results."""
    page.goto(live_server("/match"))
    for need in ("methadone_maintenance", "employment_support"):
        page.check(f"input[name=needs][value={need}]")
    page.select_option("#area", "JL-11-01")
    page.locator("#match-form button[type=submit].primary").click()
    page.wait_for_url("**/match/results/**")


def send_referral(page, live_server) -> str:
    """The worker (signed in) sends one referral to the methadone clinic; returns its address.
    The demo data holds no referrals, and the inbox, board and detail pages need one."""
    page.goto(live_server(f"/referrals/new?service_id={MMT_SERVICE}&needs=methadone_maintenance"))
    fill_and_send_new_referral(page)
    page.wait_for_url(lambda url: "/referrals/new" not in url)
    return page.url


def fill_and_send_new_referral(page) -> None:
    """On the new-referral form: a new client with a phone the client agreed to share, consent
    covering contact details, then "send"."""
    page.fill("#birth_year", "1984")
    page.select_option("#gender", "male")
    page.select_option("#contact_preference", "phone")
    page.fill("#contact_phone", PHONE)
    page.check("#contact_consent")
    page.fill("#reason", "出院后需要继续维持治疗")
    page.check("#consent_given")
    page.check("input[name=consent_items][value=contact]")
    page.click("button[value=send]")
