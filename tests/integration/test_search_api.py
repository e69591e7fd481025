"""GET /api/v1/services: the same search as the page, in the HSDS 3.0 shape with the page object."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from portal.directory.models import Service, Taxonomy, TaxonomyTerm
from portal.extensions import db

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def test_search_answers_with_the_hsds_page_object_and_service_objects(client):
    body = client.get("/api/v1/services?q=methadone&per_page=5").json
    assert PAGE_KEYS <= set(body)
    assert body["total_items"] > 5 and body["size"] == 5 and body["page_number"] == 1
    assert body["first_page"] is True and body["last_page"] is False and body["empty"] is False
    assert body["total_pages"] == -(-body["total_items"] // 5)
    service = body["contents"][0]
    assert {"id", "name", "organization", "service_at_locations"} <= set(service)
    assert "美沙酮" in service["name"] + service.get("description", "")
    assert "next" in body["links"] and "page=2" in body["links"]["next"]


def test_same_results_as_the_search_page(client):
    api = client.get("/api/v1/services?q=喘息服务&per_page=10").json
    html = client.get("/search?q=喘息服务").get_data(as_text=True)
    first_id = api["contents"][0]["id"]
    assert html.index(f'data-service-id="{first_id}"') < html.index('data-service-id="', html.index(f'data-service-id="{first_id}"') + 10)


def test_staff_only_fields_are_never_in_the_public_api(client):
    body = client.get("/api/v1/services?per_page=50").json
    for service in body["contents"]:
        assert "contacts" not in service and "capacity_notes" not in service


def test_filters_taxonomy_term_id_and_organization_id(app, client):
    with app.app_context():
        term = db.session.scalar(select(TaxonomyTerm).join(Taxonomy).where(Taxonomy.name == "category",
                                                                           TaxonomyTerm.code == "respite_care"))
        term_id = term.id
        org_id = db.session.scalar(select(Service.organization_id).limit(1))
        org_count = db.session.query(Service).filter(Service.organization_id == org_id,
                                                     Service.status != "defunct").count()
    by_code = client.get("/api/v1/services?category=respite_care").json
    by_term = client.get(f"/api/v1/services?taxonomy_term_id={term_id}").json
    assert by_code["total_items"] == by_term["total_items"] > 0
    by_org = client.get(f"/api/v1/services?organization_id={org_id}&per_page=100").json
    assert by_org["total_items"] == org_count
    assert {s["organization_id"] for s in by_org["contents"]} == {org_id}


def test_modified_after_keeps_recent_changes(app, client):
    since = (datetime.now(timezone.utc) - timedelta(milliseconds=1)).isoformat()
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == "active").limit(1))
        service.name_en = "Recently changed"
        db.session.commit()
        service_id = service.id
    body = client.get("/api/v1/services", query_string={"modified_after": since}).json
    assert [s["id"] for s in body["contents"]] == [service_id]
    assert body["total_items"] == 1


def test_bad_parameters_give_a_json_error_or_a_clean_page(client):
    assert client.get("/api/v1/services?modified_after=yesterday").status_code == 400
    assert client.get("/api/v1/services?taxonomy_term_id=nope").status_code == 400
    body = client.get("/api/v1/services?page=-1&per_page=9999&q=" + "x" * 5000).json
    assert PAGE_KEYS <= set(body)
    empty = client.get("/api/v1/services?q=qzxqzxqzx").json
    assert empty["empty"] is True and empty["total_items"] == 0
