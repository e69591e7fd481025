"""The demo data: what it contains, that it loads cleanly and that loading it again changes nothing.

``app`` (tests/conftest.py) is a migrated database already seeded by ``load_demo``; ``empty_app`` is
a migrated database with no rows. Both run on SQLite and, when configured, PostgreSQL.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import String, func, select

from portal.accounts.models import User
from portal.accounts.passwords import verify_password
from portal.audit.models import AuditEvent
from portal.common import today
from portal.directory.models import (
    VOCABULARIES,
    Area,
    Attribute,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from portal.extensions import db
from portal.search.models import IndexOutbox
from portal.session_context import context_of
from seed import generate
from seed.loader import DEMO_USERS, load_demo, load_taxonomies, read_data, seed_id

DEPARTMENTS = {"health", "civil_affairs", "disabled_persons_federation", "justice", "public_security",
               "human_resources", "social_organisation", "enterprise"}
REQUIRED_CATEGORIES = {
    "outreach", "harm_reduction", "screening_assessment", "detox", "methadone_maintenance",
    "buprenorphine_maintenance", "counselling", "relapse_prevention", "peer_support", "family_support",
    "vocational_training", "employment_support", "aftercare", "infectious_disease_testing",
    "home_visit_medication", "rehab_day_station", "social_skills", "supported_employment",
    "caregiver_training", "respite_care", "crisis_hotline", "psychiatric_care", "case_management",
    "legal_aid", "housing_support",
}
CARE_STAGES = ["outreach_low_threshold", "screening_assessment", "detox_stabilisation", "maintenance_treatment",
               "relapse_prevention_reintegration", "aftercare", "hospital_discharge", "home_based_rehab",
               "community_integration", "employment"]
DISTRICT_WITHOUT_METHADONE = read_data("areas.json")["district_without_methadone"]
TABLES = (Organization, Location, Service, ServiceAtLocation, Schedule, Attribute, ServiceArea, Area,
          TaxonomyTerm, User, AuditEvent)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _services_with(vocabulary: str, code: str):
    return (select(Service).join(Attribute, Attribute.service_id == Service.id)
            .join(TaxonomyTerm).join(Taxonomy)
            .where(Taxonomy.name == vocabulary, TaxonomyTerm.code == code))


# --- contents ------------------------------------------------------------------------------------


def test_demo_has_enough_organisations_in_every_department(app):
    with app.app_context():
        departments = dict(db.session.execute(
            select(Organization.department, func.count()).group_by(Organization.department)).all())
        assert sum(departments.values()) >= 80
        assert set(departments) == DEPARTMENTS
        named_in_english = db.session.scalar(select(func.count()).where(Organization.name_en.is_not(None)))
        assert 0.4 <= named_in_english / sum(departments.values()) <= 0.65


def test_city_has_ten_districts_with_streets_and_coordinates(app):
    with app.app_context():
        city = db.session.scalar(select(Area).where(Area.level == "city"))
        districts = [a for a in city.children if a.level == "district"]
        assert len(districts) >= 10
        for district in districts:
            streets = [a for a in district.children if a.level == "street"]
            assert 3 <= len(streets) <= 5, district.code
            for area in [district, *streets]:
                assert 29.5 < area.latitude < 31.5 and 113.5 < area.longitude < 115.0, area.code
        assert db.session.scalar(select(func.count()).where(Area.level == "community")) > 0


def test_every_district_has_services_at_its_locations(app):
    with app.app_context():
        for district in db.session.scalars(select(Area).where(Area.level == "district")):
            street_ids = [a.id for a in district.children]
            located = db.session.scalar(
                select(func.count(func.distinct(ServiceAtLocation.service_id)))
                .join(Location).where(Location.area_id.in_(street_ids)))
            assert located >= 10, district.code


def test_every_category_has_a_service(app):
    with app.app_context():
        used = set(db.session.scalars(
            select(TaxonomyTerm.code).join(Taxonomy).join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
            .where(Taxonomy.name == "category", Attribute.service_id.is_not(None))))
        all_codes = set(db.session.scalars(
            select(TaxonomyTerm.code).join(Taxonomy).where(Taxonomy.name == "category")))
        assert REQUIRED_CATEGORIES <= all_codes
        # A broader category (substance use treatment) is met through its narrower ones.
        broader = set(db.session.scalars(
            select(TaxonomyTerm.code).join(Taxonomy).where(Taxonomy.name == "category")
            .where(TaxonomyTerm.id.in_(select(TaxonomyTerm.parent_id).where(TaxonomyTerm.parent_id.is_not(None))))))
        assert "substance_use_treatment" in broader
        assert used | broader == all_codes


def test_every_service_has_a_category_a_care_stage_and_a_delivery_mode(app):
    with app.app_context():
        services = db.session.scalars(select(Service)).all()
        assert len(services) >= 250
        for service in services:
            vocabularies = [a.taxonomy_term.taxonomy.name for a in service.attributes]
            assert "category" in vocabularies, service.name_zh
            assert vocabularies.count("care_stage") == 1, service.name_zh
            assert "delivery_mode" in vocabularies, service.name_zh


def test_vocabularies_are_complete_and_care_stages_follow_the_continuum(empty_app):
    with empty_app.app_context():
        terms = load_taxonomies(db.session)
        db.session.commit()
        assert set(terms) == set(VOCABULARIES)
        stages = db.session.scalars(
            select(TaxonomyTerm.code).join(Taxonomy).where(Taxonomy.name == "care_stage")
            .order_by(TaxonomyTerm.position)).all()
        assert stages == CARE_STAGES
        assert set(terms["department"]) == DEPARTMENTS
        for vocabulary in terms.values():
            for term in vocabulary.values():
                assert term.name_zh and term.name_en and term.code.islower()


def test_some_listings_are_stale_and_most_are_fresh(app, seed_day):
    with app.app_context():
        days = [(seed_day - v).days for v in db.session.scalars(select(Service.verified_on))]
        stale = sum(d > 180 for d in days) / len(days)
        assert 0.15 <= stale <= 0.25
        assert max(days) <= 400 and min(days) >= 0


def test_capacity_statuses_and_eligibility_unknowns_are_mixed(app, seed_day):
    with app.app_context():
        def values(column):
            return dict(db.session.execute(select(column, func.count()).group_by(column)).all())

        capacity = values(Service.capacity_status)
        assert set(capacity) == {"accepting", "waitlist", "full", "unknown"}
        assert values(Service.status).keys() == {"active", "temporarily_closed", "inactive"}
        # Unknown is not no: unstated facts stay NULL rather than False.
        assert None in values(Service.gender_eligibility) and "female" in values(Service.gender_eligibility)
        assert {None, True, False} <= values(Service.residency_required).keys()
        assert {None, True, False} <= values(Service.accepts_referrals).keys()
        waitlisted = db.session.scalars(select(Service).where(Service.capacity_status == "waitlist")).all()
        assert all(1 <= s.wait_weeks <= 8 and s.capacity_updated_at is not None for s in waitlisted)
        closed = db.session.scalars(select(Service).where(Service.status == "temporarily_closed")).all()
        assert closed and all(s.reopens_on > seed_day for s in closed)


def test_only_values_restrict_women_only_and_adolescent_services(app):
    with app.app_context():
        women_only = db.session.scalars(
            _services_with("population", "women").where(Attribute.value == "only")).all()
        assert women_only and all(s.gender_eligibility == "female" for s in women_only)
        youth_only = db.session.scalars(
            _services_with("population", "adolescent").where(Attribute.value == "only")).all()
        assert youth_only and all(s.maximum_age is not None and s.maximum_age <= 24 for s in youth_only)


def test_hotlines_run_around_the_clock_and_have_hotline_numbers(app):
    with app.app_context():
        hotlines = db.session.scalars(_services_with("category", "crisis_hotline")).all()
        assert any(s.phones and s.phones[0].type == "hotline" for s in hotlines)
        around_the_clock = [s for s in hotlines
                            if len({r.weekday for r in s.schedules if r.opens_at.hour == 0 and r.closes_at.hour == 23}) == 7]
        assert around_the_clock


def test_district_without_methadone_has_none(app):
    with app.app_context():
        district = db.session.scalar(select(Area).where(Area.code == DISTRICT_WITHOUT_METHADONE))
        inside = {district.id} | {a.id for a in district.children}
        methadone = db.session.scalars(_services_with("category", "methadone_maintenance")).all()
        assert len(methadone) >= 8
        for service in methadone:
            assert not any(loc.area_id in inside for loc in service.locations), service.name_zh
            assert not {sa.area.code for sa in service.service_areas} & {"JL", DISTRICT_WITHOUT_METHADONE}
        # …while the district itself is not empty: a worker there needs services from elsewhere.
        assert db.session.scalar(select(func.count()).select_from(Location).where(Location.area_id.in_(inside))) >= 5


def test_demo_users_have_their_roles_bindings_and_passwords(app):
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        for demo in DEMO_USERS:
            user = users[demo.email]
            assert user.roles == set(demo.roles)
            assert verify_password(user.password_hash, demo.password)
            assert user.organization_id == (seed_id("organization", demo.organization) if demo.organization else None)
        assert "美沙酮维持治疗门诊" in users["agency@demo.local"].organization.name_zh
        assert "禁毒社会工作服务站" in users["worker@demo.local"].organization.name_zh
        assert users["agency2@demo.local"].organization_id not in (None, users["agency@demo.local"].organization_id)
        assert users["coordinator@demo.local"].area.level == "city"
        assert users["coordinator2@demo.local"].area.code == DISTRICT_WITHOUT_METHADONE


def test_text_fits_the_column_lengths(app):
    """SQLite ignores VARCHAR lengths; PostgreSQL does not. Check them on every backend."""
    seeded = {model.__tablename__ for model in (*TABLES, Taxonomy)} | {
        "phone", "contact", "language", "cost_option", "required_document"}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name not in seeded:
                continue
            for column in table.columns:
                if isinstance(column.type, String) and column.type.length:
                    longest = db.session.scalar(select(func.max(func.length(column))))
                    assert (longest or 0) <= column.type.length, f"{table.name}.{column.name}"


# --- loading -------------------------------------------------------------------------------------


def test_loading_again_changes_nothing(app):
    with app.app_context():
        before = {model.__tablename__: _count(model) for model in TABLES}
        versions = dict(db.session.execute(select(Service.id, Service.version)).all())
        counts = load_demo(db.session)
        db.session.commit()
        assert {model.__tablename__: _count(model) for model in TABLES} == before
        assert dict(db.session.execute(select(Service.id, Service.version)).all()) == versions
        assert counts["organizations"] == before["organization"]
        assert counts["services"] == before["service"]


def test_refreshing_on_the_same_day_changes_nothing_either(app, seed_day):
    with app.app_context():
        audit_rows = _count(AuditEvent)
        load_demo(db.session, today=seed_day, refresh=True)
        db.session.commit()
        assert _count(AuditEvent) == audit_rows


def test_relative_dates_follow_the_day_of_loading_only_when_refreshing(app, seed_day):
    with app.app_context():
        service_id = seed_id("service", "mmt-jiangbin/mmt")
        before = db.session.get(Service, service_id).verified_on
        load_demo(db.session, today=seed_day + timedelta(days=10))
        db.session.commit()
        assert db.session.get(Service, service_id).verified_on == before
        load_demo(db.session, today=seed_day + timedelta(days=10), refresh=True)
        db.session.commit()
        assert db.session.get(Service, service_id).verified_on == before + timedelta(days=10)


def _edit_the_agency_service() -> int:
    """What an agency user might do in the demo: change capacity, delete the opening hours."""
    service = db.session.get(Service, seed_id("service", "mmt-jiangbin/mmt"))
    service.capacity_status = "full" if service.capacity_status != "full" else "accepting"
    removed = len(service.schedules)
    for row in list(service.schedules):
        db.session.delete(row)
    db.session.commit()
    return removed


def test_topping_up_keeps_what_people_changed_in_the_demo(app):
    with app.app_context():
        _edit_the_agency_service()
        edited = db.session.get(Service, seed_id("service", "mmt-jiangbin/mmt")).capacity_status
        load_demo(db.session)
        db.session.commit()
        db.session.expire_all()
        service = db.session.get(Service, seed_id("service", "mmt-jiangbin/mmt"))
        assert service.capacity_status == edited
        assert service.schedules == []


def test_refreshing_resets_seeded_records_to_the_data_files(app):
    with app.app_context():
        removed = _edit_the_agency_service()
        extra = Service(organization_id=seed_id("organization", "mmt-jiangbin"), name_zh="机构自建的服务")
        db.session.add(extra)
        db.session.commit()
        load_demo(db.session, refresh=True)
        db.session.commit()
        db.session.expire_all()
        service = db.session.get(Service, seed_id("service", "mmt-jiangbin/mmt"))
        data = next(s for s in read_data("services.json")["services"] if s["key"] == "mmt-jiangbin/mmt")
        assert service.capacity_status == data["capacity_status"]
        assert len(service.schedules) == removed
        assert db.session.get(Service, extra.id) is not None  # never created by the seed: left alone


def test_topping_up_brings_back_a_deleted_service_without_its_deleted_location(app):
    with app.app_context():
        service = db.session.get(Service, seed_id("service", "mmt-jinsha/mmt"))
        sites = {link.location_id for link in service.location_links}
        assert len(sites) == 2  # the clinic and its dispensing point in 云台区
        branch = db.session.get(Location, seed_id("location", "mmt-jinsha-jl-06-02"))
        db.session.delete(service)
        db.session.delete(branch)
        db.session.commit()
        load_demo(db.session)
        db.session.commit()
        db.session.expire_all()
        service = db.session.get(Service, seed_id("service", "mmt-jinsha/mmt"))
        assert {link.location_id for link in service.location_links} == sites - {branch.id}
        assert db.session.get(Location, branch.id) is None  # the organisation still exists: kept as is


def test_load_does_not_feed_the_search_index(empty_app):
    with empty_app.app_context():
        counts = load_demo(db.session, today=date(2026, 3, 1))
        db.session.commit()
        assert _count(IndexOutbox) == 0
        assert counts["services"] == _count(Service) >= 250
        context = context_of(db.session)
        assert not context.skip_outbox and context.audit_reason is None


def test_generated_data_files_are_up_to_date():
    """seed/data/*.json are what seed/generate.py makes from its templates (deterministic)."""
    assert generate.main(["--check"]) == 0


# --- the command -----------------------------------------------------------------------------------


def test_flask_seed_demo_prints_counts_and_demo_logins(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "services" in result.output and "organizations" in result.output
    for demo in DEMO_USERS:
        assert demo.email in result.output and demo.password in result.output
    again = runner.invoke(args=["seed", "demo", "--quiet"])
    assert again.exit_code == 0, again.output
    assert len(again.output.strip().splitlines()) == 1 and "services" in again.output
    reset = runner.invoke(args=["seed", "demo", "--refresh", "-q"])
    assert reset.exit_code == 0, reset.output
    with empty_app.app_context():
        assert _count(User) == len(DEMO_USERS)


def test_demo_users_can_be_printed_as_tuples():
    """The Makefile prints ``u[0]``, ``u[1]``, ``u[3]``: email, password, description."""
    for user in DEMO_USERS:
        assert (user[0], user[1], user[3]) == (user.email, user.password, user.description)
        assert len(user.password) >= 10


@pytest.fixture
def unmigrated_app(tmp_path):
    from tests.conftest import dispose, make_app

    application = make_app(f"sqlite:///{tmp_path / 'bare.db'}", tmp_path / "index")
    yield application
    dispose(application)


def test_flask_seed_demo_fails_clearly_without_a_schema(unmigrated_app):
    result = unmigrated_app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert "flask db upgrade" in result.output


def test_loading_the_demo_data_is_audited_as_one_summary_per_table_not_thousands_of_rows(app):
    from sqlalchemy import func, select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        seed_rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_create")).all()
        assert {row.changes["_reason"] for row in seed_rows} == {"seed_demo"}
        assert {row.record_type for row in seed_rows} >= {"organization", "service", "location"}
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "create")) == 0
