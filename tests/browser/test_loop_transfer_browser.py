"""In real Chromium at phone size: the rehabilitation station ticks transfer criteria, updates the care
plan and refers the person back to the social worker's station; the worker sees the return referral on
the original's page; the "time in current stage" report lists who is stuck. No page scrolls sideways."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.referrals.models import Referral

from ..conftest import browser_login
from .phone_pages import phone as _phone, sideways as _sideways

pytestmark = pytest.mark.browser


def _demo_rows(live_server) -> str:
    """The history and this feature's demo rows; returns a connected rehab referral with criteria."""
    from seed.loop_transfer import load

    assert live_server.app.test_cli_runner().invoke(args=["seed", "history"]).exit_code == 0
    with live_server.app.app_context():
        load(db.session)
        db.session.commit()
        return db.session.scalar(select(Referral.id).where(
            Referral.from_stage == "hospital_discharge", Referral.to_stage == "home_based_rehab",
            Referral.parent_referral_id.is_(None), ~Referral.id.in_(
                select(Referral.parent_referral_id).where(Referral.parent_referral_id.is_not(None))))
            .order_by(Referral.created_at))


def test_refer_back_care_plan_and_criteria_on_a_phone(browser, live_server):
    referral_id = _demo_rows(live_server)
    too_wide = {}
    context, page = _phone(browser)
    try:
        browser_login(page, live_server, "agency2@demo.local")  # 民乐街道精神障碍社区康复站 received it
        page.goto(live_server(f"/referrals/{referral_id}"))
        too_wide["referral"] = _sideways(page)
        # Criteria: tick the one still open.
        assert "已达到" in page.locator("#transfer-criteria").inner_text()
        for box in page.locator("#criteria-list input[type=checkbox]").all():
            box.check()
        page.click("#do-save-criteria")
        page.wait_for_url(re.compile(r"#transfer-criteria$"))
        assert page.locator("#criteria-list li[data-met=no]").count() == 0
        # The care plan: edited, and the history shows it.
        page.locator("#care-plan summary").click()
        page.fill("#care_plan_notes", "每周两次家访，下月起参加康复小组")
        page.click("#do-save-care-plan")
        page.wait_for_url(re.compile(r"#care-plan$"))
        assert page.locator("#care-plan-text").inner_text() == "每周两次家访，下月起参加康复小组"
        assert "每周两次家访" in page.locator("#care-plan-history li").first.inner_text()
        # Refer back: the form starts on the first sender's service, with consent ticked.
        page.click("#do-refer-back")
        page.wait_for_url(re.compile(r"/refer-back$"))
        too_wide["refer back"] = _sideways(page)
        assert page.locator("#consent_given").is_checked()
        page.fill("#reason", "康复情况稳定，请社工跟进就业")
        page.click("#send-refer-back")
        page.wait_for_load_state()
        assert not page.locator(".form-error, .field-error").count(), [e.evaluate("n => n.parentElement.outerHTML.slice(0, 300)") for e in page.locator(".field-error").all()]
        page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
        assert "转介已发送" in page.locator(".flash").inner_text()
        assert referral_id in page.locator("#earlier-referral a").get_attribute("href")
        back_url = page.url
    finally:
        context.close()

    context, page = _phone(browser)
    try:
        browser_login(page, live_server, "worker@demo.local")
        page.goto(live_server(f"/referrals/{referral_id}"))
        later = page.locator("#later-referrals")
        assert later.locator(f"a[href$='{back_url.rsplit('/', 1)[1]}']").count() == 1
        assert "已发送" in later.inner_text()
        too_wide["referral (first sender)"] = _sideways(page)
        page.goto(live_server("/referrals/time-in-stage"))
        assert page.locator("#time-in-stage tr[data-stuck=yes]").count() >= 1
        page.click("#stuck-only")
        assert page.locator("#time-in-stage tr[data-stuck=no]").count() == 0
        too_wide["time in stage"] = _sideways(page)
    finally:
        context.close()
    assert not {k: v for k, v in too_wide.items() if v}, too_wide
