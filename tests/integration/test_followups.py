"""Follow-up schedules per person (issue 16): the interval per management level, the next date always
generated, ending a series only with a reason, a person's own follow-ups (seen by the recording
organisation only), the structured findings and their messages, the coordinator board's overdue list
and yearly counts, and the notices to the referrer and, after a crisis, to the case manager."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import CaseRecord
from portal.common import today
from portal.extensions import db
from portal.notifications.models import Notification
from portal.referrals import followups
from portal.referrals.duetimes import add_months
from portal.referrals.followup_rule import YEARLY_MINIMUM, year_window
from portal.referrals.models import FollowUp

from ..referral_helpers import token_from


def _people(world):
    """A social-work station (the case manager's side) refers a client of district A to a clinic."""
    city = world.area("city")
    district_a, district_b = world.area("district", city), world.area("district", city)
    station, clinic, elsewhere = world.organization("社工站"), world.organization("门诊"), world.organization("无关机构")
    people = {
        "sender": world.user("worker", org=station),
        "colleague": world.user("worker", org=station),
        "receiver": world.user("agency", org=clinic),
        "outsider": world.user("worker", org=elsewhere),
        "coordinator_a": world.user("coordinator", area_=district_a),
        "coordinator_b": world.user("coordinator", area_=district_b),
    }
    return people, {"a": district_a, "b": district_b, "station": station, "clinic": clinic}


def _connected(world, people, places, *, level=None, months=3, case_manager=None, area="a"):
    client = world.client(places["station"], places[area])
    if level is not None or case_manager is not None:
        db.session.add(CaseRecord(client_id=client.id, management_level=level, consent_on=today(),
                                  case_manager_id=case_manager.id if case_manager else None))
    service = world.service(places["clinic"], categories=("methadone_maintenance",))
    referral = world.referral(client, service, people["sender"], status="connected", follow_up_months=months,
                              first_attended_on=today())
    first = followups.schedule_first(referral, today())
    db.session.flush()
    return referral, first


def _record_form(page_html: str, **fields) -> dict:
    data = {"csrf_token": token_from(page_html), "outcome": "stable", "done_on": today().isoformat(),
            "next_on": "", "note": "", "in_treatment": "", "medication_adherence": "", "side_effects": "",
            "relapse": "", "crisis": "", "barrier": ""}
    data.update(fields)
    return data


def _rows(client_id):
    db.session.expire_all()
    return db.session.scalars(select(FollowUp).where(FollowUp.client_id == client_id).order_by(FollowUp.id)).all()


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>', html)
    return found.group(1) if found else ""


# --- the interval ----------------------------------------------------------------------------------

def test_the_first_follow_up_comes_at_the_persons_level_else_the_referrals_months(world):
    people, places = _people(world)
    cases = {"intensive": today() + timedelta(weeks=2), "standard": add_months(today(), 1),
             "maintenance": add_months(today(), 3)}
    for level, due in cases.items():
        assert _connected(world, people, places, level=level, months=1)[1].due_on == due
    assert _connected(world, people, places, months=1)[1].due_on == add_months(today(), 1)
    assert _connected(world, people, places, months=3)[1].due_on == add_months(today(), 3)


def test_recording_without_a_next_date_schedules_one_at_the_interval(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places, level="intensive")
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    # the page proposes the rule's date; the worker clears it and sends
    assert f'value="{(first.due_on + timedelta(weeks=2)).isoformat()}"' in page
    response = agency.post(f"/referrals/follow-ups/{first.id}/record", data=_record_form(page))
    assert response.status_code == 302
    rows = _rows(first.client_id)
    assert [r.done_on for r in rows] == [today(), None]
    # recorded early (today, before it was due): the rhythm is kept, two weeks after its due date
    assert rows[1].due_on == first.due_on + timedelta(weeks=2)


def test_the_worker_may_move_the_next_date_but_never_to_this_one_or_before(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places)
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    refused = agency.post(f"/referrals/follow-ups/{first.id}/record",
                          data=_record_form(page, next_on=today().isoformat()))
    assert refused.status_code == 400
    assert _field_error(refused.get_data(as_text=True), "next_on") == "下次随访日期必须晚于本次。"
    assert [r.done_on for r in _rows(first.client_id)] == [None]
    moved = (today() + timedelta(days=10)).isoformat()
    assert agency.post(f"/referrals/follow-ups/{first.id}/record",
                       data=_record_form(page, next_on=moved)).status_code == 302
    assert [r.due_on.isoformat() for r in _rows(first.client_id)][1] == moved


# --- ending a series -------------------------------------------------------------------------------

def test_a_series_ends_only_with_a_reason_and_then_nothing_more_is_scheduled(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places)
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    no_reason = agency.post(f"/referrals/follow-ups/{first.id}/end",
                            data={"csrf_token": token_from(page), "end_reason": ""})
    assert no_reason.status_code == 400
    assert _field_error(no_reason.get_data(as_text=True), "end_reason") == "请选择结束随访的原因。"
    assert _rows(first.client_id)[0].ended_on is None
    ended = agency.post(f"/referrals/follow-ups/{first.id}/end",
                        data={"csrf_token": token_from(page), "end_reason": "completed_treatment"})
    assert ended.status_code == 302
    rows = _rows(first.client_id)
    assert len(rows) == 1 and rows[0].ended_on == today() and rows[0].end_reason == "completed_treatment"
    assert rows[0].recorded_by_id == people["receiver"].id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "follow_ups_ended",
                                                      AuditEvent.record_id == first.client_id)) is not None
    again = agency.post(f"/referrals/follow-ups/{first.id}/record", data=_record_form(page))
    assert again.status_code == 400 and len(_rows(first.client_id)) == 1
    shown = agency.get(f"/referrals/{first.referral_id}?lang=zh").get_data(as_text=True)
    assert "已完成治疗" in shown
    assert not rows[0].is_overdue(today() + timedelta(days=400))


# --- a person's own follow-ups -----------------------------------------------------------------------

def test_the_recording_organisation_starts_and_records_a_persons_own_follow_ups(world):
    people, places = _people(world)
    client = world.client(places["station"], places["a"])
    worker = world.sign_in(people["sender"])
    page = worker.get(f"/referrals/clients/{client.id}/follow-ups?lang=zh").get_data(as_text=True)
    # no level: quarterly (the default level) from today
    assert f'value="{add_months(today(), 3).isoformat()}"' in page and "每 3 个月" in page
    past = worker.post(f"/referrals/clients/{client.id}/follow-ups",
                       data={"csrf_token": token_from(page), "first_due": (today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 400
    assert _field_error(past.get_data(as_text=True), "first_due") == "首次随访日期不能早于今天。"
    first_due = today() + timedelta(days=7)
    assert worker.post(f"/referrals/clients/{client.id}/follow-ups",
                       data={"csrf_token": token_from(page), "first_due": first_due.isoformat()}).status_code == 302
    rows = _rows(client.id)
    assert [(r.referral_id, r.due_on) for r in rows] == [(None, first_due)]
    twice = worker.post(f"/referrals/clients/{client.id}/follow-ups",
                        data={"csrf_token": token_from(page), "first_due": first_due.isoformat()})
    assert twice.status_code == 400 and len(_rows(client.id)) == 1
    # the colleague of the same organisation records it from the organisation's list
    colleague = world.sign_in(people["colleague"])
    listing = colleague.get("/referrals/follow-ups").get_data(as_text=True)
    assert client.code in listing
    assert colleague.post(f"/referrals/follow-ups/{rows[0].id}/record",
                          data=_record_form(listing, next_on="")).status_code == 302
    rows = _rows(client.id)
    assert rows[0].done_on == today() and rows[1].due_on == add_months(first_due, 3) and rows[1].referral_id is None


def test_a_persons_own_follow_ups_are_hidden_from_every_other_organisation(world):
    people, places = _people(world)
    referral, _first = _connected(world, people, places)
    client = referral.client
    own = followups.start_person_follow_ups(people["sender"], client, today())
    db.session.flush()
    for who in ("receiver", "outsider"):
        browser = world.sign_in(people[who])
        assert browser.get(f"/referrals/clients/{client.id}/follow-ups").status_code == 404
        assert browser.get(f"/referrals/follow-ups/{own.id}/record").status_code == 404
        token = token_from(browser.get("/account").get_data(as_text=True))
        assert browser.post(f"/referrals/follow-ups/{own.id}/record",
                            data={"csrf_token": token, "outcome": "stable",
                                  "done_on": today().isoformat()}).status_code == 404
        assert browser.post(f"/referrals/follow-ups/{own.id}/end",
                            data={"csrf_token": token, "end_reason": "other"}).status_code == 404
        assert f'data-follow-up="{own.id}"' not in browser.get("/referrals/follow-ups").get_data(as_text=True)
    # the receiver still records the referral's own follow-up
    receiver_list = world.sign_in(people["receiver"]).get("/referrals/follow-ups").get_data(as_text=True)
    assert f'data-follow-up="{_first.id}"' in receiver_list
    assert _rows(client.id)[-1].done_on is None


# --- structured findings ---------------------------------------------------------------------------

def test_findings_are_checked_with_the_message_beside_the_field_and_nothing_saved(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places)
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record?lang=zh").get_data(as_text=True)
    cases = [
        ({"in_treatment": "yes", "barrier": "cost"}, "barrier", "仅在服务对象已不在治疗时填写脱失原因。"),
        ({"in_treatment": "no"}, "barrier", "请说明服务对象为何已不在治疗（原因不明时选“其他原因”）。"),
        ({"in_treatment": "no", "barrier": "cost", "stay_reasons": ["family"]}, "stay_reasons",
         "仅在服务对象仍在治疗时填写留在治疗的原因。"),
        ({"stay_reasons": ["family"]}, "stay_reasons", "仅在服务对象仍在治疗时填写留在治疗的原因。"),
        ({"medication_adherence": "sometimes"}, "medication_adherence", "请选择服药情况。"),
        ({"outcome": "fine"}, "outcome", "请选择随访结果。"),
    ]
    for fields, field, message in cases:
        response = agency.post(f"/referrals/follow-ups/{first.id}/record?lang=zh", data=_record_form(page, **fields))
        assert response.status_code == 400, fields
        assert _field_error(response.get_data(as_text=True), field) == message, fields
    assert [r.done_on for r in _rows(first.client_id)] == [None]


def test_a_drop_out_and_a_stay_are_recorded_with_their_reasons(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places)
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    assert agency.post(f"/referrals/follow-ups/{first.id}/record", data=_record_form(
        page, in_treatment="yes", medication_adherence="irregular", side_effects="yes", relapse="no", crisis="no",
        stay_reasons=["family", "heroin_free_life"])).status_code == 302
    done, nxt = _rows(first.client_id)
    assert (done.in_treatment, done.medication_adherence, done.side_effects, done.relapse, done.crisis) == \
        (True, "irregular", True, False, False)
    assert done.stay_reasons == "heroin_free_life,family" and done.barrier is None
    page = agency.get(f"/referrals/follow-ups/{nxt.id}/record").get_data(as_text=True)
    assert agency.post(f"/referrals/follow-ups/{nxt.id}/record", data=_record_form(
        page, outcome="lost_contact", in_treatment="no", barrier="fear_methadone_harmful")).status_code == 302
    dropped = _rows(first.client_id)[1]
    assert (dropped.in_treatment, dropped.barrier, dropped.stay_reasons) == (False, "fear_methadone_harmful", None)
    shown = world.sign_in(people["sender"]).get(f"/referrals/{first.referral_id}?lang=zh").get_data(as_text=True)
    assert "担心美沙酮是另一种有害药物" in shown and "过上远离海洛因的生活、家庭" in shown


# --- notices -------------------------------------------------------------------------------------------

def _notices(kind):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_the_referrer_hears_when_the_receiver_records_a_follow_up_and_not_what_was_found(world):
    people, places = _people(world)
    referral, first = _connected(world, people, places)
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    assert agency.post(f"/referrals/follow-ups/{first.id}/record",
                       data=_record_form(page, outcome="relapse_risk", relapse="yes")).status_code == 302
    notes = _notices("follow_up_recorded")
    assert [n.user_id for n in notes] == [people["sender"].id]
    assert notes[0].link == f"/referrals/{referral.id}" and referral.client.code in notes[0].text_zh
    assert "复发" not in notes[0].text_zh and "elapse" not in notes[0].text_en
    # the sender recording their own follow-up tells nobody
    nxt = _rows(first.client_id)[1]
    worker = world.sign_in(people["sender"])
    page = worker.get(f"/referrals/follow-ups/{nxt.id}/record").get_data(as_text=True)
    assert worker.post(f"/referrals/follow-ups/{nxt.id}/record", data=_record_form(page)).status_code == 302
    assert len(_notices("follow_up_recorded")) == 1


def test_a_crisis_found_at_a_follow_up_reaches_the_case_manager(world):
    people, places = _people(world)
    _referral, first = _connected(world, people, places, level="standard", case_manager=people["colleague"])
    agency = world.sign_in(people["receiver"])
    page = agency.get(f"/referrals/follow-ups/{first.id}/record").get_data(as_text=True)
    assert agency.post(f"/referrals/follow-ups/{first.id}/record", data=_record_form(page, crisis="yes")).status_code == 302
    told = {n.user_id for n in _notices("follow_up_crisis")}
    assert people["colleague"].id in told and people["receiver"].id not in told


# --- the coordinator board -----------------------------------------------------------------------------

def _history(world, people, places, area, dones, overdue_days):
    """A client followed up at ``dones`` (days ago) whose waiting follow-up was due ``overdue_days`` ago."""
    referral, first = _connected(world, people, places, area=area)
    first.due_on = today() - timedelta(days=400)
    for days_ago in dones:
        db.session.add(FollowUp(client_id=referral.client_id, referral_id=referral.id,
                                due_on=today() - timedelta(days=days_ago), done_on=today() - timedelta(days=days_ago),
                                outcome="stable"))
    first.due_on = today() - timedelta(days=overdue_days)
    db.session.flush()
    return referral.client


def test_the_board_lists_overdue_follow_ups_and_people_below_the_minimum_of_its_area(world):
    people, places = _people(world)
    few = _history(world, people, places, "a", dones=(20, 100, 200), overdue_days=5)
    enough = _history(world, people, places, "a", dones=(10, 90, 180, 270, 330), overdue_days=1)
    on_time = _history(world, people, places, "a", dones=(30, 120, 364, 366), overdue_days=0)  # due today
    other = _history(world, people, places, "b", dones=(), overdue_days=3)
    person = world.client(places["station"], places["a"])
    db.session.add(FollowUp(client_id=person.id, due_on=today() - timedelta(days=2)))
    ended = _history(world, people, places, "a", dones=(), overdue_days=9)
    for row in _rows(ended.id):
        if row.done_on is None:
            row.ended_on, row.end_reason = today(), "moved_away"
    db.session.flush()
    # computed here, independently of the portal's queries
    area_a = {c.id for c in (few, enough, on_time, person, ended)}
    start, end = year_window(today())
    all_rows = db.session.scalars(select(FollowUp)).all()
    overdue = {r.id for r in all_rows if r.client_id in area_a and r.done_on is None and r.ended_on is None
               and r.due_on < today()}
    followed = {r.client_id for r in all_rows if r.client_id in area_a and r.done_on is None and r.ended_on is None}
    done_in_year = {c: sum(1 for r in all_rows if r.client_id == c and r.done_on and start <= r.done_on <= end)
                    for c in followed}
    below = {c for c, n in done_in_year.items() if n < YEARLY_MINIMUM}
    assert len(overdue) == 3 and below == {few.id, on_time.id, person.id}  # the world is what the test says

    html = world.sign_in(people["coordinator_a"]).get("/referrals/board?lang=zh").get_data(as_text=True)
    assert re.search(r'id="overdue-follow-ups-count">(\d+)<', html).group(1) == str(len(overdue))
    assert set(map(int, re.findall(r'data-follow-up="(\d+)"', html))) == overdue
    assert re.search(r'id="below-minimum-count">(\d+)<', html).group(1) == str(len(below))
    codes = dict(re.findall(r'data-client="([^"]+)">.*?class="done-count">(\d+) 次随访<', html, re.S))
    by_code = {c.code: c.id for c in (few, on_time, person)}
    assert codes == {code: str(done_in_year[client_id]) for code, client_id in by_code.items()}
    assert other.code not in html and enough.code not in codes
    html_b = world.sign_in(people["coordinator_b"]).get("/referrals/board").get_data(as_text=True)
    assert re.search(r'id="overdue-follow-ups-count">(\d+)<', html_b).group(1) == "1" and other.code in html_b


def test_the_client_page_shows_the_yearly_count_against_the_minimum(world):
    people, places = _people(world)
    client = _history(world, people, places, "a", dones=(10, 100, 366), overdue_days=3)
    html = world.sign_in(people["sender"]).get(f"/referrals/clients/{client.id}?lang=zh").get_data(as_text=True)
    yearly = re.search(r'id="yearly-count">(.*?)</p>', html, re.S).group(1)
    assert "近 12 个月随访 2 次" in yearly and "低于规划要求的每年至少 4 次" in yearly


def test_erasing_a_client_blanks_the_notes_of_their_own_follow_ups_and_keeps_the_dates(world):
    from portal.referrals.clients import erase_client

    people, places = _people(world)
    client = world.client(places["station"], places["a"])
    first = followups.start_person_follow_ups(people["sender"], client, today())
    followups.record_follow_up(people["sender"], first, "stable", today(), "住址变动，家属陪同 / moved, family came",
                               findings=followups.Findings(relapse=False))
    erase_client(people["sender"], client)
    rows = _rows(client.id)
    assert [r.note for r in rows] == [None, None]
    assert rows[0].done_on == today() and rows[0].relapse is False


def test_the_retention_purge_blanks_old_own_follow_up_notes_but_not_of_someone_still_followed_up(world):
    from datetime import datetime, time, timezone

    from portal.privacy.operations import purge
    from portal.privacy.retention import RetentionPolicy
    from portal.referrals.models import Client

    people, places = _people(world)
    policy = RetentionPolicy.from_config(world.app.config)
    long_ago = today() - timedelta(days=policy.inactive_client_days + 30)

    def person(pending: bool):
        client = world.client(places["station"], places["a"])
        db.session.add(FollowUp(client_id=client.id, due_on=long_ago, done_on=long_ago, outcome="stable",
                                note="家访记录 / home visit"))
        if pending:
            db.session.add(FollowUp(client_id=client.id, due_on=today() + timedelta(days=10)))
        else:
            db.session.add(FollowUp(client_id=client.id, due_on=long_ago + timedelta(days=90),
                                    ended_on=long_ago + timedelta(days=5), end_reason="moved_away"))
        client.updated_at = datetime.combine(long_ago, time(12), tzinfo=timezone.utc)
        db.session.flush()
        return client.id

    gone, followed = person(pending=False), person(pending=True)
    purge(policy, apply=True)
    db.session.expire_all()
    assert [f.note for f in _rows(gone) if f.done_on] == [None]
    assert [f.note for f in _rows(followed) if f.done_on] == ["家访记录 / home visit"]
    assert db.session.get(Client, gone).code  # the pseudonymous row and the dates stay
    assert _rows(gone)[0].done_on == long_ago
