"""Time ``flask hsds import --partial`` on a synthetic 2-1-1-sized HSDS 1.1 export.

    .venv/bin/python bench/hsds_import.py [--services|--n 4000] [--database-url URL] [--no-progress] [--first-only]
    .venv/bin/python bench/hsds_import.py --services 100000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:55432/bench_hsds   # a scratch database

Writes a 1.1 datapackage like real exports (numeric legacy ids, "9:00am" times, location-level
hours, CRLF, HTML entities, literal "\\n", services and locations pointing at organisations that are
not in the file, unknown taxonomy ids), imports it into a fresh migrated database with --partial,
then imports it again (the upsert path), and prints the figures (per phase, rows not stored, and the
category coverage the taxonomy crosswalk adds to the report). Each import is timed from reading the
files to the search index being up to date (``finish_import`` commits, then applies the outbox);
wall and process CPU are printed, with the index part apart. Targets: 4,000 services in ≤ 20 s on
SQLite; 100,000 services in ≤ 5 min on PostgreSQL. A PostgreSQL URL must name a scratch database: its
tables are dropped first.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("counselling methadone outreach family support peer group housing legal aid employment "
         "detox screening caregiver respite crisis hotline aftercare case management").split()


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def synthesize(folder: Path, services: int, seed: int = 7) -> dict[str, int]:
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_orgs = max(services // 10, 1)
    orgs = [str(100000 + i) for i in range(n_orgs)]
    missing_orgs = [str(900000 + i) for i in range(50)]
    text = lambda n: " ".join(rnd.choice(WORDS) for _ in range(n))  # noqa: E731
    write_csv(folder / "organizations.csv", ["id", "name", "alternate_name", "description", "email", "url"],
              [[o, f"Agency {o} &amp; Partners", "", text(40) + "\\n" + text(20), f"info{o}@example.org",
                f"https://example.org/{o}"] for o in orgs])
    service_rows, locations, links, phones, eligibility, taxonomy_links = [], [], [], [], [], []
    broken = 0
    for i in range(services):
        sid = str(200000 + i)
        org = rnd.choice(orgs)
        if rnd.random() < 0.08:  # several hundred services of organisations missing from the export
            org, broken = rnd.choice(missing_orgs), broken + 1
        service_rows.append([sid, org, "", f"{rnd.choice(WORDS).title()} service {i}", "", text(80), "", "",
                             "active", "", "Call to book &lt;first visit&gt;", "", "Free", "", "", ""])
        lid = str(300000 + i)
        locations.append([lid, org, f"Site {i}", "", "", "", f"{41 + rnd.random():.6f}",
                          f"{-87 - rnd.random():.6f}"])
        links.append(["", sid, lid, ""])
        phones.append(["", lid, "", "", "", "", f"(312) 555-{i % 10000:04d}", "", "voice", "", "", ""])
        eligibility.append(["", sid, rnd.choice(["Adults", "Youth", "Seniors", "Low income"])])
        for _ in range(2):
            term = f"T{rnd.randint(1, 300)}" if rnd.random() > 0.02 else f"UNKNOWN{rnd.randint(1, 20)}"
            taxonomy_links.append(["", sid, term, ""])
    write_csv(folder / "services.csv", ["id", "organization_id", "program_id", "name", "alternate_name",
                                        "description", "url", "email", "status", "interpretation_services",
                                        "application_process", "wait_time", "fees", "accreditations", "licenses",
                                        "taxonomy_ids"], service_rows)
    write_csv(folder / "locations.csv", ["id", "organization_id", "name", "alternate_name", "description",
                                         "transportation", "latitude", "longitude"], locations)
    write_csv(folder / "services_at_location.csv", ["id", "service_id", "location_id", "description"], links)
    write_csv(folder / "phones.csv", ["id", "location_id", "service_id", "organization_id", "contact_id",
                                      "service_at_location_id", "number", "extension", "type", "language",
                                      "description", "department"], phones)
    write_csv(folder / "eligibility.csv", ["id", "service_id", "eligibility"], eligibility)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    write_csv(folder / "regular_schedules.csv",
              ["id", "service_id", "location_id", "service_at_location_id", "weekday", "opens_at", "closes_at"],
              [["", "", loc[0], "", day, rnd.choice(["9:00am", "9:00", "08:30"]), rnd.choice(["5:00 PM", "17:00", "5:00"])]
               for loc in locations for day in days])
    write_csv(folder / "taxonomy.csv", ["id", "name", "parent_id", "parent_name", "vocabulary"],
              [[f"T{i}", f"Term {i}", f"T{(i - 1) // 10}" if i > 10 else "", "", "Open Eligibility"]
               for i in range(1, 301)])
    write_csv(folder / "services_taxonomy.csv", ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
              taxonomy_links)
    return {"services": services, "organizations": n_orgs, "services_with_missing_org": broken,
            "schedules": len(locations) * len(days), "taxonomy_links": len(taxonomy_links)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", "--n", type=int, default=4000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--first-only", action="store_true", help="time the first import only (no re-import)")
    args = parser.parse_args()
    target = 20 if args.services <= 4000 else 300
    work = Path(tempfile.mkdtemp(prefix="hsds-bench-"))
    os.environ["PORTAL_INSTANCE_DIR"] = str(work / "instance")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.hsds.importer import finish_import, import_dataset

    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    app = create_app(TestConfig(url, str(work / "index")))
    started = time.perf_counter()
    figures = synthesize(work / "export", args.services)
    print(f"synthesised {figures} in {time.perf_counter() - started:.1f}s ({work / 'export'})")
    import click

    with app.app_context():
        if url.startswith("postgresql"):
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()
        for label in ("first import",) if args.first_only else ("first import", "re-import (upsert)"):
            started, cpu = time.perf_counter(), time.process_time()
            bar = click.progressbar(length=1, label=f"{label:<20}", show_pos=True, file=sys.stderr)

            def progress(done, total):
                if args.no_progress:
                    return
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = import_dataset(db.session, work / "export", partial=True, progress=progress)
            if not args.no_progress:
                bar.render_finish()
                bar = click.progressbar(length=1, label=f"{'search index':<20}", show_pos=True, file=sys.stderr)
            finish_import(db.session, report, progress=progress)  # the bar moves when the index is rebuilt
            if not args.no_progress:
                bar.render_finish()
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
            # Timed: read + validate + write + commit + the search index brought up to date (finish_import).
            print(f"{label}: {total:.1f}s total wall, {cpu:.1f}s CPU of this process "
                  f"(read, validate and write {total - report.seconds.get('index', 0):.1f}s wall, "
                  f"commit and search index {report.seconds.get('index', 0):.1f}s wall; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            for line in report.summary_lines()[1:]:
                print(f"  {line[:400]}")
            print(f"  category coverage: {report.extra.get('category_coverage', '(no crosswalk installed)')}")
            print(f"  skipped records reported: {sum(report.skipped.values())}, "
                  f"errors listed: {len(report.errors)}, committed: {report.committed}, "
                  f"{'OK' if total <= target else 'TOO SLOW'} (target ≤ {target} s)")


if __name__ == "__main__":
    main()
