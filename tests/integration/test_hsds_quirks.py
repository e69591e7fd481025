"""Imports keep what real exports hold: each quirk of real 1.x/2.0/3.0 and Ohana exports, with small
fixtures written here, and the real exports in ../shared/hsds-real (tests/paths.py: skipped when
missing, failing under CI=true)."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from portal.directory import models as m
from portal.extensions import db
from portal.hsds.importer.clean import canonical_id
from tests.paths import HSDS_DIR, REAL_DIR, needs_real
from tests.helpers import import_into as run

ILAO = REAL_DIR / "ilao-hsds-1.1" / "tmp"
OHANA_CSV = REAL_DIR / "ohana-smc-sample" / "data" / "sample-csv"
SAMPLE_11 = REAL_DIR / "hsds-1.1-sample-datapackage" / "all_resources"
UK_EXAMPLES = REAL_DIR / "oruk-uk-profile" / "examples"



def sid(raw: str) -> str:
    return canonical_id(raw, "service")


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def quirky_export(folder: Path) -> Path:
    """An HSDS 2.0 datapackage with the quirks of the 2-1-1 and ORServices exports."""
    return write(folder, {
        "organizations.csv": "id,name,description,url\no1,Org One,,www.org-one.example\n",
        "services.csv": (
            "id,organization_id,name,description,url,email\n"
            's1,o1,Detox,"Intro ###MON### Watershed\u0393\u00c7\u00d6s &amp; more\\nline two",www.detox.example,\n'
            "s2,o1,Counselling,,javascript:alert(1),not-an-email\n"
            "s3,o1,Shelter,,,\n"),
        # l1 names its own id as organisation (2-1-1 export); it is reached through s1.
        "locations.csv": "id,organization_id,name,latitude,longitude\nl1,l1,Clinic,100,-87.6\nl2,o1,Office,41.8,-87.6\n",
        "addresses.csv": "id,location_id,address_1,city,state_province,postal_code,country\n"
                         "a1,l2,1 Main St,Chicago,IL,60601,US\n",
        "service_at_location.csv": "id,service_id,location_id\n,s1,l1\n,s3,l2\n",
        # Rows reusing the service id as their own id: one row per service and language.
        "languages.csv": "id,service_id,language\ns1,s1,English\ns1,s1,Spanish\ns2,s2,Spanish\n",
        "eligibility.csv": "id,service_id,eligibility\n,s1,Adults 18+\n,,Residents of Cook County\n,s1,\n",
        "schedules.csv": (
            "id,service_id,weekday,opens_at,closes_at,valid_from,valid_to,description\n"
            "x,s1,Monday - Friday,8:30AM,5:30PM,,,\n"
            "x,s2,Saturday,,,9:00AM,1:00PM,\n"
            "x,s2,Sunday,,,,,by appointment only\n"
            "x,s3,Tuesday,9:00,12:00,,,\n"
            "x,s3,Tuesday,13:00,17:00,,,\n"
            "x,s3,Wednesday,24 Hours,,,,\n"),
        "phones.csv": "id,service_id,number,type\n,s1,(312) 341-1070 ext. 12,voice\n",
        "taxonomy_terms.csv": "id,term,taxonomy\nt1,Detoxification,Open Eligibility\n",
        "service_attributes.csv": "id,service_id,taxonomy_term_id\n,s1,t1\n,s1,NO-SUCH-TERM\n",
    })


def test_quirky_export_imports_whole_without_partial(empty_app, tmp_path):
    report = run(empty_app, quirky_export(tmp_path / "q"))
    assert report.committed, [p.line() for p in report.errors]
    assert report.version == "2.0"
    with empty_app.app_context():
        s1 = db.session.get(m.Service, sid("s1"))
        # Location whose organisation does not resolve, reached through service_at_location.
        clinic = db.session.get(m.Location, canonical_id("l1", "location"))
        assert clinic.organization_id == canonical_id("o1", "organization")
        assert clinic.latitude is None  # latitude 100 left out, record kept
        # Languages: one row per service and language, although the ids repeat.
        assert sorted(lang.code for lang in s1.languages) == ["en", "es"]
        assert [lang.code for lang in db.session.get(m.Service, sid("s2")).languages] == ["es"]
        # Eligibility rows with empty ids are kept on their service; the unlinked one is counted.
        assert "Adults 18+" in s1.eligibility_description_en
        # Clean text and URLs.
        assert s1.description_en == "Intro Watershed\u2019s & more\nline two"
        assert s1.url == "https://www.detox.example"
        assert db.session.get(m.Organization, canonical_id("o1", "organization")).website == \
            "https://www.org-one.example"
        s2 = db.session.get(m.Service, sid("s2"))
        assert s2.url is None and s2.email is None
        assert [(p.number, p.extension) for p in s1.phones] == [("+1 312-341-1070", "12")]
        # Address keeps its own state and country.
        office = db.session.get(m.Location, canonical_id("l2", "location"))
        assert (office.state_province, office.country, office.city) == ("IL", "US", "Chicago")
        # Unresolved term links create no term.
        assert db.session.scalar(select(func.count()).select_from(m.TaxonomyTerm)
                                 .where(m.TaxonomyTerm.code == "NO-SUCH-TERM")) == 0
    assert report.dropped["eligibility: no service_id"] == 1
    assert report.dropped["eligibility: empty"] == 1
    assert report.dropped["attribute: unknown taxonomy term (no such id, no name)"] == 1
    warnings = [p.line() for p in report.warnings]
    assert any("locations.csv row 1: organization_id: no such organisation; took the organisation" in w
               for w in warnings)
    assert any("javascript: links are not kept" in w for w in warnings)
    assert report.values_dropped["location.latitude"] == 1


def test_free_text_hours_become_weekly_rows_and_the_text_is_kept(empty_app, tmp_path):
    report = run(empty_app, quirky_export(tmp_path / "q"))
    assert report.committed
    with empty_app.app_context():
        def hours(raw):
            service = db.session.get(m.Service, sid(raw))
            rows = list(service.schedules) + [s for link in service.location_links for s in link.schedules]
            return service, sorted((s.weekday, f"{s.opens_at:%H:%M}", f"{s.closes_at:%H:%M}") for s in rows)

        s1, rows = hours("s1")  # "Monday - Friday" with 8:30AM / 5:30PM
        assert rows == [(day, "08:30", "17:30") for day in range(1, 6)]
        assert "Monday - Friday 8:30AM–5:30PM" in s1.hours_text
        s2, rows = hours("s2")  # times in valid_from/valid_to; "by appointment only" kept as text
        assert rows == [(6, "09:00", "13:00")]
        assert "by appointment only" in s2.hours_text and "Saturday 9:00AM–1:00PM" in s2.hours_text
        s3, rows = hours("s3")  # split shift on Tuesday, 24 hours on Wednesday
        assert rows == [(2, "09:00", "12:00"), (2, "13:00", "17:00"), (3, "00:00", "23:59")]
    assert report.dropped["schedule: hours not understood (text kept on the service)"] == 1


def test_hours_written_the_same_way_on_many_rows_are_read_and_warned_about_on_each(empty_app, tmp_path):
    # Real exports repeat a few ways of writing hours on thousands of rows, so each way is read once
    # per import; every row must still get its own hours and its own warning, with its row number.
    rows = "".join(f",s{i},{day},9:00,5:00\n" for i in (1, 2) for day in ("Monday", "Tuesday"))
    folder = write(tmp_path / "same", {
        "organizations.csv": "id,name\no1,Org One\n",
        "services.csv": "id,organization_id,name\ns1,o1,Detox\ns2,o1,Counselling\n",
        "schedules.csv": "id,service_id,weekday,opens_at,closes_at\n" + rows + ",s2,Friday,9:00,noon-ish\n"
                         ",s1,Friday,9:00,noon-ish\n",
    })
    report = run(empty_app, folder)
    assert report.committed
    read_as_pm = sorted(p.row for p in report.warnings if "read as 17:00" in p.problem)
    assert read_as_pm == [1, 2, 3, 4]  # data rows, counted from the first under the header
    assert sorted(p.row for p in report.warnings if "not a time of day" in p.problem) == [5, 6]
    with empty_app.app_context():
        for raw in ("s1", "s2"):
            service = db.session.get(m.Service, sid(raw))
            assert sorted((s.weekday, f"{s.closes_at:%H:%M}") for s in service.schedules) == [(1, "17:00"), (2, "17:00")]
            assert "Friday 9:00–noon-ish" in service.hours_text


def test_service_page_shows_the_original_hours_when_none_could_be_read(empty_app, tmp_path):
    folder = write(tmp_path / "h", {
        "organizations.csv": "id,name\no1,Org One\n",
        "services.csv": "id,organization_id,name\ns1,o1,Drop-in\n",
        "schedules.csv": "id,service_id,weekday,opens_at,closes_at,description\n"
                         ",s1,,,,Call for hours; closed on holidays\n",
    })
    report = run(empty_app, folder)
    assert report.committed
    page = empty_app.test_client().get(f"/services/{sid('s1')}?lang=en")
    assert page.status_code == 200
    assert "Call for hours; closed on holidays" in page.get_data(as_text=True)


def test_row_number_keys_get_a_one_line_diagnosis_and_nothing_imported_fails_even_with_partial(empty_app, tmp_path):
    folder = write(tmp_path / "rows", {
        "organizations.csv": "id,name\n1,Org A\n2,Org B\n3,Org C\n",
        "services.csv": "id,organization_id,name\n1,rec8f1,Svc A\n2,rec8f2,Svc B\n3,rec8f3,Svc C\n",
        "service_attributes.csv": "id,service_id,taxonomy_term_id\n1,1,recT1\n",
    })
    report = run(empty_app, folder, partial=True)
    assert not report.committed
    assert any("ids are row numbers (1…3)" in line for line in report.diagnoses)
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m.TaxonomyTerm)) == \
            db.session.scalar(select(func.count()).select_from(m.TaxonomyTerm).where(
                m.TaxonomyTerm.code != "recT1"))  # no term named after an unresolved id
    result = empty_app.test_cli_runner().invoke(args=["hsds", "import", str(folder), "--partial"])
    assert result.exit_code != 0
    assert "ids are row numbers" in result.output and "Nothing was imported" in result.output


def test_an_empty_import_exits_non_zero(empty_app, tmp_path):
    folder = write(tmp_path / "empty", {"organizations.csv": "id,name\n", "services.csv": "id,organization_id,name\n"})
    result = empty_app.test_cli_runner().invoke(args=["hsds", "import", str(folder), "--partial"])
    assert result.exit_code != 0 and "Nothing was imported" in result.output


def test_unsupported_file_gets_what_it_looks_like(empty_app, tmp_path):
    sheet = tmp_path / "list.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    result = empty_app.test_cli_runner().invoke(args=["hsds", "import", str(sheet)])
    assert result.exit_code != 0
    assert "this looks like an Excel spreadsheet, which is not supported; supported are" in result.output


def test_ohana_ndjson_export_imports_with_free_text_hours(empty_app, tmp_path):
    org = {"name": "Peninsula Family Service", "description": "Family support", "urls": ["www.pfs.example"],
           "locations": [{"name": "Fair Oaks Center", "coordinates": [-122.2, 37.47],
                          "address": {"street": "2600 Middlefield Road", "city": "Redwood City",
                                      "state": "CA", "zip": "94063"},
                          "phones": [{"number": "650 780-7525", "department": "Main"}],
                          "hours": "Monday-Friday, 8-5",
                          "services": [{"name": "Older adult services", "description": "Walk-in center",
                                        "audience": "Adults 55+", "languages": ["English", "Spanish"],
                                        "service_areas": ["San Mateo County"],
                                        "hours": "Mon-Fri 8:30AM-5:30PM"}]}]}
    other = {"name": "Samaritan House", "locations": [{"name": "Main", "services": [{"name": "Food pantry"}]}]}
    path = tmp_path / "ohana.json"
    path.write_text(json.dumps(org) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    report = run(empty_app, path)
    assert report.committed, [p.line() for p in report.errors]
    assert report.source.startswith("Ohana NDJSON")
    assert report.created["organization"] == 2 and report.created["service"] == 2
    with empty_app.app_context():
        service = db.session.scalars(select(m.Service).where(m.Service.name_en == "Older adult services")).one()
        assert sorted(lang.code for lang in service.languages) == ["en", "es"]
        assert "Adults 55+" in service.eligibility_description_en
        assert sorted(s.weekday for s in service.schedules) == [1, 2, 3, 4, 5]
        location = service.location_links[0].location
        assert (location.state_province, location.postal_code, round(location.latitude, 2)) == ("CA", "94063", 37.47)
        assert [p.number for p in location.phones] == ["+1 650-780-7525"]  # a US number in a CN deployment


def test_export_keeps_the_source_taxonomy_and_each_address_country(empty_app, tmp_path):
    run(empty_app, quirky_export(tmp_path / "q"))
    from portal.hsds.exporter import export_directory

    with empty_app.app_context():
        export_directory(db.session, tmp_path / "out")
    services = json.loads((tmp_path / "out" / "json" / "services.json").read_text(encoding="utf-8"))["contents"]
    s1 = next(s for s in services if s["id"] == sid("s1"))
    terms = {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in s1["attributes"]}
    assert ("Open Eligibility", "t1") in terms  # the source's own term, beside any mapped category
    addresses = [a for s in services for link in s.get("service_at_locations", [])
                 for a in link["location"].get("addresses", [])]
    office = next(a for a in addresses if a["location_id"] == canonical_id("l2", "location"))
    assert (office["country"], office["state_province"]) == ("US", "IL")
    clinic = [a for a in addresses if a["location_id"] == canonical_id("l1", "location")]
    assert all(a["country"] == "CN" for a in clinic)  # no country of its own: PORTAL_DEFAULT_COUNTRY
    assert s1["hours_text"].startswith("Monday - Friday")
    # Round trip into an empty database keeps the source taxonomy and the address fields.
    target = tmp_path / "again"
    target.mkdir()
    with empty_app.app_context():
        before = {(t.taxonomy.name, t.code) for t in db.session.scalars(select(m.TaxonomyTerm))}
        db.session.execute(db.delete(m.Attribute))
        db.session.commit()
    report = run(empty_app, tmp_path / "out")
    assert report.committed, [p.line() for p in report.errors]
    with empty_app.app_context():
        after = {(t.taxonomy.name, t.code) for t in db.session.scalars(select(m.TaxonomyTerm))}
        assert ("Open Eligibility", "t1") in after and before <= after
        office = db.session.get(m.Location, canonical_id("l2", "location"))
        assert (office.state_province, office.country) == ("IL", "US")


# --- the real exports ------------------------------------------------------------------------------

@needs_real
def test_ilao_partial_export_counts_every_row_it_cannot_keep(empty_app):
    report = run(empty_app, ILAO, partial=True)
    assert report.committed
    assert report.kept["service"] == 89 and report.kept["location"] == 72
    # Eligibility rows (empty ids): every one kept or counted, none silently lost.
    eligibility = sum(v for k, v in report.dropped.items() if k.startswith("eligibility:")) + report.kept["eligibility"]
    assert eligibility == 520
    assert report.dropped["eligibility: its service is not imported"] > 0
    assert report.dropped["schedule: belongs to no service or service-at-location"] > 0
    assert report.dropped["phone: no number"] == 19
    assert any("numbers read as US numbers" in p.problem for p in report.warnings)
    with empty_app.app_context():
        numbers = list(db.session.scalars(select(m.Phone.number)))
        assert numbers and all(n.startswith("+1 ") for n in numbers if n[0] in "+(0123456789")


@needs_real
def test_ohana_smc_csv_imports_with_its_comma_lists(empty_app):
    report = run(empty_app, OHANA_CSV)
    assert report.committed, [p.line() for p in report.errors][:5]
    assert report.source.startswith("Ohana CSV")
    assert (report.created["organization"], report.created["service"], report.created["location"]) == (8, 23, 22)
    assert report.dropped["holiday_schedules: table not stored"] == 4
    with empty_app.app_context():
        location = db.session.get(m.Location, canonical_id("1", "location"))
        assert (location.city, location.state_province, location.country) == ("Redwood City", "CA", "US")
        assert location.accessibility_en == "disabled_parking, ramp, restroom, wheelchair"
        assert db.session.scalar(select(func.count()).select_from(m.ServiceArea)) > 0
        terms = db.session.scalar(select(func.count()).select_from(m.TaxonomyTerm).join(m.Taxonomy)
                                  .where(m.Taxonomy.name == "Open Eligibility"))
        assert terms == 290


@needs_real
def test_uk_profile_30_examples_import_without_partial(empty_app):
    for name in ("service_full.json", "organization_full.json", "service_at_location_full.json"):
        report = run(empty_app, UK_EXAMPLES / name)
        assert report.committed, (name, [p.line() for p in report.errors])
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m.Service)) >= 1


def test_official_hsds_30_examples_import_without_partial(empty_app):
    for name in ("service_full.json", "organization_full.json"):
        report = run(empty_app, HSDS_DIR / "examples" / name)
        assert report.committed, (name, [p.line() for p in report.errors])


@needs_real
def test_hsds_11_sample_reimport_keeps_every_row(empty_app):
    first = run(empty_app, SAMPLE_11)
    assert first.committed and first.errors == []
    again = run(empty_app, SAMPLE_11)
    assert again.committed and not again.created and not again.deleted


def gender_export(folder: Path) -> Path:
    """An HSDS 1.1 export whose eligibility rows hold facet values ("Female", "Men") for some
    services and free text for others."""
    return write(folder, {
        "organizations.csv": "id,name\no1,Harbour Peer Network\n",
        "services.csv": "id,organization_id,name,description\n"
                        "s-f,o1,Peer support group for mothers,Peer support\n"
                        "s-m,o1,Peer support circle for fathers,Peer support\n"
                        "s-x,o1,Peer support drop-in,Peer support\n"
                        "s-both,o1,Peer support for couples,Peer support\n",
        "locations.csv": "id,organization_id,name,latitude,longitude\nl1,o1,Harbour,41.8800,-87.6300\n",
        "services_at_location.csv": "id,service_id,location_id\n,s-f,l1\n,s-m,l1\n,s-x,l1\n,s-both,l1\n",
        "eligibility.csv": "id,service_id,eligibility\n"
                           ",s-f,Female\n,s-f,Adults\n,s-m,Men\n"
                           ",s-x,Women and children fleeing violence\n"
                           ",s-both,women\n,s-both,male\n",
    })


def test_gender_in_eligibility_rows_becomes_the_services_gender_rule(empty_app, tmp_path):
    from portal.matching.catalog import clear_cache
    from portal.matching.operations import run_match

    report = run(empty_app, gender_export(tmp_path / "g"))
    assert report.committed, [p.line() for p in report.errors]
    with empty_app.app_context():
        rules = {raw: db.session.get(m.Service, sid(raw)).gender_eligibility for raw in ("s-f", "s-m", "s-x", "s-both")}
        # The words stay readable on the service as they were written.
        assert "Female" in db.session.get(m.Service, sid("s-f")).eligibility_description_en
        assert "fleeing violence" in db.session.get(m.Service, sid("s-x")).eligibility_description_en
    assert rules == {"s-f": "female", "s-m": "male", "s-x": None, "s-both": "all"}

    def matched(gender):
        with empty_app.app_context():
            clear_cache()
            result = run_match(db.session, {"latitude": 41.885, "longitude": -87.635, "travel_km": 25,
                                            "needs": ["peer_support"], "gender": gender, "age": 35}).result
            return ({s.service.id for s in result.suggestions},
                    {e.service.id: e.codes for e in result.exclusions})

    suggested, excluded = matched("male")
    assert {sid("s-m"), sid("s-x"), sid("s-both")} <= suggested  # free text: unknown, never no
    assert excluded.get(sid("s-f")) == {"gender"}
    suggested, excluded = matched("female")
    assert {sid("s-f"), sid("s-x"), sid("s-both")} <= suggested and sid("s-m") in excluded
