"""Matching benchmark: N synthetic services (default 100k) over a city of districts and streets,
500 random client profiles, each timed through the whole request path of ``POST /api/v1/match``
(parse the JSON body with ``parse_profile``, ``match``, present with ``Presenter``, encode the JSON:
all but the database and HTTP). Then one directory edit applied to the cached catalogue as a commit
does (``Directory.updated``, the in-memory part of ``catalog.refresh_catalog``; the re-read of one
service is a few indexed point queries). Prints build time, p50/p95/p99 and the slowest profile,
``catalog_refresh_ms=<number>``, and last ``match_p95_ms=<number>``.

    .venv/bin/python bench/match.py [--n 100000] [--profiles 500] [--seed 7]
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dataclasses import replace  # noqa: E402

from portal.matching.catalog import Catalog, Term  # noqa: E402
from portal.matching.engine import (  # noqa: E402
    PAYMENT_KINDS,
    AreaFacts,
    Directory,
    Profile,
    ServiceFacts,
    match,
)
from portal.matching.present import Presenter  # noqa: E402
from portal.matching.profile import Vocabulary, parse_profile  # noqa: E402

CATEGORIES = [
    "outreach", "harm_reduction", "screening_assessment", "infectious_disease_testing", "detox",
    "methadone_maintenance", "buprenorphine_maintenance", "psychiatric_care", "counselling",
    "crisis_hotline", "relapse_prevention", "peer_support", "family_support", "case_management",
    "home_visit_medication", "rehab_day_station", "social_skills", "caregiver_training", "respite_care",
    "aftercare", "vocational_training", "employment_support", "supported_employment", "housing_support",
    "legal_aid", "prevention_education",
]
STAGES = ["outreach_low_threshold", "screening_assessment", "detox_stabilisation", "maintenance_treatment",
          "relapse_prevention_reintegration", "aftercare", "hospital_discharge", "home_based_rehab",
          "community_integration", "employment"]
POPULATIONS = ["adolescent", "women", "pregnant_women", "older_adult", "family_caregiver", "co_occurring",
               "homeless", "ethnic_minority", "people_in_community_treatment", "people_with_disability"]
CONDITIONS = ["opioid_use", "stimulant_use", "alcohol_use", "schizophrenia", "bipolar_disorder",
              "depression", "anxiety", "dementia"]
MODES = ["in_person", "home_visit", "outreach", "phone", "online"]
LANGS = ["zh", "en", "yue", "ug", "bo", "csl"]
TODAY = date(2026, 11, 23)


def build_city(rng: random.Random, districts: int = 16, streets: int = 12):
    """A metropolitan area about 80 km across: districts with streets around their centroids."""
    areas: dict[int, AreaFacts] = {1: AreaFacts(1, "C", "city", None, 30.55, 114.30)}
    next_id = 2
    street_ids: list[int] = []
    for d in range(districts):
        lat = 30.55 + rng.uniform(-0.35, 0.35)
        lon = 114.30 + rng.uniform(-0.40, 0.40)
        did = next_id
        areas[did] = AreaFacts(did, f"C-{d:02d}", "district", 1, lat, lon)
        next_id += 1
        for s in range(streets):
            areas[next_id] = AreaFacts(next_id, f"C-{d:02d}-{s:02d}", "street", did,
                                       lat + rng.uniform(-0.06, 0.06), lon + rng.uniform(-0.06, 0.06))
            street_ids.append(next_id)
            next_id += 1
    return areas, street_ids


def synthetic_services(rng: random.Random, n: int, areas: dict[int, AreaFacts], street_ids: list[int]):
    orgs = max(1, n // 4)
    services = []
    for i in range(n):
        street = areas[rng.choice(street_ids)]
        district = street.parent_id
        # Most services are visited in person; a few visit homes or the street, fewer are remote.
        modes = {rng.choices(MODES, [70, 10, 8, 7, 5])[0]} | ({"phone"} if rng.random() < 0.05 else set())
        points = () if rng.random() < 0.03 else (
            (round(street.latitude + rng.uniform(-0.02, 0.02), 6), round(street.longitude + rng.uniform(-0.02, 0.02), 6)),)
        low = rng.choice([None, None, None, 12, 16, 18, 60])
        high = rng.choice([None, None, None, 17, 25, 65]) if low is None or low < 17 else None
        services.append(ServiceFacts(
            id=f"s{i:07d}", organization_id=f"o{rng.randrange(orgs):06d}",
            name_zh=f"服务{i}", name_en=f"Service {i}",
            status=rng.choices(["active", "inactive", "temporarily_closed", "defunct"], [92, 3, 3, 2])[0],
            categories=frozenset(rng.sample(CATEGORIES, rng.choice([1, 1, 2, 2, 3]))),
            care_stages=frozenset(rng.sample(STAGES, rng.choice([0, 1, 1, 2]))),
            populations_only=frozenset(rng.sample(POPULATIONS, 1)) if rng.random() < 0.08 else frozenset(),
            conditions_only=frozenset(rng.sample(CONDITIONS, 1)) if rng.random() < 0.10 else frozenset(),
            delivery_modes=frozenset(modes),
            minimum_age=low, maximum_age=high,
            gender_eligibility=rng.choices([None, "all", "female", "male"], [15, 80, 4, 1])[0],
            residency_required=rng.choice([None, True, False, False]),
            service_area_ids=frozenset({district}) if rng.random() < 0.8 else frozenset(),
            location_district_ids=frozenset({district}),
            points=points,
            capacity_status=rng.choice(["accepting", "waitlist", "full", "unknown"]),
            wait_weeks=rng.choice([None, 1, 2, 4, 8]),
            accepts_referrals=rng.choice([None, True, True, False]),
            cost_kinds=frozenset(rng.sample(PAYMENT_KINDS, rng.choice([0, 1, 1, 2]))),
            languages=frozenset({"zh"} | ({rng.choice(LANGS)} if rng.random() < 0.2 else set())),
            interpretation=rng.random() < 0.05,
            verified_on=None if rng.random() < 0.05 else TODAY - timedelta(days=rng.randrange(0, 700)),
        ))
    return services


def random_profile(rng: random.Random, areas: dict[int, AreaFacts], street_ids: list[int]) -> Profile:
    area = rng.choice(street_ids)
    point = None
    if rng.random() < 0.2:
        a = areas[area]
        point, area = (a.latitude + rng.uniform(-0.01, 0.01), a.longitude + rng.uniform(-0.01, 0.01)), None
    return Profile(
        needs=tuple(rng.sample(CATEGORIES, rng.choice([1, 2, 3, 3, 4, 5]))),
        area_id=area, point=point,
        travel_km=rng.choice([2, 3, 5, 5, 10, 15, 30]),
        remote_ok=rng.random() < 0.4,
        age=rng.choice([None, 15, 22, 35, 48, 67]),
        gender=rng.choice([None, "female", "male"]),
        conditions=frozenset(rng.sample(CONDITIONS, rng.choice([0, 1, 1, 2]))),
        populations=frozenset(rng.sample(POPULATIONS, rng.choice([0, 0, 1]))),
        payment=frozenset(rng.sample(PAYMENT_KINDS, rng.choice([0, 0, 1, 2]))),
        languages=frozenset(rng.sample(LANGS, rng.choice([0, 1]))),
        urgency=rng.choice(["normal", "normal", "high"]),
        care_stage=rng.choice([None] + STAGES),
    )


def as_request(profile: Profile, areas: dict[int, AreaFacts]) -> dict:
    """The JSON body an API client would send for ``profile``."""
    body = {"needs": list(profile.needs), "max_km": profile.travel_km, "remote_ok": profile.remote_ok,
            "age": profile.age, "gender": profile.gender, "conditions": sorted(profile.conditions),
            "populations": sorted(profile.populations), "payment": sorted(profile.payment),
            "languages": sorted(profile.languages), "urgency": profile.urgency, "care_stage": profile.care_stage}
    if profile.point is not None:
        body["latitude"], body["longitude"] = profile.point
    else:
        body["area"] = areas[profile.area_id].code
    return body


def bench_catalog(directory: Directory, areas: dict[int, AreaFacts]) -> Catalog:
    terms = {"category": tuple(Term(c, c, c, i) for i, c in enumerate(CATEGORIES)),
             "care_stage": tuple(Term(c, c, c, i) for i, c in enumerate(STAGES)),
             "population": tuple(Term(c, c, c, i) for i, c in enumerate(POPULATIONS)),
             "condition": tuple(Term(c, c, c, i) for i, c in enumerate(CONDITIONS))}
    vocabulary = Vocabulary(categories=frozenset(CATEGORIES), care_stages=frozenset(STAGES),
                            conditions=frozenset(CONDITIONS), populations=frozenset(POPULATIONS),
                            languages=frozenset(LANGS), area_ids={a.code: a.id for a in areas.values()})
    return Catalog(directory, vocabulary, terms, {a.id: a.code for a in areas.values()})


def request_path(catalog: Catalog, body: dict) -> bytes:
    """What POST /api/v1/match does between reading the body and writing the answer."""
    profile, errors = parse_profile(body, catalog.vocabulary)
    assert not errors, errors
    result = match(catalog.directory, profile, today=TODAY)
    presented = Presenter(catalog, lambda s: s, "zh").result(result, limit=50)
    return json.dumps(presented, ensure_ascii=False).encode()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    areas, street_ids = build_city(rng)
    started = time.perf_counter()
    services = synthetic_services(rng, args.n, areas, street_ids)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    directory = Directory(tuple(services), areas, {s: i for i, s in enumerate(STAGES)})
    indexed = time.perf_counter() - started
    # As the catalog does for a large directory: keep its objects out of the cyclic collector, whose
    # full passes over a million long-lived objects otherwise add 0.5 s pauses at random.
    gc.freeze()
    print(f"services: {args.n}  generated in {generated:.1f} s  indexed in {indexed:.2f} s")

    catalog = bench_catalog(directory, areas)
    profiles = [random_profile(rng, areas, street_ids) for _ in range(args.profiles)]
    bodies = [as_request(p, areas) for p in profiles]
    request_path(catalog, bodies[0])  # warm-up (lineage caches)
    timings, sizes = [], []
    for profile, body in zip(profiles, bodies):
        t0 = time.perf_counter()
        request_path(catalog, body)
        timings.append((time.perf_counter() - t0) * 1000)
        result = match(directory, profile, today=TODAY)
        sizes.append(len(result.suggestions) + result.excluded_total)
    worst = max(range(len(timings)), key=timings.__getitem__)
    print(f"profiles: {len(profiles)}  services looked at per profile: median {statistics.median(sizes):.0f}, max {max(sizes)}")
    print(f"request path latency ms (parse, match, present, JSON): p50 {pct(timings, 0.50):.1f}  p95 {pct(timings, 0.95):.1f}  "
          f"p99 {pct(timings, 0.99):.1f}  max {max(timings):.1f}")
    w = profiles[worst]
    print(f"slowest: {timings[worst]:.1f} ms, {len(w.needs)} needs, travel {w.travel_km} km, remote_ok={w.remote_ok}")
    # One directory edit (a service changes its categories and capacity), applied as a commit does;
    # five separate edits, each on the catalogue as it was, reported by their median (the machine
    # is shared: one timing alone may catch another process's burst).
    refresh = []
    for k in range(5):
        edited = services[(k + 1) * len(services) // 7]
        edited = replace(edited, categories=frozenset(rng.sample(CATEGORIES, 2)), capacity_status="accepting")
        t0 = time.perf_counter()
        refreshed = Catalog(directory.updated([edited]), catalog.vocabulary, catalog.terms, catalog.area_codes)
        refresh.append((time.perf_counter() - t0) * 1000)
        assert refreshed.directory.services[refreshed.directory.index_of[edited.id]] is edited
    print(f"catalog refresh after one edit ms: median {statistics.median(refresh):.1f}  max {max(refresh):.1f}")
    print(f"catalog_refresh_ms={statistics.median(refresh):.1f}")
    print(f"match_p95_ms={pct(timings, 0.95):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
