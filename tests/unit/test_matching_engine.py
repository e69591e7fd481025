"""The matching engine on its own: plain data in, plain data out (no database, no Flask).

Hand-made cases for each rule, then hypothesis over random directories and random profiles:
nothing a hard rule excludes is ever suggested, every need is planned or reported unmet, the plan
uses the fewest organisations, and the order does not depend on the order of the directory."""
from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.matching.engine import (
    COMES_TO_CLIENT,
    PAYMENT_KINDS,
    REMOTE_MODES,
    AreaFacts,
    Directory,
    Profile,
    ServiceFacts,
    client_populations,
    haversine_km,
    match,
    relax,
)
from portal.matching.explain import render, sentence
from portal.matching.profile import Vocabulary, parse_profile, render_error

TODAY = date(2026, 11, 23)
# A small city: two districts with two streets each, a few km apart.
AREAS = {
    1: AreaFacts(1, "C", "city", None, 30.55, 114.30),
    2: AreaFacts(2, "C-01", "district", 1, 30.55, 114.30),
    3: AreaFacts(3, "C-02", "district", 1, 30.65, 114.40),
    4: AreaFacts(4, "C-01-01", "street", 2, 30.551, 114.301),
    5: AreaFacts(5, "C-01-02", "street", 2, 30.56, 114.32),
    6: AreaFacts(6, "C-02-01", "street", 3, 30.651, 114.401),
    7: AreaFacts(7, "C-02-02", "street", 3, 30.64, 114.38),
}
STAGES = {"outreach": 0, "treatment": 1, "rehab": 2, "integration": 3}


def svc(id, *categories, org=None, at=4, **fields) -> ServiceFacts:
    area = AREAS[at]
    fields.setdefault("points", ((area.latitude, area.longitude),))
    fields.setdefault("location_district_ids", frozenset({area.parent_id if area.level == "street" else area.id}))
    return ServiceFacts(id=id, organization_id=org or f"org-{id}", name_en=id, categories=frozenset(categories), **fields)


def directory(*services) -> Directory:
    return Directory(tuple(services), AREAS, STAGES)


def run(d, *needs, **fields):
    fields.setdefault("area_id", 4)
    return match(d, Profile(needs=tuple(needs), **fields), today=TODAY, limit=None)


def ids(result):
    return [s.service.id for s in result.suggestions]


def excluded(result):
    return {e.service.id: {r.key for r in e.reasons} for e in result.exclusions}


# --- hard rules, one by one ---------------------------------------------------------------------

def test_each_hard_rule_excludes_with_its_reason():
    d = directory(
        svc("ok", "x"),
        svc("closed", "x", status="temporarily_closed"),
        svc("adults", "x", minimum_age=18),
        svc("youth", "x", maximum_age=17),
        svc("women", "x", gender_eligibility="female"),
        svc("homeless", "x", populations_only=frozenset({"homeless"})),
        svc("alcohol", "x", conditions_only=frozenset({"alcohol_use"})),
        svc("residents", "x", residency_required=True, service_area_ids=frozenset({3})),
        svc("fee", "x", cost_kinds=frozenset({"fixed_fee"})),
        svc("far", "x", at=6),
        svc("phone", "x", points=(), delivery_modes=frozenset({"phone"})),
    )
    result = run(d, "x", age=16, gender="male", conditions=frozenset({"opioid_use"}),
                 payment=frozenset({"free"}), travel_km=10)
    assert ids(result) == ["ok", "youth"]
    assert excluded(result) == {
        "closed": {"status"}, "adults": {"age_min"}, "women": {"gender"}, "homeless": {"population_only"},
        "alcohol": {"condition_only"}, "residents": {"residency"}, "fee": {"cost"}, "far": {"too_far"},
        "phone": {"remote_only"},
    }
    assert excluded(run(d, "x", age=30, travel_km=10))["youth"] == {"age_max"}


def test_a_voluntary_only_client_never_gets_a_compulsory_programme_and_sees_why():
    d = directory(svc("centre", "x", access_mode="compulsory"), svc("clinic", "x", access_mode="voluntary"),
                  svc("silent", "x", access_mode=None))
    result = run(d, "x")
    assert set(ids(result)) == {"clinic", "silent"}
    assert excluded(result) == {"centre": {"compulsory"}}
    # A hard rule the worker sets on purpose: never offered as a one-click relaxation.
    assert result.relaxations == ()
    reason = result.exclusions[0].reasons[0]
    assert render(reason) == "a compulsory programme (the client has not accepted compulsory programmes)"
    # Asked for explicitly, the programme is suggested.
    assert set(ids(run(d, "x", accepts_compulsory=True))) == {"centre", "clinic", "silent"}


def test_a_client_who_needs_anonymity_loses_services_that_need_a_name_and_is_warned_of_unknown_ones():
    d = directory(svc("named", "x", anonymous_access=False), svc("anon", "x", anonymous_access=True),
                  svc("silent", "x"))
    result = run(d, "x", needs_anonymous=True)
    assert set(ids(result)) == {"anon", "silent"}
    assert excluded(result) == {"named": {"not_anonymous"}}
    flags = {s.service.id: {f.key for f in s.flags} for s in result.suggestions}
    assert "anonymous_unknown" in flags["silent"] and "anonymous_unknown" not in flags["anon"]
    # Without the need, anonymity changes nothing.
    assert set(ids(run(d, "x"))) == {"named", "anon", "silent"}


def test_a_compulsory_programme_outside_the_travel_limit_is_not_offered_by_relaxing_distance():
    d = directory(svc("far-centre", "x", at=6, access_mode="compulsory"), svc("near", "x"))
    result = run(d, "x", travel_km=10)
    assert excluded(result)["far-centre"] == {"compulsory", "too_far"}
    assert [r.rule for r in result.relaxations] == []


def test_urgency_excludes_services_not_taking_referrals_or_full():
    d = directory(svc("closed-door", "x", accepts_referrals=False), svc("full", "x", capacity_status="full"),
                  svc("open", "x", accepts_referrals=True))
    routine = run(d, "x")
    assert set(ids(routine)) == {"closed-door", "full", "open"}
    urgent = run(d, "x", urgency="high")
    assert ids(urgent) == ["open"]
    assert excluded(urgent) == {"closed-door": {"not_accepting"}, "full": {"full"}}
    assert [r.rule for r in urgent.relaxations] == ["urgency"]
    assert set(ids(relax_and_run(d, urgent))) == {"closed-door", "full", "open"}


def relax_and_run(d, result, rule=None):
    relaxation = next(r for r in result.relaxations if rule is None or r.rule == rule)
    return match(d, relax(result.profile, relaxation), today=TODAY, limit=None)


def test_unknown_facts_never_exclude_they_are_flagged():
    d = directory(svc("silent", "x", gender_eligibility=None, accepts_referrals=None, cost_kinds=frozenset(),
                      residency_required=None, service_area_ids=frozenset({3}), points=()))
    result = run(d, "x", gender="female", urgency="high", payment=frozenset({"free"}))
    assert ids(result) == ["silent"]
    flags = {f.key for f in result.suggestions[0].flags}
    assert {"gender_unknown", "referrals_unknown", "cost_unknown", "residency_unknown", "distance_unknown"} <= flags


def test_client_facts_not_given_do_not_exclude_but_are_flagged():
    d = directory(svc("adults", "x", minimum_age=18), svc("women", "x", gender_eligibility="female"),
                  svc("opioids", "x", conditions_only=frozenset({"opioid_use"})))
    result = run(d, "x")
    assert set(ids(result)) == {"adults", "women", "opioids"}
    flags = {s.service.id: {f.key for f in s.flags} for s in result.suggestions}
    assert flags == {"adults": {"age_limits"}, "women": {"gender_restricted"}, "opioids": {"condition_check"}}


def test_populations_follow_from_age_and_gender():
    assert client_populations(Profile(needs=("x",), age=15)) == {"adolescent"}
    assert client_populations(Profile(needs=("x",), age=70, gender="female")) == {"older_adult", "women"}
    assert "women" in client_populations(Profile(needs=("x",), populations=frozenset({"pregnant_women"})))


def test_online_and_home_visits_reach_the_client_wherever_they_are():
    d = directory(
        svc("online", "x", at=6, delivery_modes=frozenset({"online"})),
        svc("visits", "x", at=6, delivery_modes=frozenset({"home_visit"}), service_area_ids=frozenset({2})),
        svc("visits-elsewhere", "x", at=6, delivery_modes=frozenset({"home_visit"}), service_area_ids=frozenset({3})),
    )
    result = run(d, "x", travel_km=2, remote_ok=True)
    reach = {s.service.id: s.reach for s in result.suggestions}
    assert reach == {"online": "remote", "visits": "comes"}
    assert excluded(result) == {}  # the other visiting team is far away and not listed
    assert run(d, "x", travel_km=2).suggestions[0].service.id == "visits"


def test_distance_relaxation_offers_the_next_step_and_what_it_adds():
    d = directory(svc("near", "x"), svc("mid", "y", at=5), svc("far", "y", at=6))
    near_mid = haversine_km(AREAS[4].latitude, AREAS[4].longitude, AREAS[5].latitude, AREAS[5].longitude)
    result = run(d, "x", "y", travel_km=1)
    assert ids(result) == ["near"]
    distance = next(r for r in result.relaxations if r.rule == "distance")
    assert distance.travel_km >= near_mid and distance.adds >= 1
    again = relax_and_run(d, result, "distance")
    assert "mid" in ids(again)
    unmet = result.plan.unmet
    assert [u.need for u in unmet] == ["y"] and unmet[0].nearest.id == "mid"
    assert unmet[0].nearest_km == round(near_mid, 1)


def test_care_stage_next_step_scores_highest():
    d = directory(svc("same", "x", care_stages=frozenset({"rehab"})), svc("next", "x", care_stages=frozenset({"integration"})),
                  svc("back", "x", care_stages=frozenset({"outreach"})))
    result = run(d, "x", care_stage="rehab")
    assert ids(result) == ["next", "same", "back"]
    assert "next step in care" in sentence(result.suggestions[0].parts)


def test_explanation_lists_needs_distance_cost_capacity_and_freshness():
    d = directory(svc("a", "x", "y", at=5, cost_kinds=frozenset({"free"}), capacity_status="waitlist", wait_weeks=2,
                      verified_on=TODAY - timedelta(days=12)))
    result = run(d, "x", "y", "z")
    text = sentence(result.suggestions[0].parts)
    km = round(haversine_km(AREAS[4].latitude, AREAS[4].longitude, AREAS[5].latitude, AREAS[5].longitude), 1)
    assert text == f"covers 2 of 3 needs · {km:g} km · free · waitlist 2 weeks · verified 12 days ago"


def test_explanations_render_in_chinese_with_a_translate_function():
    zh = {"covers %(n)d of %(total)d needs": "满足 %(total)d 项需求中的 %(n)d 项", "%(km)s km": "%(km)s 公里"}
    d = directory(svc("a", "x", at=5))
    part = run(d, "x", "y").suggestions[0].parts[0]
    assert render(part, lambda s: zh.get(s, s), lang="zh") == "满足 2 项需求中的 1 项"


def test_plan_prefers_one_organisation_covering_everything_over_nearer_separate_ones():
    d = directory(svc("x-near", "x"), svc("y-near", "y"), svc("both", "x", "y", at=5))
    result = run(d, "x", "y")
    assert [s.suggestion.service.id for s in result.plan.steps] == ["both"]
    assert result.plan.organizations == 1


def test_plan_uses_two_services_of_one_organisation_as_one():
    d = directory(svc("a1", "x", org="A", at=5), svc("a2", "y", org="A", at=5), svc("b", "x"), svc("c", "y"))
    plan = run(d, "x", "y").plan
    assert plan.organizations == 1
    assert {s.suggestion.service.id for s in plan.steps} == {"a1", "a2"}


def test_plan_breaks_organisation_ties_by_travel():
    d = directory(svc("near", "x", at=4), svc("far", "x", at=7))
    plan = run(d, "x").plan
    assert [s.suggestion.service.id for s in plan.steps] == ["near"]


def test_need_nobody_offers_is_unmet_without_a_nearest_option():
    plan = run(directory(svc("a", "x")), "x", "nothing").plan
    assert [(u.need, u.nearest) for u in plan.unmet] == [("nothing", None)]


# --- validation ---------------------------------------------------------------------------------

VOCAB = Vocabulary(categories=frozenset({"x", "y"}), care_stages=frozenset(STAGES),
                   conditions=frozenset({"opioid_use"}), populations=frozenset({"homeless"}),
                   area_ids={"C-01": 2, "C-01-01": 4})


@pytest.mark.parametrize("raw, field, message", [
    ({"needs": ["x"], "area": "C-01", "age": 300}, "age", "Age must be between 0 and 130."),
    ({"needs": ["x"], "area": "C-99"}, "area", "Unknown district or street."),
    ({"needs": [], "area": "C-01"}, "needs", "Choose at least one need."),
    ({"needs": ["x"], "area": "C-01", "travel_km": -5}, "travel_km", "The travel limit must be more than 0 and at most 500 km."),
    ({"needs": ["x"], "area": "C-01", "travel_km": "far"}, "travel_km", "Enter a number."),
    ({"needs": ["x"], "area": "C-01", "age": "12.5"}, "age", "Enter a whole number."),
    ({"needs": ["x"]}, "area", "Say where the client lives: a district or street, or a point."),
    ({"needs": ["x"], "latitude": 30.5}, "longitude", "Enter both latitude and longitude."),
    ({"needs": ["x"], "latitude": 95, "longitude": 114}, "latitude", "Latitude must be between -90 and 90."),
    ({"needs": ["x", "bogus"], "area": "C-01"}, "needs", "Unknown choice: bogus."),
    ({"needs": ["x"], "area": "C-01", "gender": "robot"}, "gender", "Unknown choice: robot."),
    ({"needs": ["x"], "area": "C-01", "remote_ok": "maybe"}, "remote_ok", "Answer yes or no."),
    ({"needs": "x", "area": "C-01", "conditions": [1]}, "conditions", "Give a list of codes."),
])
def test_invalid_input_gives_an_error_on_its_field(raw, field, message):
    profile, errors = parse_profile(raw, VOCAB)
    assert profile is None
    assert message in [render_error(e) for e in errors[field]]


def test_valid_input_gives_a_profile():
    profile, errors = parse_profile({"needs": ["x", "y", "x"], "area": "C-01-01", "travel_km": "2.5", "age": "40",
                                     "remote_ok": True, "payment": ["free", "insurance"], "urgency": "high"}, VOCAB)
    assert errors == {}
    assert profile == Profile(needs=("x", "y"), area_id=4, travel_km=2.5, age=40, remote_ok=True,
                              payment=frozenset({"free", "insurance"}), urgency="high")


# --- properties over random directories and profiles -------------------------------------------

CATS = ["a", "b", "c", "crisis_hotline"]
ORGS = ["o1", "o2", "o3", "o4", "o5"]


@st.composite
def services(draw, index):
    at = draw(st.sampled_from([4, 5, 6, 7]))
    area = AREAS[at]
    placed = draw(st.booleans()) or draw(st.booleans())
    low = draw(st.none() | st.integers(0, 70))
    high = draw(st.none() | st.integers(low or 0, 90))
    return ServiceFacts(
        id=f"s{index:02d}", organization_id=draw(st.sampled_from(ORGS)),
        status=draw(st.sampled_from(["active", "active", "active", "inactive", "temporarily_closed"])),
        categories=frozenset(draw(st.sets(st.sampled_from(CATS), min_size=1, max_size=3))),
        care_stages=frozenset(draw(st.sets(st.sampled_from(list(STAGES)), max_size=2))),
        populations_only=frozenset(draw(st.sets(st.sampled_from(["homeless", "women", "adolescent"]), max_size=1))),
        populations_served=frozenset(draw(st.sets(st.sampled_from(["homeless", "women", "adolescent"]), max_size=2))),
        conditions_served=frozenset(draw(st.sets(st.sampled_from(["opioid_use", "alcohol_use"]), max_size=1))),
        always_open=draw(st.booleans()),
        interpretation=draw(st.booleans()),
        conditions_only=frozenset(draw(st.sets(st.sampled_from(["opioid_use", "alcohol_use"]), max_size=1))),
        delivery_modes=frozenset(draw(st.sets(st.sampled_from(["in_person", "home_visit", "phone", "online"]), max_size=2))),
        minimum_age=low, maximum_age=high,
        gender_eligibility=draw(st.sampled_from([None, "all", "female", "male"])),
        residency_required=draw(st.sampled_from([None, True, False])),
        service_area_ids=frozenset(draw(st.sets(st.sampled_from([2, 3, 4, 6]), max_size=2))),
        location_district_ids=frozenset({area.parent_id}) if placed else frozenset(),
        points=((area.latitude + draw(st.floats(-0.02, 0.02)), area.longitude + draw(st.floats(-0.02, 0.02))),) if placed else (),
        capacity_status=draw(st.sampled_from(["accepting", "waitlist", "full", "unknown"])),
        wait_weeks=draw(st.none() | st.integers(0, 20)),
        accepts_referrals=draw(st.sampled_from([None, True, False])),
        cost_kinds=frozenset(draw(st.sets(st.sampled_from(PAYMENT_KINDS), max_size=2))),
        languages=frozenset(draw(st.sets(st.sampled_from(["zh", "en", "ug"]), max_size=2))),
        verified_on=draw(st.none() | st.integers(0, 800).map(lambda d: TODAY - timedelta(days=d))),
        access_mode=draw(st.sampled_from([None, "voluntary", "voluntary", "compulsory"])),
        anonymous_access=draw(st.sampled_from([None, True, False])),
    )


@st.composite
def directories(draw):
    count = draw(st.integers(0, 15))
    return directory(*(draw(services(i)) for i in range(count)))


profiles = st.builds(
    Profile,
    needs=st.lists(st.sampled_from(CATS + ["z"]), min_size=1, max_size=4, unique=True).map(tuple),
    area_id=st.sampled_from([None, 2, 4, 5, 6]),
    point=st.none() | st.tuples(st.floats(30.5, 30.7), st.floats(114.25, 114.45)),
    travel_km=st.none() | st.floats(0.5, 30),
    remote_ok=st.booleans(),
    age=st.none() | st.integers(0, 100),
    gender=st.sampled_from([None, "female", "male"]),
    conditions=st.frozensets(st.sampled_from(["opioid_use", "alcohol_use"]), max_size=2),
    populations=st.frozensets(st.sampled_from(["homeless", "women"]), max_size=2),
    payment=st.frozensets(st.sampled_from(PAYMENT_KINDS), max_size=2),
    languages=st.frozensets(st.sampled_from(["zh", "ug"]), max_size=1),
    urgency=st.sampled_from(["normal", "high"]),
    care_stage=st.none() | st.sampled_from(list(STAGES)),
    languages_only=st.booleans(),
    accepts_compulsory=st.booleans(),
    needs_anonymous=st.booleans(),
)


def reference_violations(s: ServiceFacts, p: Profile, d: Directory) -> list[str]:
    """The hard rules written out once more, independently of the engine's code."""
    out = []
    point = p.point or d.centroid(p.area_id)
    lineage = set(d.lineage(p.area_id))
    pops = set(p.populations) | ({"adolescent"} if p.age is not None and p.age < 18 else set()) \
        | ({"older_adult"} if p.age is not None and p.age >= 60 else set()) \
        | ({"women"} if p.gender == "female" or "pregnant_women" in p.populations else set())
    if s.status != "active":
        out.append("status")
    if s.access_mode == "compulsory" and not p.accepts_compulsory:
        out.append("compulsory")
    if p.needs_anonymous and s.anonymous_access is False:
        out.append("not_anonymous")
    if p.age is not None and s.minimum_age is not None and p.age < s.minimum_age:
        out.append("age_min")
    if p.age is not None and s.maximum_age is not None and p.age > s.maximum_age:
        out.append("age_max")
    if s.gender_eligibility in ("female", "male") and p.gender and p.gender != s.gender_eligibility:
        out.append("gender")
    if s.populations_only and not (s.populations_only & pops):
        out.append("population_only")
    if s.conditions_only and p.conditions and not (s.conditions_only & p.conditions):
        out.append("condition_only")
    served = s.service_area_ids or s.location_district_ids
    inside = bool(served & lineage) if served and lineage else None
    if inside is False and s.residency_required is True:
        out.append("residency")
    if p.urgency == "high" and (s.accepts_referrals is False or s.capacity_status == "full"):
        out.append("urgent")
    if p.payment and s.cost_kinds and not (s.cost_kinds & (set(p.payment) | {"free"})):
        out.append("cost")
    if p.languages_only and p.languages and s.languages and not s.interpretation and not (s.languages & p.languages):
        out.append("language")
    remote = bool(s.delivery_modes & REMOTE_MODES)
    hotline = "crisis_hotline" in s.categories and ("phone" in s.delivery_modes or not s.points)
    if not (p.remote_ok and remote) and not hotline and not (inside and s.delivery_modes & COMES_TO_CLIENT):
        if not s.points:
            if remote and not (s.delivery_modes & COMES_TO_CLIENT):
                out.append("remote_only")
        elif p.travel_km is not None and point is not None:
            if min(haversine_km(point[0], point[1], a, b) for a, b in s.points) > p.travel_km:
                out.append("too_far")
    return out


def plan_class(s) -> int:
    """Written out again: full or closed to referrals."""
    return int(s.service.accepts_referrals is False or s.service.capacity_status == "full")


def usable_covers(result) -> dict[str, set]:
    """Service id -> the needs the plan may rely on it for: a full or closed service only where no
    service taking clients covers the need."""
    best: dict[str, int] = {}
    for s in result.suggestions:
        for n in s.covers:
            best[n] = min(best.get(n, 9), plan_class(s))
    return {s.service.id: {n for n in s.covers if plan_class(s) <= best[n]} for s in result.suggestions}


def min_organisations(result, needs) -> int:
    """Brute force: the fewest organisations whose eligible services cover the coverable needs."""
    by_org: dict[str, set] = {}
    usable = usable_covers(result)
    for s in result.suggestions:
        by_org.setdefault(s.service.organization_id, set()).update(usable[s.service.id])
    coverable = set().union(*by_org.values()) if by_org else set()
    for k in range(0, len(by_org) + 1):
        for combo in itertools.combinations(by_org.values(), k):
            if set().union(*combo) >= coverable:
                return k
    raise AssertionError("unreachable")


PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(directories(), profiles)
def test_never_suggests_a_service_a_hard_rule_excludes(d, profile):
    result = match(d, profile, today=TODAY, limit=None)
    for s in result.suggestions:
        assert reference_violations(s.service, profile, d) == [], s.service
        assert set(s.covers) <= set(profile.needs) and s.covers
    for e in result.exclusions:
        assert e.reasons
    # Every service of a needed category is either suggested, excluded with a reason, or too far to list.
    listed = {s.service.id for s in result.suggestions} | {e.service.id for e in result.exclusions}
    for s in d.services:
        if s.categories & set(profile.needs) and not reference_violations(s, profile, d):
            assert s.id in listed


@PROPERTY_SETTINGS
@given(directories(), profiles)
def test_every_need_is_in_the_plan_or_reported_unmet(d, profile):
    result = match(d, profile, today=TODAY, limit=None)
    planned = [n for step in result.plan.steps for n in step.needs]
    unmet = [u.need for u in result.plan.unmet]
    assert sorted(planned + unmet) == sorted(profile.needs)  # each need exactly once
    eligible = {s.service.id for s in result.suggestions}
    usable = usable_covers(result)
    for step in result.plan.steps:
        assert step.suggestion.service.id in eligible
        assert set(step.needs) <= usable[step.suggestion.service.id]  # never full where an open one covers
    for need in unmet:
        assert not any(need in s.covers for s in result.suggestions)
    assert result.plan.organizations == min_organisations(result, profile.needs)


@PROPERTY_SETTINGS
@given(directories(), profiles, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_directory(d, profile, rnd):
    first = match(d, profile, today=TODAY, limit=None)
    shuffled = list(d.services)
    rnd.shuffle(shuffled)
    second = match(Directory(tuple(shuffled), AREAS, STAGES), profile, today=TODAY, limit=None)
    assert [s.service.id for s in first.suggestions] == [s.service.id for s in second.suggestions]
    assert [s.score for s in first.suggestions] == [s.score for s in second.suggestions]
    assert [(s.suggestion.service.id, s.needs) for s in first.plan.steps] == \
        [(s.suggestion.service.id, s.needs) for s in second.plan.steps]
    assert [e.service.id for e in first.exclusions] == [e.service.id for e in second.exclusions]
    assert first.relaxations == second.relaxations
    assert first == match(d, profile, today=TODAY, limit=None)


def test_limit_caps_suggestions_but_not_the_plan_or_the_count():
    rng = random.Random(3)
    d = directory(*(svc(f"s{i:02d}", rng.choice("xy"), at=rng.choice([4, 5])) for i in range(30)))
    full = run(d, "x", "y")
    capped = match(d, replace(full.profile), today=TODAY, limit=5)
    assert len(capped.suggestions) == 5 and capped.eligible_total == full.eligible_total == 30
    assert capped.suggestions == full.suggestions[:5]
    assert capped.plan == full.plan


# --- fit before proximity, availability, freshness, language, crisis (issue 12) -----------------

def test_a_service_for_another_group_ranks_below_general_and_matching_ones_and_says_why():
    d = directory(
        svc("rehab-group", "x", populations_served=frozenset({"people_in_community_treatment"})),
        svc("general", "x", at=5),
        svc("teen-clinic", "x", at=7, populations_served=frozenset({"adolescent"})),
    )
    result = run(d, "x", age=16, gender="female")
    assert ids(result) == ["teen-clinic", "general", "rehab-group"]
    texts = {s.service.id: sentence(s.parts) for s in result.suggestions}
    assert "suited to the client: adolescent" in texts["teen-clinic"]
    assert "meant for people_in_community_treatment" in texts["rehab-group"]
    # Ticking the group brings it back to the top: fit decides before distance.
    assert ids(run(d, "x", age=30, populations=frozenset({"people_in_community_treatment"})))[0] == "rehab-group"


def test_only_restrictions_stay_hard_rules():
    d = directory(svc("teens-only", "x", populations_only=frozenset({"adolescent"})), svc("general", "x"))
    assert excluded(run(d, "x", age=30)) == {"teens-only": {"population_only"}}


def test_not_accepting_full_and_waitlisted_rank_below_accepting_and_show_the_wait():
    d = directory(
        svc("closed", "x", accepts_referrals=False, capacity_status="accepting"),
        svc("full", "x", capacity_status="full"),
        svc("waitlist", "x", capacity_status="waitlist", wait_weeks=6),
        svc("open", "x", at=7, capacity_status="accepting"),
    )
    result = run(d, "x")
    assert ids(result)[:2] == ["open", "waitlist"]
    assert set(ids(result)[2:]) == {"closed", "full"}
    texts = {s.service.id: sentence(s.parts) for s in result.suggestions}
    assert "waitlist 6 weeks" in texts["waitlist"]
    assert "not taking referrals now: ranked lower" in texts["closed"]


def test_unverified_past_the_freshness_limit_is_a_visible_penalty():
    d = directory(svc("stale", "x", verified_on=TODAY - timedelta(days=305)),
                  svc("fresh", "x", at=5, verified_on=TODAY - timedelta(days=20)))
    result = run(d, "x")
    assert ids(result) == ["fresh", "stale"]
    stale = result.suggestions[1]
    assert stale.breakdown["freshness"] < 0.25 <= 0.5 <= result.suggestions[0].breakdown["freshness"]
    assert "not verified for 305 days: ranked lower" in sentence(stale.parts)
    # The boundary is the one freshness rule: day 180 still counts as fresh, day 181 is penalised.
    edge = run(directory(svc("a", "x", verified_on=TODAY - timedelta(days=180)),
                         svc("b", "x", verified_on=TODAY - timedelta(days=181))), "x")
    marks = {s.service.id: s.breakdown["freshness"] for s in edge.suggestions}
    assert marks["a"] == 0.5 and marks["b"] <= 0.25
    assert [p.key for p in edge.suggestions[1].parts][-1] == "stale"


def test_speaks_only_makes_language_a_hard_rule_otherwise_a_strong_preference():
    d = directory(svc("near-zh", "x", languages=frozenset({"zh"})),
                  svc("en", "x", at=5, languages=frozenset({"zh", "en"})),
                  svc("silent", "x", at=5))
    preferred = run(d, "x", languages=frozenset({"en"}))
    assert ids(preferred)[0] == "en"
    assert "language_missing" in {f.key for f in preferred.suggestions[-1].flags}
    only = run(d, "x", languages=frozenset({"en"}), languages_only=True)
    assert set(ids(only)) == {"en", "silent"}  # not stated is not no
    assert excluded(only) == {"near-zh": {"language"}}
    assert render(only.exclusions[0].reasons[0]) == "does not speak English (the client speaks only that)"


def test_crisis_need_includes_hotlines_without_remote_ok_and_24_hours_first():
    d = directory(
        svc("evening-line", "crisis_hotline", points=(), delivery_modes=frozenset({"phone"})),
        svc("24h-line", "crisis_hotline", at=6, delivery_modes=frozenset({"phone"}), always_open=True,
            verified_on=TODAY - timedelta(days=400)),
        svc("no-mode-line", "crisis_hotline", points=()),
        svc("online-chat", "counselling", points=(), delivery_modes=frozenset({"online"})),
    )
    result = run(d, "crisis_hotline", "counselling", travel_km=2)
    assert ids(result)[0] == "24h-line"
    assert set(ids(result)) == {"24h-line", "evening-line", "no-mode-line"}
    assert all(s.reach == "remote" for s in result.suggestions)
    assert "open 24 hours" in sentence(result.suggestions[0].parts)
    assert excluded(result) == {"online-chat": {"remote_only"}}  # other remote help still needs the tick
    assert not [u for u in result.plan.unmet if u.need == "crisis_hotline"]


def test_plan_never_uses_a_full_service_where_an_accepting_one_covers_the_need():
    d = directory(
        svc("full-house", "housing", org="A", capacity_status="full"),
        svc("jobs-a", "jobs", org="A"),
        svc("open-house", "housing", org="B", at=7, capacity_status="accepting"),
    )
    plan = run(d, "housing", "jobs").plan
    relied = {s.suggestion.service.id: s.needs for s in plan.steps}
    assert relied == {"open-house": ("housing",), "jobs-a": ("jobs",)}
    # With nothing else for the need, a full service is still better than nothing.
    only_full = run(directory(svc("full-house", "housing", capacity_status="full")), "housing").plan
    assert [s.suggestion.service.id for s in only_full.steps] == ["full-house"]


def test_plan_prefers_verified_services():
    d = directory(svc("stale", "x", verified_on=TODAY - timedelta(days=305)),
                  svc("fresh", "x", at=5, verified_on=TODAY - timedelta(days=10)))
    assert [s.suggestion.service.id for s in run(d, "x").plan.steps] == ["fresh"]


def _presenter():
    from portal.matching.catalog import Catalog
    from portal.matching.present import Presenter

    return lambda d: Presenter(Catalog(d, VOCAB, {}), lambda s: s, "en")


@PROPERTY_SETTINGS
@given(directories(), profiles, st.integers(1, 3))
def test_every_plan_item_renders_even_beyond_the_returned_suggestions(d, profile, limit):
    result = match(d, profile, today=TODAY, limit=limit)
    body = _presenter()(d).result(result)
    assert len(body["plan"]["steps"]) == len(result.plan.steps)
    for step, shown in zip(result.plan.steps, body["plan"]["steps"]):
        assert shown["service"]["id"] == step.suggestion.service.id
        assert shown["rank"] >= 1 and shown["explanation"]
    full = match(d, profile, today=TODAY, limit=None)
    assert [s.suggestion.rank for s in result.plan.steps] == \
        [ids(full).index(s.suggestion.service.id) + 1 for s in result.plan.steps]


@PROPERTY_SETTINGS
@given(directories(), profiles, st.data())
def test_an_updated_directory_matches_like_one_built_from_scratch(d, profile, data):
    changed = [data.draw(services(i)) for i in data.draw(st.lists(st.integers(0, 20), max_size=4, unique=True))]
    removed = [s.id for s in d.services if data.draw(st.booleans()) and s.id not in {c.id for c in changed}][:3]
    updated = d.updated(changed, removed)
    by_id = {s.id: s for s in d.services}
    by_id.update({s.id: s for s in changed})
    for sid in removed:
        del by_id[sid]
    rebuilt = directory(*by_id.values())
    a = match(updated, profile, today=TODAY, limit=None)
    b = match(rebuilt, profile, today=TODAY, limit=None)
    assert ids(a) == ids(b)
    assert [(s.suggestion.service.id, s.needs) for s in a.plan.steps] == \
        [(s.suggestion.service.id, s.needs) for s in b.plan.steps]
    assert [e.service.id for e in a.exclusions] == [e.service.id for e in b.exclusions]
