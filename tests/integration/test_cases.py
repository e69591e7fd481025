"""Case records, caregivers and guardians, who gave consent and the guardian rule (issue 16 item 1,
issue 14's guardian consent for minors), as users see them: consent gating, who sees the record,
the plan's history, and the guardian rule at both entry points (web form and /api/v1)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.cases import guardian, operations
from portal.cases.models import CasePlanEntry, CaseRecord
from portal.common import today
from portal.extensions import db
from portal.referrals.models import Consent, Referral
from tests.conftest import login
from tests.factories import _OwnContextClient
from tests.helpers import bearer
from tests.referral_helpers import referral_form, token_from

THIS_YEAR = today().year


# --- the rule, pinned at its boundary ---------------------------------------------------------------

@pytest.mark.parametrize("age,needs", [(0, True), (17, True), (18, False), (19, False), (60, False)])
def test_the_guardian_rule_by_age_this_year(age, needs):
    assert guardian.needs_guardian(THIS_YEAR - age, THIS_YEAR) is needs


@pytest.mark.parametrize("service_flag,needs", [(True, True), (False, False), (None, False)])
def test_an_adult_needs_a_guardian_only_where_the_service_says_so(service_flag, needs):
    assert guardian.needs_guardian(THIS_YEAR - 40, THIS_YEAR, service_flag) is needs


def test_an_unknown_birth_year_does_not_by_itself_need_a_guardian():
    assert guardian.guardian_reasons(None, THIS_YEAR) == []
    assert guardian.guardian_reasons(None, THIS_YEAR, True) == ["service_requires"]


# --- a small world -------------------------------------------------------------------------------------

def _world(world):
    station, clinic, other = world.organization("社工站"), world.organization("门诊"), world.organization("无关机构")
    people = {
        "worker": world.user("worker", org=station), "colleague": world.user("agency", org=station),
        "receiver": world.user("agency", org=clinic), "other": world.user("worker", org=other),
        "coordinator": world.user("coordinator"), "admin": world.user("admin"),
    }
    service = world.service(clinic, "美沙酮门诊", categories=("methadone_maintenance",))
    return station, clinic, service, people


def _case(client, by, **fields) -> CaseRecord:
    data = operations.CaseData(consent_on=fields.pop("consent_on", today()),
                               consent_given_by=fields.pop("consent_given_by", "client"), **fields)
    return operations.open_case_record(by, client, data)


def _form(browser, path: str, **fields) -> dict:
    token = token_from(browser.get(path).get_data(as_text=True))
    return {"csrf_token": token, **fields}


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error"[^>]*>([^<]+)<', html)
    return found.group(1) if found else ""


# --- consent gating --------------------------------------------------------------------------------------

def test_no_case_record_can_be_opened_without_consent(world):
    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    browser = world.sign_in(people["worker"])
    path = f"/referrals/clients/{client.id}/case"
    response = browser.post(path, data=_form(browser, path, consent_on="", consent_given_by="client",
                                             management_level="standard", medication="美沙酮 60mg"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _field_error(html, "consent_on") == "个案档案只有在同意后才能保存：请填写同意的日期。"
    assert db.session.scalar(select(CaseRecord).where(CaseRecord.client_id == client.id)) is None

    response = browser.post(path, data=_form(browser, path, consent_on=today().isoformat(), consent_given_by="client",
                                             management_level="standard", medication="美沙酮 60mg",
                                             conditions=["opioid_use", "depression"],
                                             case_manager_id=str(people["colleague"].id),
                                             caregiver_name="王芳", caregiver_relationship="spouse",
                                             caregiver_phone="13900001111"))
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.client_id == client.id))
    assert (case.management_level, case.conditions, case.case_manager_id, case.caregiver_relationship) == (
        "standard", ["depression", "opioid_use"], people["colleague"].id, "spouse")
    assert case.caregiver_is_guardian is False
    page = browser.get(path + "?lang=zh").get_data(as_text=True)
    assert "常规管理（每月）" in page and "王芳（配偶或伴侣）" in page
    # The audit says what happened, never the health data.
    opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case_record_opened"))
    assert opened.record_id == client.id and "美沙酮" not in str(opened.changes)


def test_a_minors_case_record_needs_a_guardians_consent(world):
    station, _clinic, _service, people = _world(world)
    minor = world.client(station, birth_year=THIS_YEAR - 17)
    with pytest.raises(operations.CaseError) as refused:
        _case(minor, people["worker"])
    assert refused.value.field == "consent_given_by"
    case = _case(minor, people["worker"], consent_given_by="guardian", caregiver_name="李强",
                 caregiver_relationship="parent", caregiver_is_guardian=True)
    assert case.consent_given_by == "guardian" and case.caregiver_is_guardian is True
    adult = world.client(station, birth_year=THIS_YEAR - 18)
    assert _case(adult, people["worker"]).consent_given_by == "client"


def test_a_case_manager_from_another_organisation_is_refused_beside_the_field(world):
    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    browser = world.sign_in(people["worker"])
    path = f"/referrals/clients/{client.id}/case"
    response = browser.post(path, data=_form(browser, path, consent_on=today().isoformat(), consent_given_by="client",
                                             case_manager_id=str(people["receiver"].id)))
    assert response.status_code == 400
    assert _field_error(response.get_data(as_text=True), "case_manager_id") == "请选择本机构的个案管理员。"


# --- who sees it ----------------------------------------------------------------------------------------

def test_who_sees_the_case_record(world):
    station, clinic, service, people = _world(world)
    client = world.client(station)
    case = _case(client, people["worker"], management_level="intensive", medication="奥氮平 10mg",
                 caregiver_name="张敏", caregiver_phone="13911112222")
    operations.add_plan_entry(people["worker"], case, "housing", "in_progress", "申请公租房")
    referral = world.referral(client, service, people["worker"])
    world.consent(client, clinic, ("referral",), referral)
    path = f"/referrals/clients/{client.id}/case"

    own = world.sign_in(people["colleague"]).get(path)
    assert own.status_code == 200 and "奥氮平 10mg" in own.get_data(as_text=True)
    assert world.sign_in(people["other"]).get(path).status_code == 404
    assert world.sign_in(people["coordinator"]).get(path).status_code == 403
    assert world.sign_in(people["admin"]).get(path).status_code == 403
    receiver = world.sign_in(people["receiver"])
    # Consent without the care plan: the receiver does not see it, on the case page or the referral page.
    assert receiver.get(path).status_code == 404
    assert 'id="case-summary"' not in receiver.get(f"/referrals/{referral.id}").get_data(as_text=True)

    care_plan = world.consent(client, clinic, ("referral", "care_plan"), referral)
    world.commit()
    page = receiver.get(path + "?lang=zh")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "强化管理（每两周）" in html and "申请公租房" in html
    # Read only, and only the level and the plan.
    assert "奥氮平" not in html and "张敏" not in html and "13911112222" not in html
    assert 'id="plan-form"' not in html and 'id="case-form"' not in html
    summary = receiver.get(f"/referrals/{referral.id}?lang=zh").get_data(as_text=True)
    assert 'id="case-summary"' in summary and "申请公租房" in summary
    plan_post = receiver.post(path + "/plan", data=_form(receiver, f"/referrals/{referral.id}", domain="housing",
                                                          status="achieved", text="x"))
    assert plan_post.status_code == 404
    assert len(db.session.scalars(select(CasePlanEntry)).all()) == 1

    # Revoked: gone on the next request.
    care_plan.revoked_at = db.func.now()
    world.commit()
    assert receiver.get(path).status_code == 404


def test_another_organisation_cannot_write_to_the_record(world):
    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    _case(client, people["worker"])
    stranger = world.sign_in(people["other"])
    for suffix in ("", "/edit", "/plan", "/remove"):
        response = stranger.post(f"/referrals/clients/{client.id}/case{suffix}",
                                 data=_form(stranger, "/referrals/clients/", consent_on=today().isoformat(),
                                            consent_given_by="client", domain="housing", status="goal_set"))
        assert response.status_code == 404, suffix
    assert db.session.scalar(select(CaseRecord).where(CaseRecord.client_id == client.id)).management_level is None


# --- the plan and its history ------------------------------------------------------------------------

def test_the_plan_keeps_its_history_in_order(world):
    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    _case(client, people["worker"])
    world.commit()
    browser = world.sign_in(people["worker"])
    path = f"/referrals/clients/{client.id}/case"
    steps = [("housing", "goal_set", "找到稳定住处"), ("employment", "goal_set", "参加职业培训"),
             ("housing", "in_progress", "已申请公租房"), ("housing", "achieved", "已入住公租房")]
    for domain, status, text in steps:
        response = browser.post(path + "/plan", data=_form(browser, path, domain=domain, status=status, text=text))
        assert response.status_code == 302
    html = browser.get(path + "?lang=zh").get_data(as_text=True)
    current = html[html.index('id="current-plan"'):html.index("</table>", html.index('id="current-plan"'))]
    history = html[html.index('id="plan-history"'):]
    # The current plan: the newest entry of each domain, in the domains' order.
    assert current.index("已入住公租房") < current.index("参加职业培训")
    assert "已申请公租房" not in current and "找到稳定住处" not in current
    # The history: every entry, newest first.
    positions = [history.index(text) for _d, _s, text in reversed(steps)]
    assert positions == sorted(positions)
    entry = db.session.scalars(select(CasePlanEntry).order_by(CasePlanEntry.id)).first()
    entry.text = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_removing_the_record_when_consent_is_withdrawn(world):
    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    case = _case(client, people["worker"], conditions=["schizophrenia"])
    operations.add_plan_entry(people["worker"], case, "family", "goal_set", "每周家访")
    world.commit()
    browser = world.sign_in(people["worker"])
    path = f"/referrals/clients/{client.id}/case"
    assert browser.post(path + "/remove", data=_form(browser, path)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(CaseRecord).where(CaseRecord.client_id == client.id)) is None
    assert db.session.scalars(select(CasePlanEntry)).all() == []
    assert "尚无个案档案" in browser.get(path + "?lang=zh").get_data(as_text=True)


def test_erasure_on_request_removes_the_case_record(world):
    from portal.referrals.clients import erase_client

    station, _clinic, _service, people = _world(world)
    client = world.client(station)
    case = _case(client, people["worker"], caregiver_name="周红", medication="奥氮平")
    operations.add_plan_entry(people["worker"], case, "housing", "goal_set", "住房")
    erase_client(people["worker"], client)
    world.commit()
    assert db.session.scalars(select(CaseRecord)).all() == [] and db.session.scalars(select(CasePlanEntry)).all() == []
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client_erased"))
    assert erased.changes["case_records_removed"] == 1


def test_the_retention_purge_keeps_a_case_record_in_use_and_removes_a_forgotten_one(world):
    from datetime import datetime, time, timezone

    from portal.privacy.operations import purge
    from portal.privacy.retention import RetentionPolicy

    station, _clinic, _service, people = _world(world)
    policy = RetentionPolicy.from_config(world.app.config)
    long_ago = datetime.combine(today() - timedelta(days=policy.inactive_client_days + 1), time(12), tzinfo=timezone.utc)
    forgotten, in_use = world.client(station), world.client(station)
    for client in (forgotten, in_use):
        _case(client, people["worker"], management_level="maintenance")
    db.session.flush()
    for client in (forgotten, in_use):
        client.updated_at = client.case_record.updated_at = long_ago
    world.commit()
    # A plan update today is activity: that record stays.
    operations.add_plan_entry(people["worker"], in_use.case_record, "employment", "in_progress", "培训中")
    world.commit()
    assert purge(policy, apply=True).inactive_clients == 1
    world.commit()
    remaining = db.session.scalars(select(CaseRecord.client_id)).all()
    assert remaining == [in_use.id]


# --- who gave consent, and the guardian rule at both entry points ----------------------------------------

def _new_referral_form(browser, client, service, **overrides):
    token = token_from(browser.get("/referrals/new").get_data(as_text=True))
    return referral_form(token, client_id=client.id, service_id=service.id, needs=["methadone_maintenance"],
                         contact_phone="", contact_consent=None, consent_items=["referral"], **overrides)


def test_the_web_form_refuses_a_minors_referral_without_a_guardians_consent(world):
    station, _clinic, service, people = _world(world)
    minor = world.client(station, birth_year=THIS_YEAR - 17)
    browser = world.sign_in(people["worker"])
    response = browser.post("/referrals/new", data=_new_referral_form(browser, minor, service, consent_given_by="client"))
    assert response.status_code == 400
    assert _field_error(response.get_data(as_text=True), "consent_given_by").startswith(
        "此转介需要监护人同意（服务对象未满 18 岁）")
    assert db.session.scalars(select(Referral)).all() == [] and db.session.scalars(select(Consent)).all() == []

    response = browser.post("/referrals/new", data=_new_referral_form(browser, minor, service, consent_given_by="guardian"))
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert referral.status == "sent"
    page = browser.get(f"/referrals/{referral.id}?lang=zh").get_data(as_text=True)
    assert "已记录监护人同意" in page
    receiver_page = world.sign_in(people["receiver"]).get(f"/referrals/{referral.id}?lang=en").get_data(as_text=True)
    assert "Guardian consent recorded" in receiver_page
    # The client page lists who gave each consent.
    client_page = browser.get(f"/referrals/clients/{minor.id}?lang=zh").get_data(as_text=True)
    assert re.search(r'class="consent-given-by">监护人<', client_page)


def test_an_adult_is_referred_on_their_own_consent_unless_the_service_wants_a_guardian(world):
    station, clinic, service, people = _world(world)
    adult = world.client(station, birth_year=THIS_YEAR - 18)
    browser = world.sign_in(people["worker"])
    assert browser.post("/referrals/new", data=_new_referral_form(browser, adult, service)).status_code == 302
    page = browser.get(f"/referrals/{db.session.scalar(select(Referral)).id}").get_data(as_text=True)
    assert 'id="guardian-consent"' not in page
    strict = world.service(clinic, "青少年康复营", categories=("methadone_maintenance",), guardian_consent_required=True)
    world.commit()
    response = browser.post("/referrals/new", data=_new_referral_form(browser, adult, strict))
    assert response.status_code == 400
    assert "该服务要求监护人同意" in _field_error(response.get_data(as_text=True), "consent_given_by")


def test_the_draft_page_refuses_to_send_without_a_guardians_consent(world):
    station, clinic, service, people = _world(world)
    minor = world.client(station, birth_year=THIS_YEAR - 10)
    referral = world.referral(minor, service, people["worker"], status="draft")
    world.consent(minor, clinic, ("referral",), referral)
    browser = world.sign_in(people["worker"])
    response = browser.post(f"/referrals/{referral.id}/transition",
                            data=_form(browser, f"/referrals/{referral.id}", action="send"))
    assert response.status_code == 409
    assert "此转介需要监护人同意" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "draft"


def _api_body(service, birth_year, **consent):
    return {"service_id": service.id, "needs": ["methadone_maintenance"],
            "client": {"birth_year": birth_year, "gender": "female"},
            "consent": {"purpose": "转介", "expires_on": (today() + timedelta(days=90)).isoformat(), **consent}}


def test_the_api_applies_the_same_guardian_rule(world):
    _station, _clinic, service, people = _world(world)
    world.commit()
    api = _OwnContextClient(world.app, world.app.response_class)
    headers = bearer(world.app, people["worker"].email)
    refused = api.post("/api/v1/referrals", json=_api_body(service, THIS_YEAR - 17), headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["consent_given_by"][0].startswith("此转介需要监护人同意（服务对象未满 18 岁）")
    assert db.session.scalars(select(Referral)).all() == []
    made = api.post("/api/v1/referrals", json=_api_body(service, THIS_YEAR - 17, given_by="guardian"), headers=headers)
    assert made.status_code == 201 and made.get_json()["status"] == "sent"
    adult = api.post("/api/v1/referrals", json=_api_body(service, THIS_YEAR - 18), headers=headers)
    assert adult.status_code == 201
    unknown = api.post("/api/v1/referrals", json=_api_body(service, None), headers=headers)
    assert unknown.status_code == 201
    bad = api.post("/api/v1/referrals", json=_api_body(service, 1980, given_by="neighbour"), headers=headers)
    assert bad.status_code == 400 and "consent.given_by" in bad.get_json()["fields"]
    givers = sorted(db.session.scalars(select(Consent.given_by)))
    assert givers == ["client", "client", "guardian"]


# --- demo rows -------------------------------------------------------------------------------------------

def test_the_demo_case_records_cover_every_level_and_a_minor_with_a_guardian(app, runner, login_as):
    from seed import cases as seed_cases

    # ``flask seed history`` loads the case records after the referral history (seed/person.py).
    assert runner.invoke(args=["seed", "history"]).exit_code == 0
    with app.app_context():
        assert set(seed_cases.load(db.session).values()) == {0}  # loads once
        records = db.session.scalars(select(CaseRecord)).all()
        assert len(records) == len(seed_cases.RECORDS) + 1  # and the minor with a guardian
        assert {r.management_level for r in records} == {"intensive", "standard", "maintenance"}
        planned = sum(len(plan) for *_rest, plan in seed_cases.RECORDS) + 2
        assert len(db.session.scalars(select(CasePlanEntry)).all()) == planned
        minor = next(r for r in records if r.consent_given_by == "guardian")
        assert guardian.is_minor(minor.client.birth_year, THIS_YEAR) and minor.caregiver_is_guardian
        referral = db.session.scalar(select(Referral).where(Referral.client_id == minor.client_id))
        assert referral.status == "sent"
        shared = next(r for r in records if any("care_plan" in c.item_list and not c.referral_id
                                                 for c in r.client.consents))
        consent = next(c for c in shared.client.consents if "care_plan" in c.item_list and not c.referral_id)
        receiver_email = db.session.scalar(select(User.email).where(User.organization_id == consent.organization_id,
                                                                     User.email.like("%@demo.local")))
        minor_client, shared_client, referral_id = minor.client_id, shared.client_id, referral.id
    browser = login_as("worker")
    page = browser.get(f"/referrals/{referral_id}?lang=zh").get_data(as_text=True)
    assert "已记录监护人同意" in page
    assert "赵丽" in browser.get(f"/referrals/clients/{minor_client}/case").get_data(as_text=True)
    # The receiver named in the care-plan consent reads that client's plan, read-only.
    other_browser = app.test_client()
    assert login(other_browser, receiver_email).status_code == 302
    receiver = other_browser.get(f"/referrals/clients/{shared_client}/case?lang=zh")
    assert receiver.status_code == 200 and "已申请公租房" in receiver.get_data(as_text=True)
    assert 'id="plan-form"' not in receiver.get_data(as_text=True)
    # Every demo case page, and the guardian's referral, in both languages: no English on the Chinese
    # page, no Chinese interface words on the English one, no raw codes (the language walk's checks).
    from tests.integration import test_language_everywhere as walk

    table = walk._catalogue()
    data = walk.data_values(app)
    english = {m.strip() for m in table if re.search(r"[A-Za-z]{2}", m) and "%(" not in m and "{" not in m}
    english -= data | walk.ENGLISH_ALLOWED
    chinese = {t.strip() for t in table.values() if walk._CJK.search(t) and "%(" not in t} - data
    codes = walk._known_codes() | {"intensive", "maintenance", "goal_set", "in_progress", "guardian", "spouse"}
    with app.app_context():
        case_clients = db.session.scalars(select(CaseRecord.client_id)).all()
    paths = [f"/referrals/clients/{cid}/case" for cid in case_clients] + [f"/referrals/{referral_id}",
                                                                          f"/referrals/clients/{minor_client}"]
    readers = []
    for email in ("worker@demo.local", "agency@demo.local", "agency2@demo.local"):
        reader = app.test_client()
        assert login(reader, email).status_code == 302
        readers.append(reader)
    problems, fetched = {}, set()
    for path in paths:
        for lang in ("zh", "en"):
            for who in readers:
                response = who.get(f"{path}?lang={lang}")
                if response.status_code != 200:
                    continue
                fetched.add(path)
                nodes = walk.visible_text(response.get_data(as_text=True))
                found = walk._problems_zh(nodes, english, codes) if lang == "zh" else walk._problems_en(nodes, chinese)
                if found:
                    problems[f"{lang} {path}"] = found
    assert fetched == set(paths) and not problems, problems
