"""Matching over the demo city (江澜市): real client situations, the services that must be suggested
and the ones that must not (with the reason a worker would see).

The catalog is loaded once per module from the seeded template database (read only) and each
scenario calls the engine as the page does."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from portal.common import today
from portal.matching.engine import Profile, match
from portal.matching.explain import sentence
from seed.loader import seed_id

SERVICE_KEYS = [s["key"] for s in json.loads(
    (Path(__file__).resolve().parents[2] / "seed" / "data" / "services.json").read_text())["services"]]
KEY_OF = {seed_id("service", key): key for key in SERVICE_KEYS}


@pytest.fixture(scope="module")
def catalog(backend, seeded_template):
    from ..conftest import dispose, make_app

    url = backend.clone(seeded_template.url)  # a template takes no connections (conftest: seal)
    app = make_app(url, seeded_template.index_dir)
    try:
        with app.app_context():
            from portal.extensions import db
            from portal.matching.catalog import load_catalog

            return load_catalog(db.session)
    finally:
        dispose(app)
        backend.drop(url)


def run(catalog, *needs, area=None, day: date | None = None, **fields):
    area_id = catalog.vocabulary.area_ids[area] if area else None
    for key in ("conditions", "populations", "payment", "languages"):
        if key in fields:
            fields[key] = frozenset(fields[key])
    profile = Profile(needs=tuple(needs), area_id=area_id, **fields)
    return match(catalog.directory, profile, today=day or today(), limit=None)


def suggested(result) -> list[str]:
    return [KEY_OF[s.service.id] for s in result.suggestions]


def reasons(result, key: str) -> set[str]:
    """Reason codes for an excluded service (empty set: not in the exclusion list)."""
    for e in result.exclusions:
        if KEY_OF[e.service.id] == key:
            return {r.key for r in e.reasons}
    return set()


def plan_keys(result) -> dict[str, tuple[str, ...]]:
    return {KEY_OF[step.suggestion.service.id]: step.needs for step in result.plan.steps}


def flags(result, key: str) -> set[str]:
    for s in result.suggestions:
        if KEY_OF[s.service.id] == key:
            return {f.key for f in s.flags}
    raise AssertionError(f"{key} was not suggested")


# --- opioids and methadone ---------------------------------------------------------------------

def test_man_on_methadone_who_needs_work_gets_his_district_clinic_and_the_job_centre(catalog):
    result = run(catalog, "methadone_maintenance", "employment_support", area="JL-01-01", travel_km=5,
                 age=38, gender="male", conditions={"opioid_use"},
                 populations={"people_in_community_treatment"}, care_stage="maintenance_treatment")
    keys = suggested(result)
    assert "mmt-jiangbin/mmt" in keys
    assert "jobs-jiangbin/employment_guidance" in keys
    # Closed or far-away services never appear.
    assert "gig-station-qinghu/employment_guidance" not in keys
    assert "mmt-donggang/mmt" not in keys
    plan = plan_keys(result)
    assert set(n for needs in plan.values() for n in needs) == {"methadone_maintenance", "employment_support"}
    assert not result.plan.unmet


def test_methadone_clinic_explanation_reads_like_the_issue(catalog):
    result = run(catalog, "methadone_maintenance", "employment_support", "vocational_training",
                 area="JL-01-01", travel_km=5, age=38, conditions={"opioid_use"})
    clinic = next(s for s in result.suggestions if KEY_OF[s.service.id] == "mmt-jiangbin/mmt")
    text = sentence(clinic.parts)
    assert text.startswith("covers 1 of 3 needs · ")
    assert " km · " in text and "waitlist 5 weeks" in text
    assert "verified" in text
    assert set(clinic.breakdown) == {"needs", "distance", "capacity", "cost", "care_stage", "language", "freshness"}


def test_methadone_clinic_for_residents_only_is_excluded_for_someone_from_another_district(catalog):
    # 白鹭区 clinic only takes residents of its district; a 凤岭区 client who can travel 20 km is told why.
    result = run(catalog, "methadone_maintenance", area="JL-11-01", travel_km=20, age=40,
                 conditions={"opioid_use"})
    assert "mmt-bailu/mmt" not in suggested(result)
    assert "residency" in reasons(result, "mmt-bailu/mmt")


def test_fengling_has_no_methadone_clinic_nearby_and_the_plan_says_so(catalog):
    result = run(catalog, "methadone_maintenance", "legal_aid", area="JL-11-01", travel_km=5, age=40,
                 conditions={"opioid_use"})
    assert not any("methadone_maintenance" in s.covers for s in result.suggestions)
    unmet = {u.need: u for u in result.plan.unmet}
    assert set(unmet) == {"methadone_maintenance"}
    nearest = unmet["methadone_maintenance"]
    assert nearest.nearest is not None and nearest.nearest_km > 5
    assert "methadone_maintenance" in nearest.nearest.categories
    # Legal aid is covered nearby.
    assert "legal-aid-fengling/legal_aid" in plan_keys(result)


def test_relaxing_distance_in_fengling_brings_in_the_nearest_clinic(catalog):
    first = run(catalog, "methadone_maintenance", area="JL-11-01", travel_km=5, age=40, conditions={"opioid_use"})
    relax = next(r for r in first.relaxations if r.rule == "distance")
    assert relax.travel_km > 5 and relax.adds >= 1
    again = run(catalog, "methadone_maintenance", area="JL-11-01", travel_km=relax.travel_km, age=40,
                conditions={"opioid_use"})
    assert first.plan.unmet[0].nearest.id in {s.service.id for s in again.suggestions}
    assert not again.plan.unmet


def test_urgent_case_excludes_a_clinic_that_does_not_take_referrals(catalog):
    # 东港区's clinic accepts no referrals: fine to list for a routine case (flagged), not for an urgent one.
    routine = run(catalog, "methadone_maintenance", area="JL-10-02", travel_km=5, age=30, conditions={"opioid_use"})
    assert "mmt-donggang/mmt" in suggested(routine)
    assert "referrals_closed" in flags(routine, "mmt-donggang/mmt")
    urgent = run(catalog, "methadone_maintenance", area="JL-10-02", travel_km=5, age=30,
                 conditions={"opioid_use"}, urgency="high")
    assert "mmt-donggang/mmt" not in suggested(urgent)
    assert "not_accepting" in reasons(urgent, "mmt-donggang/mmt")
    assert any(r.rule == "urgency" for r in urgent.relaxations)


def test_buprenorphine_is_only_for_opioid_use(catalog):
    opioid = run(catalog, "buprenorphine_maintenance", area="JL-08-01", travel_km=10, age=35, conditions={"opioid_use"})
    assert "addiction-city/bup" in suggested(opioid)
    alcohol = run(catalog, "buprenorphine_maintenance", area="JL-08-01", travel_km=10, age=35, conditions={"alcohol_use"})
    assert "addiction-city/bup" not in suggested(alcohol)
    assert "condition_only" in reasons(alcohol, "addiction-city/bup")


def test_unknown_condition_is_not_no_the_clinic_is_flagged_not_dropped(catalog):
    result = run(catalog, "buprenorphine_maintenance", area="JL-08-01", travel_km=10, age=35)
    assert "addiction-city/bup" in suggested(result)
    assert "condition_check" in flags(result, "addiction-city/bup")


# --- stimulants, pregnancy, women --------------------------------------------------------------

def test_pregnant_woman_using_methamphetamine_gets_prenatal_screening_and_womens_services(catalog):
    result = run(catalog, "screening_assessment", "detox", "peer_support", area="JL-04-01", travel_km=10,
                 age=26, gender="female", conditions={"stimulant_use"}, populations={"pregnant_women"})
    keys = suggested(result)
    assert "maternal-city/prenatal_screening" in keys
    assert "ngo-zhilan/women_outreach" in keys or "ngo-zhilan/women_group" in keys
    assert "mhc-city/stimulant_ward" in keys or "addiction-city/stimulant_ward" in keys
    # Men-only and alcohol-only services are excluded with their reasons.
    assert "rehab-centre-city/voluntary_rehab_stay" not in keys
    assert not [k for k in keys if k.endswith("/detox_alcohol")]
    alcohol_only = [k for k in map(KEY_OF.get, (e.service.id for e in result.exclusions)) if k.endswith("/detox_alcohol")]
    assert alcohol_only and all("condition_only" in reasons(result, k) for k in alcohol_only)


def test_prenatal_screening_is_excluded_for_a_man_with_the_reason(catalog):
    result = run(catalog, "screening_assessment", area="JL-04-01", travel_km=10, age=30, gender="male",
                 conditions={"stimulant_use"})
    assert "maternal-city/prenatal_screening" not in suggested(result)
    assert {"gender", "population_only"} <= reasons(result, "maternal-city/prenatal_screening")


def test_women_only_group_is_flagged_when_gender_was_not_given(catalog):
    result = run(catalog, "outreach", "harm_reduction", area="JL-01-02", travel_km=10, age=30)
    # Unknown gender: the women-only outreach is excluded by its population restriction, since
    # "women" cannot be derived; the worker sees why and can fill in the gender.
    assert "population_only" in reasons(result, "ngo-zhilan/women_outreach")
    female = run(catalog, "outreach", "harm_reduction", area="JL-01-02", travel_km=10, age=30, gender="female")
    assert "ngo-zhilan/women_outreach" in suggested(female)


# --- severe mental illness ---------------------------------------------------------------------

def test_man_with_schizophrenia_moving_to_community_integration_gets_the_rehab_station_first(catalog):
    result = run(catalog, "rehab_day_station", "social_skills", area="JL-01-04", travel_km=5, age=45,
                 gender="male", conditions={"schizophrenia"}, care_stage="home_based_rehab")
    keys = suggested(result)
    assert keys[0] == "dpf-rehab-jiangbin/rehab_day"
    top = result.suggestions[0]
    assert top.breakdown["care_stage"] == 1.0
    assert "next step in care" in sentence(top.parts)
    assert top.covers == ("rehab_day_station", "social_skills")
    # One organisation covers both needs: the plan uses just it.
    assert result.plan.organizations == 1
    # Older-adult day care is not for him.
    assert "elderly-jiangbin/day_care_elder" not in keys


def test_rehab_day_station_upper_age_limit_excludes_a_70_year_old(catalog):
    result = run(catalog, "rehab_day_station", area="JL-01-04", travel_km=5, age=70, conditions={"schizophrenia"})
    assert "dpf-rehab-jiangbin/rehab_day" not in suggested(result)
    assert "age_max" in reasons(result, "dpf-rehab-jiangbin/rehab_day")
    # ...but older-adult day care is.
    assert "elderly-jiangbin/day_care_elder" in suggested(result)


def test_co_occurring_disorder_gets_the_dual_diagnosis_clinic_others_do_not(catalog):
    dual = run(catalog, "psychiatric_care", area="JL-03-01", travel_km=10, age=33, payment={"insurance"},
               conditions={"schizophrenia", "stimulant_use"}, populations={"co_occurring"})
    assert "mhc-city/dual_diagnosis" in suggested(dual)
    single = run(catalog, "psychiatric_care", area="JL-03-01", travel_km=10, age=33, payment={"insurance"},
                 conditions={"schizophrenia"})
    assert "mhc-city/dual_diagnosis" not in suggested(single)
    assert "population_only" in reasons(single, "mhc-city/dual_diagnosis")


def test_free_only_client_does_not_get_insurance_only_psychiatry_and_can_relax_it(catalog):
    result = run(catalog, "psychiatric_care", area="JL-03-01", travel_km=10, age=33, payment={"free"})
    assert "mhc-city/psych_outpatient" not in suggested(result)
    assert "cost" in reasons(result, "mhc-city/psych_outpatient")
    assert any(r.rule == "payment" and r.adds >= 1 for r in result.relaxations)


def test_insured_client_gets_the_outpatient_clinic(catalog):
    result = run(catalog, "psychiatric_care", area="JL-03-01", travel_km=10, age=33, payment={"insurance"})
    assert "mhc-city/psych_outpatient" in suggested(result)


# --- families and caregivers -------------------------------------------------------------------

def test_exhausted_caregiver_gets_home_respite_that_comes_to_her(catalog):
    result = run(catalog, "respite_care", "caregiver_training", area="JL-01-01", travel_km=3, age=58,
                 gender="female", populations={"family_caregiver"})
    keys = suggested(result)
    assert "elderly-jiangbin/respite_home" in keys
    home = next(s for s in result.suggestions if KEY_OF[s.service.id] == "elderly-jiangbin/respite_home")
    assert home.reach == "comes"
    assert any("caregiver_training" in s.covers for s in result.suggestions)
    # Respite beds for older adults are not for a 58-year-old caregiver.
    assert "population_only" in reasons(result, "elderly-jiangbin/respite_elder_inst")
    assert not result.plan.unmet


def test_caregiver_aged_65_is_an_older_adult_too(catalog):
    result = run(catalog, "respite_care", area="JL-01-01", travel_km=3, age=65, populations={"family_caregiver"})
    assert "elderly-jiangbin/respite_elder_inst" in suggested(result)


def test_respite_for_caregivers_is_not_offered_to_someone_who_is_not_one(catalog):
    result = run(catalog, "respite_care", area="JL-01-01", travel_km=3, age=40)
    assert "elderly-jiangbin/respite_home" not in suggested(result)
    assert "population_only" in reasons(result, "elderly-jiangbin/respite_home")


def test_home_respite_of_another_district_does_not_come_to_this_one(catalog):
    result = run(catalog, "respite_care", area="JL-02-01", travel_km=3, age=50, populations={"family_caregiver"})
    assert "elderly-qinghu/respite_home" in suggested(result)
    assert "elderly-jiangbin/respite_home" not in suggested(result)


# --- young people, homelessness, disability ----------------------------------------------------

def test_adolescent_gets_youth_services_and_not_adult_ones(catalog):
    result = run(catalog, "counselling", "prevention_education", area="JL-03-03", travel_km=5, age=15,
                 remote_ok=True, conditions={"cannabis_use"})
    keys = suggested(result)
    assert "ngo-pugongying/youth_prevention" in keys
    assert "ngo-pugongying/youth_line" in keys
    assert "ngo-chenguang/counselling_ngo" not in keys  # 16 and over
    assert "age_min" in reasons(result, "ngo-chenguang/counselling_ngo")


def test_adult_does_not_get_youth_only_services(catalog):
    result = run(catalog, "prevention_education", area="JL-03-03", travel_km=5, age=30)
    assert "ngo-pugongying/youth_prevention" not in suggested(result)
    assert {"age_max", "population_only"} <= reasons(result, "ngo-pugongying/youth_prevention")


def test_homeless_man_gets_shelter_and_street_outreach_not_womens_or_youth_housing(catalog):
    result = run(catalog, "housing_support", "outreach", area="JL-05-04", travel_km=10, age=50, gender="male",
                 populations={"homeless"}, conditions={"alcohol_use"})
    keys = suggested(result)
    assert "relief-city/temp_shelter" in keys
    assert "relief-city/street_outreach_homeless" in keys
    assert "ngo-zhilan/women_housing" not in keys
    assert "child-protection-city/youth_shelter" not in keys


def test_homeless_teenager_gets_the_youth_shelter_an_adult_does_not(catalog):
    teen = run(catalog, "housing_support", area="JL-07-03", travel_km=5, age=16, populations={"homeless"})
    assert "child-protection-city/youth_shelter" in suggested(teen)
    adult = run(catalog, "housing_support", area="JL-07-03", travel_km=5, age=50, populations={"homeless"})
    assert "child-protection-city/youth_shelter" not in suggested(adult)
    assert {"age_max", "population_only"} <= reasons(adult, "child-protection-city/youth_shelter")


def test_shelter_is_for_homeless_people_only(catalog):
    result = run(catalog, "housing_support", area="JL-05-04", travel_km=10, age=50, gender="male")
    assert "relief-city/temp_shelter" not in suggested(result)


def test_disability_certificate_opens_sheltered_workshops(catalog):
    with_cert = run(catalog, "supported_employment", area="JL-01-04", travel_km=5, age=35,
                    populations={"people_with_disability"}, conditions={"schizophrenia"})
    assert "dpf-rehab-jiangbin/sheltered_workshop" in suggested(with_cert)
    without = run(catalog, "supported_employment", area="JL-01-04", travel_km=5, age=35, conditions={"schizophrenia"})
    assert "dpf-rehab-jiangbin/sheltered_workshop" not in suggested(without)


# --- reach, language, status -------------------------------------------------------------------

def test_phone_and_online_services_count_as_reachable_only_when_the_client_can_use_them(catalog):
    far = run(catalog, "crisis_hotline", area="JL-11-04", travel_km=2, age=30, remote_ok=True)
    hotline = next(s for s in far.suggestions if KEY_OF[s.service.id] == "narcotics-city/drug_hotline")
    assert hotline.reach == "remote" and "online or by phone" in sentence(hotline.parts)
    # Online-only help needs the tick (a hotline does not: see the crisis scenarios).
    strict = run(catalog, "counselling", area="JL-11-04", travel_km=2, age=30)
    online = [e for e in strict.exclusions if {r.key for r in e.reasons} == {"remote_only"}]
    assert online and not any(s.reach == "remote" and not s.service.hotline for s in strict.suggestions)
    assert any(r.rule == "remote" for r in strict.relaxations)


def test_temporarily_closed_and_inactive_services_are_never_suggested(catalog):
    result = run(catalog, "employment_support", "vocational_training", area="JL-02-02", travel_km=30, age=30,
                 populations={"people_in_community_treatment"})
    keys = suggested(result)
    for closed in ("gig-station-qinghu/employment_guidance", "jobs-jinsha/skills_training",
                   "ent-antu/supported_job"):
        assert closed not in keys
    assert "status" in reasons(result, "gig-station-qinghu/employment_guidance")


def test_client_speaking_uyghur_sees_services_that_speak_it_ranked_with_the_language(catalog):
    result = run(catalog, "case_management", area="JL-06-01", travel_km=10, age=30, languages={"ug"},
                 populations={"ethnic_minority"})
    speaking = [s for s in result.suggestions if "ug" in s.service.languages]
    assert speaking, "the demo data has services that speak Uyghur"
    assert all(s.breakdown["language"] == 1.0 for s in speaking)
    silent = [s for s in result.suggestions if s.service.languages and "ug" not in s.service.languages
              and not s.service.interpretation]
    assert all("language_missing" in {f.key for f in s.flags} for s in silent)


def test_released_from_rehab_needing_aftercare_housing_and_work_gets_a_covering_plan(catalog):
    result = run(catalog, "aftercare", "housing_support", "employment_support", area="JL-06-01", travel_km=15,
                 age=32, gender="male", conditions={"opioid_use"}, populations={"people_in_community_treatment"},
                 care_stage="relapse_prevention_reintegration")
    covered = result.plan.covered | {u.need for u in result.plan.unmet}
    assert covered == {"aftercare", "housing_support", "employment_support"}
    # The resettlement service covers housing and work at once, so the plan needs few organisations.
    assert result.plan.organizations <= 2
    assert "resettlement-city/resettlement" in suggested(result)


def test_a_point_instead_of_an_area_works_and_residency_is_flagged_not_decided(catalog):
    clinic_area = catalog.directory.areas[catalog.vocabulary.area_ids["JL-01-01"]]
    result = run(catalog, "methadone_maintenance", point=(clinic_area.latitude, clinic_area.longitude),
                 travel_km=3, age=40, conditions={"opioid_use"})
    assert "mmt-jiangbin/mmt" in suggested(result)
    assert "residency_check" in flags(result, "mmt-jiangbin/mmt")


def test_no_eligible_service_anywhere_is_reported_without_a_nearest_option(catalog):
    # HIV peer support is for people living with HIV only: for anyone else nothing fits anywhere.
    result = run(catalog, "peer_support", area="JL-08-04", travel_km=1, age=40, gender="male",
                 conditions={"opioid_use"}, populations={"people_living_with_hiv"})
    assert "ngo-lvzhou/hiv_peer" in suggested(result)
    legal = run(catalog, "legal_aid", area="JL-08-04", travel_km=1, age=40, payment={"insurance"})
    assert legal.plan.unmet and legal.plan.unmet[0].need == "legal_aid"
    assert legal.plan.unmet[0].nearest is not None  # free legal aid exists, farther away


# --- issue 12: fit before proximity, availability, freshness, language, crisis, plan ----------

def part_keys(suggestion) -> set[str]:
    return {p.key for p in suggestion.parts}


def test_adolescent_girl_needing_counselling_gets_youth_services_before_relapse_groups(catalog):
    result = run(catalog, "counselling", area="JL-01-01", travel_km=5, age=16, gender="female")
    keys = suggested(result)
    assert keys.index("mhc-city/youth_psych") < keys.index("drug-sw-jiangbin/relapse_group")
    relapse = next(s for s in result.suggestions if KEY_OF[s.service.id] == "drug-sw-jiangbin/relapse_group")
    assert "group_other" in part_keys(relapse)  # and it says why
    # Everything meant for other groups comes after every general or matching service.
    tiers = ["group_other" in part_keys(s) for s in result.suggestions]
    assert tiers == sorted(tiers)


def test_ticking_the_group_brings_its_services_forward(catalog):
    plain = run(catalog, "counselling", area="JL-01-01", travel_km=5, age=30)
    ticked = run(catalog, "counselling", area="JL-01-01", travel_km=5, age=30,
                 populations={"people_in_community_treatment"})
    group = "drug-sw-jiangbin/relapse_group"
    assert suggested(ticked).index(group) < suggested(plain).index(group)


def test_methadone_clinic_not_taking_referrals_ranks_below_accepting_ones(catalog):
    result = run(catalog, "methadone_maintenance", area="JL-10-02", travel_km=10, age=30, conditions={"opioid_use"})
    keys = suggested(result)
    assert keys[-1] == "mmt-donggang/mmt" and keys[0] == "mmt-jinsha/mmt"
    closed = result.suggestions[-1]
    assert "referrals_closed_ranked" in part_keys(closed) and "waitlist_weeks" in part_keys(closed)


def test_waitlisted_services_show_the_wait(catalog):
    result = run(catalog, "methadone_maintenance", area="JL-01-01", travel_km=5, age=38, conditions={"opioid_use"})
    clinic = next(s for s in result.suggestions if KEY_OF[s.service.id] == "mmt-jiangbin/mmt")
    assert "waitlist 5 weeks" in sentence(clinic.parts)


def test_a_listing_unverified_past_the_limit_is_marked_and_scored_down(catalog):
    result = run(catalog, "methadone_maintenance", area="JL-01-01", travel_km=5, age=38, conditions={"opioid_use"})
    clinic = next(s for s in result.suggestions if KEY_OF[s.service.id] == "mmt-jiangbin/mmt")  # 361 days
    assert clinic.breakdown["freshness"] == 0.0
    assert "ranked lower" in sentence(clinic.parts) and "not verified for" in sentence(clinic.parts)


def test_english_only_client_gets_no_service_that_cannot_speak_with_him(catalog):
    result = run(catalog, "case_management", area="JL-06-01", travel_km=10, age=30, languages={"en"},
                 languages_only=True)
    for s in result.suggestions:
        assert not s.service.languages or "en" in s.service.languages or s.service.interpretation
    assert any({r.key for r in e.reasons} == {"language"} for e in result.exclusions)


def test_english_speaking_client_sees_english_services_first_when_fit_is_equal(catalog):
    result = run(catalog, "case_management", area="JL-06-01", travel_km=10, age=30, languages={"en"})
    speaking = [s.score for s in result.suggestions if "en" in s.service.languages]
    silent = [s.score for s in result.suggestions if s.service.languages and "en" not in s.service.languages
              and not s.service.interpretation]
    if speaking and silent:
        assert max(silent) < max(speaking)
    assert all(s.breakdown["language"] == 0.0 for s in result.suggestions
               if s.service.languages and "en" not in s.service.languages and not s.service.interpretation)


def test_crisis_need_gets_hotlines_without_the_phone_tick_and_24_hours_first(catalog):
    result = run(catalog, "crisis_hotline", area="JL-11-04", travel_km=2, age=30)
    keys = suggested(result)
    assert {"ngo-xinyu/crisis_line", "mhc-city/crisis_line", "narcotics-city/drug_hotline"} <= set(keys)
    assert not result.plan.unmet
    open_flags = [s.service.always_open for s in result.suggestions]
    assert open_flags == sorted(open_flags, reverse=True)  # around the clock first
    assert keys.index("narcotics-city/drug_hotline") > keys.index("ngo-xinyu/crisis_line")
    assert "open 24 hours" in sentence(result.suggestions[0].parts)
    assert all(s.reach == "remote" for s in result.suggestions)


def test_crisis_plan_relies_on_an_accepting_24_hour_line_not_the_full_one(catalog):
    result = run(catalog, "crisis_hotline", area="JL-03-01", travel_km=5, age=40)
    steps = plan_keys(result)
    assert "mhc-city/crisis_line" not in steps  # full
    assert set(steps) and all(catalog.directory.services[catalog.directory.index_of[s.suggestion.service.id]]
                              .capacity_status != "full" for s in result.plan.steps)


PLAN_PROFILES = [
    dict(needs=("housing_support", "employment_support", "vocational_training"), area="JL-06-01", travel_km=15,
         age=32, gender="male"),
    dict(needs=("aftercare", "housing_support", "employment_support"), area="JL-06-01", travel_km=15, age=32,
         gender="male", conditions={"opioid_use"}, populations={"people_in_community_treatment"}),
    dict(needs=("detox", "housing_support", "vocational_training"), area="JL-02-01", travel_km=20, age=40,
         gender="male", conditions={"opioid_use"}),
    dict(needs=("methadone_maintenance", "employment_support"), area="JL-10-02", travel_km=10, age=30,
         conditions={"opioid_use"}),
    dict(needs=("psychiatric_care", "rehab_day_station", "respite_care"), area="JL-01-04", travel_km=10, age=45,
         conditions={"schizophrenia"}, populations={"family_caregiver"}),
]


@pytest.mark.parametrize("fields", PLAN_PROFILES)
def test_plan_never_relies_on_a_full_or_closed_service_where_an_accepting_one_covers_the_need(catalog, fields):
    fields = dict(fields)
    result = run(catalog, *fields.pop("needs"), **fields)
    def closed(s):
        return s.service.accepts_referrals is False or s.service.capacity_status == "full"
    for step in result.plan.steps:
        if closed(step.suggestion):
            for need in step.needs:
                assert not any(need in s.covers and not closed(s) for s in result.suggestions), need
    assert set(result.plan.covered) | {u.need for u in result.plan.unmet} == set(result.profile.needs)


def test_plan_prefers_a_verified_service_over_a_stale_one_for_the_same_need(catalog):
    from portal.directory.freshness import is_stale

    result = run(catalog, "methadone_maintenance", area="JL-01-01", travel_km=30, age=38, conditions={"opioid_use"})
    step = result.plan.steps[0].suggestion
    fresh_alternatives = [s for s in result.suggestions if not is_stale(s.service.verified_on, today(), 180)
                          and s.service.capacity_status != "full" and s.service.accepts_referrals is not False]
    if fresh_alternatives:
        assert not is_stale(step.service.verified_on, today(), 180)


def test_every_plan_item_renders_when_it_ranks_beyond_the_suggestions_returned(catalog):
    from portal.matching.present import Presenter

    profile = Profile(needs=("crisis_hotline", "housing_support", "employment_support", "legal_aid"),
                      area_id=catalog.vocabulary.area_ids["JL-06-01"], travel_km=15, age=32)
    result = match(catalog.directory, profile, today=today(), limit=1)
    assert any(step.suggestion.rank > 1 for step in result.plan.steps)
    body = Presenter(catalog, lambda s: s, "en").result(result)
    assert [s["service"]["id"] for s in body["plan"]["steps"]] == [s.suggestion.service.id for s in result.plan.steps]
    assert all(s["rank"] == step.suggestion.rank for s, step in zip(body["plan"]["steps"], result.plan.steps))


def test_women_only_service_excluded_for_a_man_says_so_once(catalog):
    result = run(catalog, "outreach", "harm_reduction", area="JL-01-02", travel_km=10, age=30, gender="male")
    why = [r.key for e in result.exclusions if KEY_OF[e.service.id] == "ngo-zhilan/women_outreach" for r in e.reasons]
    assert why.count("gender") == 1 and "population_only" not in why


def _profiles(catalog):
    from hypothesis import strategies as st

    vocab = catalog.vocabulary
    return st.builds(
        Profile,
        needs=st.lists(st.sampled_from(sorted(vocab.categories)), min_size=1, max_size=4, unique=True).map(tuple),
        area_id=st.sampled_from(sorted(vocab.area_ids.values())),
        travel_km=st.none() | st.sampled_from([1.0, 3.0, 5.0, 10.0, 30.0]),
        remote_ok=st.booleans(), age=st.none() | st.integers(5, 90),
        gender=st.sampled_from([None, "female", "male"]),
        conditions=st.frozensets(st.sampled_from(sorted(vocab.conditions)), max_size=2),
        populations=st.frozensets(st.sampled_from(sorted(vocab.populations)), max_size=2),
        payment=st.frozensets(st.sampled_from(["free", "insurance", "fixed_fee"]), max_size=1),
        languages=st.frozensets(st.sampled_from(["zh", "en", "ug"]), max_size=1),
        languages_only=st.booleans(), urgency=st.sampled_from(["normal", "high"]),
        care_stage=st.none() | st.sampled_from(sorted(vocab.care_stages)),
    )


def test_property_no_suggestion_or_plan_item_breaks_a_hard_rule_and_every_need_is_accounted_for(catalog):
    from hypothesis import HealthCheck, given, settings

    from tests.unit.test_matching_engine import reference_violations

    d = catalog.directory

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_profiles(catalog))
    def check(profile):
        result = match(d, profile, today=today(), limit=None)
        for s in result.suggestions:
            assert reference_violations(s.service, profile, d) == [], KEY_OF.get(s.service.id)
        planned = [n for step in result.plan.steps for n in step.needs]
        for step in result.plan.steps:
            assert reference_violations(step.suggestion.service, profile, d) == []
        assert sorted(planned + [u.need for u in result.plan.unmet]) == sorted(profile.needs)
        for u in result.plan.unmet:
            # The nearest option is named whenever something of that need is kept out by distance alone.
            only_far = [e for e in result.exclusions if u.need in e.covers and {r.key for r in e.reasons} == {"too_far"}]
            if only_far:
                assert u.nearest is not None and u.nearest_km is not None
                assert u.nearest_km <= min(e.distance_km for e in only_far) + 0.1

    check()
