"""The public HSDS read API: shapes validated against the official HSDS 3.0 schemas in
tests/fixtures/hsds, paging, 404s, no staff-only data, and the OpenAPI document."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from portal.directory import models as m
from portal.extensions import db
from tests.unit.test_hsds_schemas import page_errors, schema_errors


def _first(app, model, *where):
    with app.app_context():
        return db.session.scalars(select(model).where(*where).order_by(model.id)).first().id


def test_service_detail_validates_against_hsds_schema_and_is_bilingual(app, client):
    with app.app_context():
        service = db.session.scalars(select(m.Service).where(m.Service.name_en.is_not(None))
                                     .order_by(m.Service.id)).first()
        expected = {"id": service.id, "name_zh": service.name_zh, "name_en": service.name_en,
                    "org": service.organization_id, "links": len(service.location_links),
                    "terms": len(service.attributes)}
    response = client.get(f"/api/v1/services/{expected['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert schema_errors("service", body) == []
    assert body["name"] == expected["name_zh"] and body["name_en"] == expected["name_en"]
    assert body["organization"]["id"] == expected["org"]
    assert len(body["service_at_locations"]) == expected["links"]
    assert len(body["attributes"]) == expected["terms"]
    assert all(a["taxonomy_term"]["name"] for a in body["attributes"])


def test_service_detail_hides_staff_only_contacts_and_capacity_notes(app, client):
    with app.app_context():
        service = db.session.scalars(select(m.Service).join(m.Contact).order_by(m.Service.id)).first()
        service.capacity_notes = "internal: two beds held for the hospital"
        service_id = service.id
        db.session.commit()
    body = client.get(f"/api/v1/services/{service_id}").get_json()
    assert "contacts" not in body
    assert "capacity_notes" not in body
    assert "two beds held" not in client.get(f"/api/v1/services/{service_id}").get_data(as_text=True)


def test_capacity_and_freshness_extensions_reach_api_consumers(app, client):
    from datetime import date, datetime, timezone

    with app.app_context():
        service = db.session.scalars(select(m.Service).order_by(m.Service.id)).first()
        service.capacity_status, service.wait_weeks = "waitlist", 3
        service.capacity_available, service.capacity_maximum = 2, 10
        service.capacity_updated_at = datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc)
        service.verified_on = date(2026, 1, 4)
        service_id = service.id
        db.session.commit()
    body = client.get(f"/api/v1/services/{service_id}").get_json()
    assert body["capacity_status"] == "waitlist" and body["wait_weeks"] == 3
    assert body["wait_time"] == "3 weeks"
    assert body["assured_date"] == "2026-01-04"
    assert body["capacities"][0]["available"] == 2 and body["capacities"][0]["maximum"] == 10
    assert body["capacities"][0]["updated"].startswith("2026-01-05T08:30")


@pytest.mark.parametrize("path", ["/api/v1/services/{}", "/api/v1/organizations/{}"])
def test_unknown_or_malformed_ids_give_json_404(client, path):
    for ident in (str(uuid.uuid4()), "not-a-uuid", "1%27%20OR%201=1"):
        response = client.get(path.format(ident))
        assert response.status_code == 404
        assert response.get_json()["status"] == 404


def test_organization_list_pages_validate_and_cover_every_organisation(app, client):
    with app.app_context():
        total = db.session.query(m.Organization).count()
    seen = []
    page = 1
    while True:
        body = client.get(f"/api/v1/organizations?page={page}&per_page=40").get_json()
        assert page_errors("organization", body) == []
        assert body["total_items"] == total and body["page_number"] == page
        assert body["size"] == len(body["contents"]) <= 40
        assert body["first_page"] == (page == 1)
        seen += [o["id"] for o in body["contents"]]
        if body["last_page"]:
            break
        page += 1
    assert page == body["total_pages"] and len(seen) == len(set(seen)) == total


def test_organization_list_search_matches_chinese_and_english_names(app, client):
    with app.app_context():
        org = db.session.scalars(select(m.Organization).where(m.Organization.name_en.is_not(None))
                                 .order_by(m.Organization.id)).first()
        zh, en, ident = org.name_zh, org.name_en, org.id
    for query in (zh[:4], en.split()[0].lower()):
        body = client.get("/api/v1/organizations", query_string={"search": query}).get_json()
        assert ident in [o["id"] for o in body["contents"]] or body["total_items"] > body["size"]
        assert all(query.lower() in (o["name"] + o.get("name_en", "") + o.get("alternate_name", "")).lower()
                   for o in body["contents"])


def test_organization_detail_is_full_and_validates(app, client):
    org_id = _first(app, m.Organization, m.Organization.locations.any())
    body = client.get(f"/api/v1/organizations/{org_id}").get_json()
    assert schema_errors("organization", body) == []
    assert body["locations"] and all(loc["organization_id"] == org_id for loc in body["locations"])
    assert "contacts" not in body


def test_bad_paging_is_a_400_not_an_error_page(client):
    for query in ("page=0", "page=abc", "per_page=-1"):
        response = client.get(f"/api/v1/organizations?{query}")
        assert response.status_code == 400 and response.is_json
    body = client.get("/api/v1/organizations?per_page=100000").get_json()
    assert len(body["contents"]) <= 100
    body = client.get("/api/v1/organizations?page=999").get_json()
    assert body["empty"] is True and body["contents"] == [] and body["last_page"] is True


def test_taxonomy_terms_validate_and_filter_by_vocabulary(app, client):
    with app.app_context():
        category = db.session.scalar(select(m.Taxonomy).where(m.Taxonomy.name == "category"))
        count = len(category.terms)
        taxonomy_id = category.id
    body = client.get(f"/api/v1/taxonomy_terms?taxonomy_id={taxonomy_id}&per_page=100").get_json()
    assert page_errors("taxonomy_term", body) == []
    assert body["total_items"] == count
    assert {t["taxonomy"] for t in body["contents"]} == {"category"}
    by_name = client.get("/api/v1/taxonomy_terms?taxonomy=category&per_page=100").get_json()
    assert by_name["total_items"] == count


def test_api_reads_need_no_token(client):
    assert client.get("/api/v1/organizations").status_code == 200
    assert client.get("/api/v1/taxonomy_terms").status_code == 200


def test_openapi_document_describes_every_read_endpoint(client):
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.")
    for path in ("/services", "/services/{id}", "/organizations", "/organizations/{id}", "/taxonomy_terms"):
        assert "get" in body["paths"][path], path
    names = {p["name"] for p in body["paths"]["/services"]["get"]["parameters"]}
    assert {"q", "search", "page", "per_page", "taxonomy_term_id", "organization_id", "modified_after"} <= names
    root = client.get("/api/v1/").get_json()
    assert root["openapi_url"].endswith("/api/v1/openapi.json")


def test_every_api_route_is_described_in_the_openapi_document(app, client):
    import re

    paths = client.get("/api/v1/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")) or "/"
        documented = paths.get(path) or paths.get(re.sub(r"\{\w+\}", "{id}", path))
        assert documented, f"{rule.rule} is not in openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented, f"{method} {rule.rule} is not in openapi.json"
