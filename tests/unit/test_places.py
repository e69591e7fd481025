"""The rule that turns a typed place into an area and a point (portal/directory/places.py): which
match wins, when the text is ambiguous, and that spelling (full/half width, punctuation, case) does
not matter."""
from __future__ import annotations

from portal.directory import places
from portal.directory.places import AreaRow, LocationRow

DISTRICT = AreaRow("D1", "district", "江滨区", "Jiangbin District", (30.585, 114.292), ("D1", "C"))
STREET = AreaRow("S1", "street", "古渡街道", "Gudu Subdistrict", (30.584, 114.302), ("S1", "D1", "C"),
                 context=(("江滨区", "Jiangbin District"),))
COMMUNITY = AreaRow("K1", "community", "渡口社区", "Dukou Community", (30.5859, 114.3055), ("K1", "S1", "D1", "C"),
                    context=(("江滨区", "Jiangbin District"), ("古渡街道", "Gudu Subdistrict")))
TWIN_A = AreaRow("K2", "community", "新华社区", "Xinhua Community", (30.50, 114.20), ("K2", "S1", "D1", "C"))
TWIN_B = AreaRow("K3", "community", "新华社区", "Xinhua Community", (30.60, 114.40), ("K3", "D1", "C"))
CLINIC = LocationRow("L1", "江滨区美沙酮门诊", "Jiangbin Methadone Clinic", "江澜市江滨区古渡街道文昌路252号",
                     None, "S1", (30.5816, 114.3016))
AREAS = [DISTRICT, STREET, COMMUNITY, TWIN_A, TWIN_B]


def _place(text, locations=(CLINIC,)):
    result = places.choose(text, AREAS, list(locations))
    return result.place


def test_spelling_does_not_matter():
    assert places.normalise("江滨区 ，古渡") == places.normalise("江滨区,古渡") == "江滨区古渡"
    assert places.normalise("Gudu,  Jiangbin") == "gudu jiangbin"
    assert places.normalise("ＪＩＡＮＧＢＩＮ　District") == "jiangbin district"
    assert places.normalise("文昌路２５２号") == "文昌路252号"
    assert places.normalise("  ") == ""


def test_a_district_name_gives_the_district_and_its_centre():
    place = _place("江滨区")
    assert (place.ref, place.area_code, place.point) == ("area:D1", "D1", (30.585, 114.292))
    # Without its level word too, and in English (any case, full width).
    assert _place("江滨").ref == _place("Jiangbin District").ref == _place("ｊｉａｎｇｂｉｎ").ref == "area:D1"


def test_a_street_and_a_community_name_give_that_area():
    assert _place("古渡街道").area_code == "S1"
    assert _place("渡口社区").point == (30.5859, 114.3055)
    # A district followed by one of its streets: the most specific area named.
    assert _place("江滨区古渡街道").area_code == "S1"


def test_a_landmark_is_a_location_name_and_gives_its_own_coordinates():
    place = _place("江滨区美沙酮门诊")
    assert place.ref == "location:L1" and place.point == (30.5816, 114.3016) and place.area_code == "S1"
    assert _place("Jiangbin Methadone Clinic").ref == "location:L1"


def test_an_address_fragment_finds_the_location_even_with_the_area_in_front():
    assert _place("文昌路252号").ref == "location:L1"
    # The stored address has the street between district and road: still found.
    assert _place("江滨区 文昌路252号").ref == "location:L1"


def test_the_same_name_in_two_places_is_ambiguous_and_lists_both():
    result = places.choose("新华社区", AREAS, [CLINIC])
    assert result.place is None and result.ambiguous
    assert [c.ref for c in result.candidates] == ["area:K2", "area:K3"]
    labels = [places.label(c, "zh") for c in result.candidates]
    assert labels[0] == "新华社区" and places.label(COMMUNITY_PLACE, "zh") == "渡口社区（江滨区古渡街道）"
    assert places.label(COMMUNITY_PLACE, "en") == "Dukou Community (Jiangbin District, Gudu Subdistrict)"


COMMUNITY_PLACE = places.area_place(COMMUNITY, places.EXACT_AREA)


def test_many_matches_list_a_few_in_a_fixed_order_and_say_there_are_more():
    clinics = [LocationRow(f"L{n:02d}", f"美沙酮门诊{n}", None, f"某路{n}号", None, "S1", (30.5 + n / 100, 114.3))
               for n in range(12)]
    first = places.choose("美沙酮", AREAS, clinics)
    again = places.choose("美沙酮", AREAS, list(reversed(clinics)))
    assert first.ambiguous and first.more and len(first.candidates) == places.MAX_CANDIDATES
    assert [c.ref for c in first.candidates] == [c.ref for c in again.candidates]


def test_unknown_text_finds_nothing_and_an_unknown_street_in_a_known_district_gives_the_district():
    assert places.choose("不存在的地方", AREAS, [CLINIC]).place is None
    assert places.choose("不存在的地方", AREAS, [CLINIC]).candidates == ()
    assert places.choose("！！", AREAS, [CLINIC]).place is None
    assert _place("江滨区 不存在路9号").area_code == "D1"


def test_a_full_area_name_beats_a_location_that_contains_it():
    clinic_named_like_area = LocationRow("L9", "古渡街道社区卫生服务中心", None, None, None, "S1", (30.58, 114.30))
    assert _place("古渡街道", [clinic_named_like_area]).ref == "area:S1"


def test_a_place_without_coordinates_cannot_be_used():
    nowhere = AreaRow("X", "district", "无坐标区", None, None, ("X",))
    assert places.choose("无坐标区", [nowhere], []).place is None


def test_chosen_refs_are_checked():
    assert places.parse_ref("area:JL-01") == ("area", "JL-01")
    assert places.parse_ref("location:3f2a-11") == ("location", "3f2a-11")
    assert places.parse_ref("user:1") is None and places.parse_ref("area:<x>") is None and places.parse_ref(None) is None


def test_locations_are_needed_only_when_the_text_is_more_than_area_names():
    assert places.settled_by_areas("江滨区", AREAS)
    assert places.settled_by_areas(places.normalise("江滨区，古渡街道"), AREAS)
    assert places.settled_by_areas("jiangbin district", AREAS)
    assert not places.settled_by_areas("江滨", AREAS)  # a landmark could have exactly that name
    assert not places.settled_by_areas("江滨区文昌路252号", AREAS)
    assert not places.settled_by_areas("文昌路", AREAS)
