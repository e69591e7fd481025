"""Service access facts (voluntary or compulsory, anonymous, police, guardian's consent), peer
supporters and volunteers, and the organisation's place in the care network (issue 16, items 7-8):
what the pages say (unknown as "not stated", never "no"), the agency's edit reaching the search
filters through the outbox, matching's hard rules, and the row rule for people records."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.directory.models import Service
from portal.extensions import db
from portal.listings import people as people_ops
from portal.people.models import PeerSupporter
from portal.search.models import IndexOutbox
from portal.search.query import SearchParams
from portal.search.service import get_index, run_search

from ..conftest import csrf_token
from ..factories import _OwnContextClient


def _visitor(world):
    """A signed-out browser whose requests each get their own app context (and language)."""
    return _OwnContextClient(world.app, world.app.response_class, use_cookies=True)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _found(world, **filters) -> set[str]:
    with world.app.test_request_context():
        return {h.service_id for h in run_search(SearchParams(per_page=50, **filters)).hits}


# --- the service page ----------------------------------------------------------------------------

def test_the_service_page_states_known_facts_and_names_the_unstated_ones_never_as_no(world):
    org = world.organization()
    service = world.service(org, at=world.location(org), access_mode="voluntary", anonymous_access=True,
                            reports_to_police=False, guardian_consent_required=None)
    world.commit()
    visitor = _visitor(world)
    page = _text(visitor.get(f"/services/{service.id}?lang=en"))
    assert "Voluntary: people choose to come" in page
    assert "Can be used anonymously" in page
    assert "Does not share information with the police" in page
    assert "Not stated: whether a guardian&#39;s consent is needed. Ask when you call." in page
    assert "No guardian&#39;s consent needed" not in page and "Needs a guardian&#39;s consent" not in page
    zh = _text(visitor.get(f"/services/{service.id}?lang=zh"))
    assert "自愿参加" in zh and "可匿名使用" in zh and "不向公安通报信息" in zh
    assert "未说明：是否需要监护人同意。请来电询问。" in zh


def test_a_compulsory_service_that_needs_a_name_says_so(world):
    org = world.organization()
    service = world.service(org, access_mode="compulsory", anonymous_access=False, reports_to_police=True,
                            guardian_consent_required=True)
    world.commit()
    page = _text(_visitor(world).get(f"/services/{service.id}?lang=en"))
    for words in ("Compulsory programme (ordered by the authorities)", "Not anonymous: you give your name",
                  "Shares information with the police", "Needs a guardian&#39;s consent"):
        assert words in page
    assert "access-unstated" not in page


def test_a_service_that_states_nothing_shows_no_fact_only_that_nothing_is_stated(world):
    org = world.organization()
    service = world.service(org)
    world.commit()
    page = _text(_visitor(world).get(f"/services/{service.id}?lang=en"))
    assert 'data-access="' not in page
    assert ("Not stated: whether it is voluntary, whether it can be used anonymously, whether it shares "
            "information with the police, whether a guardian&#39;s consent is needed.") in page


def test_organisation_and_service_pages_show_department_and_network_level(world):
    world.term("department", "civil_affairs")
    org = world.organization(department="civil_affairs", network_level="street")
    service = world.service(org)
    world.commit()
    visitor = _visitor(world)
    assert "Civil affairs · Street level" in _text(visitor.get(f"/services/{service.id}?lang=en"))
    assert "In the care network: Civil affairs, Street level" in _text(visitor.get(f"/organizations/{org.id}?lang=en"))
    assert "街道级" in _text(visitor.get(f"/organizations/{org.id}?lang=zh"))


# --- the agency's edit, the search index and its filters -----------------------------------------

def _edit_form(http, service, **fields) -> dict:
    data = {"csrf_token": csrf_token(http, f"/listings/services/{service.id}"), "version": str(service.version),
            "name_zh": service.name_zh, "locations": [link.location_id for link in service.location_links],
            "accepts_referrals": "", "gender_eligibility": "", "residency_required": ""}
    data.update(fields)
    return data


def test_an_agency_edit_reaches_the_page_and_the_search_filters_through_the_outbox(world):
    org = world.organization()
    agency = world.user("agency", org=org)
    service = world.service(org, at=world.location(org))
    other = world.service(org, at=world.location(org), access_mode="compulsory")
    world.commit()
    ids = (service.id, other.id, agency.id)
    get_index().rebuild(db.session)  # (leaves the session empty: rows are read again below)
    service, other, agency = (db.session.get(Service, ids[0]), db.session.get(Service, ids[1]),
                              db.session.get(User, ids[2]))
    assert _found(world, access=("voluntary",)) == set()
    assert _found(world, access=("compulsory",)) == {other.id}

    http = world.sign_in(agency)
    before = db.session.scalar(select(func.count(IndexOutbox.id)).where(IndexOutbox.service_id == service.id))
    response = http.post(f"/listings/services/{service.id}", data=_edit_form(
        http, service, access_mode="voluntary", anonymous_access="yes", reports_to_police="no",
        guardian_consent_required=""))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Service, service.id)
    assert (saved.access_mode, saved.anonymous_access, saved.reports_to_police,
            saved.guardian_consent_required) == ("voluntary", True, False, None)
    assert db.session.scalar(select(func.count(IndexOutbox.id))
                             .where(IndexOutbox.service_id == service.id)) == before + 1
    # Applied after the commit, in the same process: every filter sees the new facts at once.
    assert _found(world, access=("voluntary",)) == {service.id}
    assert _found(world, anonymous=("yes",), police=("no",)) == {service.id}
    assert _found(world, guardian=("no",)) == set()  # not stated matches neither yes nor no
    assert _found(world, guardian=("yes",)) == set()
    page = _text(http.get("/search?access=voluntary&lang=en"))
    assert f'data-service-id="{service.id}"' in page and f'data-service-id="{other.id}"' not in page
    assert 'data-facet="access_facts"' in page and 'data-access="anonymous"' in page  # filter and card tag
    page = _text(http.get("/search?access=compulsory&lang=en"))
    assert 'data-access="compulsory">Compulsory programme' in page
    # The edit form shows the stored values back, "Not stated" included.
    form = http.get(f"/listings/services/{service.id}?lang=en").get_data(as_text=True)
    assert re.search(r'<option selected value="voluntary">|<option value="voluntary" selected', form)
    assert re.search(r'name="guardian_consent_required"[^>]*>\s*<option selected value=""', form)


def test_search_filters_by_department_and_network_level_of_the_organisation(world):
    world.term("department", "health")
    world.term("department", "justice")
    health = world.organization(department="health", network_level="district")
    justice = world.organization(department="justice", network_level="community")
    a, b = world.service(health), world.service(justice)
    world.commit()
    get_index().rebuild(db.session)
    assert _found(world, department=("health",)) == {a.id}
    assert _found(world, level=("community",)) == {b.id}
    assert _found(world, department=("health",), level=("community",)) == set()
    # A change of the organisation rewrites its services' documents (rebuild detached the rows).
    db.session.get(type(justice), justice.id).network_level = "district"
    world.commit()
    assert _found(world, level=("district",)) == {a.id, b.id}
    page = _text(_visitor(world).get("/search?level=district&lang=en"))
    assert "District level" in page and 'data-facet="department"' in page


# --- matching -----------------------------------------------------------------------------------

def _match_world(world):
    need = world.term("category", "detox")
    district = world.area("district")
    org = world.organization()
    place = world.location(org, district)
    centre = world.service(org, "Isolation centre", at=place, categories=("detox",), access_mode="compulsory",
                           anonymous_access=False)
    clinic = world.service(org, "Voluntary clinic", at=place, categories=("detox",), access_mode="voluntary",
                           anonymous_access=True)
    worker = world.user("worker", org=org)
    return need, district, centre, clinic, worker


def _post_match(http, need, district, **fields):
    data = {"csrf_token": csrf_token(http, "/match"), "needs": [need.code], "area": district.code,
            "travel_km": "", "urgency": "normal"}
    data.update(fields)
    return _text(http.post("/match?lang=en", data=data, follow_redirects=True))


def test_a_voluntary_only_profile_never_gets_a_compulsory_service_and_sees_why(world):
    need, district, centre, clinic, worker = _match_world(world)
    http = world.sign_in(worker)
    page = _post_match(http, need, district)
    suggestions, _, excluded = page.partition("Excluded and why")
    assert "Voluntary clinic" in suggestions and "Isolation centre" not in suggestions
    assert "Isolation centre" in excluded
    assert "a compulsory programme (the client has not accepted compulsory programmes)" in excluded
    # Asked for explicitly, it is suggested.
    page = _post_match(http, need, district, accepts_compulsory="y")
    assert "Isolation centre" in page.partition("Excluded and why")[0]


def test_a_client_who_needs_anonymity_is_not_sent_where_a_name_is_needed(world):
    need, district, centre, clinic, worker = _match_world(world)
    http = world.sign_in(worker)
    page = _post_match(http, need, district, accepts_compulsory="y", needs_anonymous="y")
    suggestions, _, excluded = page.partition("Excluded and why")
    assert "Voluntary clinic" in suggestions and "Isolation centre" not in suggestions
    assert "cannot be used anonymously (the client needs anonymity)" in excluded


# --- peer supporters and volunteers ------------------------------------------------------------

def _people_world(world):
    ours, theirs = world.organization("我们的机构"), world.organization("别人的机构")
    agency = world.user("agency", org=ours)
    own = world.service(ours, "自己的服务")
    foreign = world.service(theirs, "别人的服务")
    trained_on = date.today() - timedelta(days=30)
    theirs_person = PeerSupporter(organization_id=theirs.id, display_name="Z.", kind="volunteer",
                                  training_status="trained", training_date=trained_on, services=[foreign])
    db.session.add(theirs_person)
    db.session.flush()
    return agency, own, foreign, theirs_person


def test_staff_see_peer_supporter_counts_by_training_on_the_service_page_and_the_public_sees_nothing(world):
    org = world.organization()
    service = world.service(org)
    worker = world.user("worker", org=org)
    day = date.today() - timedelta(days=10)
    for name, kind, status, on in (("A.", "peer_supporter", "trained", day), ("B.", "peer_supporter", "trained", day),
                                   ("C.", "peer_supporter", "in_training", day),
                                   ("D.", "volunteer", "not_trained", None)):
        people_ops.save_person(PeerSupporter(organization_id=org.id), name, kind, status, on, [service.id])
    people_ops.save_person(PeerSupporter(organization_id=org.id), "E.", "peer_supporter", "trained", day, [])
    staff = _text(world.sign_in(worker).get(f"/services/{service.id}?lang=en"))
    assert "2 trained peer supporters" in staff  # E. works in no service: not counted here
    assert "1 peer supporter in training" in staff and "1 volunteer not trained yet" in staff
    assert "A." not in staff.split("For staff")[1]
    public = _text(_visitor(world).get(f"/services/{service.id}?lang=en"))
    assert "peer supporter" not in public and "Peer supporters" not in public
    zh = _text(world.sign_in(worker).get(f"/services/{service.id}?lang=zh"))
    assert "2 名已受训同伴支持者" in zh


def test_an_agency_manages_only_its_own_peers(world):
    agency, own, foreign, theirs_person = _people_world(world)
    http = world.sign_in(agency)
    assert http.get(f"/listings/people/{theirs_person.id}").status_code == 404
    token = csrf_token(http, "/listings/people")
    assert http.post(f"/listings/people/{theirs_person.id}", data={
        "csrf_token": token, "display_name": "X", "kind": "volunteer", "training_status": "not_trained"}
    ).status_code == 404
    assert http.post(f"/listings/people/{theirs_person.id}/delete", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    kept = db.session.get(PeerSupporter, theirs_person.id)
    assert kept.display_name == "Z." and [s.id for s in kept.services] == [foreign.id]
    assert "Z." not in _text(http.get("/listings/people?lang=en"))
    assert people_ops.person_for(agency, theirs_person.id) is None
    assert people_ops.people_for(agency, theirs_person.organization_id) == []


def test_an_agency_adds_a_peer_to_its_own_service_but_never_to_another_organisations(world):
    agency, own, foreign, _ = _people_world(world)
    http = world.sign_in(agency)
    token = csrf_token(http, "/listings/people")
    base = {"csrf_token": token, "display_name": "L.", "kind": "peer_supporter", "training_status": "trained",
            "training_date": (date.today() - timedelta(days=3)).isoformat()}
    refused = http.post("/listings/people?lang=en", data={**base, "services": [own.id, foreign.id]})
    assert refused.status_code == 400
    assert "A person can only work in their own organisation&#39;s services." in _text(refused)
    assert db.session.scalar(select(func.count(PeerSupporter.id)).where(PeerSupporter.display_name == "L.")) == 0
    undated = http.post("/listings/people?lang=en", data={**base, "training_date": "", "services": [own.id]})
    assert undated.status_code == 400 and "Enter the date the training was completed." in _text(undated)
    assert http.post("/listings/people", data={**base, "services": [own.id]}).status_code == 302
    db.session.expire_all()
    added = db.session.scalar(select(PeerSupporter).where(PeerSupporter.display_name == "L."))
    assert added.organization_id == own.organization_id and [s.id for s in added.services] == [own.id]
    page = _text(http.get("/listings/people?lang=en"))
    assert "L." in page and "Trained" in page
    edit = _text(http.get(f"/listings/people/{added.id}?lang=zh"))
    assert "称呼或姓名缩写" in edit and "培训日期" in edit and "已受训" in edit and "Training" not in edit


def test_an_administrator_manages_every_organisations_peers(world):
    agency, own, foreign, theirs_person = _people_world(world)
    admin = world.user("admin")
    assert people_ops.person_for(admin, theirs_person.id) is theirs_person
    http = world.sign_in(admin)
    page = _text(http.get(f"/listings/people?organization={theirs_person.organization_id}&lang=en"))
    assert "Z." in page


# --- demo rows -------------------------------------------------------------------------------------

def test_the_demo_rows_load_once_through_the_operations_and_show_on_the_pages(app, login_as, client):
    from seed import flags_people
    from seed.loader import seed_id

    with app.app_context():
        first = flags_people.load(db.session)
        db.session.commit()
        again = flags_people.load(db.session)
        db.session.commit()
        assert first["peer_supporters"] == len(flags_people.PEOPLE) and first["services_with_facts"] > 200
        assert again == {"services_with_facts": 0, "organizations_with_level": 0, "peer_supporters": 0}
        compulsory = db.session.scalar(select(func.count(Service.id)).where(Service.access_mode == "compulsory"))
        assert compulsory == 11  # community drug treatment case management, one per district
    login_as("worker")
    page = _text(client.get(f"/services/{seed_id('service', 'mmt-jiangbin/mmt_peer')}?lang=en"))
    assert "2 trained peer supporters" in page and "1 peer supporter in training" in page
    assert "Voluntary: people choose to come" in page


# --- the admin --------------------------------------------------------------------------------------

def _admin_token(http, path: str) -> str:
    html = http.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_the_admin_keeps_a_not_stated_fact_unstated_and_saves_the_stated_ones(world):
    org = world.organization()
    admin = world.user("admin")
    http = world.sign_in(admin)
    form = http.get("/admin/service/new/?lang=zh").get_data(as_text=True)
    assert "自愿或强制" in form and "可匿名使用" in form and "未说明" in form
    response = http.post("/admin/service/new/", data={
        "csrf_token": _admin_token(http, "/admin/service/new/"), "organization": org.id, "name_zh": "管理员的服务",
        "status": "active", "capacity_status": "accepting", "access_mode": "compulsory",
        "anonymous_access": "no", "reports_to_police": "", "guardian_consent_required": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(select(Service).where(Service.name_zh == "管理员的服务"))
    assert (saved.access_mode, saved.anonymous_access, saved.reports_to_police,
            saved.guardian_consent_required) == ("compulsory", False, None, True)


def test_the_admin_refuses_a_peer_in_another_organisations_service(world):
    ours, theirs = world.organization(), world.organization()
    foreign = world.service(theirs)
    admin = world.user("admin")
    http = world.sign_in(admin)
    assert "同伴支持者与志愿者" in http.get("/admin/peersupporter/?lang=zh").get_data(as_text=True)
    response = http.post("/admin/peersupporter/new/?lang=en", data={
        "csrf_token": _admin_token(http, "/admin/peersupporter/new/"), "organization": ours.id,
        "display_name": "Q.", "kind": "volunteer", "training_status": "not_trained", "services": foreign.id})
    assert "A person can only work in their own organisation&#39;s services." in _text(response)
    assert db.session.scalar(select(func.count(PeerSupporter.id))) == 0


def test_a_referral_started_from_a_voluntary_only_match_warns_before_a_compulsory_programme(world):
    from portal.referrals import eligibility

    need, district, centre, clinic, worker = _match_world(world)
    world.commit()
    raw = {"needs": [need.code], "area": district.code}
    with world.app.test_request_context("/?lang=en"):
        from_match = eligibility.facts(birth_year=None, gender=None, area_id=district.id, urgency="routine",
                                       match_profile=raw)
        assert eligibility.excluded_by(from_match, centre.id, [need.code]) == [
            "a compulsory programme (the client has not accepted compulsory programmes)"]
        assert eligibility.excluded_by(from_match, clinic.id, [need.code]) == []
        accepted = eligibility.facts(birth_year=None, gender=None, area_id=district.id, urgency="routine",
                                     match_profile={**raw, "accepts_compulsory": True})
        assert eligibility.excluded_by(accepted, centre.id, [need.code]) == []
        # Not started from a match: the worker chose the programme; nothing to warn about.
        chosen = eligibility.facts(birth_year=None, gender=None, area_id=district.id, urgency="routine")
        assert eligibility.excluded_by(chosen, centre.id, [need.code]) == []
