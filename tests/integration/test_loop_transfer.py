"""Closing the loop and transfer criteria (issue 16, items 5 and 6): "refer back" makes a linked
referral through the normal create rules; the first sender sees how later referrals went, only with
the client's consent; the care plan is edited with history and a conflict on a stale copy; transfer
criteria per stage pair are ticked and shown; "time in current stage" marks who is stuck, at the
threshold's boundary."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.common import today, utcnow
from portal.extensions import db
from portal.referrals import loop
from portal.referrals.create import ReferralData
from portal.referrals.errors import ReferralError
from portal.referrals.models import Consent, Referral, ReferralEvent
from portal.transfer import stages
from portal.transfer.install import DATA, install_transfer_criteria
from portal.transfer.models import ReferralCriterion, TransferCriterion

from ..referral_helpers import token_from


@pytest.fixture
def loop_world(world):
    """A (sender) referred a client of theirs to B's service, with consent for B; B connected them.
    C is a third organisation."""
    a, b, c = world.organization("甲机构"), world.organization("乙机构"), world.organization("丙机构")
    services = {name: world.service(org, categories=("housing",), accepts_referrals=True)
                for name, org in (("a", a), ("b", b), ("c", c))}
    worker_a = world.user("worker", org=a)
    agency_b = world.user("agency", org=b)
    agency_c = world.user("agency", org=c)
    person = world.client(a)
    world.consent(person, b, items=("referral", "care_plan"))
    parent = world.referral(person, services["b"], worker_a, status="connected", needs=("housing",),
                            care_plan_notes="Weekly home visits", connected_at=utcnow(),
                            first_attended_on=today())
    world.commit()
    return dict(world=world, a=a, b=b, c=c, services=services, worker_a=worker_a, agency_b=agency_b,
                agency_c=agency_c, person=person, parent=parent)


def _refer_back_form(http, parent_id, **fields):
    page = http.get(f"/referrals/{parent_id}/refer-back?lang=en")
    assert page.status_code == 200
    data = {"csrf_token": token_from(page.get_data(as_text=True)), "needs": ["housing"], "urgency": "routine",
            "consent_scope": "referral", "consent_items": ["referral"], "consent_purpose": "Back to the first worker",
            "consent_given_on": today().isoformat(),
            "consent_expires_on": (today() + timedelta(days=90)).isoformat(), "submit": "send"}
    data.update(fields)
    return http.post(f"/referrals/{parent_id}/refer-back?lang=en", data=data)


def _children(parent_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Referral).where(Referral.parent_referral_id == parent_id)))


# --- refer back ------------------------------------------------------------------------------------------

def test_refer_back_makes_a_linked_sent_referral_and_both_pages_link_each_other(loop_world):
    w = loop_world
    http = w["world"].sign_in(w["agency_b"])
    detail = http.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    assert 'id="do-refer-back"' in detail
    # The form offers the first sender's service first, pre-chosen.
    form_page = http.get(f"/referrals/{w['parent'].id}/refer-back?lang=en").get_data(as_text=True)
    assert f'<option selected value="{w["services"]["a"].id}"' in form_page
    response = _refer_back_form(http, w["parent"].id, service_id=w["services"]["a"].id, consent_given="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    [child] = _children(w["parent"].id)
    assert (child.status, child.from_organization_id, child.to_organization_id, child.client_id) == (
        "sent", w["b"].id, w["a"].id, w["person"].id)
    assert child.due_at is not None  # due times apply as to any sent referral
    # The receiving side of the new referral (A) got a consent row, recorded by B.
    assert db.session.scalar(select(func.count()).select_from(Consent).where(
        Consent.referral_id == child.id, Consent.organization_id == w["a"].id)) == 1

    first_sender = w["world"].sign_in(w["worker_a"])
    original = first_sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    assert 'id="later-referrals"' in original and f'href="/referrals/{child.id}"' in original
    answer = first_sender.get(f"/referrals/{child.id}?lang=en").get_data(as_text=True)
    assert 'id="earlier-referral"' in answer and f'href="/referrals/{w["parent"].id}"' in answer


def test_refer_back_without_consent_is_refused_and_makes_nothing(loop_world):
    w = loop_world
    http = w["world"].sign_in(w["agency_b"])
    response = _refer_back_form(http, w["parent"].id, service_id=w["services"]["a"].id)  # consent not ticked
    assert response.status_code == 400
    assert "there is no valid consent from the client covering the receiving organisation" in \
        response.get_data(as_text=True)
    assert _children(w["parent"].id) == []


def test_only_the_receiver_of_an_accepted_referral_may_refer_back(loop_world):
    w = loop_world
    # The first sender is not the receiver: no button, and the page answers 404.
    first_sender = w["world"].sign_in(w["worker_a"])
    assert 'id="do-refer-back"' not in first_sender.get(f"/referrals/{w['parent'].id}").get_data(as_text=True)
    assert first_sender.get(f"/referrals/{w['parent'].id}/refer-back").status_code == 404
    # A referral the receiver has not taken on yet cannot be referred back from, through any entry point.
    waiting = w["world"].referral(w["person"], w["services"]["b"], w["worker_a"], status="sent", needs=("housing",))
    w["world"].commit()
    receiver = w["world"].sign_in(w["agency_b"])
    assert receiver.get(f"/referrals/{waiting.id}/refer-back").status_code == 404
    with pytest.raises(ReferralError) as refused:
        loop.refer_back(w["agency_b"], waiting, ReferralData(service_id=w["services"]["a"].id, needs=["housing"]),
                        None, send=False)
    assert refused.value.field == "parent_referral_id"
    db.session.rollback()


def test_the_first_sender_sees_a_referral_made_on_only_with_the_clients_consent(loop_world):
    w = loop_world
    onward = ReferralData(service_id=w["services"]["c"].id, needs=["housing"])
    from portal.referrals.clients import ConsentData

    consent_c = ConsentData(scope="referral", items=["referral"], purpose="On to C", given_on=today(),
                            expires_on=today() + timedelta(days=30))
    quiet = loop.refer_back(w["agency_b"], w["parent"], onward, consent_c, send=True)
    told = loop.refer_back(w["agency_b"], w["parent"], ReferralData(service_id=w["services"]["c"].id,
                                                                    needs=["housing"], urgency="priority"),
                           consent_c, send=True, tell_first_sender=True, given_on=today(),
                           expires_on=today() + timedelta(days=30))
    db.session.commit()
    assert {r.id for r in _children(w["parent"].id)} == {quiet.id, told.id}

    first_sender = w["world"].sign_in(w["worker_a"])
    page = first_sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    assert f'data-referral="{told.id}"' in page and f'data-referral="{quiet.id}"' not in page
    # Status and dates only: no link to a page the first sender may not open.
    assert f'href="/referrals/{told.id}"' not in page
    assert first_sender.get(f"/referrals/{told.id}").status_code == 404
    # The receiver of the onward referral moves it; the first sender sees the new status.
    told_row = db.session.get(Referral, told.id)
    from portal.referrals.transitions import transition

    transition(w["agency_c"], told_row, "accept")
    db.session.commit()
    page = first_sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    row = page[page.index(f'data-referral="{told.id}"'):]
    assert 'data-status="accepted"' in row[:800]
    # Revoking that consent hides it again on the next request.
    consent = db.session.scalar(select(Consent).where(Consent.referral_id == told.id,
                                                      Consent.organization_id == w["a"].id))
    consent.revoked_at = utcnow()
    db.session.commit()
    page = first_sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    assert f'data-referral="{told.id}"' not in page


# --- the care plan ---------------------------------------------------------------------------------------

def _post_care_plan(http, referral_id, text, version=None):
    page = http.get(f"/referrals/{referral_id}?lang=en").get_data(as_text=True)
    if version is None:
        version = int(page.split('id="version" name="version" type="hidden" value="')[1].split('"')[0])
    return http.post(f"/referrals/{referral_id}/care-plan?lang=en",
                     data={"csrf_token": token_from(page), "care_plan_notes": text, "version": str(version)})


def test_both_sides_edit_the_care_plan_and_the_page_shows_the_history(loop_world):
    w = loop_world
    sender = w["world"].sign_in(w["worker_a"])
    assert _post_care_plan(sender, w["parent"].id, "Weekly home visits; housing application in May").status_code == 302
    receiver = w["world"].sign_in(w["agency_b"])
    assert _post_care_plan(receiver, w["parent"].id, "Twice-weekly visits until housing is settled").status_code == 302
    db.session.expire_all()
    referral = db.session.get(Referral, w["parent"].id)
    assert referral.care_plan_notes == "Twice-weekly visits until housing is settled"
    events = [(e.action, e.user_id, e.note) for e in referral.events if e.action == "care_plan_updated"]
    assert events == [("care_plan_updated", w["worker_a"].id, "Weekly home visits; housing application in May"),
                      ("care_plan_updated", w["agency_b"].id, "Twice-weekly visits until housing is settled")]
    page = sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    history = page[page.index('id="care-plan-history"'):]
    newest, older = history.index("Twice-weekly visits"), history.index("housing application in May")
    assert newest < older and w["agency_b"].name in history and w["worker_a"].name in history


def test_a_stale_care_plan_edit_is_a_conflict_and_changes_nothing(loop_world):
    w = loop_world
    sender = w["world"].sign_in(w["worker_a"])
    page = sender.get(f"/referrals/{w['parent'].id}?lang=en").get_data(as_text=True)
    stale = int(page.split('id="version" name="version" type="hidden" value="')[1].split('"')[0])
    receiver = w["world"].sign_in(w["agency_b"])
    assert _post_care_plan(receiver, w["parent"].id, "Receiver's change").status_code == 302
    response = _post_care_plan(sender, w["parent"].id, "Sender's change from an old copy", version=stale)
    assert response.status_code == 409
    assert "Someone else changed this referral since you opened it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, w["parent"].id).care_plan_notes == "Receiver's change"
    assert db.session.scalar(select(func.count()).select_from(ReferralEvent).where(
        ReferralEvent.action == "care_plan_updated")) == 1


def test_the_receiver_needs_care_plan_consent_to_read_or_edit_it(loop_world):
    w = loop_world
    without = w["world"].referral(w["person"], w["services"]["c"], w["worker_a"], status="accepted",
                                  needs=("housing",), care_plan_notes="Private plan")
    w["world"].consent(w["person"], w["c"], items=("referral",), referral_=without)
    w["world"].commit()
    receiver = w["world"].sign_in(w["agency_c"])
    page = receiver.get(f"/referrals/{without.id}?lang=en").get_data(as_text=True)
    assert "Private plan" not in page and 'id="care-plan"' not in page
    token = token_from(page)
    response = receiver.post(f"/referrals/{without.id}/care-plan",
                             data={"csrf_token": token, "care_plan_notes": "x", "version": "1"})
    assert response.status_code == 404
    # Once the sender's plan changes, its history note stays hidden from that receiver too.
    loop.update_care_plan(w["worker_a"], without, "Changed private plan", None)
    db.session.commit()
    page = receiver.get(f"/referrals/{without.id}?lang=en").get_data(as_text=True)
    assert "Changed private plan" not in page and 'data-action="care_plan_updated"' in page


def test_the_care_plan_api_edits_with_the_read_marker_and_refuses_a_stale_one(loop_world):
    from tests.factories import _OwnContextClient
    from tests.helpers import bearer

    w = loop_world
    app = w["world"].app
    api = _OwnContextClient(app, app.response_class)
    headers = bearer(app, w["worker_a"].email)
    url = f"/api/v1/referrals/{w['parent'].id}"
    read = api.get(url, headers=headers).get_json()
    response = api.put(f"{url}/care-plan", headers=headers,
                       json={"care_plan_notes": "Housing first, then the group", "last_modified": read["last_modified"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["care_plan_notes"] == "Housing first, then the group"
    assert "care_plan_updated" in [e["action"] for e in response.get_json()["events"]]
    stale = api.put(f"{url}/care-plan", headers=headers,
                    json={"care_plan_notes": "From the old copy", "last_modified": read["last_modified"]})
    assert stale.status_code == 409
    # A receiver without care-plan consent may not know of the endpoint for this referral.
    other = w["world"].referral(w["person"], w["services"]["c"], w["worker_a"], status="accepted", needs=("housing",))
    w["world"].consent(w["person"], w["c"], referral_=other)
    w["world"].commit()
    receiver = bearer(app, w["agency_c"].email)
    last = api.get(f"/api/v1/referrals/{other.id}", headers=receiver).get_json()["last_modified"]
    assert api.put(f"/api/v1/referrals/{other.id}/care-plan", headers=receiver,
                   json={"care_plan_notes": "x", "last_modified": last}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Referral, w["parent"].id).care_plan_notes == "Housing first, then the group"


# --- transfer criteria -----------------------------------------------------------------------------------

def test_the_migration_installs_the_shipped_criteria_and_install_is_idempotent(world):
    shipped = json.loads(DATA.read_text(encoding="utf-8"))
    expected = sum(len(pair["criteria"]) for pair in shipped["pairs"])
    assert db.session.scalar(select(func.count()).select_from(TransferCriterion)) == expected
    assert install_transfer_criteria(db.session) == expected
    assert db.session.scalar(select(func.count()).select_from(TransferCriterion)) == expected
    pair = db.session.scalars(select(TransferCriterion.code).where(
        TransferCriterion.from_stage == "home_based_rehab", TransferCriterion.to_stage == "community_integration")
        .order_by(TransferCriterion.position)).all()
    assert pair == ["stable_3_months", "takes_medication_regularly", "agrees_group_activities"]


def test_an_administrator_adds_a_criterion_in_chinese_and_cannot_delete_one(world):
    admin = world.sign_in(world.user("admin"))
    form = admin.get("/admin/transfer_criteria/new/").get_data(as_text=True)
    assert "原照护阶段" in form and 'value="home_based_rehab"' in form
    response = admin.post("/admin/transfer_criteria/new/", data={
        "csrf_token": token_from(form), "from_stage": "home_based_rehab", "to_stage": "community_integration",
        "code": "has_a_buddy", "name_zh": "有同伴支持者陪同", "name_en": "Has a peer supporter", "position": "4",
        "active": "y"})
    assert response.status_code == 302
    made = db.session.scalar(select(TransferCriterion).where(TransferCriterion.code == "has_a_buddy"))
    assert made is not None and made.id and made.name_zh == "有同伴支持者陪同"
    assert admin.post("/admin/transfer_criteria/delete/", data={
        "csrf_token": token_from(form), "id": made.id}).status_code in (302, 403, 404)
    db.session.expire_all()
    assert db.session.get(TransferCriterion, made.id) is not None


def test_criteria_are_ticked_with_who_and_when_and_shown_as_met(loop_world):
    w = loop_world
    moving = w["world"].referral(w["person"], w["services"]["b"], w["worker_a"], status="accepted",
                                 needs=("housing",), from_stage="home_based_rehab", to_stage="community_integration",
                                 transfer_criterion="Family agrees")
    w["world"].commit()
    criteria = {c.code: c.id for c in db.session.scalars(select(TransferCriterion).where(
        TransferCriterion.from_stage == "home_based_rehab", TransferCriterion.to_stage == "community_integration"))}
    sender = w["world"].sign_in(w["worker_a"])
    page = sender.get(f"/referrals/{moving.id}?lang=en").get_data(as_text=True)
    assert page.count('name="criteria"') == 3 and "0 of 3 met" in page
    response = sender.post(f"/referrals/{moving.id}/criteria", data={
        "csrf_token": token_from(page), "criteria": [criteria["stable_3_months"], criteria["takes_medication_regularly"]]})
    assert response.status_code == 302
    page = sender.get(f"/referrals/{moving.id}?lang=en").get_data(as_text=True)
    assert "2 of 3 met" in page and "Stable for 3 months" in page
    assert 'data-criterion="stable_3_months" data-met="yes"' in page
    assert 'data-criterion="agrees_group_activities" data-met="no"' in page
    assert "Family agrees" in page  # the free-text criterion stays
    tick = db.session.scalar(select(ReferralCriterion).where(ReferralCriterion.criterion_id == criteria["stable_3_months"]))
    assert tick.met_by_id == w["worker_a"].id and tick.met_at is not None
    # The receiver unticks one and ticks another: exactly the ticked set is met afterwards.
    receiver = w["world"].sign_in(w["agency_b"])
    token = token_from(receiver.get(f"/referrals/{moving.id}").get_data(as_text=True))
    receiver.post(f"/referrals/{moving.id}/criteria", data={
        "csrf_token": token, "criteria": [criteria["stable_3_months"], criteria["agrees_group_activities"]]})
    db.session.expire_all()
    met = {r.criterion_id: r.met_by_id for r in db.session.scalars(
        select(ReferralCriterion).where(ReferralCriterion.referral_id == moving.id))}
    assert met == {criteria["stable_3_months"]: w["worker_a"].id, criteria["agrees_group_activities"]: w["agency_b"].id}
    # A criterion of another stage pair is refused and changes nothing.
    other = db.session.scalar(select(TransferCriterion.id).where(TransferCriterion.to_stage == "employment"))
    response = receiver.post(f"/referrals/{moving.id}/criteria?lang=en", data={"csrf_token": token, "criteria": [other]},
                             follow_redirects=True)
    assert "Tick only the criteria listed for this stage transition." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ReferralCriterion)) == 2


# --- time in current stage -------------------------------------------------------------------------------

def test_thresholds_are_pinned_and_configurable():
    limits = stages.thresholds()
    assert limits["home_based_rehab"] == 180 and limits["detox_stabilisation"] == 30
    assert "employment" not in limits
    assert not stages.is_stuck("home_based_rehab", 180, limits)
    assert stages.is_stuck("home_based_rehab", 181, limits)
    assert not stages.is_stuck("employment", 10_000, limits)
    assert stages.thresholds("home_based_rehab=90, employment=400")["employment"] == 400
    assert stages.thresholds({"home_based_rehab": 90})["home_based_rehab"] == 90


def test_time_in_stage_marks_people_past_the_threshold_and_respects_visibility(loop_world):
    w = loop_world
    world = w["world"]
    limit = stages.STUCK_AFTER_DAYS["home_based_rehab"]

    def in_stage(days_ago: int, org_service, stage="home_based_rehab"):
        person = world.client(w["a"])
        started = today() - timedelta(days=days_ago)
        world.referral(person, org_service, w["worker_a"], status="connected", needs=("housing",),
                       from_stage="hospital_discharge", to_stage=stage, transfer_criterion="discharged",
                       connected_at=utcnow() - timedelta(days=days_ago), first_attended_on=started)
        return person

    at_limit = in_stage(limit, w["services"]["b"])
    past = in_stage(limit + 1, w["services"]["b"])
    # A later connected referral moves a person on: the latest one is their stage.
    moved = in_stage(400, w["services"]["b"])
    world.referral(moved, w["services"]["c"], w["worker_a"], status="completed", needs=("housing",),
                   from_stage="home_based_rehab", to_stage="community_integration", transfer_criterion="stable",
                   connected_at=utcnow() - timedelta(days=3), first_attended_on=today() - timedelta(days=3))
    world.commit()

    rows = {r.client_code: r for r in stages.time_in_stage(w["worker_a"], today())}
    assert (rows[at_limit.code].days, rows[at_limit.code].stuck) == (limit, False)
    assert (rows[past.code].days, rows[past.code].stuck) == (limit + 1, True)
    assert (rows[moved.code].stage, rows[moved.code].days, rows[moved.code].stuck) == ("community_integration", 3, False)

    page = world.sign_in(w["worker_a"]).get("/referrals/time-in-stage?stuck=1&lang=en").get_data(as_text=True)
    assert f'data-client="{past.code}"' in page and f'data-client="{at_limit.code}"' not in page
    # B sees the people of its referrals; C only the one it received.
    c_rows = {r.client_code for r in stages.time_in_stage(w["agency_c"], today())}
    assert c_rows == {moved.code}
    # A coordinator of an unrelated area sees nobody (these referrals have no area: a top-level
    # coordinator would see them, as on the board).
    other_area = world.area("street", parent=world.area())
    coordinator = world.user("coordinator", area_=other_area)
    assert stages.time_in_stage(coordinator, today()) == []


def test_time_in_stage_counts_from_the_first_attended_date(world):
    org = world.organization()
    service = world.service(org)
    worker = world.user("worker", org=org)
    person = world.client(org)
    world.referral(person, service, worker, status="connected", to_stage="detox_stabilisation",
                   connected_at=utcnow(), first_attended_on=date(2026, 1, 1))
    world.commit()
    [row] = stages.time_in_stage(worker, date(2026, 1, 31))
    assert (row.since, row.days, row.stuck) == (date(2026, 1, 1), 30, False)
    [row] = stages.time_in_stage(worker, date(2026, 2, 1))
    assert (row.days, row.stuck) == (31, True)


# --- demo rows, and their pages in both languages ----------------------------------------------------------

def test_demo_rows_load_once_and_their_pages_speak_the_readers_language(app):
    from seed.loop_transfer import load

    from ..conftest import DEMO_PASSWORDS, login
    from .test_language_everywhere import (
        ENGLISH_ALLOWED,
        _catalogue,
        _known_codes,
        _problems_en,
        _problems_zh,
        _with_lang,
        data_values,
        visible_text,
    )

    # ``flask seed history`` loads these rows after the referral history (seed/person.py).
    assert app.test_cli_runner().invoke(args=["seed", "history"]).exit_code == 0
    with app.app_context():
        assert set(load(db.session).values()) == {0}  # it ran once, with the history; again adds nothing
        assert db.session.query(Referral).filter(Referral.parent_referral_id.is_not(None)).count() == 2
        assert db.session.query(ReferralEvent).filter(ReferralEvent.action == "care_plan_updated").count() >= 2
        assert db.session.query(ReferralCriterion).count() >= 5
        parent_id = db.session.scalar(select(Referral.parent_referral_id).where(
            Referral.parent_referral_id.is_not(None)))
        child_id = db.session.scalar(select(Referral.id).where(Referral.parent_referral_id == parent_id))
        criterion_id = db.session.scalar(select(TransferCriterion.id).order_by(TransferCriterion.id))
        stuck = [r for r in stages.time_in_stage(_demo_user("coordinator@demo.local"), today()) if r.stuck]
        assert len(stuck) >= 2

    table = _catalogue()
    english = {m.strip() for m in table if re.search(r"[A-Za-z]{2}", m) and "%(" not in m and "{" not in m}
    chinese = {t.strip() for t in table.values() if re.search(r"[\u4e00-\u9fff]", t) and "%(" not in t}
    data = data_values(app)
    english -= data | ENGLISH_ALLOWED
    chinese -= data
    codes = _known_codes()
    walk = (("worker@demo.local", f"/referrals/{parent_id}"), ("worker@demo.local", "/referrals/time-in-stage"),
            ("agency2@demo.local", f"/referrals/{parent_id}"), ("agency2@demo.local", f"/referrals/{parent_id}/refer-back"),
            ("agency2@demo.local", f"/referrals/{child_id}"), ("coordinator@demo.local", "/referrals/time-in-stage"),
            ("admin@demo.local", "/admin/transfer_criteria/"),
            ("admin@demo.local", f"/admin/transfer_criteria/edit/?id={criterion_id}"),
            ("admin@demo.local", f"/admin/transfer_criteria/details/?id={criterion_id}"))
    failures = {}
    for email, path in walk:
        http = app.test_client()
        assert login(http, email, DEMO_PASSWORDS[email]).status_code == 302
        http.get("/")  # shows (and so clears) the "signed in" message
        for lang in ("zh", "en"):
            response = http.get(_with_lang(path, lang))
            assert response.status_code == 200, (email, path, response.status_code)
            nodes = visible_text(response.get_data(as_text=True))
            found = _problems_zh(nodes, english, codes) if lang == "zh" else _problems_en(nodes, chinese)
            if found:
                failures[f"{email} {lang} {path}"] = sorted(set(found))[:12]
    assert not failures, failures


def _demo_user(email):
    from portal.accounts.models import User

    return db.session.scalar(select(User).where(User.email == email))
