"""``search(source, params) -> SearchResult``: the one search function that the search page, the
JSON API, the matching engine and the benchmark all call.

Pure apart from reading the index: no Flask, no database. Everything is computed on document sets
(see ``bits``): the words of the query, each filter, each facet value are sets, so totals and facet
counts are exact and cost no work per hit; ranking adds weighted sets into a bit-sliced score and
takes the top of it, so only the page shown is ever sorted.

Ranking (relevance): for each clause of the query, a match in the service's name weighs most, then
its categories/populations (terms), its organisation and places, then its description. A small
static part breaks ties in favour of active services that accept referrals and were verified
recently. Without a query, the static part and the verification date order the list.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from datetime import date

from ..directory.freshness import fresh_since
from . import bits
from .engine import CELL_DEGREES, Snapshot, distance_km
from .query import MULTI_FILTERS, Clause, QueryPlan, SearchParams, plan
from .suggest import correct_clause

FIELD_WEIGHTS = {"name": 6, "terms": 4, "organization": 2, "places": 2, "body": 1}
CLAUSE_WEIGHT = 16  # matching one more clause beats any field mix (matters when relaxed to "some words")
LITERAL_BONUS = 1  # the word as typed beats its synonyms
STATIC_BITS = 3  # active, accepting with room, verified recently


@dataclass(frozen=True)
class Hit:
    service_id: str
    doc: int
    distance_km: float | None = None


@dataclass
class SearchResult:
    params: SearchParams
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    # facet name (URL name: category, stage, …, area, open_now, accepting) -> {value: count}
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    notices: list[tuple[str, dict]] = field(default_factory=list)
    corrected_query: str | None = None  # what was searched instead of a query with no match
    relaxed: bool = False  # no service had every word: showing those with some
    drop_suggestions: list[tuple[str, str | None, int]] = field(default_factory=list)
    highlight_words: set[str] = field(default_factory=set)
    origin: tuple[float, float] | None = None
    index_ready: bool = True

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.params.per_page))


# --- sets for the query ---------------------------------------------------------------------

def _word_sets(snap: Snapshot, word: str, parts: tuple[str, ...]) -> dict[str, int]:
    sets = {}
    for name in FIELD_WEIGHTS:
        found = snap.word(name, word)
        if parts:
            together = -1
            for part in parts:
                together &= snap.word(name, part)
                if not together:
                    break
            found |= max(together, 0)
        sets[name] = found
    return sets


@dataclass
class _ClauseSets:
    any: int
    fields: dict[str, int]
    literal: int


def _clause_sets(snap: Snapshot, clause: Clause) -> _ClauseSets:
    any_match, literal = 0, 0
    fields = dict.fromkeys(FIELD_WEIGHTS, 0)
    for number, alternative in enumerate(clause.alternatives):
        alt_any, alt_fields = -1, dict.fromkeys(FIELD_WEIGHTS, -1)
        for word, parts in alternative:
            sets = _word_sets(snap, word, parts)
            union = 0
            for name, found in sets.items():
                alt_fields[name] &= found
                union |= found
            alt_any &= union
        alt_any = max(alt_any, 0)
        any_match |= alt_any
        for name in fields:
            fields[name] |= max(alt_fields[name], 0)
        if number == 0:
            literal = alt_any
    return _ClauseSets(any_match, fields, literal)


def _filter_sets(snap: Snapshot, params: SearchParams) -> dict[str, int]:
    """URL filter name -> the set it allows (only filters in use)."""
    sets: dict[str, int] = {}
    for name, index_field in MULTI_FILTERS.items():
        values = getattr(params, name)
        if values:
            allowed = 0
            for value in values:
                allowed |= snap.facet(index_field, value)
            sets[name] = allowed
    if params.area:
        sets["area"] = snap.facet("area", params.area)
    if params.open_now and params.now is not None:
        sets["open_now"] = snap.open_at(params.now)
    if params.accepting:
        sets["accepting"] = snap.facet("accepting", "yes")
    return sets


def _all_but(sets: dict[str, int], skip: str | None, start: int) -> int:
    result = start
    for name, allowed in sets.items():
        if name != skip:
            result &= allowed
    return result


# --- ranking --------------------------------------------------------------------------------

def _static_slices(snap: Snapshot, params: SearchParams, today: date) -> list[int]:
    slices: list[int] = []
    active = snap.facet("status", "active")
    room = snap.facet("accepting", "yes") & ~snap.facet("capacity", "full")
    fresh = snap.verified_since(fresh_since(today, params.stale_after_days))
    for members, weight in ((active, 4), (room, 2), (fresh, 1)):
        bits.add_weighted(slices, members, weight)
    return slices


def _relevance_slices(snap, matched, clause_sets, static) -> list[int]:
    slices = list(static)
    shift = 1 << STATIC_BITS
    for sets in clause_sets:
        bits.add_weighted(slices, sets.any & matched, CLAUSE_WEIGHT * shift)
        bits.add_weighted(slices, sets.literal & matched, LITERAL_BONUS * shift)
        for name, weight in FIELD_WEIGHTS.items():
            bits.add_weighted(slices, sets.fields[name] & matched, weight * shift)
    return slices


def _recency_slices(snap, static, static_first: bool) -> list[int]:
    verified = snap.verified_slices()
    if not static_first:
        return list(verified)
    slices = list(verified)
    for level, members in enumerate(static):
        bits.add_weighted(slices, members, 1 << (len(verified) + level))
    return slices


def _cell_distance(origin: tuple[float, float], cell: tuple[int, int]) -> float:
    """Distance from the origin to the nearest point of a grid cell."""
    lat0, lon0 = cell[0] * CELL_DEGREES, cell[1] * CELL_DEGREES
    lat = min(max(origin[0], lat0), lat0 + CELL_DEGREES)
    lon = min(max(origin[1], lon0), lon0 + CELL_DEGREES)
    return distance_km(origin, (lat, lon))


def _doc_distance(snap: Snapshot, doc: int, origin) -> float | None:
    points = snap.points(doc)
    return min(distance_km(origin, p) for p in points) if points else None


def _nearest(snap: Snapshot, matched: int, origin, need: int, tie_slices) -> list[tuple[float, int]]:
    """The ``need`` matched documents nearest to origin, walking grid cells outwards; documents
    without a location (phone or online services) follow, in relevance order."""
    cells = snap.cells()
    order = sorted(((_cell_distance(origin, c), c) for c in cells))
    best: list[tuple[float, int]] = []  # max-heap via negated distance
    seen = 0
    for cell_distance, cell in order:
        if len(best) >= need and cell_distance > -best[0][0]:
            break
        fresh = cells[cell] & matched & ~seen
        if not fresh:
            continue
        seen |= fresh
        for doc in bits.iter_ids(fresh):
            item = (-(_doc_distance(snap, doc, origin) or 0.0), -doc)
            if len(best) < need:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
    found = sorted((-d, -doc) for d, doc in best)
    if len(found) < need:
        without = matched & ~snap.has_points()
        for doc in bits.page(without, tie_slices, 0, need - len(found)):
            found.append((math.inf, doc))
    return found


# --- the search -------------------------------------------------------------------------------

def _replace_word(text: str, old: str, new: str) -> str:
    lowered = text.lower()
    at = lowered.find(old.lower())
    return text[:at] + new + text[at + len(old):] if at >= 0 else new


def search(source, params: SearchParams, today: date | None = None,
           vocabulary: tuple[str, ...] = ()) -> SearchResult:
    """Run a search. ``source`` is a SearchEngine (or a Snapshot). ``vocabulary`` adds phrases
    (e.g. taxonomy labels, area names) to what "did you mean" may suggest."""
    snap = source.snapshot() if hasattr(source, "snapshot") else source
    if snap is None:
        return SearchResult(params=params, notices=[("index_missing", {})], index_ready=False)
    today = today or (params.now.date() if params.now else date.today())
    query = plan(params.q)
    result = SearchResult(params=params, notices=list(query.notices))
    base = _base_docs(snap, params)
    clause_sets = _correct_clauses(snap, query, base, params, vocabulary, result)
    result.highlight_words = query.words
    text = _text_docs(clause_sets, base, result)

    filters = _filter_sets(snap, params)
    if params.open_now and params.now is None:
        result.notices.append(("open_now_unavailable", {}))
    matched = _all_but(filters, None, text)
    result.total = matched.bit_count()
    result.facets = _facets(snap, params, filters, text)
    if result.total == 0 and filters:
        result.drop_suggestions = _drop_suggestions(params, filters, text)
    _fill_page(snap, params, today, result, matched, clause_sets)
    return result


def _base_docs(snap: Snapshot, params: SearchParams) -> int:
    base = snap.visible
    if params.organization_id:
        base &= snap.word("organization_id", params.organization_id)
    if params.restrict is not None:
        base &= snap.docs_for(params.restrict)
    return base


def _correct_clauses(snap: Snapshot, query, base: int, params: SearchParams,
                     vocabulary: tuple[str, ...], result: SearchResult) -> list:
    """Clause sets for the query, with ``query.clauses`` rewritten in place where corrected."""
    clause_sets = [_clause_sets(snap, c) for c in query.clauses]
    # A word nothing contains: try what it probably meant (pinyin, a typo, a homophone).
    corrected_text = params.q
    for number, (clause, sets) in enumerate(zip(query.clauses, clause_sets)):
        if sets.any & base:
            continue
        better = correct_clause(snap, clause, base, vocabulary)
        if better is not None:
            query.clauses[number] = better
            clause_sets[number] = _clause_sets(snap, better)
            corrected_text = _replace_word(corrected_text, clause.label, better.label)
    if corrected_text != params.q:
        result.corrected_query = corrected_text
        result.notices.append(("corrected", {"original": params.q, "corrected": corrected_text}))
    return clause_sets


def _text_docs(clause_sets: list, base: int, result: SearchResult) -> int:
    if not clause_sets:
        return base
    text = base
    for sets in clause_sets:
        text &= sets.any
    # Nothing has every word: rather than an empty page, show what has some of them.
    if not text and len(clause_sets) > 1:
        text = 0
        for sets in clause_sets:
            text |= sets.any
        text &= base
        if text:
            result.relaxed = True
            result.notices.append(("matched_some_words", {}))
    return text


def _fill_page(snap: Snapshot, params: SearchParams, today: date, result: SearchResult,
               matched: int, clause_sets: list) -> None:
    per_page = params.per_page
    pages = max(1, math.ceil(result.total / per_page))
    # A page past the end (e.g. after a filter narrowed the result) shows the last one instead.
    if params.page > pages:
        params = replace(params, page=pages)
        result.params = params
    start = (params.page - 1) * per_page
    static = _static_slices(snap, params, today)
    origin = params.origin or ((params.lat, params.lon) if params.lat is not None and params.lon is not None
                               else None)
    result.origin = origin
    if clause_sets:
        relevance = _relevance_slices(snap, matched, clause_sets, static)
    else:
        relevance = _recency_slices(snap, static, static_first=True)

    if params.sort == "distance" and origin is None:
        result.notices.append(("distance_needs_origin", {}))
    if params.sort == "distance" and origin is not None:
        ranked = _nearest(snap, matched, origin, start + per_page, relevance)[start:]
        result.hits = [Hit(snap.service_id(doc), doc, None if d == math.inf else round(d, 2))
                       for d, doc in ranked]
        return
    order = _recency_slices(snap, static, static_first=False) if params.sort == "verified" else relevance
    docs = bits.page(matched, order, start, per_page)
    result.hits = [Hit(snap.service_id(doc), doc,
                       None if origin is None or (d := _doc_distance(snap, doc, origin)) is None else round(d, 2))
                   for doc in docs]


def _facets(snap: Snapshot, params: SearchParams, filters: dict[str, int], text: int) -> dict[str, dict[str, int]]:
    """Counts beside each option: what the result would hold with that option added, given every
    other filter (a field's own selection does not shrink its own counts, so alternatives stay
    visible)."""
    out: dict[str, dict[str, int]] = {}
    for name, index_field in MULTI_FILTERS.items():
        others = _all_but(filters, name, text)
        counts = {}
        for value in snap.facet_values(index_field):
            count = (others & snap.facet(index_field, value)).bit_count()
            if count or value in getattr(params, name):
                counts[value] = count
        out[name] = counts
    others = _all_but(filters, "area", text)
    out["area"] = {v: c for v in snap.facet_values("area") if (c := (others & snap.facet("area", v)).bit_count())}
    if params.now is not None:
        out["open_now"] = {"1": (_all_but(filters, "open_now", text) & snap.open_at(params.now)).bit_count()}
    out["accepting"] = {"1": (_all_but(filters, "accepting", text) & snap.facet("accepting", "yes")).bit_count()}
    return out


def _drop_suggestions(params: SearchParams, filters: dict[str, int], text: int) -> list[tuple[str, str | None, int]]:
    """For an empty result: how many services each filter in use is keeping out, as
    ``(name, value, count)``; value None means every value of that filter. The first suggestion is
    the narrowest filter (dropping it gives the most results)."""
    suggestions = []
    for name in filters:
        rest = {k: v for k, v in filters.items() if k != name}
        count = _all_but(rest, None, text).bit_count()
        if not count:
            continue
        if name in MULTI_FILTERS:
            values = getattr(params, name)
            value = values[0] if len(values) == 1 else None
        else:
            value = params.area if name == "area" else None
        suggestions.append((name, value, count))
    suggestions.sort(key=lambda s: -s[2])
    return suggestions


__all__ = ["Hit", "QueryPlan", "SearchParams", "SearchResult", "search"]
