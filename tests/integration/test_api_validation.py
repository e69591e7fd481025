"""Every API body is checked against its published schema before an operation runs: the inputs an
outside fuzzer sent (wrong JSON types, 2^63 integers, thousands of nested brackets, unknown need
and stage codes) are a 400 naming the field, never a 500 and never a stored row; the schemas in
/api/v1/openapi.json describe the bodies, answers and errors the endpoints really give."""
from __future__ import annotations

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from portal.common import today
from portal.extensions import db
from portal.referrals.models import Client, Referral

from ..referral_helpers import MMT_SERVICE, PHONE
from tests.helpers import bearer


def _body(**overrides):
    body = {"service_id": MMT_SERVICE, "needs": ["methadone_maintenance"], "urgency": "urgent",
            "reason": "Discharged today.",
            "client": {"birth_year": 1979, "gender": "female", "contact_phone": PHONE,
                       "contact_preference": "phone", "contact_consent": True},
            "consent": {"scope": "referral", "items": ["referral", "contact"], "purpose": "Discharge referral",
                        "given_on": today().isoformat(), "expires_on": (today() + timedelta(days=90)).isoformat()}}
    body.update(overrides)
    return body


def _client_with(**fields):
    return {"birth_year": 1979, "gender": "female", "contact_consent": True, **fields}


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Referral.id))), db.session.scalar(select(func.count(Client.id))))


@pytest.fixture
def schema_of(client):
    doc = client.get("/api/v1/openapi.json").get_json()

    def make(name):
        return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})

    return make


BAD_CREATE = [
    ({"reason": 5}, "reason"),
    ({"client": _client_with(contact_phone=13800001234)}, "client.contact_phone"),
    ({"from_stage": ["detox"], "transfer_criterion": "done"}, "from_stage"),
    ({"sender_handoff_id": 2**63}, "sender_handoff_id"),
    ({"client": _client_with(birth_year=2**63)}, "client.birth_year"),
    ({"needs": ["no_such_need"]}, "needs.0"),
    ({"to_stage": "no_such_stage", "transfer_criterion": "done"}, "to_stage"),
    ({"follow_up_months": 2}, "follow_up_months"),
    ({"urgency": "yesterday"}, "urgency"),
    ({"surprise": 1}, "surprise"),
    ({"client": _client_with(shoe_size=44)}, "client.shoe_size"),
    ({"consent": {"expires_on": "next year"}}, "consent.expires_on"),
    ({"reason": "a\x00b"}, "reason"),
    ({"override_reason": {"why": "urgent"}}, "override_reason"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATE)
def test_a_referral_body_that_breaks_the_schema_is_a_400_naming_the_field(app, client, schema_of, change, field):
    before = _counts(app)
    response = client.post("/api/v1/referrals?lang=en", json=_body(**change), headers=bearer(app))
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    schema_of("ApiError").validate(body)
    assert field in body["fields"], body
    assert _counts(app) == before


def test_thousands_of_nested_brackets_are_a_400_on_every_body(app, client):
    headers = {**bearer(app), "Content-Type": "application/json"}
    deep = "[" * 3000 + "]" * 3000
    for path in ("/api/v1/referrals", "/api/v1/match"):
        response = client.post(path, data='{"needs": %s}' % deep, headers=headers)
        assert response.status_code == 400, path
    created = client.post("/api/v1/referrals", json=_body(), headers=bearer(app)).get_json()
    response = client.post(f"/api/v1/referrals/{created['id']}/transitions", headers=headers,
                           data='{"action": "cancel", "note": %s}' % deep)
    assert response.status_code == 400
    assert "body" in response.get_json()["fields"]


def test_non_finite_numbers_and_huge_integers_are_refused_by_match(app, client):
    headers = {**bearer(app), "Content-Type": "application/json"}
    for raw in ('{"needs": ["counselling"], "area": "JL-01", "max_km": NaN}',
                '{"needs": ["counselling"], "area": "JL-01", "max_km": 1e999}',
                '{"needs": ["counselling"], "area": "JL-01", "age": 9223372036854775808}',
                '{"needs": ["counselling"], "point": {"lat": 1e308, "lon": 0}}'):
        response = client.post("/api/v1/match", data=raw, headers=headers)
        assert response.status_code == 400, raw
        assert response.get_json()["errors"]


def test_a_transition_with_wrong_types_or_codes_is_a_400_and_changes_nothing(app, client, schema_of):
    worker, agency = bearer(app), bearer(app, "agency@demo.local")
    created = client.post("/api/v1/referrals", json=_body(), headers=worker).get_json()
    url = f"/api/v1/referrals/{created['id']}/transitions"
    for body, field in (({"action": "decline", "reason": 5, "declined_by": "provider"}, "reason"),
                        ({"action": "decline", "reason": "no_capacity", "declined_by": ["client"]}, "declined_by"),
                        ({"action": "fly"}, "action"), ({"action": "accept", "receiver_handoff_id": 2**63},
                                                        "receiver_handoff_id"),
                        ({"note": "no action"}, "action")):
        response = client.post(url, json=body, headers=agency)
        assert response.status_code == 400, body
        schema_of("ApiError").validate(response.get_json())
        assert field in response.get_json()["fields"]
    assert client.get(f"/api/v1/referrals/{created['id']}", headers=worker).get_json()["status"] == "sent"
    accepted = client.post(url, json={"action": "accept"}, headers=agency)
    assert accepted.status_code == 200
    schema_of("ReferralDetail").validate(accepted.get_json())


def test_live_referral_answers_match_their_published_schemas(app, client, schema_of):
    worker = bearer(app)
    created = client.post("/api/v1/referrals", json=_body(), headers=worker)
    assert created.status_code == 201
    schema_of("ReferralDetail").validate(created.get_json())
    schema_of("ReferralPage").validate(client.get("/api/v1/referrals", headers=worker).get_json())
    schema_of("Me").validate(client.get("/api/v1/me", headers=worker).get_json())
    schema_of("ApiError").validate(client.get("/api/v1/referrals/not-an-id", headers=worker).get_json())
    schema_of("ReferralCreate").validate(_body())


def test_the_referral_schemas_list_the_live_codes_with_labels_in_both_languages(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    create = schemas["ReferralCreate"]["properties"]
    need = create["needs"]["items"]
    assert "methadone_maintenance" in need["enum"]
    assert need["x-labels"]["methadone_maintenance"]["zh"] == "美沙酮维持治疗"
    stage = create["from_stage"]["anyOf"][0]
    assert stage["enum"] and all(stage["x-labels"][code]["zh"] for code in stage["enum"])
    urgency = create["urgency"]["x-labels"]["urgent"]
    assert urgency["en"] == "Urgent" and urgency["zh"] != "Urgent"
    reasons = schemas["TransitionRequest"]["properties"]["reason"]["anyOf"][0]
    assert {"no_capacity", "no_show"} <= set(reasons["enum"])
    assert "override_reason" in create
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "409" in paths["/referrals"]["post"]["responses"]


def test_nul_characters_in_the_path_or_query_are_a_400(app, client):
    headers = bearer(app)
    assert client.get("/api/v1/referrals?status=sent%00", headers=headers).status_code == 400
    assert client.get("/api/v1/taxonomy_terms?parent_id=%00").status_code == 400


def test_whole_numbers_written_with_a_fraction_count_as_integers(app, client):
    """JSON Schema takes 2.0 as an integer; the code behind the field must get 2 (a fuzzer's 500)."""
    headers = {**bearer(app), "Content-Type": "application/json"}
    response = client.post("/api/v1/match", headers=headers,
                           data='{"needs": ["counselling"], "area": "JL-01", "limit": 2.0}')
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["suggestions"]) <= 2
    body = _body(client={"birth_year": 1979.0, "gender": "male"}, follow_up_months=3.0)
    created = client.post("/api/v1/referrals", json=body, headers=bearer(app))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["client"]["birth_year"] == 1979


def test_a_point_on_the_other_side_of_the_world_is_answered_not_searched_cell_by_cell(app, client):
    """A valid point far from every service once walked billions of empty grid cells (a request that
    never ended); the rings are now clipped to the cells that hold services."""
    response = client.post("/api/v1/match", headers=bearer(app), json={
        "needs": ["counselling"], "latitude": -89.9, "longitude": -179.9, "remote_ok": True})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["plan"]["unmet"] or response.get_json()["suggestions"]
