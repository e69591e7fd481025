"""The fast paths of a large import give the same directory and search results as the small-import
paths: PostgreSQL's COPY for new rows (SQLite keeps its INSERTs), and the index rebuilt at the end
instead of following the feed service by service. The thresholds are lowered so a small export
takes the large-import paths; run with TEST_DATABASE_URL for the COPY path."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.directory import models as m
from portal.extensions import db
from portal.hsds import importer
from portal import bulk
from tests.helpers import import_into

from .test_vocab_crosswalk import service_id, write_export


@pytest.fixture
def large_import_paths(monkeypatch) -> list[int]:
    """Lowered thresholds; returns the list of index rebuilds made (their document counts)."""
    from portal.search.index import SearchIndex

    monkeypatch.setattr(bulk, "COPY_FROM", 1)
    monkeypatch.setattr(importer, "REBUILD_INDEX_FROM", 1)
    rebuilds: list[int] = []
    rebuild = SearchIndex.rebuild

    def counted(self, *args, **kwargs):
        rebuilds.append(rebuild(self, *args, **kwargs))
        return rebuilds[-1]

    monkeypatch.setattr(SearchIndex, "rebuild", counted)
    return rebuilds


def _search_ids(app, words: str) -> set[str]:
    from portal.search.query import SearchParams
    from portal.search.service import run_search

    with app.test_request_context("/"):
        return {hit.service_id for hit in run_search(SearchParams(q=words)).hits}


def test_a_large_first_import_stores_every_row_with_its_defaults_and_indexes_every_service(
        empty_app, tmp_path, large_import_paths):
    report = import_into(empty_app, write_export(tmp_path / "oe11"))
    assert report.committed and report.created["service"] == 6
    assert report.indexed == 6 and large_import_paths == [6]
    sid = service_id("svc-detox")
    with empty_app.app_context():
        service = db.session.get(m.Service, sid)
        assert service.name_en == "Medical Detox Unit"
        assert service.version == 1 and service.created_at is not None  # defaults COPY does not know
        assert {link.location.name_en for link in service.location_links} == {"Harbour main"}
        assert db.session.scalar(select(func.count()).select_from(m.Attribute).where(
            m.Attribute.service_id == sid, m.Attribute.origin.is_(None))) == 2
        from portal.search.service import get_index

        index = get_index()
        assert index.doc_count() == 6
        assert index.backlog(db.session) == 0  # the rebuild covered the import's feed rows
    assert sid in _search_ids(empty_app, "detox")


def test_a_large_reimport_changes_nothing_and_a_small_edit_import_follows_the_feed(
        empty_app, tmp_path, large_import_paths, monkeypatch):
    export = write_export(tmp_path / "oe11")
    import_into(empty_app, export)
    again = import_into(empty_app, export)
    assert again.committed and not again.created and not again.updated
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(m.Service)) == 6
    services = export / "services.csv"
    services.write_text(services.read_text().replace("Medically supervised withdrawal",
                                                      "Medically supervised methadone withdrawal"))
    monkeypatch.setattr(importer, "REBUILD_INDEX_FROM", 1000)  # one changed service: the feed
    edited = import_into(empty_app, export)
    assert edited.updated["service"] == 1 and edited.indexed == 1
    assert len(large_import_paths) == 1  # only the first import rebuilt (the re-import queued none)
    assert service_id("svc-detox") in _search_ids(empty_app, "methadone")


def test_chunk_reads_find_exactly_the_rows_asked_for_on_both_databases(app):
    """``bulk.among`` (IN on SQLite, = ANY(array) on PostgreSQL): string and integer keys, a chunk
    with ids that do not exist, and an empty chunk."""
    with app.app_context():
        services = db.session.execute(select(m.Service.id, m.Service.organization_id).order_by(m.Service.id)).all()
        wanted = [sid for sid, _org in services[::7]] + ["no-such-service"]
        found = db.session.scalars(select(m.Service.id).where(bulk.among(db.session, m.Service.id, wanted)))
        assert sorted(found) == sorted(wanted[:-1])
        areas = list(db.session.scalars(select(m.Area.id).order_by(m.Area.id).limit(5)))
        counted = db.session.scalar(select(func.count()).select_from(m.Area)
                                    .where(bulk.among(db.session, m.Area.id, {*areas, -1})))
        assert counted == len(areas)
        assert db.session.scalars(select(m.Service.id).where(bulk.among(db.session, m.Service.id, []))).all() == []
