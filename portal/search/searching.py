"""``search(source, params) -> SearchResult``: the one search function that the search page, the
JSON API, the matching engine and the benchmark all call.

Pure apart from reading the index: no Flask, no database. Everything is computed on document sets
(see ``bits``): the words of the query, each filter, each facet value are sets, so totals and facet
counts are exact and cost no work per hit. Ranking first narrows the matches to those that can
reach the page (one more clause outweighs any score, so the services holding most of the query's
clauses, enough to fill it: ``_candidates``); a few thousand of them are scored in numpy and
sorted, more are ranked by adding weighted sets into a bit-sliced score and taking its top, so
that only the page shown is ever sorted.

Matching is a soft AND: a service matches if it holds any clause of the query; those with every
clause come first, then those with most. A quoted phrase only matches where its words stand side
by side. Ranking (relevance), within the same number of clauses: BM25F per word (term frequency,
field-length normalisation, field weights: ``ranking``), a bonus where two query words stand side
by side, and small static boosts for active services that accept referrals and were verified
recently. Without a query, the static part and the verification date order the list.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from ..directory.freshness import fresh_since
from . import bits
from .engine import CELL_DEGREES, Snapshot, distance_km
from .ranking import points
from .query import MULTI_FILTERS, Clause, QueryPlan, SearchParams, plan
from .analyzers import has_cjk
from .suggest import correct_clause, correctable

FIELD_WEIGHTS = dict.fromkeys(("name", "terms", "organization", "places", "body"), 1)  # fields matched
CLAUSE_WEIGHT = 1 << 24  # one more clause matched beats any score below it (see _add_word_scores)
ADJACENT_BONUS = points(3.0)  # two query words side by side
# A clause scores its best alternative plus 1/OTHER_ALTERNATIVES_SHARE of the others a service
# matches (see _add_word_scores).
OTHER_ALTERNATIVES_SHARE = 10
# A clause's alternatives that score (all of them match): a synonym group in three languages, each
# word in its two Latin forms, stays within it; MAX_SCORED_ALTERNATIVES x MAX_WORD_SCORE stays far
# below CLAUSE_WEIGHT.
MAX_SCORED_ALTERNATIVES = 40
# Candidates are ranked in numpy arrays of their own (``_ranked_few``) when they are at most
# FEW_CANDIDATES and at most 1/FEW_SHARE of the directory; more, by bit slices over the directory,
# whose cost does not grow with their number (a one-word query holding half the directory).
FEW_CANDIDATES = 20_000
FEW_SHARE = 8
# Static boosts: a fraction of one well-matched word, so they reorder near ties.
STATIC_BOOSTS = (("active", points(0.75)), ("room", points(0.5)), ("fresh", points(0.4)))


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
    suggested_query: str | None = None  # "did you mean": the results shown are still the query's own
    all_words_total: int = 0  # how many of ``total`` hold every clause of the query
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
    alternatives: list[int]  # the documents matching each alternative


def _pairs_set(snap: Snapshot, words: list[str]) -> int:
    """Documents where these (Latin) words stand side by side, in this order."""
    found = -1
    for first, second in zip(words, words[1:]):
        found &= snap.word("pairs", f"{first}_{second}")
        if not found:
            return 0
    return max(found, 0)


def _clause_sets(snap: Snapshot, clause: Clause) -> _ClauseSets:
    any_match, per_alternative = 0, []
    for alternative in clause.alternatives:
        alt_any = -1
        for word, parts in alternative:
            union = 0
            for found in _word_sets(snap, word, parts).values():
                union |= found
            alt_any &= union
        alt_any = max(alt_any, 0)
        latin = [word for word, _parts in alternative if not has_cjk(word)]
        if clause.phrase and alt_any and len(latin) > 1:
            alt_any &= _pairs_set(snap, latin)
        per_alternative.append(alt_any)
        any_match |= alt_any
    return _ClauseSets(any_match, per_alternative)


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

def _static_sets(snap: Snapshot, params: SearchParams, today: date) -> dict[str, int]:
    """Active services, those with room for referrals, and those verified recently."""
    return {"active": snap.facet("status", "active"),
            "room": snap.facet("accepting", "yes") & ~snap.facet("capacity", "full"),
            "fresh": snap.verified_since(fresh_since(today, params.stale_after_days))}


def _static_slices(snap: Snapshot, params: SearchParams, today: date) -> list[int]:
    """The order of a list without a query: active first, then room, then freshly verified."""
    slices: list[int] = []
    sets = _static_sets(snap, params, today)
    for name, weight in (("active", 4), ("room", 2), ("fresh", 1)):
        bits.add_weighted(slices, sets[name], weight)
    return slices


def _static_boosts(snap: Snapshot, params: SearchParams, today: date) -> list[tuple[int, int]]:
    sets = _static_sets(snap, params, today)
    return [(sets[name], weight) for name, weight in STATIC_BOOSTS]


class _Universe:
    """The documents ranking scores, as positions 0..n-1 of its arrays: every document of the
    snapshot (a document's position is its number), or a short list (``ids``, ascending): the ones
    that can reach the page asked for (see ``_candidates``), so that a query whose common words
    hold most of the directory scores those few, not every document holding a word."""

    def __init__(self, snap: Snapshot, members: int, ids: np.ndarray | None = None) -> None:
        self.size = snap.size
        self.members = members
        self.ids = ids
        self.n = snap.size if ids is None else len(ids)
        self._slots: np.ndarray | None = None

    def flags(self, x: int) -> np.ndarray:
        """The set ``x`` as a boolean per position."""
        found = bits.to_flags(x, self.size)
        return found if self.ids is None else found[self.ids]

    def locate(self, where: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``(positions, picked)``: the positions of the documents of ``where`` (a word's documents)
        that are in the universe, and which entries of ``where`` they are (None: all)."""
        ids = self.ids
        if ids is None:
            return where, None
        if self._slots is None:
            self._slots = np.full(self.size, -1, dtype=np.int32)
            self._slots[ids] = np.arange(len(ids), dtype=np.int32)
        slots = self._slots[where]
        hit = slots >= 0
        return slots[hit], np.flatnonzero(hit)


def _add_word_scores(snap: Snapshot, totals: np.ndarray, clause: Clause, sets: _ClauseSets,
                     universe: _Universe) -> None:
    """BM25F of the clause: its best alternative in each document, plus 1/OTHER_ALTERNATIVES_SHARE
    of the others it matches (a "dis-max" with a tie-breaker). A synonym group is one thing asked
    for, whatever language a service says it in: summing the alternatives in full counted a
    bilingual record (or one that repeats the thing in three spellings) two or three times against
    a record written in one language, so in the Chinese-first directory an English query put
    bilingual records above Chinese-only ones that say it in their name. The small share keeps what
    the sum got right: a group that holds a phrase and a broader word ("family support", "family")
    still ranks a service that says the phrase above one that only says the word. An alternative
    of several words scores their average (one thing asked for, however many words a synonym
    spells it with); a word found only through its parts scores their share. ``totals``: a score
    per position of ``universe``, added to in numpy (a common word holds most documents)."""
    best = np.zeros(universe.n, dtype=np.int64)
    summed = np.zeros(universe.n, dtype=np.int64)
    for alternative, members in zip(clause.alternatives[:MAX_SCORED_ALTERNATIVES], sets.alternatives):
        docs = members & universe.members
        if not docs:
            continue
        share = len(alternative)
        if universe.ids is None and not any(parts for _word, parts in alternative):
            # Over the whole directory: the words' scores laid out per document and added as whole
            # arrays, not gathered and scattered at the alternative's documents (a common word
            # holds most of them). Documents outside the candidates get scores too; nothing reads
            # them. A document holding only some of an alternative's words gets nothing from it.
            score = np.zeros(universe.n, dtype=np.int64)
            for word, _parts in alternative:
                where, units = snap.word_units(word)
                score[where] += units if share == 1 else np.maximum(1, units // share)
            if share > 1:
                score *= universe.flags(docs)
            np.maximum(best, score, out=best)
            summed += score
            continue
        inside = universe.flags(docs)
        pieces = []  # (positions, scores) of each word of the alternative
        for word, parts in alternative:
            where, units = _located(snap, universe, word)
            hit = inside[where]
            pieces.append((where[hit], np.maximum(1, units[hit] // share)))
            if not parts:
                continue
            via_parts = inside.copy()
            via_parts[where] = False
            if via_parts.any():
                for part in parts:
                    where, units = _located(snap, universe, part)
                    hit = via_parts[where]
                    pieces.append((where[hit], np.maximum(1, units[hit] // (share * len(parts)))))
        if len(pieces) == 1:  # most alternatives are one word: its documents are distinct
            where, scores = pieces[0]
            best[where] = np.maximum(best[where], scores)
            summed[where] += scores
            continue
        score = np.zeros(universe.n, dtype=np.int64)
        for where, scores in pieces:
            score[where] += scores
        np.maximum(best, score, out=best)
        summed += score
    totals += best + (summed - best) // OTHER_ALTERNATIVES_SHARE


def _located(snap: Snapshot, universe: _Universe, word: str) -> tuple[np.ndarray, np.ndarray]:
    """A word's documents as positions of the universe, and its score in each."""
    where, units = snap.word_units(word)
    positions, picked = universe.locate(where)
    return positions, (units if picked is None else units[picked])


def _adjacent_sets(snap: Snapshot, clauses: list[Clause]) -> list[int]:
    """For each two neighbouring one-word clauses: documents holding them side by side (any of their
    language forms)."""
    forms = [[a[0][0] for a in c.alternatives if len(a) == 1 and not has_cjk(a[0][0])] for c in clauses]
    found = []
    for first, second in zip(forms, forms[1:]):
        together = 0
        for a in first:
            for b in second:
                together |= snap.word("pairs", f"{a}_{b}")
        if together:
            found.append(together)
    return found


def _weighted_sets(snap, clauses, clause_sets, boosts):
    """The parts of the relevance score that add one weight to a set of documents: the static
    boosts, CLAUSE_WEIGHT per clause held, the bonus for query words side by side. (The rest is
    ``_word_scores``.) Both ways of ranking add these, so they rank alike."""
    yield from boosts
    for sets in clause_sets:
        yield sets.any, CLAUSE_WEIGHT
    for together in _adjacent_sets(snap, clauses):
        yield together, ADJACENT_BONUS


def _word_scores(snap, clauses, clause_sets, universe: _Universe) -> np.ndarray:
    """Every clause's BM25F score (``_add_word_scores``) per position of ``universe``."""
    words = np.zeros(universe.n, dtype=np.int64)
    for clause, sets in zip(clauses, clause_sets):
        _add_word_scores(snap, words, clause, sets, universe)
    return words


def _relevance_slices(snap, matched, clauses, clause_sets, boosts) -> list[int]:
    slices: list[int] = []
    for members, weight in _weighted_sets(snap, clauses, clause_sets, boosts):
        bits.add_weighted(slices, members & matched, weight)
    words = _word_scores(snap, clauses, clause_sets, _Universe(snap, matched))
    for level, members in enumerate(bits.slices_of(words)):
        bits.add_weighted(slices, members, 1 << level)
    return slices


def _candidates(matched: int, clause_sets: list, need: int) -> int:
    """The documents that can be among the first ``need``: those holding at least L clauses, for
    the largest L that at least ``need`` documents reach. One more clause outweighs any score
    (``CLAUSE_WEIGHT``), so every document with fewer ranks below all of them."""
    at_least = [matched]  # at_least[k]: documents holding k or more of the clauses seen so far
    for sets in clause_sets:
        holding = sets.any & matched
        at_least = [at_least[0]] + [at_least[k] | (at_least[k - 1] & holding) for k in range(1, len(at_least))] \
            + [at_least[-1] & holding]
    for members in reversed(at_least[1:]):
        if members.bit_count() >= need:
            return members
    return matched


def _ranked_few(snap, universe: _Universe, clauses, clause_sets, boosts, start: int, count: int) -> list[int]:
    """The page from a short list of candidates: the same score as ``_relevance_slices``, summed
    in numpy per candidate and sorted (score descending, document number ascending), instead of
    bit slices over the whole directory."""
    score = _word_scores(snap, clauses, clause_sets, universe)
    for members, weight in _weighted_sets(snap, clauses, clause_sets, boosts):
        score += universe.flags(members) * weight
    order = np.lexsort((universe.ids, -score))[start:start + count]
    return universe.ids[order].tolist()


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
    _fill_page(snap, params, today, result, matched, query.clauses, clause_sets)
    return result


def _base_docs(snap: Snapshot, params: SearchParams) -> int:
    base = snap.visible_to_staff if params.staff else snap.visible
    if params.organization_id:
        base &= snap.word("organization_id", params.organization_id)
    if params.restrict is not None:
        base &= snap.docs_for(params.restrict)
    return base


def _every(clause_sets: list, base: int) -> int:
    found = base
    for sets in clause_sets:
        found &= sets.any
    return found


def _correct_clauses(snap: Snapshot, query, base: int, params: SearchParams,
                     vocabulary: tuple[str, ...], result: SearchResult) -> list:
    """Clause sets for the query. A word that no service holds in any language, and that is no
    word of a language we know, may be a typo, pinyin or a homophone: its correction replaces it
    only when the query finds nothing; otherwise the results stay and the correction is offered
    ("did you mean") if it finds more services with every word."""
    clause_sets = [_clause_sets(snap, c) for c in query.clauses]
    corrected, corrected_text = list(query.clauses), params.q
    for number, (clause, sets) in enumerate(zip(query.clauses, clause_sets)):
        if sets.any & snap.alive or not correctable(clause.label):
            continue
        better = correct_clause(snap, clause, base, vocabulary)
        if better is not None:
            corrected[number] = better
            corrected_text = _replace_word(corrected_text, clause.label, better.label)
    if corrected_text == params.q:
        return clause_sets
    better_sets = [_clause_sets(snap, c) for c in corrected]
    if any(sets.any & base for sets in clause_sets):
        if _every(better_sets, base).bit_count() > _every(clause_sets, base).bit_count():
            result.suggested_query = corrected_text
        return clause_sets
    query.clauses[:] = corrected
    result.corrected_query = corrected_text
    result.notices.append(("corrected", {"original": params.q, "corrected": corrected_text}))
    return better_sets


def _text_docs(clause_sets: list, base: int, result: SearchResult) -> int:
    """Soft AND: every service with at least one clause (ranking puts those with all first)."""
    if not clause_sets:
        return base
    every = _every(clause_sets, base)
    text = 0
    for sets in clause_sets:
        text |= sets.any
    text &= base
    result.all_words_total = every.bit_count()
    if text and not every and len(clause_sets) > 1:
        result.relaxed = True
        result.notices.append(("matched_some_words", {}))
    return text


def _fill_page(snap: Snapshot, params: SearchParams, today: date, result: SearchResult,
               matched: int, clauses: list[Clause], clause_sets: list) -> None:
    per_page = params.per_page
    pages = max(1, math.ceil(result.total / per_page))
    # A page past the end (e.g. after a filter narrowed the result) shows the last one instead.
    if params.page > pages:
        params = replace(params, page=pages)
        result.params = params
    start = (params.page - 1) * per_page
    origin = params.origin or ((params.lat, params.lon) if params.lat is not None and params.lon is not None
                               else None)
    result.origin = origin
    if params.sort == "distance" and origin is None:
        result.notices.append(("distance_needs_origin", {}))
    if params.sort == "verified":
        docs = bits.page(matched, _recency_slices(snap, [], static_first=False), start, per_page)
    elif not clause_sets:
        relevance = _recency_slices(snap, _static_slices(snap, params, today), static_first=True)
        if params.sort == "distance" and origin is not None:
            return _distance_page(snap, result, matched, origin, start, per_page, relevance)
        docs = bits.page(matched, relevance, start, per_page)
    else:
        boosts = _static_boosts(snap, params, today)
        if params.sort == "distance" and origin is not None:
            relevance = _relevance_slices(snap, matched, clauses, clause_sets, boosts)
            return _distance_page(snap, result, matched, origin, start, per_page, relevance)
        # Only the documents that can reach this page are ranked: for a query of several common
        # words, those holding most of them are a few hundred of the tens of thousands holding one.
        candidates = _candidates(matched, clause_sets, start + per_page)
        if candidates.bit_count() <= min(FEW_CANDIDATES, snap.size // FEW_SHARE):
            universe = _Universe(snap, candidates, np.flatnonzero(bits.to_flags(candidates, snap.size)))
            docs = _ranked_few(snap, universe, clauses, clause_sets, boosts, start, per_page)
        else:
            relevance = _relevance_slices(snap, candidates, clauses, clause_sets, boosts)
            docs = bits.page(candidates, relevance, start, per_page)
    result.hits = [Hit(snap.service_id(doc), doc,
                       None if origin is None or (d := _doc_distance(snap, doc, origin)) is None else round(d, 2))
                   for doc in docs]


def _distance_page(snap, result: SearchResult, matched: int, origin, start: int, per_page: int,
                   relevance: list[int]) -> None:
    ranked = _nearest(snap, matched, origin, start + per_page, relevance)[start:]
    result.hits = [Hit(snap.service_id(doc), doc, None if d == math.inf else round(d, 2)) for d, doc in ranked]


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
