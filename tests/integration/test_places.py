"""Typed places on search and match (portal/directory/place_queries.py): the directory's own areas
and addresses give an area and a point; several matches are offered to choose from; nothing found
is said next to the field and the rest of the search or match is kept."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from portal.directory import place_queries, places
from portal.directory.models import Area, Location
from portal.extensions import db
from portal.geo import haversine_km

from ..conftest import csrf_token


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


# --- the resolver over its own small world ------------------------------------------------------

def _city(world):
    district = world.area("district", name="江滨区", latitude=30.585, longitude=114.292)
    district.name_en = "Jiangbin District"
    street = world.area("street", district, name="古渡街道", latitude=30.584, longitude=114.302)
    street.name_en = "Gudu Subdistrict"
    community = world.area("community", street, name="渡口社区", latitude=30.5859, longitude=114.3055)
    other_street = world.area("street", district, name="花楼街道", latitude=30.565, longitude=114.27)
    twins = [world.area("community", parent, name="新华社区", latitude=lat, longitude=114.3)
             for parent, lat in ((street, 30.58), (other_street, 30.56))]
    org = world.organization()
    clinic = world.location(org, street, latitude=30.581612, longitude=114.301636, name_zh="江滨区美沙酮门诊",
                            name_en="Jiangbin Methadone Clinic", address_zh="江澜市江滨区古渡街道文昌路252号")
    no_point = world.location(org, community, latitude=None, longitude=None, name_zh="渡口活动室",
                              address_zh="江澜市江滨区古渡街道渡口路3号")
    db.session.flush()
    return district, street, community, twins, clinic, no_point


def _resolve(text, ref=None):
    return place_queries.resolve(db.session, text, ref)


def test_district_street_and_community_names_give_the_area_and_its_centre(world):
    district, street, community, *_ = _city(world)
    for text, area in (("江滨区", district), ("古渡街道", street), ("渡口社区", community), ("江滨", district),
                       ("Jiangbin District", district), ("gudu", street), ("江滨区，古渡街道", street)):
        place = _resolve(text).place
        assert (place.ref, place.area_code, place.point) == (f"area:{area.code}", area.code,
                                                             (area.latitude, area.longitude)), text
    assert places.label(_resolve("渡口社区").place, "zh") == "渡口社区（江滨区古渡街道）"


def test_a_landmark_or_an_address_fragment_gives_the_location_and_its_own_point(world):
    _district, street, community, _twins, clinic, no_point = _city(world)
    for text in ("江滨区美沙酮门诊", "Jiangbin Methadone Clinic", "文昌路２５２号", "江滨区文昌路252号"):
        place = _resolve(text).place
        assert place.ref == f"location:{clinic.id}" and place.point == (30.581612, 114.301636), text
        assert place.area_code == street.code
    # A location without coordinates stands at its area's centre.
    assert _resolve("渡口路3号").place.point == (community.latitude, community.longitude)


def test_the_same_name_twice_is_ambiguous_until_one_is_chosen(world):
    *_, twins, _clinic, _no_point = _city(world)
    result = _resolve("新华社区")
    assert result.place is None and sorted(c.ref for c in result.candidates) == sorted(f"area:{t.code}" for t in twins)
    chosen = _resolve("新华社区", f"area:{twins[1].code}")
    assert chosen.place.area_code == twins[1].code
    # A choice that is not one of the text's candidates (the text changed since) does not count.
    assert _resolve("江滨区", f"area:{twins[1].code}").place.area_code != twins[1].code
    assert _resolve("新华社区", "area:NOPE").place is None


def test_unknown_text_resolves_to_nothing(world):
    _city(world)
    for text in ("火星基地", "xyz", "%", "_", ""):
        result = _resolve(text)
        assert result.place is None and result.candidates == (), text


# --- on the search page (demo data) --------------------------------------------------------------

def _ids(page: str) -> list[str]:
    return re.findall(r'data-service-id="([0-9a-f-]{36})"', page)


def test_search_by_a_street_name_sorts_by_distance_from_its_centre_like_coordinates(app, client):
    with app.app_context():
        street = db.session.scalar(select(Area).where(Area.name_zh == "古渡街道"))
        lat, lon = street.latitude, street.longitude
    by_place = client.get("/search?q=美沙酮&place=古渡街道&per_page=20")
    by_point = client.get(f"/search?q=美沙酮&sort=distance&lat={lat}&lon={lon}&per_page=20")
    assert by_place.status_code == 200
    assert _ids(by_place.get_data(as_text=True)) == _ids(by_point.get_data(as_text=True))
    assert len(_ids(by_place.get_data(as_text=True))) >= 5
    page = _text(by_place)
    assert "计算距离的起点：古渡街道（江滨区）" in page and "清除地点" in page
    # The first card's distance is the one to its nearest location, measured here independently.
    with app.app_context():
        from portal.directory.models import Service

        first = db.session.get(Service, _ids(by_place.get_data(as_text=True))[0])
        nearest = min(haversine_km(lat, lon, loc.latitude, loc.longitude) for loc in first.locations)
    assert nearest < 2


def test_search_by_a_landmark_in_english_uses_the_locations_point(app, client):
    with app.app_context():
        clinic = db.session.scalar(select(Location).where(Location.name_en == "Jiangbin District CDC Methadone Clinic"))
        point = (clinic.latitude, clinic.longitude)
    response = client.get("/search?q=methadone&place=jiangbin+district+cdc+methadone+clinic&lang=en")
    page = _text(response)
    assert "Distances measured from: Jiangbin District CDC Methadone Clinic" in page
    by_point = client.get(f"/search?q=methadone&sort=distance&lat={point[0]}&lon={point[1]}&lang=en")
    assert _ids(response.get_data(as_text=True)) == _ids(by_point.get_data(as_text=True))


def test_search_with_an_ambiguous_place_offers_choices_and_a_choice_is_kept(client):
    response = client.get("/search?q=美沙酮&place=美沙酮维持治疗门诊")
    html = response.get_data(as_text=True)
    page = _text(response)
    assert "“美沙酮维持治疗门诊”与多个地点相符，请选择一个：" in page
    choices = re.findall(r'<li><a href="(/search\?[^"]*place_ref=location[^"]*)"', html)
    assert len(choices) >= 2
    chosen = client.get(unescape(choices[1]))
    assert "计算距离的起点：" in _text(chosen) and "请选择一个" not in _text(chosen)
    # The search itself still ran (results shown, nearest-first only once a place is chosen).
    assert len(_ids(html)) >= 1


def test_search_with_an_unknown_place_says_so_next_to_the_field_and_keeps_the_search(client):
    response = client.get("/search?q=美沙酮&category=methadone_maintenance&place=火星基地")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="place-error"' in html and 'aria-invalid="true"' in html
    assert "目录中没有与“火星基地”相符的区、街道、社区或地址" in _text(response)
    assert 'value="火星基地"' in html and 'value="美沙酮"' in html  # what was typed stays in the form
    assert len(_ids(html)) >= 1 and "计算距离的起点" not in _text(response)


def test_search_page_has_the_near_me_button_and_its_one_line_explanation(client):
    html = client.get("/search?q=美沙酮").get_data(as_text=True)
    assert "data-near-me" in html and "js/near_me.js" in html
    assert "仅用于本次搜索，不会保存" in html
    # Coordinates from "near me" (rounded by the script) say where distances are measured from.
    page = _text(client.get("/search?q=美沙酮&lat=30.585&lon=114.292&sort=distance"))
    assert "计算距离的起点：您的位置" in page


# --- on the matching form (demo data) ------------------------------------------------------------

def _match(client, **fields):
    data = {"csrf_token": csrf_token(client, "/match"), "travel_km": "5", "urgency": "normal"}
    data.update(fields)
    return client.post("/match", data=data, follow_redirects=True)


def test_match_with_a_typed_community_fills_area_and_point(app, client, login_as):
    login_as("worker")
    with app.app_context():
        community = db.session.scalar(select(Area).where(Area.name_zh == "渡口社区"))
        code, point = community.code, (community.latitude, community.longitude)
    response = _match(client, needs=["methadone_maintenance"], place="渡口社区")
    html = response.get_data(as_text=True)
    assert re.search(r"/match/results/[A-Za-z0-9_-]+$", response.request.path)
    assert f'<option value="{code}" selected>' in html
    assert f'value="{point[0]:.6f}"' in html and f'value="{point[1]:.6f}"' in html
    assert 'class="suggestion"' in html
    # The same as choosing that community and typing its centre.
    by_hand = _match(client, needs=["methadone_maintenance"], area=code, latitude=str(point[0]),
                     longitude=str(point[1]))
    assert _ids(html) == _ids(by_hand.get_data(as_text=True))


def test_match_with_an_address_fragment_uses_the_locations_point(app, client, login_as):
    login_as("worker")
    response = _match(client, needs=["methadone_maintenance"], place="文昌路252号")
    html = response.get_data(as_text=True)
    assert 'value="30.581612"' in html and 'value="114.301636"' in html


def test_match_with_an_ambiguous_place_lists_choices_and_keeps_the_form(client, login_as):
    login_as("worker")
    response = _match(client, needs=["methadone_maintenance"], place="美沙酮维持治疗门诊", age="41")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "/match/results/" not in response.request.path
    assert "“美沙酮维持治疗门诊”与多个地点相符，请选择一个：" in _text(response)
    refs = re.findall(r'name="place_ref" value="(location:[0-9a-f-]{36})"', html)
    assert len(refs) >= 2
    assert 'value="41"' in html and re.search(r'<input checked[^>]*value="methadone_maintenance"', html)
    chosen = _match(client, needs=["methadone_maintenance"], place="美沙酮维持治疗门诊", place_ref=refs[0])
    assert "/match/results/" in chosen.request.path


def test_match_with_an_unknown_place_says_so_next_to_the_field(client, login_as):
    login_as("worker")
    response = _match(client, needs=["methadone_maintenance"], place="火星基地", age="41")
    html = response.get_data(as_text=True)
    assert 'id="place-error"' in html and "目录中没有与“火星基地”相符" in _text(response)
    assert 'value="火星基地"' in html and 'value="41"' in html


def test_changing_the_sort_keeps_the_place_and_hides_the_district_origin(client):
    html = client.get("/search?q=美沙酮&place=古渡街道").get_data(as_text=True)
    sort_bar = html[html.index('class="sort-bar"'):html.index("</form>", html.index('class="sort-bar"'))]
    assert 'name="place" value="古渡街道"' in sort_bar and 'name="near"' not in sort_bar
    html = client.get("/search?q=美沙酮&lat=30.585&lon=114.292").get_data(as_text=True)
    sort_bar = html[html.index('class="sort-bar"'):html.index("</form>", html.index('class="sort-bar"'))]
    assert 'name="lat" value="30.585"' in sort_bar


def test_an_address_after_a_district_name_is_looked_for_in_that_district_only(world):
    district, street, *_ = _city(world)
    other = world.area("district", name="青湖区", latitude=30.5, longitude=114.4)
    org = world.organization()
    here = world.location(org, street, latitude=30.58, longitude=114.30, address_zh="江澜市江滨区古渡街道中山路1号")
    world.location(org, other, latitude=30.50, longitude=114.40, address_zh="江澜市青湖区中山路1号")
    assert _resolve("中山路1号").ambiguous
    assert _resolve("江滨区中山路1号").place.ref == f"location:{here.id}"
