"""The schema: migrations match the models, and the database itself guards the invariants."""
from __future__ import annotations

from datetime import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from portal.directory.models import Area, Location, Organization, Schedule, Service, Taxonomy, TaxonomyTerm
from portal.extensions import db


def test_migrations_and_models_agree(empty_app):
    with empty_app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_create_every_table(empty_app):
    with empty_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    expected = {"organization", "location", "service", "service_at_location", "schedule", "phone", "contact",
                "language", "cost_option", "required_document", "service_area", "taxonomy", "taxonomy_term",
                "attribute", "area", "user_account", "user_role", "api_token", "audit_event", "index_outbox"}
    assert expected <= tables


def _org():
    org = Organization(name_zh="约束测试机构")
    db.session.add(org)
    db.session.flush()
    return org


@pytest.mark.parametrize("fields", [
    {"minimum_age": 40, "maximum_age": 18},
    {"minimum_age": -1},
    {"status": "sort_of_open"},
    {"capacity_status": "maybe"},
    {"wait_weeks": -2},
    {"gender_eligibility": "unknown"},
])
def test_database_rejects_invalid_services(empty_app, fields):
    with empty_app.app_context():
        org = _org()
        db.session.add(Service(organization_id=org.id, name_zh="坏服务", **fields))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("lat,lon", [(200, 114), (-91, 0), (30, 181), (30, -200)])
def test_database_rejects_out_of_range_coordinates(empty_app, lat, lon):
    with empty_app.app_context():
        org = _org()
        db.session.add(Location(organization_id=org.id, name_zh="坏坐标", latitude=lat, longitude=lon))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_taxonomy_codes_are_unique_within_a_vocabulary(empty_app):
    with empty_app.app_context():
        vocab = Taxonomy(name="a city's own list")  # "category" is installed by the migrations
        db.session.add(vocab)
        db.session.flush()
        db.session.add(TaxonomyTerm(taxonomy_id=vocab.id, code="detox", name_zh="脱毒"))
        db.session.add(TaxonomyTerm(taxonomy_id=vocab.id, code="detox", name_zh="脱毒二"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_schedule_must_open_before_it_closes(empty_app):
    with empty_app.app_context():
        org = _org()
        service = Service(organization_id=org.id, name_zh="时间")
        db.session.add(service)
        db.session.flush()
        db.session.add(Schedule(service_id=service.id, weekday=1, opens_at=time(17), closes_at=time(9)))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_area_level_is_checked(empty_app):
    with empty_app.app_context():
        db.session.add(Area(code="X", name_zh="某地", level="planet"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_concurrent_edit_of_a_service_is_detected_by_its_version(empty_app):
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    with empty_app.app_context():
        org = _org()
        service = Service(organization_id=org.id, name_zh="版本")
        db.session.add(service)
        db.session.commit()
        service_id = service.id
        with Session(db.engine) as first, Session(db.engine) as second:
            a = first.get(Service, service_id)
            b = second.get(Service, service_id)
            a.name_zh = "第一次修改"
            first.commit()
            b.name_zh = "第二次修改"
            with pytest.raises(StaleDataError):
                second.commit()
        db.session.expire_all()
        assert db.session.scalar(select(Service.name_zh).where(Service.id == service_id)) == "第一次修改"


def test_deleting_an_organisation_removes_its_services_and_locations(empty_app):
    with empty_app.app_context():
        org = _org()
        db.session.add(Service(organization_id=org.id, name_zh="随机构删除"))
        db.session.add(Location(organization_id=org.id, name_zh="随机构删除"))
        db.session.commit()
        db.session.delete(org)
        db.session.commit()
        assert db.session.scalar(select(Service).where(Service.name_zh == "随机构删除")) is None
        assert db.session.scalar(select(Location).where(Location.name_zh == "随机构删除")) is None


def test_database_errors_never_carry_the_values_being_written_into_the_logs(empty_app, caplog):
    """Errors end up in logs with their tracebacks: they must not repeat what was typed (SQLAlchemy
    hides the parameters; PostgreSQL's own DETAIL line is redacted by the app's log filter)."""
    import logging

    with empty_app.app_context():
        org = _org()
        db.session.add(Service(organization_id=org.id, name_zh="保密的服务对象备注-13800000000", wait_weeks=-1))
        with pytest.raises(IntegrityError) as error:
            db.session.flush()
        db.session.rollback()
        with caplog.at_level(logging.ERROR):
            try:
                raise error.value
            except IntegrityError:
                empty_app.logger.exception("Exception on /admin/service/new/ [POST]")
    assert "hidden due to hide_parameters" in str(error.value)
    assert "wait_weeks_positive" in caplog.text  # the log still says what went wrong
    assert "13800000000" not in caplog.text
