"""The two systems the portal's search is measured against (``bench/search.py``).

Both get the same documents segmented by the portal's own analyzer (so Chinese words are the same
words), the same query plan (clauses AND-ed, synonyms OR-ed; with no service holding every clause,
any clause, as the portal's soft AND), the same filters and visibility, and a distance sort.

- **FTS5, done competently**: a contentless table (no second copy of the text), filter and grid
  tokens in a column of the index itself (a filter is part of MATCH: no join), the total by
  ``count(*)`` on MATCH alone, ``bm25()`` with field weights and ``LIMIT 10``, statements prepared
  once (the sqlite3 module's statement cache), a 1 GB page cache and memory-mapped reads.
- **tantivy** (Rust, through its Python binding; installed for the benchmark only, never a runtime
  dependency): the same fields and tokens, BM25 with field boosts, ``count=True`` for the total.

Distance: both narrow to grid cells around the origin (rings of ~1 km cells, widened until ten are
found), then sort those few by great-circle distance.
"""
from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

from search_corpus import GRID_DEGREES

FIELDS = ("name", "organization", "terms", "body", "places")
BOOSTS = {"name": 6.0, "organization": 2.0, "terms": 4.0, "body": 1.0, "places": 2.0}


def _tag(text: str) -> str:
    return text.replace("-", "_").lower()


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)


def _ring(origin, radius: int) -> list[str]:
    ci, cj = _cell(*origin)
    return [f"g_{ci + di}_{cj + dj}".replace("-", "m") for di in range(-radius, radius + 1)
            for dj in range(-radius, radius + 1)]


def documents(session, batch: int = 500):
    """(rowid, service id, {field: segmented text}, tags, first point) for every service."""
    from sqlalchemy import select

    from portal.directory.models import Service
    from portal.directory.visibility import hidden_statuses
    from portal.search.analyzers import analysed_words
    from portal.search.documents import service_document
    from portal.search.document_rows import Lookups, service_views

    hidden = set(hidden_statuses(staff=False))
    ids = list(session.scalars(select(Service.id).order_by(Service.id)))
    rowid = 0
    lookups = Lookups(session)
    for start in range(0, len(ids), batch):
        for service in service_views(session, ids[start:start + batch], lookups):
            doc = service_document(service)
            rowid += 1
            text = {f: " ".join(w for w, _, _, stopped in analysed_words(doc[f] or "") if not stopped) for f in FIELDS}
            tags = ["vis_yes" if doc["status"] not in hidden else "vis_no", f"acc_{doc['accepting']}"]
            for field in ("category", "area", "cost", "delivery_mode"):
                tags += [_tag(f"{field}_{v}") for v in filter(None, doc[field].split(","))]
            point = doc["points"][0] if doc["points"] else None
            if point:
                ci, cj = _cell(*point)
                tags.append(f"g_{ci}_{cj}".replace("-", "m"))
            yield rowid, doc["id"], text, tags, point
        session.expunge_all()


def _clauses(params) -> list[list[list[tuple[str, tuple]]]]:
    from portal.search.query import plan

    return [[list(alternative) for alternative in clause.alternatives] for clause in plan(params.q).clauses]


def _filter_tags(params) -> list[list[str]]:
    """Each inner list is OR-ed; the lists are AND-ed."""
    groups = [["vis_yes"]]
    for field, values in (("category", params.category), ("cost", params.cost), ("delivery_mode", params.mode)):
        if values:
            groups.append([_tag(f"{field}_{v}") for v in values])
    if params.area:
        groups.append([_tag(f"area_{params.area}")])
    if params.accepting:
        groups.append(["acc_yes"])
    return groups


def _boolean(clauses, any_clause: bool, quote) -> str:
    """The query plan as a boolean expression both query languages read: synonyms OR-ed within a
    clause, a compound word or its parts, clauses AND-ed (OR-ed for the soft AND's fallback)."""
    parts = []
    for clause in clauses:
        options = []
        for alternative in clause:
            words = []
            for word, pieces in alternative:
                option = quote(word)
                if pieces:
                    option = f"({option} OR ({' AND '.join(quote(p) for p in pieces)}))"
                words.append(option)
            options.append("(" + " AND ".join(words) + ")")
        parts.append("(" + " OR ".join(options) + ")")
    return "(" + (" OR " if any_clause else " AND ").join(parts) + ")"


class Fts5:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.ids: list[str] = [""]
        self.points: list = [None]

    def build(self, session) -> float:
        started = time.perf_counter()
        conn = sqlite3.connect(self.path, cached_statements=256)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(FIELDS)
        conn.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, tags, content='', "
                     "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")")
        rows = []
        for rowid, sid, text, tags, point in documents(session):
            self.ids.append(sid)
            self.points.append(point)
            rows.append((rowid, *(text[f] for f in FIELDS), " ".join(tags)))
            if len(rows) >= 5000:
                conn.executemany(f"INSERT INTO docs(rowid, {columns}, tags) VALUES (?,?,?,?,?,?,?)", rows)
                rows = []
        if rows:
            conn.executemany(f"INSERT INTO docs(rowid, {columns}, tags) VALUES (?,?,?,?,?,?,?)", rows)
        conn.execute("INSERT INTO docs(docs) VALUES('optimize')")
        conn.commit()
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA mmap_size=2147483648")
        self.conn = conn
        return time.perf_counter() - started

    @staticmethod
    def _word(word: str) -> str:
        return '"' + word.replace('"', '""') + '"'

    def _text(self, clauses, any_clause: bool) -> str:
        return "{" + " ".join(FIELDS) + "}: " + _boolean(clauses, any_clause, self._word)

    def _match(self, params, any_clause: bool, extra: list[str] | None = None) -> str:
        clauses = _clauses(params)
        pieces = [self._text(clauses, any_clause)] if clauses else []
        groups = _filter_tags(params) + ([extra] if extra else [])
        pieces += ["tags: (" + " OR ".join(group) + ")" for group in groups]
        return " AND ".join(pieces)

    def query(self, params) -> tuple[int, list[str]]:
        conn = self.conn
        weights = ", ".join(str(BOOSTS[f]) for f in FIELDS) + ", 0.0"
        has_text = bool(_clauses(params))
        if params.sort == "distance" and params.origin:
            return self._nearest(params)
        match = self._match(params, any_clause=False)
        total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        if total == 0 and has_text:
            match = self._match(params, any_clause=True)
            total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        if has_text:
            rows = conn.execute(f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, {weights}) LIMIT 10",
                                (match,)).fetchall()
        else:
            rows = conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? LIMIT 10", (match,)).fetchall()
        return total, [self.ids[r[0]] for r in rows]

    def _nearest(self, params) -> tuple[int, list[str]]:
        conn = self.conn
        match = self._match(params, any_clause=False)
        total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        if total == 0:
            match = self._match(params, any_clause=True)
            total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        found: list[int] = []
        for radius in (1, 3, 8, 20):
            near = self._match(params, any_clause=(match != self._match(params, any_clause=False)),
                               extra=_ring(params.origin, radius))
            found = [r[0] for r in conn.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (near,))]
            if len(found) >= 10:
                break
        return total, _closest(found, self.points, self.ids, params.origin)


class Tantivy:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.index = None
        self.searcher = None
        self.ids: list[str] = [""]
        self.points: list = [None]

    def build(self, session) -> float:
        import tantivy

        started = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        for field in FIELDS:
            builder.add_text_field(field, stored=False, tokenizer_name="default")
        builder.add_text_field("tags", stored=False, tokenizer_name="raw")
        builder.add_integer_field("row", stored=True, indexed=False)
        schema = builder.build()
        self.path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(schema, path=str(self.path))
        writer = index.writer(heap_size=512_000_000)
        for rowid, sid, text, tags, point in documents(session):
            self.ids.append(sid)
            self.points.append(point)
            writer.add_document(tantivy.Document(row=rowid, tags=tags, **{f: text[f] for f in FIELDS}))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.index = index
        self.searcher = index.searcher()
        return time.perf_counter() - started

    @staticmethod
    def _word(word: str) -> str:
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def _text(self, clauses, any_clause: bool) -> str:
        return _boolean(clauses, any_clause, self._word)

    def _query(self, params, any_clause: bool, extra: list[str] | None = None):
        clauses = _clauses(params)
        pieces = [f"+{self._text(clauses, any_clause)}"] if clauses else []
        groups = _filter_tags(params) + ([extra] if extra else [])
        pieces += ["+(" + " OR ".join(f"tags:{self._word(t)}" for t in group) + ")" for group in groups]
        return self.index.parse_query(" ".join(pieces), list(FIELDS), field_boosts=BOOSTS)

    def _rows(self, result) -> list[int]:
        return [self.searcher.doc(address)["row"][0] for _, address in result.hits]

    def query(self, params) -> tuple[int, list[str]]:
        if params.sort == "distance" and params.origin:
            return self._nearest(params)
        has_text = bool(_clauses(params))
        result = self.searcher.search(self._query(params, any_clause=False), 10, count=True)
        if result.count == 0 and has_text:
            result = self.searcher.search(self._query(params, any_clause=True), 10, count=True)
        return result.count, [self.ids[r] for r in self._rows(result)]

    def _nearest(self, params) -> tuple[int, list[str]]:
        any_clause = False
        total = self.searcher.search(self._query(params, any_clause=False), 1, count=True).count
        if total == 0:
            any_clause = True
            total = self.searcher.search(self._query(params, any_clause=True), 1, count=True).count
        rows: list[int] = []
        for radius in (1, 3, 8, 20):
            near = self._query(params, any_clause, extra=_ring(params.origin, radius))
            result = self.searcher.search(near, 5000, count=False)
            rows = self._rows(result)
            if len(rows) >= 10:
                break
        return total, _closest(rows, self.points, self.ids, params.origin)


def _closest(rows: list[int], points: list, ids: list[str], origin) -> list[str]:
    from portal.geo import haversine_km

    scored = [(haversine_km(origin[0], origin[1], points[r][0], points[r][1]), r) for r in rows if points[r]]
    scored.sort()
    return [ids[r] for _, r in scored[:10]]
