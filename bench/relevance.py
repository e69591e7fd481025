"""Relevance on real directories: precision at 5 and first-hit share for the portal's search and for
a plain SQLite FTS5 bm25 baseline, over judged queries (``bench/judgments/queries.json``).

    .venv/bin/python bench/relevance.py [--real DIR] [--keep DIR] [--verbose]

Each dataset gets its own temporary database and index: the real HSDS exports kept beside the
repository (``../shared/hsds-real`` or ``HSDS_REAL_DIR``), imported with the portal's importer as
``flask hsds import --partial`` would, and the demo directory (``flask seed demo``). The judged
queries were written before any search was run; a judgment is a rule applied to each service's own
record (see the file), so both systems are measured against the same list of relevant services.

The baseline: an FTS5 table over name, taxonomy labels and description (Chinese cut into words as
the portal cuts them, jieba's words with the domain words, so that FTS5 can see them; Latin text
through FTS5's porter tokenizer), queried with the query's words joined by OR (joined by AND it
finds nothing for most multi-word queries), ordered by bm25 with the name weighted 3 and the
taxonomy 2. The portal: ``searching.search`` as the search
page calls it, with its synonyms. The last line reads ``p5=<n> p5_fts5=<n>``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JUDGMENTS = ROOT / "bench" / "judgments" / "queries.json"
DATASETS = {  # name -> folder inside the real-data folder (None: the demo directory)
    "ilao": "ilao-hsds-1.1/tmp",
    "ohana": "ohana-smc-sample/data/sample-csv",
    "sample": "hsds-1.1-sample-datapackage/all_resources",
    "demo": None,
}
K = 5
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[^\W_]+")


def real_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    if os.environ.get("HSDS_REAL_DIR"):
        return Path(os.environ["HSDS_REAL_DIR"])
    return ROOT.parent / "shared" / "hsds-real"


# --- loading ------------------------------------------------------------------------------------

def load(app, name: str, source: Path | None) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db
    from portal.search.index import SearchIndex
    from portal.session_context import using

    with app.app_context():
        upgrade()
        if source is None:
            from seed.loader import load_demo

            with using(db.session, skip_outbox=True):
                load_demo(db.session)
            db.session.commit()
        else:
            from portal.hsds.importer import finish_import, import_dataset

            report = import_dataset(db.session, source, partial=True)
            finish_import(db.session, report)
        SearchIndex(app.config["SEARCH_INDEX_DIR"]).rebuild(db.session)


def demo_kinds() -> dict[str, str]:
    """Demo service id -> the English name of its template. Many demo services carry only a Chinese
    name; they are judged as the kind of service they are."""
    from seed.loader import seed_id
    from seed.service_templates import TEMPLATES

    data = json.loads((ROOT / "seed" / "data" / "services.json").read_text(encoding="utf-8"))
    return {seed_id("service", s["key"]): TEMPLATES[s["template"]]["name_en"] for s in data["services"]}


def records(app, kinds: dict[str, str]) -> list[dict]:
    """Every service as the judges saw it: names, description, taxonomy labels."""
    from sqlalchemy import select

    from portal.directory.models import Service
    from portal.extensions import db
    from portal.search.documents import service_document
    from portal.search.document_rows import service_views

    with app.app_context():
        out = []
        ids = list(db.session.scalars(select(Service.id).order_by(Service.id)))
        for service in service_views(db.session, ids):
            name = " ".join(filter(None, (service.name_zh, service.name_en)))
            description = " ".join(filter(None, (service.description_zh, service.description_en)))
            out.append({"id": service.id, "name": name, "description": description,
                        "terms": service_document(service)["terms"], "judged_as": kinds.get(service.id, name)})
        return out


def relevant(judgment: dict, rows: list[dict]) -> set[str]:
    pattern = re.compile(judgment["relevant"], re.IGNORECASE)
    unless = re.compile(judgment["unless"], re.IGNORECASE) if judgment.get("unless") else None
    found = set()
    for row in rows:
        text = row["judged_as"] if judgment.get("field", "name") == "name" else f"{row['judged_as']} {row['description']}"
        if pattern.search(text) and not (unless and unless.search(text)):
            found.add(row["id"])
    return found


# --- the two systems -------------------------------------------------------------------------------

def portal_top(app, query: str) -> list[str]:
    from portal.search.engine import engine_for
    from portal.search.query import SearchParams
    from portal.search.searching import search

    with app.app_context():
        # As a social worker searches (staff see inactive services too, as the baseline does).
        params = SearchParams(q=query, per_page=K, staff=True)
        result = search(engine_for(app.config["SEARCH_INDEX_DIR"]), params)
        return [hit.service_id for hit in result.hits]


def _segment(text: str, search_mode: bool) -> str:
    """Chinese cut as the portal cuts it (its segmenter, with its domain words), so that the baseline
    differs from the portal in ranking and matching only."""
    import rjieba

    from portal.search.analyzers import init_jieba

    init_jieba()
    cut = (lambda run: rjieba.cut_for_search(run, True)) if search_mode else (lambda run: rjieba.cut(run, True))
    return _CJK_RUN.sub(lambda m: " " + " ".join(cut(m.group(0))) + " ", text or "")


def build_fts(rows: list[dict]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(service_id UNINDEXED, name, terms, description, "
                 "tokenize='porter unicode61')")
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)",
                     [(r["id"], _segment(r["name"], True), _segment(r["terms"], True),
                       _segment(r["description"], True)) for r in rows])
    return conn


def fts_top(conn: sqlite3.Connection, query: str) -> list[str]:
    from portal.search.analyzers import english_stop_words

    words = [w for w in _LATIN.findall(_segment(query, False).lower()) if w not in english_stop_words()]
    if not words:
        return []
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))
    rows = conn.execute("SELECT service_id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3.0, 2.0, 1.0) "
                        f"LIMIT {K}", (match,)).fetchall()
    return [r[0] for r in rows]


# --- measuring ---------------------------------------------------------------------------------------

def measure(tops: list[list[str]], judged: list[set[str]]) -> tuple[float, float]:
    """(mean precision at K, share of queries whose first result is relevant)."""
    if not tops:
        return 0.0, 0.0
    p5 = sum(len(set(top[:K]) & rel) / K for top, rel in zip(tops, judged)) / len(tops)
    first = sum(bool(top) and top[0] in rel for top, rel in zip(tops, judged)) / len(tops)
    return p5, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", help="folder of the real HSDS exports (default ../shared/hsds-real)")
    parser.add_argument("--keep", help="keep the databases and indexes in this folder")
    parser.add_argument("--verbose", action="store_true", help="print every query's top five")
    args = parser.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="relevance-bench-"))
    os.environ["PORTAL_INSTANCE_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from portal import create_app
    from portal.config import TestConfig

    judgments = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["queries"]
    real = real_dir(args.real)
    totals = {"portal": ([], []), "fts5": ([], [])}
    for name, folder in DATASETS.items():
        queries = [j for j in judgments if j["dataset"] == name]
        source = None if folder is None else real / folder
        if not queries or (source is not None and not source.exists()):
            print(f"{name}: skipped (no queries or no data at {source})")
            continue
        home = workdir / name
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        app = create_app(TestConfig(f"sqlite:///{home / 'portal.db'}", str(home / "index")))
        load(app, name, source)
        rows = records(app, demo_kinds() if source is None else {})
        conn = build_fts(rows)
        judged = [relevant(j, rows) for j in queries]
        ours = [portal_top(app, j["q"]) for j in queries]
        theirs = [fts_top(conn, j["q"]) for j in queries]
        titles = {r["id"]: r["name"] for r in rows}
        for j, rel, a, b in zip(queries, judged, ours, theirs):
            if args.verbose:
                print(f"  {j['q']!r}: {len(rel)} relevant; portal {len(set(a) & rel)}/{K}, fts5 {len(set(b) & rel)}/{K}")
                for label, top in (("portal", a), ("fts5", b)):
                    print(f"    {label}: " + " | ".join(("+" if s in rel else "-") + titles[s][:40] for s in top))
        for label, tops in (("portal", ours), ("fts5", theirs)):
            totals[label][0].extend(tops)
            p5, first = measure(tops, judged)
            print(f"{name}: {len(rows)} services, {len(queries)} queries, {label}: P@5 {p5:.3f}, first hit {first:.2f}")
        totals["portal"][1].extend(judged)
        totals["fts5"][1].extend(judged)
    p5, first = measure(*totals["portal"])
    p5_fts, first_fts = measure(*totals["fts5"])
    print(f"all: {len(totals['portal'][0])} queries; portal P@5 {p5:.3f}, first hit {first:.2f}; "
          f"fts5 P@5 {p5_fts:.3f}, first hit {first_fts:.2f}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"p5={p5:.3f} p5_fts5={p5_fts:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
