"""Several app hosts on one database: the index outbox is a change feed that every host's index copy
follows from its own position (portal/search/feed.py). Two app instances with separate index
folders share one database (PostgreSQL too when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.common import utcnow
from portal.directory.models import Service
from portal.extensions import db
from portal.search import feed
from portal.search.models import IndexOutbox
from portal.search.outbox import follow_every
from portal.search.query import SearchParams
from portal.search.service import get_index, run_search
from tests.conftest import dispose, make_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _found(app, query: str) -> list[str]:
    with app.test_request_context():
        return [h.service_id for h in run_search(SearchParams(q=query)).hits]


def _rename(app, new_name: str, nth: int = 0) -> str:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == "active")
                                    .order_by(Service.id).offset(nth).limit(1))
        service.name_zh = new_name
        db.session.commit()
        return service.id


def _newest_seq(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(IndexOutbox.id)))


def _searchable_within(app, query: str, seq: int, seconds: float) -> list[str]:
    """Wait until the host's index has applied feed row ``seq`` (or the time is up), then search.
    (Timed on the index, not on the search: a search for a word nobody has indexed yet spends its
    time on "did you mean", which is not what is measured here.)"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            position = get_index().position()
        if position is not None and position.last >= seq and seq not in position.gaps:
            return _found(app, query)
        time.sleep(0.02)
    return []  # not applied in time


@pytest.fixture
def second_host(app, runner, tmp_path):
    """Another app over the same database, with its own index folder, built the way a new host
    builds it (``flask index rebuild``)."""
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "host_b" / "index")
    result = other.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    yield other
    dispose(other)


@contextmanager
def following(app, every: float = 0.1):
    """The host's follower worker (``flask index follow``), in a thread."""
    stop = threading.Event()

    def run():
        with app.app_context():
            follow_every(every, stop)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def test_a_change_through_one_host_is_searchable_on_both_within_two_seconds(app, second_host):
    with following(second_host):
        service_id = _rename(app, "qzxtwohosts")  # host A applies it right after its commit
        assert _found(app, "qzxtwohosts") == [service_id]
        assert _searchable_within(second_host, "qzxtwohosts", _newest_seq(app), 2.0) == [service_id]
    # and back the other way: B's change reaches A through A's follower
    with following(app):
        other_id = _rename(second_host, "qzxbacktoa", nth=1)
        assert _searchable_within(app, "qzxbacktoa", _newest_seq(app), 2.0) == [other_id]
    # A's applying did not consume the feed: the rows are still there for every copy
    with app.app_context():
        assert db.session.scalar(select(func.count(IndexOutbox.id)).where(
            IndexOutbox.service_id.in_([service_id, other_id]))) >= 2


def test_a_host_killed_mid_apply_loses_nothing(app, second_host):
    service_id = _rename(app, "qzxkilledmidapply")
    with second_host.app_context():
        before = get_index().position()
    # Host B's follower process dies inside the index write (after reading the feed, before Whoosh
    # commits): the process is gone, its lock with it, and its position was never advanced.
    script = textwrap.dedent("""
        import os, sys
        from whoosh import writing
        from portal import create_app
        from portal.config import TestConfig
        from portal.search.outbox import follow_every

        def die(self, *args, **kwargs):
            os._exit(9)

        writing.SegmentWriter.commit = die
        app = create_app(TestConfig(sys.argv[1], sys.argv[2]))
        with app.app_context():
            follow_every(0.1, rounds=1)
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", script, app.config["SQLALCHEMY_DATABASE_URI"],
                           second_host.config["SEARCH_INDEX_DIR"]], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    with second_host.app_context():
        assert get_index().position().last == before.last  # nothing was marked as applied
    assert _found(second_host, "qzxkilledmidapply") == []
    with following(second_host):  # the host comes back and follows again
        assert _searchable_within(second_host, "qzxkilledmidapply", _newest_seq(app), 2.0) == [service_id]


def test_a_write_never_waits_for_a_busy_index(app, caplog):
    with app.app_context():
        index = get_index()
    with index.exclusive(timeout=1):  # e.g. a rebuild or this host's follower in another process
        with caplog.at_level(logging.WARNING, logger="portal.search.outbox"):
            started = time.monotonic()
            service_id = _rename(app, "qzxbusyindex")
            elapsed = time.monotonic() - started
    assert elapsed < 1.0
    records = [r for r in caplog.records if r.name == "portal.search.outbox"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].exc_info is None and "busy" in records[0].getMessage()
    assert _found(app, "qzxbusyindex") == []
    with app.app_context():
        with Session(db.engine) as session:
            assert index.sync(session) >= 1  # the next follow applies it
    assert _found(app, "qzxbusyindex") == [service_id]


def test_a_row_that_commits_after_a_later_one_is_still_applied(app):
    """Sequences are taken at insert, rows appear at commit: a slow transaction's row may appear
    below a position already passed. It is remembered as a gap and applied when it appears."""
    with app.app_context():
        first, second = (db.session.scalar(select(Service).where(Service.status == "active")
                                           .order_by(Service.id).offset(n).limit(1)) for n in (0, 1))
        top = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
        # the later row commits first (skip the listener: these rows stand for two transactions)
        db.session.add(IndexOutbox(id=top + 2, service_id=second.id, enqueued_at=utcnow()))
        db.session.commit()
        with Session(db.engine) as session:
            get_index().sync(session)
        assert get_index().position().last == top + 2
        assert top + 1 in get_index().position().gaps
        # the slower transaction: its change and its row (numbered before) appear now
        from portal.session_context import using
        with using(db.session, skip_outbox=True):
            first.name_zh = "qzxlatecommit"
            db.session.add(IndexOutbox(id=top + 1, service_id=first.id, enqueued_at=utcnow()))
            db.session.commit()
        with Session(db.engine) as session:
            get_index().sync(session)
        assert not get_index().position().gaps
        first_id = first.id
    assert _found(app, "qzxlatecommit") == [first_id]


def test_pruning_keeps_the_window_and_the_newest_row(app):
    with app.app_context():
        now = utcnow()
        for days in (8, 6):
            db.session.add(IndexOutbox(service_id=f"old-{days}", enqueued_at=now - timedelta(days=days)))
        db.session.flush()
        removed = feed.prune(db.session, retention_days=7, now=now)
        db.session.commit()
        left = set(db.session.scalars(select(IndexOutbox.service_id)))
    assert removed >= 1
    assert "old-8" not in left and "old-6" in left


def test_a_copy_that_has_not_followed_for_the_window_needs_a_rebuild(app):
    with app.app_context():
        index = get_index()
        assert not index.needs_rebuild()
        position = index.position()
        position.followed_at -= 8 * 86400
        position.save(index.path)
        assert index.needs_rebuild()
