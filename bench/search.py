"""Search benchmark: N synthetic bilingual services in a temporary database, the real index rebuild,
then mixed queries through the portal's search function (``portal.search.searching.search``) and,
on the same documents and the same queries, a SQLite FTS5 baseline.

    .venv/bin/python bench/search.py [--n 10000] [--queries 600] [--seed 7] [--keep DIR]

What is measured (in process, one thread, searcher reused):
- portal: top 10 + exact total + counts for every filter option (category, stage, area, population,
  condition, mode, cost, language, open now, accepting), with the query's synonyms;
- FTS5: top 10 by bm25 + exact total (no filter counts), over the same text segmented by the same
  analyzer, the same synonym expansion (OR groups), the same filters (joined on a facet table) and
  the same distance sort (computed in SQL).
Also: full rebuild time, index size, the time to open the searcher, and how long a saved change
takes to become searchable (commit -> outbox -> index -> next search finds it).
The last line reads ``p95_ratio_vs_fts5=<number>``.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZH_WORDS = [
    "美沙酮", "维持治疗", "门诊", "戒毒", "社区康复", "心理咨询", "同伴支持", "互助小组", "家属", "照护者", "培训",
    "喘息服务", "日间照料", "就业", "职业技能", "辅助性就业", "精神分裂症", "双相情感障碍", "抑郁", "焦虑", "危机干预",
    "热线", "上门随访", "服药管理", "个案管理", "外展", "减害", "针具交换", "艾滋病检测", "丙肝", "筛查", "评估",
    "住房", "临时安置", "法律援助", "青少年", "妇女", "老年人", "少数民族", "出院", "衔接", "防复吸", "冰毒", "海洛因",
    "酒精", "社工", "街道", "社区", "医院", "免费", "预约", "电话", "线上", "服务", "中心", "康复站", "家庭", "支持",
]
ZH_FILLER = ["为", "提供", "的", "和", "及", "开展", "定期", "帮助", "居民", "人员", "需要", "可以", "每周", "到", "由", "负责"]
EN_WORDS = [
    "methadone", "maintenance", "clinic", "detox", "community", "rehabilitation", "counselling", "peer",
    "support", "group", "family", "caregiver", "training", "respite", "care", "day", "employment",
    "vocational", "skills", "schizophrenia", "bipolar", "depression", "anxiety", "crisis", "hotline",
    "home", "visits", "medication", "case", "management", "outreach", "harm", "reduction", "needle",
    "exchange", "testing", "screening", "assessment", "housing", "shelter", "legal", "aid", "youth",
    "women", "older", "people", "discharge", "relapse", "prevention", "alcohol", "social", "worker",
]
EN_FILLER = ["for", "the", "and", "with", "who", "are", "in", "of", "each", "week", "by", "appointment"]
NAME_PARTS_ZH = ["美沙酮维持治疗", "心理咨询", "同伴支持小组", "家属培训", "喘息服务", "日间照料", "就业帮扶", "职业技能培训",
                 "危机干预热线", "上门随访", "个案管理", "外展服务", "针具交换", "艾滋病检测", "住房援助", "法律援助",
                 "青少年心理支持", "防复吸训练", "社区康复站", "出院衔接"]
NAME_PARTS_EN = ["Methadone maintenance", "Counselling", "Peer support group", "Family training", "Respite care",
                 "Day care", "Employment support", "Vocational training", "Crisis hotline", "Home visits",
                 "Case management", "Outreach", "Needle exchange", "HIV testing", "Housing support", "Legal aid",
                 "Youth mental health support", "Relapse prevention", "Rehabilitation day station",
                 "Hospital discharge support"]
ORG_KINDS_ZH = ["社会工作服务站", "精神卫生中心", "美沙酮门诊", "社区卫生服务中心", "康复站", "公益服务中心", "救助站"]
ORG_KINDS_EN = ["Social work station", "Mental health centre", "Methadone clinic", "Community health centre",
                "Rehabilitation station", "Community service centre", "Relief station"]
COST_KINDS = ["free", "sliding_scale", "insurance", "subsidy", "fixed_fee"]
LANG_CODES = ["zh", "en", "yue", "ug", "bo"]


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --- data ---------------------------------------------------------------------------------------

def generate(session, n: int, rng: random.Random) -> dict:
    """Bulk-insert areas, orgs, locations and n services with terms, costs, languages and hours."""
    from sqlalchemy import insert

    from portal.common import new_uuid, utcnow
    from portal.directory import models as m
    from seed.loader import load_taxonomies

    vocab = load_taxonomies(session)
    session.flush()
    terms = {name: list(codes.values()) for name, codes in vocab.items()}
    now = utcnow()
    # Areas: a city, 12 districts, 6 streets each (~30 km across).
    areas = [{"id": 1, "code": "B", "name_zh": "基准市", "name_en": "Bench City", "level": "city",
              "parent_id": None, "latitude": 30.55, "longitude": 114.30}]
    streets = []
    next_id = 2
    for d in range(12):
        dlat, dlon = 30.42 + rng.random() * 0.26, 114.16 + rng.random() * 0.28
        district_id = next_id
        areas.append({"id": district_id, "code": f"B-{d:02d}", "name_zh": f"第{d + 1}区", "name_en": f"District {d + 1}",
                      "level": "district", "parent_id": 1, "latitude": dlat, "longitude": dlon})
        next_id += 1
        for s in range(6):
            areas.append({"id": next_id, "code": f"B-{d:02d}-{s:02d}", "name_zh": f"第{d + 1}区{s + 1}街道",
                          "name_en": f"Street {s + 1}, District {d + 1}", "level": "street", "parent_id": district_id,
                          "latitude": dlat + rng.uniform(-0.02, 0.02), "longitude": dlon + rng.uniform(-0.02, 0.02)})
            streets.append(areas[-1])
            next_id += 1
    session.execute(insert(m.Area), areas)

    orgs, locations = [], []
    n_orgs = max(1, n // 4)
    for i in range(n_orgs):
        kind = rng.randrange(len(ORG_KINDS_ZH))
        street = rng.choice(streets)
        org_id = new_uuid()
        orgs.append({"id": org_id, "name_zh": f"{street['name_zh']}{ORG_KINDS_ZH[kind]}{i}",
                     "name_en": f"{ORG_KINDS_EN[kind]} {i}", "created_at": now, "updated_at": now, "version": 1,
                     "verified_on": date.today() - timedelta(days=rng.randrange(400))})
        locations.append({"id": new_uuid(), "organization_id": org_id, "location_type": "physical",
                          "address_zh": f"{street['name_zh']}幸福路{rng.randrange(1, 300)}号",
                          "address_en": f"{rng.randrange(1, 300)} Xingfu Road", "area_id": street["id"],
                          "latitude": street["latitude"] + rng.uniform(-0.01, 0.01),
                          "longitude": street["longitude"] + rng.uniform(-0.01, 0.01),
                          "created_at": now, "updated_at": now, "version": 1})
    session.execute(insert(m.Organization), orgs)
    session.execute(insert(m.Location), locations)

    services, links, attributes, costs, languages, schedules = [], [], [], [], [], []
    for i in range(n):
        org = rng.randrange(n_orgs)
        part = rng.randrange(len(NAME_PARTS_ZH))
        zh = "".join(rng.choice(ZH_WORDS) + rng.choice(ZH_FILLER) for _ in range(rng.randint(14, 28))) + "。"
        en = " ".join(rng.choice(EN_WORDS) if rng.random() < 0.6 else rng.choice(EN_FILLER)
                      for _ in range(rng.randint(20, 40))) + "."
        sid = new_uuid()
        services.append({
            "id": sid, "organization_id": orgs[org]["id"], "name_zh": f"{NAME_PARTS_ZH[part]}{i % 97}",
            "name_en": f"{NAME_PARTS_EN[part]} {i % 97}", "description_zh": zh, "description_en": en,
            "eligibility_description_zh": "年满18周岁的" + rng.choice(ZH_WORDS) + "人员",
            "eligibility_description_en": "Adults with " + rng.choice(EN_WORDS),
            "status": "active" if rng.random() < 0.95 else "temporarily_closed",
            "capacity_status": rng.choice(["accepting", "waitlist", "full", "unknown"]),
            "accepts_referrals": rng.random() < 0.7,
            "verified_on": date.today() - timedelta(days=rng.randrange(500)),
            "created_at": now, "updated_at": now, "version": 1,
        })
        links.append({"id": new_uuid(), "service_id": sid, "location_id": locations[org]["id"]})
        for vocabulary, count in (("category", rng.randint(1, 3)), ("care_stage", 1), ("population", rng.randint(0, 2)),
                                  ("condition", rng.randint(0, 2)), ("delivery_mode", rng.randint(1, 2))):
            for term in rng.sample(terms[vocabulary], count):
                attributes.append({"id": new_uuid(), "taxonomy_term_id": term.id, "service_id": sid, "value": "serves"})
        costs.append({"id": new_uuid(), "service_id": sid, "kind": rng.choice(COST_KINDS), "currency": "CNY"})
        for code in {"zh"} | ({rng.choice(LANG_CODES)} if rng.random() < 0.3 else set()):
            languages.append({"id": new_uuid(), "service_id": sid, "code": code})
        opens = rng.choice([8, 9, 14])
        for weekday in range(1, 6 if rng.random() < 0.7 else 8):
            schedules.append({"id": new_uuid(), "service_id": sid, "weekday": weekday,
                              "opens_at": dtime(opens), "closes_at": dtime(opens + rng.choice([3, 4, 8]))})
    for table, rows in ((m.Service, services), (m.ServiceAtLocation, links), (m.Attribute, attributes),
                        (m.CostOption, costs), (m.Language, languages), (m.Schedule, schedules)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start:start + 5000])
    session.commit()
    return {"terms": {k: [t.code for t in v] for k, v in terms.items()}, "districts": [a for a in areas if a["level"] == "district"],
            "streets": streets}


def make_queries(rng: random.Random, count: int, data: dict):
    from portal.search.query import SearchParams

    queries = []
    for i in range(count):
        kind = i % 10
        params: dict = {}
        if kind in (0, 1, 2):  # one Chinese word
            params["q"] = rng.choice(ZH_WORDS)
        elif kind in (3, 4):  # one English word
            params["q"] = rng.choice(EN_WORDS)
        elif kind == 5:  # two words, mixed
            params["q"] = f"{rng.choice(ZH_WORDS)} {rng.choice(ZH_WORDS + EN_WORDS)}"
        elif kind == 6:  # two English words
            params["q"] = f"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)}"
        elif kind == 7:  # a word with filters
            params["q"] = rng.choice(ZH_WORDS + EN_WORDS)
            params["category"] = (rng.choice(data["terms"]["category"]),)
            params["accepting"] = rng.random() < 0.5
            if rng.random() < 0.5:
                params["area"] = rng.choice(data["districts"])["code"]
        elif kind == 8:  # distance sort from a district
            params["q"] = rng.choice(ZH_WORDS + EN_WORDS)
            district = rng.choice(data["districts"])
            params["sort"] = "distance"
            params["origin"] = (district["latitude"], district["longitude"])
        else:  # filters only
            params["cost"] = (rng.choice(COST_KINDS),)
            params["mode"] = (rng.choice(data["terms"]["delivery_mode"]),)
        queries.append(SearchParams(**params, now=datetime(2026, 11, 23, 10, 30)))
    return queries


# --- FTS5 baseline --------------------------------------------------------------------------------

def build_fts(path: Path, session) -> tuple[sqlite3.Connection, float]:
    """The same documents, segmented by the same analyzer, in an FTS5 table + a facet table."""
    from sqlalchemy import select

    from portal.search.analyzers import BilingualAnalyzer
    from portal.search.documents import service_document
    from portal.search.index import _service_query
    from portal.directory.models import Service

    analyzer = BilingualAnalyzer()
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(name, organization, terms, body, places, tokenize='unicode61')")
    conn.execute("CREATE TABLE facets (rowid INTEGER PRIMARY KEY, service_id TEXT, category TEXT, area TEXT, "
                 "cost TEXT, delivery_mode TEXT, accepting TEXT, status TEXT, lat REAL, lon REAL)")
    conn.execute("CREATE TABLE facet_value (rowid INTEGER, field TEXT, value TEXT)")
    ids = list(session.scalars(select(Service.id).order_by(Service.id)))
    rowid = 0
    for start in range(0, len(ids), 500):
        rows, facet_rows, value_rows = [], [], []
        for service in session.scalars(_service_query().where(Service.id.in_(ids[start:start + 500]))):
            doc = service_document(service)
            rowid += 1
            seg = {f: " ".join(t.text for t in analyzer(doc[f] or "")) for f in ("name", "organization", "terms", "body", "places")}
            rows.append((rowid, seg["name"], seg["organization"], seg["terms"], seg["body"], seg["places"]))
            point = doc["points"][0] if doc["points"] else (None, None)
            facet_rows.append((rowid, doc["id"], doc["category"], doc["area"], doc["cost"], doc["delivery_mode"],
                               doc["accepting"], doc["status"], point[0], point[1]))
            for field in ("category", "area", "cost", "delivery_mode"):
                for value in filter(None, doc[field].split(",")):
                    value_rows.append((rowid, field, value))
        session.expunge_all()
        conn.executemany("INSERT INTO docs(rowid, name, organization, terms, body, places) VALUES (?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO facets VALUES (?,?,?,?,?,?,?,?,?,?)", facet_rows)
        conn.executemany("INSERT INTO facet_value VALUES (?,?,?)", value_rows)
    conn.execute("CREATE INDEX fv ON facet_value(field, value, rowid)")
    conn.execute("INSERT INTO docs(docs) VALUES('optimize')")
    conn.commit()
    return conn, time.perf_counter() - started


def _fts_token(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(conn: sqlite3.Connection, params) -> tuple[int, list]:
    """Top 10 + exact total for the same plan (clauses AND, synonyms OR) and filters."""
    from portal.search.query import plan

    clauses = []
    for clause in plan(params.q).clauses:
        alternatives = []
        for alternative in clause.alternatives:
            words = []
            for word, parts in alternative:
                option = _fts_token(word)
                if parts:
                    option = f"({option} OR ({' AND '.join(_fts_token(p) for p in parts)}))"
                words.append(option)
            alternatives.append("(" + " AND ".join(words) + ")")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    where, args = ["f.status != 'defunct'"], []
    for field, values in (("category", params.category), ("cost", params.cost), ("delivery_mode", params.mode)):
        if values:
            where.append(f"f.rowid IN (SELECT rowid FROM facet_value WHERE field = ? AND value IN ({','.join('?' * len(values))}))")
            args += [field, *values]
    if params.area:
        where.append("f.rowid IN (SELECT rowid FROM facet_value WHERE field = 'area' AND value = ?)")
        args.append(params.area)
    if params.accepting:
        where.append("f.accepting = 'yes'")
    if clauses:
        match = " AND ".join(clauses)
        base = f"FROM docs JOIN facets f ON f.rowid = docs.rowid WHERE docs MATCH ? AND {' AND '.join(where)}"
        args = [match, *args]
        order = "bm25(docs, 6.0, 2.0, 4.0, 1.0, 2.0)"
    else:
        base = f"FROM facets f WHERE {' AND '.join(where)}"
        order = "f.rowid"
    total = conn.execute(f"SELECT count(*) {base}", args).fetchone()[0]
    if params.sort == "distance" and params.origin:
        lat, lon = params.origin
        order = f"((f.lat - {lat}) * (f.lat - {lat}) + (f.lon - {lon}) * (f.lon - {lon}) * 0.74)"
    top = conn.execute(f"SELECT f.service_id {base} ORDER BY {order} LIMIT 10", args).fetchall()
    return total, top


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", help="keep the database and index in this folder")
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

    rng = random.Random(args.seed)
    db_path = workdir / "bench.db"
    index_dir = workdir / "index"
    for stale in (db_path, index_dir):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    app = create_app(TestConfig(f"sqlite:///{db_path}", str(index_dir)))
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = True
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        with Session(db.engine) as session, using(session, skip_outbox=True):
            data = generate(session, args.n, rng)
        print(f"services: {args.n}  (generated in {time.perf_counter() - started:.1f} s)")

        index = SearchIndex(str(index_dir))
        started = time.perf_counter()
        with Session(db.engine) as session, using(session, skip_outbox=True):
            index.rebuild(session)
        build = time.perf_counter() - started
        print(f"portal index: build {build:.1f} s, size {dir_size(index_dir) / 1e6:.1f} MB")

        engine = SearchEngine(index_dir)
        started = time.perf_counter()
        engine.snapshot()
        print(f"portal searcher open: {(time.perf_counter() - started) * 1000:.0f} ms")

        queries = make_queries(rng, args.queries, data)
        for params in queries[:20]:  # warm the caches the way a running server has them
            search(engine, params)
        ours, slowest = [], (0.0, None)
        for params in queries:
            t0 = time.perf_counter()
            result = search(engine, params)
            elapsed = (time.perf_counter() - t0) * 1000
            ours.append(elapsed)
            if elapsed > slowest[0]:
                slowest = (elapsed, params.q or "(filters only)", result.total)

        with Session(db.engine) as session:
            fts_conn, fts_build = build_fts(workdir / "fts.db", session)
        print(f"fts5 index: build {fts_build:.1f} s, size {(workdir / 'fts.db').stat().st_size / 1e6:.1f} MB")
        for params in queries[:20]:
            fts_query(fts_conn, params)
        theirs = []
        for params in queries:
            t0 = time.perf_counter()
            fts_query(fts_conn, params)
            theirs.append((time.perf_counter() - t0) * 1000)

        # A saved change becomes searchable: commit (outbox) -> apply -> the next search sees it.
        from sqlalchemy import select

        from portal.directory.models import Service
        from portal.search.query import SearchParams

        marker = "基准变更标记词"
        with app.test_request_context():
            service = db.session.scalar(select(Service).limit(1))
            t0 = time.perf_counter()
            service.name_zh = f"{marker}{service.name_zh}"
            db.session.commit()
            hits = search(engine, SearchParams(q=marker)).hits
            change_ms = (time.perf_counter() - t0) * 1000
            found = bool(hits) and hits[0].service_id == service.id
        print(f"saved change searchable after: {change_ms:.0f} ms (first hit={found})")
        # The first search with an unknown word after a change builds the "did you mean" word list:
        # per index segment, so only the small new segment is read (it was the whole index before).
        with app.test_request_context():
            search(engine, SearchParams(q="meishatnog"))  # a running server has built it once already
            service.name_zh = f"{marker}二{service.name_zh}"
            db.session.commit()
            t0 = time.perf_counter()
            search(engine, SearchParams(q="meishatnog"))
            typo_ms = (time.perf_counter() - t0) * 1000
        print(f"first zero-result search after a change: {typo_ms:.0f} ms")

    def line(label, values):
        return (f"{label}: p50 {percentile(values, 50):.2f} ms  p95 {percentile(values, 95):.2f} ms  "
                f"p99 {percentile(values, 99):.2f} ms  max {max(values):.1f} ms")

    print(f"queries: {len(queries)} (one Chinese word, one English word, two words, with filters, "
          "distance sort, filters only)")
    print(line("portal search (top 10 + total + all filter counts)", ours))
    print(f"  slowest: {slowest[0]:.1f} ms for {slowest[1]!r} ({slowest[2]} hits)")
    print(line("fts5 baseline (top 10 + total)", theirs))
    ratio = percentile(ours, 95) / percentile(theirs, 95)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"p95_ratio_vs_fts5={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
