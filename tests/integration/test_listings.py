"""Agencies keep their own listings current: my listings, one-click status, editing, freshness,
reminders — and never reach another organisation's records."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common import today
from portal.directory.models import Contact, Location, Phone, Schedule, Service
from portal.extensions import db
from portal.notifications.models import MailMessage

from ..conftest import csrf_token


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _org_ids(app):
    with app.app_context():
        return _user("agency@demo.local").organization_id, _user("agency2@demo.local").organization_id


def _service(app, org_id, index=0):
    with app.app_context():
        return db.session.scalars(select(Service.id).where(Service.organization_id == org_id)
                                  .order_by(Service.name_zh)).all()[index]


def _get(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge_all()
        return obj


def _token(client):
    return csrf_token(client, "/listings/")


# --- my listings and the one-click update ------------------------------------------------------

def test_agency_sees_only_its_own_listings_with_stale_ones_marked(app, login_as):
    own, other = _org_ids(app)
    with app.app_context():
        own_services = db.session.scalars(select(Service).where(Service.organization_id == own)).all()
        other_names = db.session.scalars(select(Service.name_zh).where(Service.organization_id == other)).all()
        stale = [s for s in own_services if s.is_stale(app.config["STALE_AFTER_DAYS"])]
        fresh = [s for s in own_services if not s.is_stale(app.config["STALE_AFTER_DAYS"])]
    assert stale and fresh, "the demo agency should have both stale and fresh listings"
    page = login_as("agency").get("/listings/").get_data(as_text=True)
    assert "我的服务信息" in page
    for service in own_services:
        assert service.name_zh in page
    for name in other_names:
        assert name not in page
    for service in stale:
        card = page.split(f'id="service-{service.id}"')[1].split("</article>")[0]
        assert 'class="badge stale"' in card and "待核实" in card
    for service in fresh:
        card = page.split(f'id="service-{service.id}"')[1].split("</article>")[0]
        assert 'class="badge fresh"' in card


def test_nav_shows_my_listings_to_agency_users_only(app, login_as, client):
    assert "我的服务信息" not in client.get("/").get_data(as_text=True)
    assert "我的服务信息" in login_as("agency").get("/").get_data(as_text=True)


def test_waitlist_in_weeks_then_still_correct_updates_the_service(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    token = _token(client)
    response = client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "waitlist",
                                                                     "wait_weeks": "3"})
    assert response.status_code == 302
    service = _get(app, Service, sid)
    assert (service.capacity_status, service.wait_weeks) == ("waitlist", 3)
    assert service.capacity_updated is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "需排队：3 周" in page and "接收能力已更新" in page
    # A capacity update is the agency checking the listing: it counts as verifying it.
    assert service.verified_on == today()

    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "verify"})
    service = _get(app, Service, sid)
    assert service.verified_on == today()
    card = client.get("/listings/").get_data(as_text=True).split(f'id="service-{sid}"')[1].split("</article>")[0]
    assert "今天已核实" in card and "stale" not in card


def test_accepting_and_full_clear_the_waiting_weeks(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    token = _token(client)
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "waitlist", "wait_weeks": "5"})
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "full"})
    service = _get(app, Service, sid)
    assert (service.capacity_status, service.wait_weeks) == ("full", None)
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "accepting"})
    assert _get(app, Service, sid).capacity_status == "accepting"


@pytest.mark.parametrize("weeks, message", [("", "请填写需要等候几周"), ("0", "1 到 104"), ("500", "1 到 104"),
                                            ("abc", None)])
def test_bad_waitlist_weeks_are_explained_next_to_the_field_and_change_nothing(app, login_as, weeks, message):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    before = _get(app, Service, sid)
    client = login_as("agency")
    response = client.post(f"/listings/services/{sid}/status",
                           data={"csrf_token": _token(client), "action": "waitlist", "wait_weeks": weeks})
    assert response.status_code == 400
    card = response.get_data(as_text=True).split(f'id="service-{sid}"')[1].split("</article>")[0]
    assert 'class="field-error"' in card and f'id="wait-{sid}-error"' in card
    if message:
        assert message in card
    after = _get(app, Service, sid)
    assert (after.capacity_status, after.wait_weeks, after.version) == (before.capacity_status, before.wait_weeks, before.version)


def test_temporarily_closed_with_reopening_date_and_open_again(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    token = _token(client)
    past = (today() - timedelta(days=3)).isoformat()
    response = client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "closed", "reopens_on": past})
    assert response.status_code == 400 and "恢复开放日期不能早于今天" in response.get_data(as_text=True)
    assert _get(app, Service, sid).status == "active"

    reopen = (today() + timedelta(days=14)).isoformat()
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "closed", "reopens_on": reopen})
    service = _get(app, Service, sid)
    assert service.status == "temporarily_closed" and service.reopens_on.isoformat() == reopen
    card = client.get("/listings/").get_data(as_text=True).split(f'id="service-{sid}"')[1].split("</article>")[0]
    assert "暂停服务" in card and "恢复开放" in card
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "reopen"})
    service = _get(app, Service, sid)
    assert (service.status, service.reopens_on) == ("active", None)


def test_status_update_without_csrf_token_is_refused(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    before = _get(app, Service, sid)
    client = login_as("agency")
    response = client.post(f"/listings/services/{sid}/status", data={"action": "full"})
    assert response.status_code == 400
    after = _get(app, Service, sid)
    assert (after.capacity_status, after.version) == (before.capacity_status, before.version)


def test_one_click_update_reaches_the_search_index_after_commit(app, login_as):
    from whoosh.query import And, Term

    from portal.search.service import get_index

    def indexed_as_full(sid):
        with app.app_context(), get_index().open().searcher() as searcher:
            return len(searcher.search(And([Term("id", sid), Term("capacity", "full")]))) == 1

    own, _ = _org_ids(app)
    sid = next(s for s in (_service(app, own, i) for i in range(3)) if _get(app, Service, s).capacity_status != "full")
    assert not indexed_as_full(sid)
    client = login_as("agency")
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": _token(client), "action": "full"})
    assert indexed_as_full(sid)


def test_workers_and_anonymous_visitors_cannot_open_listings(app, client, login_as):
    response = client.get("/listings/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login_as("worker").get("/listings/").status_code == 403


# --- editing ------------------------------------------------------------------------------------

BLANK_SELECTS = {"accepts_referrals": "", "gender_eligibility": "", "residency_required": "",
                 "access_mode": "", "anonymous_access": "", "reports_to_police": "", "guardian_consent_required": ""}


def _service_form(page: str) -> dict:
    """The service edit form's current values, as a browser would submit them."""
    form = page.split('action="/listings/services/')[1].split("</form>")[0]
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        value = value.group(1) if value else ""
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value)
        else:
            data[name.group(1)] = value
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip()
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = [re.search(r'value="([^"]*)"', tag).group(1) for tag in re.findall(r"<option[^>]*>", body)
                  if re.search(r"\bselected\b", tag)]
        data[name] = chosen[0] if chosen else ""
    import html

    return {k: ([html.unescape(x) for x in v] if isinstance(v, list) else html.unescape(v)) for k, v in data.items()}


def test_agency_edits_its_service_details_and_eligibility(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    page = client.get(f"/listings/services/{sid}").get_data(as_text=True)
    data = _service_form(page)
    assert data["version"]
    data.update({"name_en": "Methadone dosing (edited)", "minimum_age": "18", "maximum_age": "70",
                 "gender_eligibility": "all", "residency_required": "no",
                 "eligibility_description_zh": "本区居民，年满18岁"})
    response = client.post(f"/listings/services/{sid}", data=data)
    assert response.status_code == 302
    service = _get(app, Service, sid)
    assert service.name_en == "Methadone dosing (edited)"
    assert (service.minimum_age, service.maximum_age, service.gender_eligibility, service.residency_required) == (18, 70, "all", False)
    assert service.eligibility_description_zh == "本区居民，年满18岁"
    assert "已保存" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_service_form_errors_show_next_to_the_field_and_nothing_is_saved(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    before = _get(app, Service, sid)
    client = login_as("agency")
    data = _service_form(client.get(f"/listings/services/{sid}").get_data(as_text=True))
    data.update({"minimum_age": "60", "maximum_age": "18", "name_zh": ""})
    response = client.post(f"/listings/services/{sid}", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="maximum_age-error"' in page and "最大年龄不能小于最小年龄" in page
    assert 'id="name_zh-error"' in page
    after = _get(app, Service, sid)
    assert (after.name_zh, after.minimum_age, after.version) == (before.name_zh, before.minimum_age, before.version)


def test_linking_locations_and_terms(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    with app.app_context():
        location = Location(organization_id=own, name_zh="第二服药点", address_zh="江滨路 2 号")
        db.session.add(location)
        db.session.commit()
        location_id = location.id
    data = _service_form(client.get(f"/listings/services/{sid}").get_data(as_text=True))
    data["locations"] = data.get("locations", []) + [location_id]
    only_choices = re.findall(r'name="only_terms"[^>]*value="([^"]+)"', client.get(f"/listings/services/{sid}").get_data(as_text=True))
    data["only_terms"] = [only_choices[0]]
    assert client.post(f"/listings/services/{sid}", data=data).status_code == 302
    with app.app_context():
        service = db.session.get(Service, sid)
        assert location_id in [link.location_id for link in service.location_links]
        assert [a.taxonomy_term_id for a in service.attributes if a.value == "only"] == [only_choices[0]]


def test_schedules_phones_and_contacts_are_added_and_removed(app, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    client = login_as("agency")
    token = _token(client)
    bad = client.post(f"/listings/services/{sid}/schedules", data={"csrf_token": token, "weekday": "2",
                                                                   "opens_at": "17:00", "closes_at": "08:00"})
    assert bad.status_code == 400 and "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    client.post(f"/listings/services/{sid}/schedules", data={"csrf_token": token, "weekday": "7", "opens_at": "08:00",
                                                             "closes_at": "11:30", "notes": "仅周日上午"})
    client.post(f"/listings/services/{sid}/phones", data={"csrf_token": token, "number": "027-1234-5678", "kind": "hotline"})
    client.post(f"/listings/services/{sid}/contacts", data={"csrf_token": token, "name": "接案员小李", "phone": "13800000000"})
    with app.app_context():
        schedule = db.session.scalar(select(Schedule).where(Schedule.service_id == sid, Schedule.notes == "仅周日上午"))
        phone = db.session.scalar(select(Phone).where(Phone.service_id == sid, Phone.number == "027-1234-5678"))
        contact = db.session.scalar(select(Contact).where(Contact.service_id == sid, Contact.name == "接案员小李"))
        assert schedule and phone and contact and contact.phones[0].number == "13800000000"
        ids = schedule.id, phone.id, contact.id
    page = client.get(f"/listings/services/{sid}").get_data(as_text=True)
    assert "仅周日上午" in page and "027-1234-5678" in page and "接案员小李" in page
    client.post(f"/listings/schedules/{ids[0]}/delete", data={"csrf_token": token})
    client.post(f"/listings/phones/{ids[1]}/delete", data={"csrf_token": token})
    client.post(f"/listings/contacts/{ids[2]}/delete", data={"csrf_token": token})
    assert _get(app, Schedule, ids[0]) is None and _get(app, Phone, ids[1]) is None and _get(app, Contact, ids[2]) is None


def test_agency_adds_and_edits_its_locations(app, login_as):
    own, _ = _org_ids(app)
    client = login_as("agency")
    token = _token(client)
    response = client.post("/listings/locations/new", data={"csrf_token": token, "location_type": "physical",
                                                            "name_zh": "新服药点", "latitude": "95", "area_id": ""})
    assert response.status_code == 400 and "纬度必须在 -90 到 90 之间" in response.get_data(as_text=True)
    client.post("/listings/locations/new", data={"csrf_token": token, "location_type": "physical", "name_zh": "新服药点",
                                                 "address_zh": "江滨路 8 号", "latitude": "30.58", "longitude": "114.29",
                                                 "area_id": ""})
    with app.app_context():
        location = db.session.scalar(select(Location).where(Location.name_zh == "新服药点"))
        assert location.organization_id == own
        location_id, version = location.id, location.version
    assert "新服药点" in client.get("/listings/locations").get_data(as_text=True)
    client.post(f"/listings/locations/{location_id}", data={"csrf_token": token, "version": version, "location_type": "physical",
                                                          "name_zh": "新服药点（东门）", "area_id": ""})
    assert _get(app, Location, location_id).name_zh == "新服药点（东门）"


def test_agency_creates_a_service_for_its_own_organisation(app, login_as):
    own, _ = _org_ids(app)
    client = login_as("agency")
    response = client.post("/listings/services/new", data={"csrf_token": _token(client), "name_zh": "周末服药点",
                                                           "organization": "someone-else", **BLANK_SELECTS})
    assert response.status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name_zh == "周末服药点"))
        assert service.organization_id == own and service.verified_on == today()


def test_admin_edits_another_organisations_listing(app, login_as):
    _, other = _org_ids(app)
    sid = _service(app, other)
    client = login_as("admin")
    overview = client.get("/listings/").get_data(as_text=True)
    assert "各机构的服务信息" in overview
    assert client.get(f"/listings/?organization={other}").status_code == 200
    token = csrf_token(client, f"/listings/?organization={other}")
    client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "full"})
    assert _get(app, Service, sid).capacity_status == "full"


# --- concurrent edits -------------------------------------------------------------------------

def test_second_save_of_a_stale_form_is_refused_naming_who_changed_it(app, client, login_as):
    own, _ = _org_ids(app)
    sid = _service(app, own)
    admin = app.test_client()
    from ..conftest import login

    login(admin, "admin@demo.local")
    agency = login_as("agency")
    agency_form = _service_form(agency.get(f"/listings/services/{sid}").get_data(as_text=True))
    admin_form = _service_form(admin.get(f"/listings/services/{sid}").get_data(as_text=True))

    admin_form["name_en"] = "Changed by the admin"
    assert admin.post(f"/listings/services/{sid}", data=admin_form).status_code == 302

    agency_form["name_en"] = "Changed by the agency"
    response = agency.post(f"/listings/services/{sid}", data=agency_form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    with app.app_context():
        admin_name = _user("admin@demo.local").name
    assert admin_name in page and "您的修改未保存" in page
    assert _get(app, Service, sid).name_en == "Changed by the admin"
    # The refusal shows the current values, ready to be edited again.
    assert "Changed by the admin" in page


def test_location_and_contact_saves_over_a_newer_change_are_refused(app, login_as):
    own, _ = _org_ids(app)
    client = login_as("agency")
    token = _token(client)
    with app.app_context():
        location = db.session.scalar(select(Location).where(Location.organization_id == own))
        location_id, version = location.id, location.version
        location.name_en = "Renamed meanwhile"
        db.session.commit()
    response = client.post(f"/listings/locations/{location_id}", data={"csrf_token": token, "version": version,
                                                                     "location_type": "physical", "name_zh": "覆盖", "area_id": ""})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "您的修改未保存" in page
    assert _get(app, Location, location_id).name_zh != "覆盖"

    sid = _service(app, own)
    client.post(f"/listings/services/{sid}/contacts", data={"csrf_token": token, "name": "王老师"})
    with app.app_context():
        contact_id = db.session.scalar(select(Contact.id).where(Contact.name == "王老师"))
    page = client.get(f"/listings/contacts/{contact_id}").get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', page).group(1)
    with app.app_context():
        db.session.get(Contact, contact_id).title = "社工"
        db.session.commit()
    client.post(f"/listings/contacts/{contact_id}", data={"csrf_token": token, "fingerprint": fingerprint, "name": "王老师",
                                                         "title": "护士"})
    assert _get(app, Contact, contact_id).title == "社工"


# --- another organisation's records: never -----------------------------------------------------

def _foreign_records(app):
    """One of each kind of record belonging to agency2's organisation."""
    _, other = _org_ids(app)
    with app.app_context():
        service = db.session.scalars(select(Service).where(Service.organization_id == other)).first()
        location = db.session.scalars(select(Location).where(Location.organization_id == other)).first()
        schedule = Schedule(service_id=service.id, weekday=1, opens_at=__import__("datetime").time(8),
                            closes_at=__import__("datetime").time(9))
        phone = Phone(service_id=service.id, number="027-0000-0000")
        contact = Contact(service_id=service.id, name="别家联系人")
        db.session.add_all([schedule, phone, contact])
        from portal.listings.models import ProblemReport

        report = ProblemReport(service_id=service.id, kind="wrong_phone")
        db.session.add(report)
        db.session.commit()
        return {"org": other, "service": service.id, "location": location.id, "schedule": schedule.id,
                "phone": phone.id, "contact": contact.id, "report": report.id,
                "service_version": service.version, "location_version": location.version}


FOREIGN_ENDPOINTS = [
    ("GET", "/listings/services/{service}"),
    ("POST", "/listings/services/{service}"),
    ("POST", "/listings/services/{service}/status"),
    ("POST", "/listings/services/{service}/schedules"),
    ("POST", "/listings/services/{service}/phones"),
    ("POST", "/listings/services/{service}/contacts"),
    ("POST", "/listings/schedules/{schedule}/delete"),
    ("POST", "/listings/phones/{phone}/delete"),
    ("GET", "/listings/contacts/{contact}"),
    ("POST", "/listings/contacts/{contact}"),
    ("POST", "/listings/contacts/{contact}/delete"),
    ("GET", "/listings/locations/{location}"),
    ("POST", "/listings/locations/{location}"),
    ("GET", "/listings/?organization={org}"),
    ("GET", "/listings/locations?organization={org}"),
    ("GET", "/listings/services/new?organization={org}"),
    ("POST", "/listings/services/new?organization={org}"),
    ("POST", "/listings/locations/new?organization={org}"),
    ("POST", "/listings/reports/{report}/close"),
]


def test_agency_gets_403_or_404_on_every_record_of_another_organisation(app, login_as):
    ids = _foreign_records(app)
    with app.app_context():
        before = db.session.get(Service, ids["service"])
        snapshot = (before.name_zh, before.capacity_status, before.version, len(before.schedules),
                    len(before.phones), len(before.contacts))
        counts = (db.session.scalar(select(func.count(Service.id))), db.session.scalar(select(func.count(Location.id))))
    client = login_as("agency")
    token = _token(client)
    payload = {"csrf_token": token, "action": "full", "name_zh": "被篡改", "name": "x", "number": "027-1111-1111",
               "weekday": "1", "opens_at": "08:00", "closes_at": "09:00", "version": str(ids["service_version"]),
               "location_type": "physical", "outcome": "rejected", "note": "x", "kind": "voice", "area_id": "",
               **BLANK_SELECTS}
    results = {}
    for method, pattern in FOREIGN_ENDPOINTS:
        url = pattern.format(**ids)
        response = client.get(url) if method == "GET" else client.post(url, data=payload)
        results[f"{method} {url}"] = response.status_code
    if "GET /listings/?organization=" + ids["org"] in results:
        # An agency's list ignores the parameter and shows its own organisation: nothing foreign in it.
        page = client.get(f"/listings/?organization={ids['org']}").get_data(as_text=True)
        assert ids["service"] not in page
        results.pop("GET /listings/?organization=" + ids["org"])
    for key in ("GET /listings/locations?organization=", "GET /listings/services/new?organization=",
                "POST /listings/services/new?organization=", "POST /listings/locations/new?organization="):
        # Likewise these act on the agency's own organisation, never the one named in the URL.
        results.pop(key + ids["org"])
    assert all(code in (403, 404) for code in results.values()), results
    with app.app_context():
        after = db.session.get(Service, ids["service"])
        assert (after.name_zh, after.capacity_status, after.version, len(after.schedules), len(after.phones),
                len(after.contacts)) == snapshot
        assert db.session.scalar(select(func.count(Location.id))) - counts[1] <= 1  # own new location only
        assert db.session.scalar(select(func.count(Service.id))) - counts[0] <= 1
        new_services = db.session.scalars(select(Service).where(Service.name_zh == "被篡改")).all()
        assert all(s.organization_id != ids["org"] for s in new_services)
        new_locations = db.session.scalars(select(Location).where(Location.name_zh == "被篡改")).all()
        assert all(loc.organization_id != ids["org"] for loc in new_locations)
        from portal.listings.models import ProblemReport

        assert db.session.get(ProblemReport, ids["report"]).status == "open"


def test_posting_another_organisations_location_id_in_the_service_form_is_refused(app, login_as):
    own, _ = _org_ids(app)
    ids = _foreign_records(app)
    sid = _service(app, own)
    client = login_as("agency")
    data = _service_form(client.get(f"/listings/services/{sid}").get_data(as_text=True))
    data["locations"] = data.get("locations", []) + [ids["location"]]
    data["name_en"] = "should not be saved"
    assert client.post(f"/listings/services/{sid}", data=data).status_code == 403
    with app.app_context():
        service = db.session.get(Service, sid)
        assert ids["location"] not in [link.location_id for link in service.location_links]
        assert service.name_en != "should not be saved"
    new = client.post("/listings/services/new", data={"csrf_token": data["csrf_token"], "name_zh": "偷挂地点",
                                                      "locations": [ids["location"]], **BLANK_SELECTS})
    assert new.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Service).where(Service.name_zh == "偷挂地点")) is None


# --- freshness reminders ----------------------------------------------------------------------

def test_remind_queues_a_digest_of_each_agencys_stale_listings(app, runner):
    own, other = _org_ids(app)
    with app.app_context():
        stale_days = app.config["STALE_AFTER_DAYS"]
        own_services = db.session.scalars(select(Service).where(Service.organization_id == own)).all()
        stale_names = [s.name_zh for s in own_services if s.is_stale(stale_days) and s.status != "defunct"]
        fresh_names = [s.name_zh for s in own_services if not s.is_stale(stale_days)]
        other_names = db.session.scalars(select(Service.name_zh).where(Service.organization_id == other)).all()
    result = runner.invoke(args=["listings", "remind"])
    assert result.exit_code == 0, result.output
    assert "Queued" in result.output
    with app.app_context():
        mails = db.session.scalars(select(MailMessage).where(MailMessage.to_address == "agency@demo.local",
                                                            MailMessage.kind == "stale_listings_digest")).all()
        assert len(mails) == 1
        body = mails[0].body
        assert f"{len(stale_names)} 条服务信息需要核实" in mails[0].subject
        for name in stale_names:
            assert name in body
        for name in fresh_names + list(other_names):
            assert name not in body
        assert "/listings/" in body


def test_remind_dry_run_queues_nothing_and_confirmed_listings_drop_out(app, runner, login_as):
    result = runner.invoke(args=["listings", "remind", "--dry-run"])
    assert "Would queue" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(MailMessage.id)).where(MailMessage.kind == "stale_listings_digest")) == 0
    own, _ = _org_ids(app)
    client = login_as("agency")
    token = _token(client)
    with app.app_context():
        ids = db.session.scalars(select(Service.id).where(Service.organization_id == own)).all()
    for sid in ids:
        client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "verify"})
    runner.invoke(args=["listings", "remind"])
    with app.app_context():
        assert db.session.scalar(select(func.count(MailMessage.id)).where(
            MailMessage.to_address == "agency@demo.local", MailMessage.kind == "stale_listings_digest")) == 0
