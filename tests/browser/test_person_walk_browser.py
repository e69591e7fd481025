"""In real Chromium, one person's way through community care (issue 16), as the people who serve them
see it: the outreach worker finds him and refers him to methadone maintenance, opens his case record
on his guardian's consent; the clinic takes him in and follows him up on the schedule his management
level sets; a follow-up finds a crisis, the worker is told, marks him at risk and refers him to
relapse prevention as an emergency; once stable he moves on to vocational training. The coordinator
sees the city's overdue follow-ups on the board, and the retention report's figures equal the ones
this test computes itself from the database."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from seed.loader import seed_id

from ..conftest import browser_login
from ..referral_helpers import MMT_SERVICE

pytestmark = pytest.mark.browser

RELAPSE_GROUP = seed_id("service", "ngo-tongxing/relapse_group")  # 同行康复互助会 防复吸认知行为小组
TRAINING = seed_id("service", "ngo-yilu/skills_training")  # 益路就业服务社 就业技能培训
STAFF = {  # receiving staff the demo does not have; made by the account operation
    "tongxing@walk.local": ("ngo-tongxing", "吴同行"),
    "yilu@walk.local": ("ngo-yilu", "郑益路"),
}
PASSWORD = "walk-through-password-2026"
REFERRAL_URL = re.compile(r"/referrals/[0-9a-f-]{36}$")


def _desk(browser, email: str, live_server, password: str | None = None):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    if password:
        page.goto(live_server("/login"))
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
    else:
        browser_login(page, live_server, email)
    return context, page


def _prepare(live_server) -> None:
    """The demo city with its year of history (and the people behind it), plus two receivers."""
    from portal.accounts.operations import create_user

    assert live_server.app.test_cli_runner().invoke(args=["seed", "history"]).exit_code == 0
    with live_server.app.app_context():
        for email, (org, name) in STAFF.items():
            create_user(email, name, PASSWORD, ("agency",), organization_id=seed_id("organization", org))
        db.session.commit()


def _send(page, live_server, query: str, reason: str, stages: tuple[str, str] | None, criterion: str = "",
          new_client: tuple[str, str] | None = None) -> str:
    page.goto(live_server(f"/referrals/new?{query}"))
    if new_client:  # (birth year, gender) of a client recorded with this referral
        page.fill("#birth_year", new_client[0])
        page.select_option("#gender", new_client[1])
    page.fill("#reason", reason)
    if stages:
        page.select_option("#from_stage", stages[0])
        page.select_option("#to_stage", stages[1])
        page.fill("#transfer_criterion", criterion)
    page.check("#consent_given")
    page.click("button[value=send]")
    page.wait_for_url(REFERRAL_URL)
    assert "转介已发送" in page.locator(".flash").inner_text()
    return page.url


def _take_in(page, referral_url: str) -> None:
    """The receiver acknowledges, accepts and records that the person came (today)."""
    page.goto(referral_url)
    for label, status in (("确认收到", "已确认收到"), ("接受", "已接受")):
        page.locator("main form button", has_text=label).first.click()
        page.wait_for_url(REFERRAL_URL)
        assert page.locator("#status").inner_text() == status
    page.click("#do-connect")
    page.wait_for_url(REFERRAL_URL)
    assert page.locator("#status").inner_text() == "已衔接"


def _record_follow_up(page, referral_url: str, findings: dict[str, str], stays: tuple[str, ...] = ()) -> None:
    page.goto(referral_url)
    page.locator("#follow-ups a", has_text="记录随访").first.click()
    for field, value in findings.items():
        page.select_option(f"#{field}", value)
    for reason in stays:
        page.check(f"input[name=stay_reasons][value={reason}]")
    page.click("#record-follow-up button[type=submit]")
    assert "随访已记录" in page.locator(".flash").inner_text()


def _retention_by_hand(app, on: date) -> dict[int, tuple[int, int, int, int]]:
    """(retained, dropped, unknown, not yet due) per checkpoint for everyone who first attended in
    the report's default two years, counted here from the rows, not by the report's code."""
    from portal.referrals.models import FollowUp, Referral

    def months_later(start: date, months: int) -> date:
        year, month = divmod(start.month - 1 + months, 12)
        for day in (start.day, 30, 29, 28):
            try:
                return date(start.year + year, month + 1, day)
            except ValueError:
                continue
        raise AssertionError(start)

    with app.app_context():
        referrals = db.session.scalars(select(Referral).where(
            Referral.sent_at.is_not(None), Referral.connected_at.is_not(None), Referral.status != "entered_in_error",
            Referral.first_attended_on >= on - timedelta(days=730), Referral.first_attended_on <= on)).all()
        answers = {r.id: sorted((f.done_on, f.in_treatment) for f in db.session.scalars(
            select(FollowUp).where(FollowUp.referral_id == r.id, FollowUp.done_on.is_not(None),
                                   FollowUp.in_treatment.is_not(None)))) for r in referrals}
        counts = {}
        for months in (3, 6, 12):
            tally = [0, 0, 0, 0]
            for referral in referrals:
                mark = months_later(referral.first_attended_on, months)
                seen = answers[referral.id]
                if mark > on:
                    tally[3] += 1
                elif any(done < mark and not in_treatment for done, in_treatment in seen):
                    tally[1] += 1
                elif later := [in_treatment for done, in_treatment in seen if done >= mark]:
                    tally[0 if later[0] else 1] += 1
                else:
                    tally[2] += 1
            counts[months] = tuple(tally)
        return counts


def test_one_person_from_outreach_through_methadone_and_relapse_prevention_to_work(browser, live_server):
    _prepare(live_server)
    worker_context, worker = _desk(browser, "worker@demo.local", live_server)
    contexts = [worker_context]
    try:
        # Outreach: the social worker meets him and refers him to methadone maintenance.
        mmt = _send(worker, live_server, f"service_id={MMT_SERVICE}&needs=methadone_maintenance",
                    "外展中发现：海洛因依赖，愿意接受维持治疗", ("outreach_low_threshold", "maintenance_treatment"),
                    "尿检阳性，本人自愿入组", new_client=("1990", "male"))
        code = worker.locator("#client-code").inner_text()
        client_id = worker.locator("a[href*='/referrals/clients/']").first.get_attribute("href").split("/clients/")[1].split("/")[0]

        # His case record, on his mother's consent as his guardian; monthly follow-ups.
        worker.goto(live_server(f"/referrals/clients/{client_id}/case"))
        worker.select_option("#consent_given_by", "guardian")
        worker.select_option("#management_level", "standard")
        worker.fill("#caregiver_name", "李秀兰")
        worker.select_option("#caregiver_relationship", "parent")
        worker.check("#caregiver_is_guardian")
        worker.locator("#case-form button[type=submit]").click()
        assert "个案档案已建立" in worker.locator(".flash").inner_text()
        assert "每月" in worker.locator("#case-level").inner_text()

        # The clinic takes him in; the first follow-up is due a month after he first came.
        clinic_context, clinic = _desk(browser, "agency@demo.local", live_server)
        contexts.append(clinic_context)
        _take_in(clinic, mmt)
        first_due = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)  # next month
        assert clinic.locator("#follow-ups tbody tr").count() == 1
        assert f"{first_due.year}年{first_due.month}月" in clinic.locator("#follow-ups").inner_text()
        _record_follow_up(clinic, mmt, {"outcome": "stable", "in_treatment": "yes", "medication_adherence": "regular"},
                          stays=("heroin_free_life", "family"))
        assert clinic.locator("#follow-ups tbody tr").count() == 2  # the next one is always scheduled

        # A crisis at the next follow-up: the worker (his case manager's side) is told at once.
        _record_follow_up(clinic, mmt, {"outcome": "relapse_risk", "in_treatment": "yes", "relapse": "yes",
                                        "crisis": "yes", "medication_adherence": "irregular"})
        worker.goto(live_server("/notifications/"))
        notices = worker.locator("main").inner_text()
        assert f"服务对象 {code}：随访记录了危机" in notices and f"转介 {code}：接收机构记录了一次随访" in notices

        # The worker marks him at risk; the next referral starts as an emergency.
        worker.goto(live_server(f"/referrals/clients/{client_id}"))
        worker.locator("#risk-set").click()
        assert "已标记为有风险" in worker.locator(".flash").inner_text()
        worker.goto(live_server(f"/referrals/new?client_id={client_id}&service_id={RELAPSE_GROUP}&needs=relapse_prevention"))
        assert worker.locator("#urgency").input_value() == "emergency"
        relapse = _send(worker, live_server, f"client_id={client_id}&service_id={RELAPSE_GROUP}&needs=relapse_prevention",
                        "复吸风险高，需尽快参加防复吸小组", ("maintenance_treatment", "relapse_prevention_reintegration"),
                        "维持治疗期间出现复吸和危机")
        assert worker.locator("[data-at-risk]").count() >= 1
        for box in worker.locator("#criteria-list input[type=checkbox]").all():
            box.check()
        worker.click("#do-save-criteria")
        assert worker.locator("#criteria-list li[data-met=no]").count() == 0

        group_context, group = _desk(browser, "tongxing@walk.local", live_server, PASSWORD)
        contexts.append(group_context)
        _take_in(group, relapse)

        # Stable again: the flag is cleared (with its history) and he moves on to training for work.
        worker.goto(live_server(f"/referrals/clients/{client_id}"))
        worker.locator("#risk-clear").click()
        assert worker.locator("#risk-history li").count() == 2
        work = _send(worker, live_server, f"client_id={client_id}&service_id={TRAINING}&needs=vocational_training",
                     "防复吸小组结业，希望学一门手艺", ("relapse_prevention_reintegration", "employment"), "稳定三个月以上")
        training_context, training = _desk(browser, "yilu@walk.local", live_server, PASSWORD)
        contexts.append(training_context)
        _take_in(training, work)

        # His path: three connected referrals, the last one in the employment stage.
        worker.goto(live_server("/referrals/time-in-stage"))
        row = worker.locator("#time-in-stage tr", has_text=code)
        assert "就业" in row.inner_text()

        # The coordinator: the city's overdue follow-ups, counted here too; retention as computed here.
        board_context, board = _desk(browser, "coordinator@demo.local", live_server)
        contexts.append(board_context)
        from portal.referrals.models import FollowUp

        with live_server.app.app_context():
            overdue = len(db.session.scalars(select(FollowUp).where(
                FollowUp.done_on.is_(None), FollowUp.ended_on.is_(None), FollowUp.due_on < date.today())).all())
        assert overdue > 0, "the demo city has overdue follow-ups"
        board.goto(live_server("/referrals/board"))
        assert int(board.locator("#overdue-follow-ups-count").inner_text()) == overdue
        board.goto(live_server("/reports/retention"))
        for months, (retained, dropped, unknown, not_due) in _retention_by_hand(live_server.app, date.today()).items():
            figure = board.locator(f"#retention-total .figure[data-months='{months}']")
            shown = tuple(int(figure.get_attribute(f"data-{name}")) for name in ("retained", "dropped", "unknown", "not-due"))
            assert shown == (retained, dropped, unknown, not_due), months
    finally:
        for context in contexts:
            context.close()
