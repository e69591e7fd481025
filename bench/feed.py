"""Change-feed benchmark: two app hosts (separate index folders) over one database, the demo data.

    .venv/bin/python bench/feed.py [--changes 40] [--database-url URL]

For each of N service renames made through host A it measures: A's commit including its own
after-commit follow (what a saving user waits for), and the time until host B's follower
(``follow_every``, every 0.1 s, in a thread) has applied the change. Then it holds B's writer lock
while A saves (a write must not wait for a busy index). Prints medians and p95s in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")


def _p95(values):
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import logging

    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal import create_app
    from portal.config import TestConfig
    from portal.directory.models import Service
    from portal.extensions import db
    from portal.search.models import IndexOutbox
    from portal.search.outbox import follow_every
    from portal.search.service import get_index
    from seed.loader import load_demo

    logging.getLogger("portal.search.outbox").setLevel(logging.ERROR)  # the busy warnings are expected
    work = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    url = args.database_url or f"sqlite:///{work / 'feed.db'}"
    host_a = create_app(TestConfig(url, str(work / "a" / "index")))
    host_b = create_app(TestConfig(url, str(work / "b" / "index")))
    with host_a.app_context():
        upgrade()
        load_demo(db.session)
        db.session.commit()
    for host in (host_a, host_b):
        with host.app_context(), Session(db.engine) as session:
            get_index().rebuild(session)

    stop = threading.Event()

    def follow():
        with host_b.app_context():
            follow_every(0.1, stop)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    with host_a.app_context():
        ids = list(db.session.scalars(select(Service.id).order_by(Service.id).limit(args.changes)))
    saves, reach = [], []
    for n, service_id in enumerate(ids):
        with host_a.app_context():
            started = time.perf_counter()
            db.session.get(Service, service_id).name_zh = f"bench {n}"
            db.session.commit()
            saves.append((time.perf_counter() - started) * 1000)
            seq = db.session.scalar(select(func.max(IndexOutbox.id)))
        with host_b.app_context():
            index = get_index()
            while (index.position().last < seq) or seq in index.position().gaps:
                time.sleep(0.005)
        reach.append((time.perf_counter() - started) * 1000)
    stop.set()
    follower.join()

    with host_a.app_context():
        index = get_index()
        with index.exclusive(timeout=1):
            started = time.perf_counter()
            db.session.get(Service, ids[0]).name_zh = "bench busy"
            db.session.commit()
            busy = (time.perf_counter() - started) * 1000

    print(f"database: {url.split(':')[0]}; services changed: {len(ids)}")
    print(f"save on host A incl. its own index update: median {statistics.median(saves):.0f} ms, "
          f"p95 {_p95(saves):.0f} ms")
    print(f"searchable on host B (follower every 0.1 s): median {statistics.median(reach):.0f} ms, "
          f"p95 {_p95(reach):.0f} ms, max {max(reach):.0f} ms")
    print(f"save while the index is busy (lock held elsewhere): {busy:.0f} ms")


if __name__ == "__main__":
    main()
