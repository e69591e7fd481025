"""Truthful public pages: inactive services kept out of public lists (one rule for search, the
organisation page and the API) but shown to staff, marked; a paused service never "accepting"; a
capacity or status update counts as verifying; the crisis banner; map links; resource lists shared
as an expiring link or a short text; /favicon.ico."""
from __future__ import annotations

import re
from datetime import time, timedelta

from portal.common import today, utcnow
from portal.directory import shared_lists
from portal.directory.models import Phone, Schedule, Service, SharedResourceList
from portal.extensions import db
from tests.conftest import csrf_token
from tests.factories import _OwnContextClient


def _visitor(world):
    world.commit()
    return _OwnContextClient(world.app, world.app.response_class, use_cookies=True)


def _three_statuses(world):
    org = world.organization("Harbour Care")
    running = world.service(org, "Harbour Counselling")
    quiet = world.service(org, "Harbour Old Clinic", status="inactive")
    paused = world.service(org, "Harbour Day Room", status="temporarily_closed", capacity_status="accepting",
                           accepts_referrals=True)
    return org, running, quiet, paused


def test_inactive_services_are_kept_out_of_public_search_organisation_page_and_api(world):
    org, running, quiet, paused = _three_statuses(world)
    visitor = _visitor(world)
    search = visitor.get("/search?lang=en").get_data(as_text=True)
    assert running.name_en in search and paused.name_en in search
    assert quiet.name_en not in search
    org_page = visitor.get(f"/organizations/{org.id}?lang=en").get_data(as_text=True)
    assert running.name_en in org_page and quiet.name_en not in org_page
    api = visitor.get("/api/v1/services").get_json()
    assert {item["name"] for item in api["contents"]} >= {running.name_zh, paused.name_zh}
    assert quiet.id not in {item["id"] for item in api["contents"]}
    assert api["total_items"] == 2
    # The home page counts only what the public can find.
    assert "2 services" in visitor.get("/?lang=en").get_data(as_text=True)


def test_staff_still_see_inactive_services_marked_as_inactive(world):
    org, running, quiet, _paused = _three_statuses(world)
    staff = world.sign_in(world.user("worker", org=world.organization("Referrers")))
    search = staff.get("/search?lang=en").get_data(as_text=True)
    assert quiet.name_en in search and "Inactive (shown to staff only)" in search
    org_page = staff.get(f"/organizations/{org.id}?lang=en").get_data(as_text=True)
    assert quiet.name_en in org_page and 'data-status="inactive"' in org_page
    page = staff.get(f"/services/{quiet.id}?lang=en").get_data(as_text=True)
    assert "hidden from the public lists" in page


def test_a_paused_service_never_says_it_is_accepting_new_clients(world):
    _org, _running, _quiet, paused = _three_statuses(world)
    visitor = _visitor(world)
    page = visitor.get(f"/services/{paused.id}").get_data(as_text=True)
    assert "暂时关闭" in page or "暂停服务" in page
    assert "正在接收新服务对象" not in page and "接收转介" not in page
    assert "暂停期间不接收新服务对象" in page
    card = visitor.get("/search?q=Harbour+Day+Room").get_data(as_text=True)
    assert "正在接收新服务对象" not in card


def test_a_capacity_or_status_update_counts_as_verifying_the_listing(world):
    org = world.organization("Riverside Rehab")
    service = world.service(org, "Riverside Beds", verified_on=today() - timedelta(days=361))
    agency = world.sign_in(world.user("agency", org=org))
    assert "361" in agency.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    response = agency.post(f"/listings/services/{service.id}/status", data={
        "csrf_token": csrf_token(agency, f"/services/{service.id}"), "action": "waitlist", "wait_weeks": "2"})
    assert response.status_code == 302
    page = agency.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    assert "about 2 weeks" in page and "Verified today" in page and "361" not in page
    agency.post(f"/listings/services/{service.id}/status", data={
        "csrf_token": csrf_token(agency, f"/services/{service.id}"), "action": "closed"})
    db.session.expire_all()
    assert db.session.get(Service, service.id).verified_on == today()


def _hotline(world, name, number, all_day):
    org = world.organization(f"{name} org")
    service = world.service(org, name, categories=("crisis_hotline",))
    db.session.add(Phone(service_id=service.id, number=number, type="hotline"))
    for weekday in range(1, 8):
        opens, closes = (time(0), time(23, 59)) if all_day else (time(9), time(17))
        db.session.add(Schedule(service_id=service.id, weekday=weekday, opens_at=opens, closes_at=closes))
    return service


def test_crisis_banner_lists_directory_hotlines_24_hour_first_then_110_and_120(world):
    _hotline(world, "Aaa Daytime Line", "027-1111-0000", all_day=False)
    _hotline(world, "Zzz Night Line", "027-2222-0000", all_day=True)
    paused = _hotline(world, "Paused Line", "027-3333-0000", all_day=True)
    paused.status = "temporarily_closed"
    visitor = _visitor(world)
    for path in ("/?lang=en", "/search?lang=en"):
        html = visitor.get(path).get_data(as_text=True)
        numbers = re.findall(r'data-crisis-number="([^"]+)"', html)
        assert numbers == ["027-2222-0000", "027-1111-0000", "110", "120"], path
        assert "In a crisis, call now:" in html
    chinese = _OwnContextClient(world.app, world.app.response_class, use_cookies=True)
    assert "遇到危机，请立即拨打" in chinese.get("/").get_data(as_text=True)


def test_map_links_appear_only_where_a_location_has_coordinates(world):
    org = world.organization("Map Org")
    placed = world.service(org, "Placed", at=world.location(org, latitude=30.5512, longitude=114.3021))
    unplaced = world.service(org, "Unplaced", at=world.location(org, latitude=None, longitude=None))
    visitor = _visitor(world)
    html = visitor.get(f"/services/{placed.id}").get_data(as_text=True)
    assert 'href="geo:30.551200,114.302100' in html
    assert "mlat=30.551200&amp;mlon=114.302100" in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # links only, no third-party map script
    assert "geo:" not in visitor.get(f"/services/{unplaced.id}").get_data(as_text=True)
    assert 'href="geo:30.551200,114.302100' in visitor.get(f"/organizations/{org.id}").get_data(as_text=True)


def test_hours_are_grouped_on_the_service_page(world):
    org = world.organization("Hours Org")
    service = world.service(org, "Office Hours")
    for weekday in range(1, 6):
        db.session.add(Schedule(service_id=service.id, weekday=weekday, opens_at=time(8, 30), closes_at=time(17)))
    visitor = _visitor(world)
    assert "周一至周五 08:30–17:00" in visitor.get(f"/services/{service.id}").get_data(as_text=True)
    english = visitor.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    assert "Mon–Fri 08:30–17:00" in english and "Sat, Sun closed" in english


def _collect(client, services):
    for service in services:
        client.post("/list/add", data={"csrf_token": csrf_token(client, f"/services/{service.id}"),
                                       "service_id": service.id})


def test_a_shared_list_is_a_public_read_only_page_holding_service_ids_only(world):
    org = world.organization("Share Org")
    services = [world.service(org, f"Shared service {n}") for n in range(3)]
    worker = world.sign_in(world.user("worker", org=org))
    _collect(worker, services)
    response = worker.post("/list/share", data={"csrf_token": csrf_token(worker, "/list")})
    assert response.status_code == 302
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    url = re.search(r'value="(http[^"]+/list/shared/([A-Za-z0-9_\-]+))"', page)
    assert url and "data-shared-link" in page
    list_id = url.group(2)
    assert len(list_id) >= 32
    row = db.session.get(SharedResourceList, list_id)
    # Only service ids and dates are stored: no user, no client, no free text.
    assert {c.name for c in SharedResourceList.__table__.columns} == {"id", "service_ids", "created_at", "expires_at"}
    assert row.service_ids.split(",") == [s.id for s in services]
    stranger = _OwnContextClient(world.app, world.app.response_class, use_cookies=True)
    shared = stranger.get(f"/list/shared/{list_id}?lang=en").get_data(as_text=True)
    assert all(s.name_en in shared for s in services)
    assert "/list/remove" not in shared and "csrf_token" not in shared
    assert stranger.get("/list/shared/not-a-real-id").status_code == 404


def test_a_shared_list_expires_after_the_configured_days(world):
    org = world.organization("Expiry Org")
    service = world.service(org, "Expiring service")
    world.app.config["SHARED_LIST_DAYS"] = 7
    row = shared_lists.share(db.session, [service.id])
    assert (row.expires_at - row.created_at) == timedelta(days=7)
    old = shared_lists.share(db.session, [service.id], now=utcnow() - timedelta(days=8))
    old_id, row_id = old.id, row.id
    visitor = _visitor(world)
    assert visitor.get(f"/list/shared/{row_id}").status_code == 200
    response = visitor.get(f"/list/shared/{old_id}")
    assert response.status_code == 404 and "已过期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SharedResourceList, old_id) is None  # deleted by the request that found it


def test_short_text_is_at_most_70_characters_per_service_in_the_readers_language(world):
    district = world.area("district", name="江滨区")
    org = world.organization("Short Org")
    services = []
    for n in range(3):
        place = world.location(org, district, address_zh=f"江澜市江滨区古渡街道文昌路25{n}号社区卫生服务中心三楼")
        service = world.service(org, f"社区戒毒社区康复指导与家庭支持综合服务站第{n}号", at=place)
        db.session.add(Phone(service_id=service.id, number=f"027-0883-966{n}", type="voice", description="预约"))
        services.append(service)
    visitor = _visitor(world)
    _collect(visitor, services)
    html = visitor.get("/list").get_data(as_text=True)
    short = re.search(r'<textarea id="list-short"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    long_text = re.search(r'<textarea id="list-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    lines = short.strip().splitlines()[1:]
    assert len(lines) == 3
    for n, line in enumerate(lines):
        assert len(line) <= 70, line
        assert f"027-0883-966{n}" in line and "文昌路" in line
    assert len(short) < len(long_text) / 2
    english = visitor.get("/list?lang=en").get_data(as_text=True)
    assert "Services for you" in re.search(r'<textarea id="list-short"[^>]*>(.*?)</textarea>', english, re.S).group(1)


def test_favicon_is_served(world):
    response = _visitor(world).get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_accepting_referrals_filter_leaves_out_paused_services(world):
    org = world.organization("Filter Org")
    open_one = world.service(org, "Filter Open", accepts_referrals=True)
    paused = world.service(org, "Filter Paused", accepts_referrals=True, status="temporarily_closed")
    html = _visitor(world).get("/search?accepting=1&lang=en").get_data(as_text=True)
    assert open_one.name_en in html and paused.name_en not in html
