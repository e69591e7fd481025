"""In real Chromium, with a small cohort of people in methadone maintenance: the coordinator's
retention report reads as cards on a phone (no sideways scroll) and in Chinese on a desktop."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.common import today
from portal.directory.models import Service
from portal.extensions import db
from portal.referrals.duetimes import add_months
from portal.referrals.models import FollowUp

from ..conftest import ROLE_USERS, browser_login
from ..referral_helpers import MMT_SERVICE, WORKER_ORG
from .test_accessibility_browser import _blocking, _start_axe

pytestmark = pytest.mark.browser


def _cohort(app) -> None:
    """Three people who first attended 13 months ago: in treatment, out (fear of methadone), unknown."""
    from tests import factories

    start = add_months(today(), -13)
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == ROLE_USERS["coordinator"]))
        service = db.session.get(Service, MMT_SERVICE)
        sender = db.session.get(type(service.organization), WORKER_ORG)
        area = coordinator.area if coordinator.area_id else None
        for n, findings in enumerate(([(3, True, None), (12, True, None)], [(2, False, "fear_methadone_harmful")], [])):
            person = factories.client(sender, area)
            referral = factories.referral(person, service, status="connected", first_attended_on=start,
                                          connected_at=datetime.combine(start, time(9), tzinfo=timezone.utc))
            for months, flag, barrier in findings:
                done = add_months(start, months) + timedelta(days=n)
                db.session.add(FollowUp(client_id=person.id, referral_id=referral.id, due_on=done, done_on=done,
                                        in_treatment=flag, barrier=barrier, stay_reasons="family" if flag else None))
        db.session.commit()


def _axe(page) -> None:
    """No serious or critical accessibility violation (the key-page check, on this page with data)."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(Axe().axe_script)
    _start_axe(page)
    assert not _blocking(page)


def test_the_retention_report_is_cards_on_a_phone_and_chinese_on_a_desktop(browser, page, live_server):
    _cohort(live_server.app)
    browser_login(page, live_server, ROLE_USERS["coordinator"])
    page.goto(live_server("/reports/retention"))
    assert page.locator("h1").inner_text() == "治疗保持、流失与成效"
    total = page.locator('#retention-total [data-months="3"]')
    assert total.get_attribute("data-retained") == "1" and total.get_attribute("data-dropped") == "1"
    assert "3 个月保持率" in total.inner_text() and "情况不明" in total.inner_text()
    reasons = page.locator("#dropouts-by-reason li")
    assert reasons.count() == 1 and "美沙酮" in reasons.inner_text() and "fear_" not in reasons.inner_text()
    assert "家庭" in page.locator("#stay-reasons").inner_text()
    assert page.locator("#definitions").is_visible()
    _axe(page)

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        browser_login(small, live_server, ROLE_USERS["coordinator"])
        small.goto(live_server("/reports/retention"))
        assert not small.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        # Each row of the per-service table is one card: its cells stack and say what they are.
        cell = small.locator('#retention-by-service td[data-months="3"]').first
        assert cell.evaluate("el => getComputedStyle(el).display") == "block"
        assert small.locator("#retention-by-service thead").evaluate("el => el.getBoundingClientRect().height") <= 1
        _axe(small)
    finally:
        phone.close()
