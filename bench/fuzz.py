"""Long fuzzing run of the JSON API (schemathesis): every operation of /api/v1/openapi.json, valid and
invalid cases generated from its schema, against a fresh temporary database with the demo data.
Counts server errors (5xx) and answers that break the published contract (status code, content
type, body schema), and prints the first few failures to read.

    .venv/bin/python bench/fuzz.py [--cases 450] [--rounds 9] [--minutes M] [--seed 7]
                                   [--database-url postgresql+psycopg://…]

``--cases`` is per operation and mode (positive, negative): the default gives over 10,000 cases, in
``--rounds`` passes over every operation; ``--minutes`` stops after the pass that ends past that time
(every operation is covered by each pass). Progress is printed after each pass.
The last line reads ``server_errors=<n>``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(workdir: Path, database_url: str | None):
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from flask_migrate import upgrade
    from sqlalchemy.orm import Session

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.search.service import get_index
    from seed.loader import load_demo

    app = create_app(TestConfig(database_url or f"sqlite:///{workdir / 'fuzz.db'}", str(workdir / "index")))
    with app.app_context():
        if database_url:  # a scratch database: start from nothing
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        load_demo(db.session)
        db.session.commit()
        with Session(db.engine) as session:
            get_index().rebuild(session)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=450, help="cases per operation and generation mode")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=9, help="passes over every operation (each its own seed)")
    parser.add_argument("--minutes", type=float, help="stop after the pass that ends past this many minutes")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (emptied first); default SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="api-fuzz-"))
    try:
        app = make_app(workdir, args.database_url)
        from tests.api_fuzz import fuzz

        started = time.perf_counter()

        shown = []

        def progress(number, report):
            print(f"round {number}/{args.rounds}: {report.cases} cases, {time.perf_counter() - started:.0f} s, "
                  f"server_errors so far {report.server_errors}", flush=True)
            for failure in report.failures[len(shown):]:  # new ones, to read while the run goes on
                print("  " + failure.replace("\n", " | "), flush=True)
                shown.append(failure)

        until = time.monotonic() + args.minutes * 60 if args.minutes else None
        report = fuzz(app, args.cases, seed=args.seed, rounds=args.rounds, until=until, progress=progress)
        took = time.perf_counter() - started
        print(f"cases: {report.cases} in {took:.0f} s ({report.cases / took:.0f}/s)")
        print("statuses: " + ", ".join(f"{code}={n}" for code, n in sorted(report.statuses.items())))
        print(f"contract_failures={report.failures_total}")
        for failure in report.failures:
            print("  " + failure.replace("\n", " | "))
        print(f"server_errors={report.server_errors}")
        return 0 if report.server_errors == 0 else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
