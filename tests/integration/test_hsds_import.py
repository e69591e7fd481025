"""``flask hsds import``: real HSDS 1.1 exports, 2.0 and 3.0 datasets, and a deliberately broken
export. All or nothing by default (and the search index agrees with the database either way);
``--partial`` imports the valid rows and lists every skipped one."""
from __future__ import annotations

import zipfile
from pathlib import Path

from sqlalchemy import func, select

from portal.directory import models as m
from portal.extensions import db
from portal.hsds.importer.clean import canonical_id
from portal.search.models import IndexOutbox
from portal.session_context import context_of
from tests.paths import HSDS_DIR, REAL_DIR, needs_real
from tests.helpers import import_into as run

SAMPLE_11 = REAL_DIR / "hsds-1.1-sample-datapackage" / "all_resources"
ILAO = REAL_DIR / "ilao-hsds-1.1" / "tmp"



def counts(app) -> dict[str, int]:
    from portal.search.service import get_index

    with app.app_context():
        out = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
               for model in (m.Organization, m.Service, m.Location, m.Schedule, m.Phone, m.Attribute,
                             m.TaxonomyTerm)}
        out["index_docs"] = get_index().doc_count()
        out["outbox"] = db.session.scalar(select(func.count()).select_from(IndexOutbox))
        out["backlog"] = get_index().backlog(db.session)  # feed rows this index has not applied
        return out


def lines(report) -> list[str]:
    return [p.line() for p in report.problems]


# --- a broken export, as real directories ship them -----------------------------------------------

ORG_OK = "11111111-1111-4111-8111-111111111111"


def write_broken(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_text(
        '{"name": "x", "version": "1.0", "resources": [{"name": "organization", "path": "resources/organizations.csv"},'
        ' {"name": "phone", "path": "phones.csv"}]}', encoding="utf-8")
    (folder / "organizations.csv").write_bytes(
        ("id,name,description,url\r\n"
         f"{ORG_OK},Sunrise Recovery &amp; Support,\"Line one\\nLine two &lt;b&gt;\",https://sunrise.example\r\n"
         "org-2,Harbour Clinic,Methadone clinic,\r\n"
         ",No Id Org,missing id,\r\n"
         "org-2,Harbour Clinic again,duplicate,\r\n").encode())
    big = "x" * (5 * 1024 * 1024)
    (folder / "services.csv").write_bytes(
        ("id,organization_id,name,description,status\n"
         f"svc-1,{ORG_OK},Needle exchange,Open to all,active\n"
         "svc-2,org-2,Methadone maintenance,,active\n"
         "svc-3,org-missing,Orphan service,points at nothing,active\n"
         f"svc-4,{ORG_OK},Huge,{big},active\n"
         f"svc-5,{ORG_OK},Bad status,,sometimes\n").encode()
        + f"svc-6,{ORG_OK},Caf\xe9 drop-in,,active\n".encode("latin-1"))
    (folder / "locations.csv").write_text(
        f"id,organization_id,name,latitude,longitude\nloc-1,{ORG_OK},Main office,31.2,121.4\n"
        "loc-2,org-missing,Nowhere,,\n", encoding="utf-8")
    (folder / "services_at_location.csv").write_text(
        "id,service_id,location_id,description\n,svc-1,loc-1,\n,svc-3,loc-1,\n", encoding="utf-8")
    (folder / "regular_schedules.csv").write_text(
        "id,service_id,location_id,service_at_location_id,weekday,opens_at,closes_at\n"
        ",svc-1,loc-1,,Monday,9:00am,5:30 PM\n"
        ",svc-1,loc-1,,2,9:00,5:00\n"
        ",svc-1,loc-1,,3,17:00,09:00am\n"
        ",svc-1,loc-1,,4,25:00,26:00\n", encoding="utf-8")
    (folder / "phones.csv").write_text(
        "id,location_id,service_id,organization_id,contact_id,number,type\n"
        ",,svc-1,,,010-1234 5678,voice\n,,svc-3,,,020-000,voice\n,,,,,,voice\n", encoding="utf-8")
    (folder / "services_taxonomy.csv").write_text(
        "id,service_id,taxonomy_id,taxonomy_detail\n,svc-1,HR-01,Harm reduction (imported)\n", encoding="utf-8")
    return folder


def has(report, file, field, words, row=None, severity="error") -> bool:
    return any(p.file == file and p.field == field and words in p.problem and (row is None or p.row == row)
               and p.severity == severity for p in report.problems)


def warns(report, file, field, words, row=None) -> bool:
    return has(report, file, field, words, row, severity="warning")


def test_broken_export_reports_every_bad_row_and_changes_nothing(app, tmp_path):
    before = counts(app)
    report = run(app, write_broken(tmp_path / "broken"))
    assert not report.committed
    assert counts(app) == before  # database and search index untouched
    assert report.version == "1.1"
    assert has(report, "organizations.csv", "id", "missing", row=3)
    assert has(report, "organizations.csv", "id", "duplicate id 'org-2' (also on row 2)", row=4)
    assert has(report, "services.csv", "organization_id", "no such organisation", row=3)
    # An invalid optional value is left out with a warning; the record is kept.
    assert warns(report, "services.csv", "description", "too long: 5,242,880 characters", row=4)
    assert warns(report, "services.csv", "description", "value left out, record kept", row=4)
    assert has(report, "services.csv", "status", "unknown status 'sometimes'", row=5)
    assert has(report, "services.csv", "name", "not valid UTF-8", row=6)
    assert has(report, "locations.csv", "organization_id", "no such organisation", row=2)
    assert has(report, "services_at_location.csv", "service_id", "its service (services.csv row 3) is not imported")
    # Hours that cannot be stored never skip their service: warned, counted, text kept.
    assert warns(report, "regular_schedules.csv", "closes_at", "before it opens", row=3)
    assert warns(report, "regular_schedules.csv", "opens_at", "not a time of day", row=4)
    assert report.dropped["schedule: hours not understood (text kept on the service)"] == 2
    assert warns(report, "phones.csv", "number", "not stored: no number", row=3)
    assert report.dropped["phone: no number"] == 1
    assert has(report, "phones.csv", "service_id", "its service (services.csv row 3) is not imported", row=2)
    warnings = [p.line() for p in report.warnings]
    assert any("resources/organizations.csv" in w and "not there" in w for w in warnings)


def test_broken_export_with_partial_imports_the_valid_rows_cleaned(app, tmp_path):
    before = counts(app)
    report = run(app, write_broken(tmp_path / "broken"), partial=True)
    assert report.committed
    assert report.skipped["service"] == 3 and report.created["service"] == 3
    after = counts(app)
    assert after["service"] == before["service"] + 3
    assert after["index_docs"] == after["service"] and after["backlog"] == 0  # index in step
    with app.app_context():
        org = db.session.get(m.Organization, ORG_OK)
        assert org.name_zh == org.name_en == "Sunrise Recovery & Support"  # entity decoded
        assert org.description_en == "Line one\nLine two <b>"  # literal \n → newline; entities decoded
        service = db.session.get(m.Service, canonical_id("svc-1", "service"))
        hours = sorted((s.weekday, s.opens_at.strftime("%H:%M"), s.closes_at.strftime("%H:%M"))
                       for link in service.location_links for s in link.schedules)
        assert hours == [(1, "09:00", "17:30"), (2, "09:00", "17:00")]  # 9:00am; "5:00" read as 5 pm
        assert [p.number for p in service.phones] == ["010 1234 5678"]  # normalised (phonenumbers)
        term = service.attributes[0].taxonomy_term
        assert (term.taxonomy.name, term.code, term.name_en) == ("imported", "HR-01", "Harm reduction (imported)")
        assert db.session.get(m.Service, canonical_id("svc-3", "service")) is None
    assert any("HR-01" in t for t in report.created_terms)
    assert any("'5:00' read as 17:00" in line for line in lines(report))


def test_search_finds_imported_services_right_after_import(app, tmp_path):
    run(app, write_broken(tmp_path / "broken"), partial=True)
    from portal.search.service import get_index

    with app.app_context():
        searcher = get_index().open().searcher()
        try:
            assert searcher.document(id=canonical_id("svc-2", "service")) is not None
        finally:
            searcher.close()


def test_dry_run_reports_what_would_change_and_changes_nothing(app, tmp_path):
    before = counts(app)
    report = run(app, write_broken(tmp_path / "broken"), partial=True, dry_run=True)
    assert report.created["service"] == 3 and not report.committed
    assert counts(app) == before


# --- real exports ---------------------------------------------------------------------------------

@needs_real
def test_hsds_11_sample_imports_with_addresses_schedules_and_languages(empty_app):
    report = run(empty_app, SAMPLE_11)
    assert report.committed and report.errors == [], lines(report)[:5]
    assert report.version == "1.1"
    assert report.created["organization"] == 10 and report.created["service"] == 13
    with empty_app.app_context():
        location = db.session.get(m.Location, "30b83c60-64a1-11e6-8b77-86f30ca893d3")
        assert location.address_en == "Address 1, Address 2" and location.city == "New York City"
        assert location.accessibility_en.startswith("disabled_parking")
        service = db.session.get(m.Service, "c89eb05c-62dd-4b64-b494-0cc347b6ea7f")
        assert sorted(lang.code for lang in service.languages) == ["en", "es"]
        assert "adult" in service.eligibility_description_en
        assert len([s for link in service.location_links for s in link.schedules]) == 3
    assert counts(empty_app)["index_docs"] == 13


@needs_real
def test_hsds_11_simple_sample_imports(empty_app):
    report = run(empty_app, SAMPLE_11.parent / "simple")
    assert report.committed and report.errors == []
    assert counts(empty_app)["service"] == 13


@needs_real
def test_ilao_partial_export_is_refused_whole_and_imported_with_partial(empty_app):
    refused = run(empty_app, ILAO)
    assert not refused.committed and counts(empty_app)["service"] == 0
    orphans = [p for p in refused.errors if p.file == "services.csv" and "no such organisation" in p.problem]
    assert len(orphans) == 340  # README: only 89 of 429 services resolve to an organisation

    report = run(empty_app, ILAO, partial=True)
    assert report.committed
    after = counts(empty_app)
    assert after["organization"] == 33 and after["service"] == 89
    assert after["index_docs"] == 89
    with empty_app.app_context():  # "9:00" style hours on locations became hours of the services there
        assert db.session.scalar(select(func.count()).select_from(m.Schedule)) > 100

    again = run(empty_app, ILAO, partial=True)  # legacy ids map to the same uuid5: an upsert
    assert not again.created and not again.updated and counts(empty_app) == after


@needs_real
def test_zip_of_a_dataset_imports_like_the_folder(empty_app, tmp_path):
    archive = tmp_path / "sample.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in SAMPLE_11.iterdir():
            z.write(path, f"export-2019/{path.name}")
    report = run(empty_app, archive)
    assert report.committed and report.created["service"] == 13


def test_official_hsds_30_example_imports_without_partial_leaving_out_its_latitude_100(empty_app):
    # The official example location has latitude 100: that value is left out (warned), the rest kept.
    report = run(empty_app, HSDS_DIR / "examples" / "service_full.json")
    assert report.committed, [p.line() for p in report.errors]
    assert any(p.field == "latitude" and "outside" in p.problem for p in report.warnings)
    assert report.values_dropped["location.latitude"] >= 1
    with empty_app.app_context():
        location = db.session.scalars(select(m.Location)).first()
        assert location.latitude is None and location.longitude is None  # half a coordinate places nothing
        service = db.session.get(m.Service, "ac148810-d857-441c-9679-408f346de14b")
        assert service.name_en == "Community Counselling" and service.minimum_age == 12
        assert str(service.verified_on) == "2005-01-01"
        assert service.schedules and service.schedules[0].weekday in (4, 5)


@needs_real
def test_duplicate_ids_in_a_30_service_list_are_reported(empty_app):
    report = run(empty_app, REAL_DIR / "oruk-validator-mocks" / "OpenReferralApi" / "Mocks" / "V3.0-UK-Test")
    assert not report.committed
    assert sum("duplicate id" in p.problem for p in report.errors) >= 90


def test_hsds_20_datapackage_maps_rrule_schedules_and_service_attributes(empty_app, tmp_path):
    folder = tmp_path / "v2"
    folder.mkdir()
    (folder / "organizations.csv").write_text("id,name,description\no1,Org One,\n", encoding="utf-8")
    (folder / "services.csv").write_text("id,organization_id,name,status\ns1,o1,Detox,active\n", encoding="utf-8")
    (folder / "schedules.csv").write_text(
        "id,service_id,freq,byday,opens_at,closes_at,description\nsc1,s1,WEEKLY,\"MO,WE\",08:30,12:00,mornings\n",
        encoding="utf-8")
    (folder / "taxonomy_terms.csv").write_text(
        "id,term,description,parent_id,taxonomy,language\nt1,Detoxification,,,\"Open Eligibility\",en\n",
        encoding="utf-8")
    (folder / "service_attributes.csv").write_text("id,service_id,taxonomy_term_id\na1,s1,t1\n", encoding="utf-8")
    report = run(empty_app, folder)
    assert report.version == "2.0" and report.committed, lines(report)
    with empty_app.app_context():
        service = db.session.get(m.Service, canonical_id("s1", "service"))
        assert sorted(s.weekday for s in service.schedules) == [1, 3]
        assert {s.notes for s in service.schedules} == {"mornings"}
        term = service.attributes[0].taxonomy_term
        assert (term.taxonomy.name, term.name_en) == ("Open Eligibility", "Detoxification")
    assert report.created_terms == ["Open Eligibility: t1 Detoxification"]


def test_missing_required_column_is_one_clear_error(empty_app, tmp_path):
    folder = tmp_path / "nocol"
    folder.mkdir()
    (folder / "organizations.csv").write_text("id,description\no1,no name column\n", encoding="utf-8")
    report = run(empty_app, folder)
    assert not report.committed
    assert [(p.file, p.field) for p in report.errors] == [("organizations.csv", "name"), ("(dataset)", None)]
    assert report.imported_nothing and "nothing to import" in report.errors[-1].problem


def test_cli_import_prints_problems_and_fails_without_partial(app, tmp_path):
    runner = app.test_cli_runner()
    folder = write_broken(tmp_path / "broken")
    result = runner.invoke(args=["hsds", "import", str(folder)])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert "services.csv row 3: organization_id: no such organisation" in result.output
    errors_csv = tmp_path / "problems.csv"
    result = runner.invoke(args=["hsds", "import", str(folder), "--partial", "--errors-csv", str(errors_csv)])
    assert result.exit_code == 0, result.output
    assert "Imported. " in result.output and "records skipped" in result.output
    assert "file,row,field,problem,severity" in errors_csv.read_text(encoding="utf-8")


def test_cli_export_writes_datapackage_and_json(app, tmp_path):
    import json

    result = app.test_cli_runner().invoke(args=["hsds", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "3.0.0"
    for resource in descriptor["resources"]:
        assert (tmp_path / "out" / resource["path"]).exists()
    page = json.loads((tmp_path / "out" / "json" / "services.json").read_text(encoding="utf-8"))
    with app.app_context():
        assert page["total_items"] == db.session.scalar(select(func.count()).select_from(m.Service))


def test_reimport_with_a_renamed_organisation_rewrites_its_services_search_documents(app, tmp_path):
    from whoosh.query import Term

    from portal.search.service import get_index

    folder = write_broken(tmp_path / "broken")
    run(app, folder, partial=True)
    path = folder / "organizations.csv"
    path.write_bytes(path.read_bytes().replace(b"Sunrise Recovery", b"Zenith Recovery"))
    report = run(app, folder, partial=True)
    assert report.updated["organization"] == 1 and not report.created
    with app.app_context():
        with get_index().open().searcher() as searcher:
            hits = [hit["id"] for hit in searcher.search(Term("organization", "zenith"), limit=None)]
    assert canonical_id("svc-1", "service") in hits


def test_import_is_recorded_in_the_audit_trail_as_an_hsds_import(app, tmp_path):
    from portal.audit.models import AuditEvent

    run(app, write_broken(tmp_path / "broken"), partial=True)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "service",
                                                             AuditEvent.action == "bulk_create")).all()
        assert events and "hsds_import" in repr([e.changes for e in events])
        # not carried into later, unrelated changes
        assert context_of(db.session).audit_reason is None
