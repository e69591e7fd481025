"""``POST /api/v1/match`` against its contract in /api/v1/openapi.json: live answers validate against
the published JSON Schema, the documented field names work, unknown fields and wrong types are a 400
naming them (never a 500), and the service-gap log counts one profile once per worker and day."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from portal.extensions import db
from portal.matching.models import UnmetNeed

from tests.helpers import bearer


@pytest.fixture
def validator(client):
    doc = client.get("/api/v1/openapi.json").get_json()

    def make(name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
        Draft202012Validator.check_schema(schema)
        return Draft202012Validator(schema)

    return make


def unmet_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(UnmetNeed.id)))


def test_openapi_describes_every_request_field_and_the_code_lists_in_both_languages(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/match"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchRequest")
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/MatchError")
    request = doc["components"]["schemas"]["MatchRequest"]
    from portal.matching.profile import ACCEPTED

    assert set(request["properties"]) == set(ACCEPTED) | {"limit"}
    assert request["additionalProperties"] is False
    labels = request["properties"]["needs"]["x-labels"]
    assert labels["methadone_maintenance"] == {"zh": "美沙酮维持治疗", "en": labels["methadone_maintenance"]["en"]}
    assert labels["methadone_maintenance"]["en"]
    assert request["properties"]["urgency"]["x-labels"]["high"]["zh"] != "Urgent: needs help within days"
    reasons = doc["components"]["schemas"]["MatchCoded"]["properties"]["code"]
    assert "too_far" in reasons["enum"] and reasons["x-labels"]["too_far"]["zh"]
    assert "errors" in doc["components"]["schemas"]["MatchError"]["required"]


PROFILES = [
    {"needs": ["methadone_maintenance", "employment_support"], "area": "JL-01-01", "max_km": 5, "age": 38,
     "gender": "male", "conditions": ["opioid_use"], "care_stage": "maintenance_treatment"},
    {"needs": ["crisis_hotline", "counselling"], "area": "JL-11-04", "max_km": 2, "age": 16, "gender": "female",
     "languages": ["en"], "languages_only": True, "limit": 2},
    {"needs": "脱毒治疗,Legal aid", "latitude": 30.6, "longitude": 114.3, "urgency": "high", "payment": ["free"]},
    {"needs": ["methadone_maintenance", "legal_aid"], "area": "JL-11-01", "travel_km": 5, "remote_ok": "yes"},
]


@pytest.mark.parametrize("body", PROFILES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_live_answers_validate_against_the_published_schema(app, client, validator, body, lang):
    response = client.post(f"/api/v1/match?lang={lang}", headers=bearer(app), json=body)
    assert response.status_code == 200, response.get_json()
    validator("MatchRequest").validate(body)
    validator("MatchResponse").validate(response.get_json())


def test_documented_max_km_is_the_travel_limit_and_travel_km_still_works(app, client):
    headers = bearer(app)
    base = {"needs": ["counselling", "employment_support"], "area": "JL-01-01"}
    unlimited = client.post("/api/v1/match", headers=headers, json={**base, "limit": 500}).get_json()
    limited = client.post("/api/v1/match", headers=headers, json={**base, "max_km": 2, "limit": 500}).get_json()
    assert limited["suggestions_total"] < unlimited["suggestions_total"]
    assert all(s["distance_km"] is None or s["reach"] != "distance" or s["distance_km"] <= 2
               for s in limited["suggestions"])
    alias = client.post("/api/v1/match", headers=headers, json={**base, "travel_km": 2, "limit": 500}).get_json()
    assert alias["suggestions_total"] == limited["suggestions_total"]


def test_unknown_fields_are_a_400_naming_them(app, client, validator):
    response = client.post("/api/v1/match?lang=en", headers=bearer(app), json={
        "needs": ["counselling"], "area": "JL-01", "distance": 3, "maxKm": 2})
    assert response.status_code == 400
    body = response.get_json()
    validator("MatchError").validate(body)
    assert set(body["errors"]) == {"distance", "maxKm"}
    assert body["errors"]["maxKm"] == ["Unknown field: maxKm."]
    assert unmet_count(app) == 0


def test_field_errors_validate_against_the_error_schema(app, client, validator):
    response = client.post("/api/v1/match?lang=en", headers=bearer(app), json={
        "needs": ["no-such-need"], "area": "JL-01", "max_km": -1})
    assert response.status_code == 400
    body = response.get_json()
    validator("MatchError").validate(body)
    assert set(body["errors"]) == {"needs", "max_km"} and body["valid"]["needs"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6)
FIELDS = ["needs", "area", "latitude", "longitude", "max_km", "travel_km", "remote_ok", "age", "gender",
          "conditions", "populations", "payment", "languages", "languages_only", "urgency", "care_stage",
          "point", "limit"]


def test_wrong_json_types_are_a_400_never_a_500(app, client):
    headers = bearer(app)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(FIELDS), JSON_VALUES)
    def check(field, value):
        body = {"needs": ["counselling"], "area": "JL-01", field: value}
        response = client.post("/api/v1/match", headers=headers, data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code in (200, 400), (field, value)
        if response.status_code == 400:
            assert response.get_json()["errors"]

    check()


def test_the_same_profile_resubmitted_counts_once_per_worker_and_day(app, client):
    body = {"needs": ["methadone_maintenance"], "area": "JL-11", "max_km": 5, "age": 40, "conditions": ["opioid_use"]}
    worker = bearer(app)
    for _ in range(3):
        assert client.post("/api/v1/match", headers=worker, json=body).status_code == 200
    assert unmet_count(app) == 1
    # Another profile, or another worker, is another count.
    client.post("/api/v1/match", headers=worker, json={**body, "age": 41})
    assert unmet_count(app) == 2
    client.post("/api/v1/match", headers=bearer(app, "coordinator@demo.local"), json=body)
    assert unmet_count(app) == 3
    with app.app_context():
        keys = db.session.scalars(select(UnmetNeed.submission_key)).all()
    assert all(k and len(k) == 40 for k in keys) and len(set(keys)) == 3


# --- the catalogue follows directory edits service by service ----------------------------------

def _facts(catalog):
    return {s.id: s for s in catalog.directory.services if s.status != "deleted"}


def test_a_directory_edit_updates_the_cached_catalogue_without_a_full_reload(app):
    from portal.directory import models as m
    from portal.matching import catalog as cat
    from seed.loader import seed_id

    mmt = seed_id("service", "mmt-jiangbin/mmt")
    with app.app_context():
        cat.clear_cache()
        first = cat.get_catalog(db.session)
        service = db.session.get(m.Service, mmt)
        service.capacity_status = "accepting"
        db.session.add(m.Language(service_id=mmt, code="en"))
        gone = db.session.get(m.Service, seed_id("service", "jobs-jiangbin/employment_guidance"))
        db.session.delete(gone)
        db.session.commit()
        calls = []
        real = cat.load_catalog
        cat.load_catalog = lambda session: calls.append(1) or real(session)
        try:
            second = cat.get_catalog(db.session)
        finally:
            cat.load_catalog = real
        assert calls == [] and second is not first and second.base is first.base
        facts = _facts(second)
        assert facts[mmt].capacity_status == "accepting" and "en" in facts[mmt].languages
        assert gone.id not in facts
        assert facts == _facts(cat.load_catalog(db.session))  # the same as loading it all again
        assert _facts(first)[mmt].capacity_status == "waitlist"  # matches running on the old one are undisturbed


def test_a_change_to_the_vocabulary_loads_the_catalogue_again(app):
    from portal.directory import models as m
    from portal.matching import catalog as cat

    with app.app_context():
        cat.clear_cache()
        first = cat.get_catalog(db.session)
        term = db.session.scalars(select(m.TaxonomyTerm).where(m.TaxonomyTerm.code == "legal_aid")).first()
        term.name_en = "Free legal help"
        db.session.commit()
        second = cat.get_catalog(db.session)
        assert second.base is not first.base and second.label("category", "legal_aid", "en") == "Free legal help"
