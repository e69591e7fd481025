"""Search benchmark, measured honestly: the portal against a competent SQLite FTS5 and tantivy, in
one process, interleaved query by query.

    .venv/bin/python bench/search.py [--n 20000] [--queries 1000] [--seed 7] [--keep DIR]
    .venv/bin/python bench/search.py --n 100000            # the issue's target size
    .venv/bin/pip install -r requirements-bench.txt         # tantivy: for the benchmark only

Corpus and query mix: ``bench/search_corpus.py`` (Zipf vocabularies of thousands of words in each
language, not the query list; navigational, single-word, natural, typo, zero-result, filters-only,
distance and word-plus-filter queries). The rivals: ``bench/search_rivals.py``.

Per query, in a rotating order: the portal warm (one engine whose word caches live for the whole
run, as a server's do), the portal cold (a second engine over the same index whose word caches are
emptied before each query: the cost of words never searched before), FTS5 and tantivy. The portal
computes more per query than the rivals (exact counts for every filter option, spelling
suggestions); the rivals compute the total and the top 10.

Also: full rebuild time of each, index sizes, and how long a saved change takes to be searchable.
Prints p50/p95/p99 per system and per kind; the last lines are ``p99_ms=`` (portal warm, all
kinds), ``p95_warm_ratio_vs_tantivy=`` and, last, ``p95_cold_ratio_vs_tantivy=``.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_corpus import KINDS, generate, make_queries  # noqa: E402
from search_rivals import Fts5, Tantivy  # noqa: E402

SYSTEMS = ("portal warm", "portal cold", "fts5", "tantivy")


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size


def _saved_change(app, engine) -> tuple[float, bool]:
    """Commit a changed name, then search for it: outbox -> index -> the next search finds it."""
    from sqlalchemy import select

    from portal.directory.models import Service
    from portal.extensions import db
    from portal.search.query import SearchParams
    from portal.search.searching import search

    marker = "基准变更标记词"
    with app.test_request_context():
        service = db.session.scalar(select(Service).limit(1))
        started = time.perf_counter()
        service.name_zh = f"{marker}{service.name_zh}"
        db.session.commit()
        hits = search(engine, SearchParams(q=marker)).hits
        return (time.perf_counter() - started) * 1000, bool(hits) and hits[0].service_id == service.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="keep the database and indexes in this folder")
    args = parser.parse_args()

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from flask_migrate import upgrade
    from sqlalchemy.orm import Session

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.search.engine import SearchEngine
    from portal.search.index import SearchIndex
    from portal.search.searching import search
    from portal.session_context import using

    db_path, index_dir = workdir / "bench.db", workdir / "index"
    for stale in (db_path, index_dir, workdir / "fts.db", workdir / "tantivy"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    app = create_app(TestConfig(f"sqlite:///{db_path}", str(index_dir)))
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = True
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}")
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        with Session(db.engine) as session, using(session, skip_outbox=True):
            data = generate(session, args.n, args.seed)
        print(f"services: {args.n} (generated in {time.perf_counter() - started:.1f} s)")

        started = time.perf_counter()
        with Session(db.engine) as session, using(session, skip_outbox=True):
            SearchIndex(str(index_dir)).rebuild(session)
        print(f"portal index: full rebuild {time.perf_counter() - started:.1f} s, {dir_size(index_dir) / 1e6:.0f} MB")
        fts, tantivy = Fts5(workdir / "fts.db"), Tantivy(workdir / "tantivy")
        with Session(db.engine) as session:
            print(f"fts5 index: build {fts.build(session):.1f} s, {dir_size(workdir / 'fts.db') / 1e6:.0f} MB")
        with Session(db.engine) as session:
            print(f"tantivy index: build {tantivy.build(session):.1f} s, {dir_size(workdir / 'tantivy') / 1e6:.0f} MB")

        warm, cold = SearchEngine(index_dir), SearchEngine(index_dir)
        started = time.perf_counter()
        warm.snapshot()
        print(f"portal searcher open: {(time.perf_counter() - started) * 1000:.0f} ms")
        cold.snapshot()

        def run_cold(params):
            cold.snapshot().forget_words()
            started = time.perf_counter()
            result = search(cold, params)
            return (time.perf_counter() - started) * 1000, result.total

        def timed(call, params):
            started = time.perf_counter()
            outcome = call(params)
            return (time.perf_counter() - started) * 1000, outcome

        runners = {
            "portal warm": lambda p: timed(lambda q: search(warm, q).total, p),
            "portal cold": run_cold,
            "fts5": lambda p: timed(lambda q: fts.query(q)[0], p),
            "tantivy": lambda p: timed(lambda q: tantivy.query(q)[0], p),
        }
        # A server has answered queries before: warm the warm engine (and the rivals' caches) with
        # queries of the same mix that are not timed.
        for bench_query in make_queries(args.seed + 1, 200, data):
            for name in SYSTEMS:
                runners[name](bench_query.params)
        queries = make_queries(args.seed, args.queries, data)
        times = {name: {} for name in SYSTEMS}
        totals_differ = 0
        for i, bench_query in enumerate(queries):
            order = SYSTEMS[i % 4:] + SYSTEMS[:i % 4]
            totals = {}
            for name in order:
                elapsed, total = runners[name](bench_query.params)
                times[name].setdefault(bench_query.kind, []).append(elapsed)
                totals[name] = total
            if totals["fts5"] != totals["tantivy"]:
                totals_differ += 1
        change_ms, found = _saved_change(app, warm)

    every = {name: [t for kind in times[name].values() for t in kind] for name in SYSTEMS}
    print(f"queries: {len(queries)}; kinds: " + ", ".join(f"{k} {w}%" for k, w in KINDS))
    print(f"{'system':<12} {'kind':<13} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for name in SYSTEMS:
        for kind, _ in KINDS + (("all", 0),):
            values = every[name] if kind == "all" else times[name].get(kind, [])
            if values:
                print(f"{name:<12} {kind:<13} {percentile(values, 50):8.2f} {percentile(values, 95):8.2f} "
                      f"{percentile(values, 99):8.2f} {max(values):8.1f}")
    print(f"fts5 and tantivy totals differ on {totals_differ} of {len(queries)} queries (tokenisation of the same words)")
    print(f"saved change searchable after {change_ms:.0f} ms (found: {found})")
    p95 = {name: percentile(every[name], 95) for name in SYSTEMS}
    print(f"p95_cold_ratio_vs_fts5={p95['portal cold'] / p95['fts5']:.2f}")
    print(f"p99_cold_ms={percentile(every['portal cold'], 99):.1f}")
    print(f"p99_ms={percentile(every['portal warm'], 99):.1f}")
    print(f"p95_warm_ratio_vs_tantivy={p95['portal warm'] / p95['tantivy']:.2f}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"p95_cold_ratio_vs_tantivy={p95['portal cold'] / p95['tantivy']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
