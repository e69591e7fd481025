"""Index consistency: a change is searchable right after its commit; a crash between the commit and
the index write loses nothing (``flask index sync`` recovers it); one writer at a time, with a
clear message for the one that has to wait; rebuilds swap in a complete index."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.directory.models import Service
from portal.search.models import IndexOutbox
from portal.extensions import db
from portal.search.index import IndexBusyError, SearchIndex
from portal.search.query import SearchParams
from portal.search.service import get_engine, get_index, run_search
from tests.helpers import rename_first_active_service


def _found(app, query: str) -> list[str]:
    with app.test_request_context():
        return [h.service_id for h in run_search(SearchParams(q=query)).hits]


def _rename_first_service(app, new_name: str) -> str:
    return rename_first_active_service(app, new_name)


def test_a_saved_change_is_searchable_at_once_in_the_same_process(app):
    assert _found(app, "qzxuniquename") == []
    _found(app, "美沙酮")  # the process has its searcher open before the change
    service_id = _rename_first_service(app, "qzxuniquename")
    assert _found(app, "qzxuniquename") == [service_id]


def test_crash_between_commit_and_index_write_is_recovered_by_sync(app, runner, client, monkeypatch):
    def crash(self, session, service_ids):
        raise OSError("simulated crash while writing the index")

    monkeypatch.setattr(SearchIndex, "_apply_locked", crash)
    service_id = _rename_first_service(app, "qzxcrashrecovery")
    # The database has the change; the index does not; the outbox remembers it.
    assert _found(app, "qzxcrashrecovery") == []
    assert client.get("/healthz").json["outbox_backlog"] >= 1
    monkeypatch.undo()

    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0, result.output
    assert "Applied" in result.output
    assert _found(app, "qzxcrashrecovery") == [service_id]
    assert client.get("/healthz").json["outbox_backlog"] == 0


def test_a_change_while_another_process_writes_waits_in_the_outbox(app, runner):
    with app.app_context():
        index = get_index()
    holder_ready, release = threading.Event(), threading.Event()

    def hold_lock():
        with index.exclusive(timeout=5):
            holder_ready.set()
            release.wait(10)

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        holder_ready.wait(5)
        app.config["SEARCH_APPLY_AFTER_COMMIT"] = True
        service_id = _rename_first_service(app, "qzxlockwait")  # its apply gives up after a short wait
        with app.app_context():
            assert db.session.scalar(select(func.count(IndexOutbox.id))) >= 1
        result = runner.invoke(args=["index", "sync", "--wait", "0.2"])
        assert result.exit_code == 1
        assert "being written by another process" in result.output
    finally:
        release.set()
        thread.join()
    assert runner.invoke(args=["index", "sync"]).exit_code == 0
    assert _found(app, "qzxlockwait") == [service_id]


def test_the_lock_refuses_a_second_writer_with_a_clear_error(app):
    with app.app_context():
        index = get_index()
        with index.exclusive(timeout=1):
            with pytest.raises(IndexBusyError, match="being written by another process"):
                with index.exclusive(timeout=0.1):
                    pass


def test_rebuild_replaces_the_index_and_the_running_searcher_follows(app, runner):
    with app.app_context():
        before = get_engine().snapshot().key
        from portal.directory.visibility import listed_statuses

        # What the public search lists (inactive services are shown to staff only).
        total = db.session.scalar(select(func.count(Service.id)).where(Service.status.in_(listed_statuses(staff=False))))
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    with app.test_request_context():
        assert get_engine().snapshot().key != before
        assert run_search(SearchParams()).total == total


def test_a_rebuild_in_many_segments_finds_the_same_services(app, monkeypatch):
    """A large rebuild starts a new segment every ``PER_SEGMENT`` documents (so a process's postings
    stay within bounded memory); the segments together find the same services as one. (The order
    may differ in near ties: field lengths are normalised per segment, and segments of 40 services
    have their own averages; real segments hold 50,000 services.)"""
    from portal.search import segments

    queries = ("美沙酮", "counselling", "家属 支持", "")

    def found(q: str) -> set[str]:
        """Every service found, when all fit on one page (else the page depends on the order)."""
        result = run_search(SearchParams(q=q, per_page=100))
        return {h.service_id for h in result.hits} if result.total <= 100 else set()

    with app.test_request_context():
        before = {q: found(q) for q in queries}
        totals = {q: run_search(SearchParams(q=q)).total for q in queries}
        seen: list[tuple[int, int]] = []
        monkeypatch.setattr(segments, "PER_SEGMENT", 40)
        done = get_index().rebuild(db.session, batch=100, progress=lambda n, total: seen.append((n, total)))
        assert done == db.session.scalar(select(func.count(Service.id)))
        assert seen[-1] == (done, done) and len(seen) >= done // 100
        assert len(get_index().open().reader().leaf_readers()) >= done // 40  # one segment per 40
    with app.test_request_context():
        assert {q: found(q) for q in queries} == before
        assert {q: run_search(SearchParams(q=q)).total for q in queries} == totals
        assert all(totals[q] for q in queries) and sum(bool(before[q]) for q in queries) >= 2


def test_saved_changes_open_only_their_own_segment_and_old_versions_stay_hidden(app, monkeypatch):
    """After a rebuild in rounds (many segments), each saved change adds a small segment: the
    running searcher opens that one and keeps the others it has open (re-opening every segment per
    change cost ~1 s at 100,000 services). The old version, deleted in an old segment, is not found."""
    from whoosh import reading

    from portal.search import segments

    opened: list[str] = []
    original = reading.SegmentReader.__init__

    def counting(self, storage, schema, segment, *args, **kwargs):
        opened.append(segment.segment_id())
        original(self, storage, schema, segment, *args, **kwargs)

    with app.test_request_context():
        monkeypatch.setattr(segments, "PER_SEGMENT", 40)
        get_index().rebuild(db.session)
        assert len(get_engine().snapshot().segments) >= 4
    monkeypatch.setattr(reading.SegmentReader, "__init__", counting)
    for name in ("qzxfirstedit", "qzxsecondedit"):
        service_id = _rename_first_service(app, name)  # the index is written after the commit
        opened.clear()
        assert _found(app, name) == [service_id]  # the searcher follows the new generation
        assert len(opened) == 1  # the change's own segment only
    assert _found(app, "qzxfirstedit") == []  # the first edit's version was deleted by the second


def test_ensure_rebuilds_an_index_from_an_older_version(app, runner):
    with app.app_context():
        index = get_index()
        (index.path / "portal_schema_version").write_text("1")
        assert index.needs_rebuild()
    result = runner.invoke(args=["index", "ensure"])
    assert result.exit_code == 0, result.output
    assert "building it" in result.output
    with app.app_context():
        assert not get_index().needs_rebuild()


def test_deleting_a_service_removes_it_from_search(app):
    service_id = _rename_first_service(app, "qzxtobedeleted")
    assert _found(app, "qzxtobedeleted") == [service_id]
    with app.app_context():
        db.session.delete(db.session.get(Service, service_id))
        db.session.commit()
    assert _found(app, "qzxtobedeleted") == []


def test_defunct_services_are_not_found(app):
    service_id = _rename_first_service(app, "qzxdefunct")
    with app.app_context():
        db.session.get(Service, service_id).status = "defunct"
        db.session.commit()
    assert _found(app, "qzxdefunct") == []


def _comparable(document: dict) -> dict:
    """A document with its text fields as sorted words: the order of a service's terms, places and
    cost notes in the text is the database's row order, which neither reading promises."""
    text = ("name", "organization", "terms", "body", "places", "pairs")
    return {k: sorted(v.split()) if k in text else v for k, v in document.items()}


def test_the_index_reads_each_service_as_the_orm_sees_it(app):
    """Rebuilds and updates read services as plain rows (document_rows), not ORM objects; every
    demo service (schedules on the service and on its locations, areas, costs, languages, terms)
    gives the same search document both ways."""
    from portal.search.document_rows import service_views
    from portal.search.documents import service_document

    with app.app_context():
        ids = list(db.session.scalars(select(Service.id).order_by(Service.id)))
        views = {view.id: view for view in service_views(db.session, ids)}
        assert sorted(views) == ids
        rich = 0
        for service in db.session.scalars(select(Service).order_by(Service.id)):
            orm_document = service_document(service)
            assert _comparable(service_document(views[service.id])) == _comparable(orm_document), service.id
            rich += bool(orm_document["hours"] and orm_document["points"] and orm_document["category"])
        assert rich >= 10  # the demo exercises hours, map points and terms, not empty documents


def test_a_term_tagged_after_the_lookups_were_read_is_still_indexed(app):
    """A rebuild reads the taxonomy once (``document_rows.Lookups``); a term created while it runs
    and already on a service is read when first met, not dropped."""
    from portal.directory.models import Attribute, Taxonomy, TaxonomyTerm
    from portal.search.document_rows import Lookups, service_views
    from portal.search.documents import service_document

    with app.app_context():
        lookups = Lookups(db.session)
        service_id = db.session.scalar(select(Service.id).order_by(Service.id))
        taxonomy = db.session.scalars(select(Taxonomy)).first()
        term = TaxonomyTerm(code="late_test_term", name_zh="新加的服务", name_en="Late added", taxonomy=taxonomy)
        db.session.add(term)
        db.session.flush()
        db.session.add(Attribute(taxonomy_term_id=term.id, service_id=service_id))
        db.session.flush()
        (view,) = service_views(db.session, [service_id], lookups)
        assert "late_test_term" in {a.taxonomy_term.code for a in view.attributes}
        assert "Late added" in service_document(view)["terms"]
        db.session.rollback()
