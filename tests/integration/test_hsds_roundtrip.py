"""Export → import into an empty database reproduces the same directory, field by field, through
the CSV datapackage and through the JSON; importing the same export again changes nothing."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.directory import models as m
from portal.extensions import db
from portal.hsds.exporter import export_directory
from tests.helpers import import_into as _import

SNAPSHOT_MODELS = (m.Taxonomy, m.TaxonomyTerm, m.Organization, m.Location, m.Service, m.ServiceAtLocation,
                   m.Schedule, m.Phone, m.Contact, m.Language, m.CostOption, m.RequiredDocument,
                   m.ServiceArea, m.Attribute)
IGNORED = {"created_at", "updated_at", "version"}  # bookkeeping of this database, not content


def _normal(value):
    if isinstance(value, datetime):
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value.replace(microsecond=value.microsecond // 1000 * 1000).isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def directory_snapshot(session) -> dict[str, list[tuple]]:
    """Every directory row as sorted tuples of (column, value); area ids (integers local to a
    database) are replaced by area codes."""
    codes = {a.id: a.code for a in session.scalars(select(m.Area))}
    snapshot = {"area": sorted(
        (a.code, a.name_zh, a.name_en, a.level, codes.get(a.parent_id), _normal(a.latitude), _normal(a.longitude))
        for a in session.scalars(select(m.Area)))}
    for model in SNAPSHOT_MODELS:
        columns = [c.name for c in model.__table__.columns if c.name not in IGNORED]
        rows = []
        for obj in session.scalars(select(model)):
            row = []
            for name in columns:
                value = getattr(obj, name)
                if name == "area_id":
                    value = codes.get(value)
                row.append((name, _normal(value)))
            rows.append(tuple(row))
        snapshot[model.__tablename__] = sorted(rows, key=repr)
    return snapshot



def _assert_same(before: dict, after: dict) -> None:
    for table, rows in before.items():
        missing = [r for r in rows if r not in after[table]]
        extra = [r for r in after[table] if r not in rows]
        assert not missing and not extra, f"{table}: {len(missing)} rows differ, e.g. {missing[:1]} vs {extra[:1]}"


@pytest.fixture
def empty_target(backend, empty_template, tmp_path):
    """A second, empty database next to ``app`` (the ``empty_app`` fixture shares ``app``'s index
    folder name, so the two cannot be used in one test)."""
    from tests.conftest import dispose, make_app

    url = backend.clone(empty_template.url)
    index_dir = tmp_path / "target-index"
    shutil.copytree(empty_template.index_dir, index_dir)
    application = make_app(url, index_dir)
    yield application
    dispose(application)
    backend.drop(url)


@pytest.fixture
def exported(app, tmp_path):
    with app.app_context():
        snapshot = directory_snapshot(db.session)
        export_directory(db.session, tmp_path / "export")
    assert snapshot["service"], "the demo directory should not be empty"
    return snapshot, tmp_path / "export"


def test_csv_export_imports_into_empty_database_identically(exported, empty_target):
    before, folder = exported
    report = _import(empty_target, folder)
    assert report.committed and report.errors == [], [p.line() for p in report.errors[:5]]
    assert report.version == "3.0" and report.source == "CSV datapackage"
    with empty_target.app_context():
        _assert_same(before, directory_snapshot(db.session))


def test_json_export_imports_into_empty_database_identically(exported, empty_target):
    before, folder = exported
    report = _import(empty_target, folder / "json")
    assert report.committed and report.errors == [], [p.line() for p in report.errors[:5]]
    assert report.source == "JSON"
    with empty_target.app_context():
        _assert_same(before, directory_snapshot(db.session))


def test_reimporting_an_export_changes_nothing(exported, app):
    before, folder = exported
    report = _import(app, folder)
    assert report.committed
    assert not report.created and not report.updated and not report.deleted
    with app.app_context():
        _assert_same(before, directory_snapshot(db.session))
