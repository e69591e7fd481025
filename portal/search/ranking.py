"""BM25F: how well one word matches a service, from the word's frequency in each field and each
field's length (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond").

Each field's frequency is normalised by that field's length relative to its average (``B``: how
much a long field is discounted) and weighted (``WEIGHTS``: a word in the name says more than one in
a description); the weighted sum saturates once (``K1``), so a word repeated in the description does
not outweigh it in the name. Scores become small integers (``SCALE`` per unit) because the search
adds them into bit-sliced document sets (see ``bits``). Pure: plain numbers in, numbers out.
"""
from __future__ import annotations

import bisect
import math

WEIGHTS = {"name": 3.0, "terms": 2.0, "organization": 1.0, "places": 1.0, "body": 1.0}
B = {"name": 0.5, "terms": 0.4, "organization": 0.5, "places": 0.3, "body": 0.75}
K1 = 1.2
SCALE = 32  # score units per 1.0 of BM25
MAX_WORD_SCORE = 1023  # units; keeps a clause's score below CLAUSE_WEIGHT (see searching)
MIN_IDF = 0.2  # a word every service holds still tells apart who says it more (or in the name)


def _norm_terms(field: str, average: float) -> tuple[float, float]:
    """``(base, per_length)``: a field's length norm is ``base + per_length * length``."""
    b = B[field]
    return (1.0 - b, b / average) if average > 0 else (1.0, 0.0)


def field_norms(field: str, lengths: list[int]) -> list[float]:
    """Per document, what BM25F divides a field's weighted frequency by (``1 - b + b / average *
    length``, at least 0.05): the engine computes it once per segment and field, not per posting."""
    base, per_length = _norm_terms(field, sum(lengths) / len(lengths) if lengths else 0.0)
    return [max(base + per_length * length, 0.05) for length in lengths]


def field_tf(frequency: float, length: int, average: float, field: str) -> float:
    """One field's contribution to a word's pseudo-frequency in a document (the arithmetic of
    ``field_norms``, for one document)."""
    base, per_length = _norm_terms(field, average)
    return WEIGHTS[field] * frequency / max(base + per_length * length, 0.05)


def idf(documents_with_word: int, documents: int) -> float:
    """BM25's inverse document frequency (at least MIN_IDF)."""
    n = documents_with_word
    return max(MIN_IDF, math.log(1.0 + (documents - n + 0.5) / (n + 0.5)))


def points(value: float) -> int:
    """A score in integer units."""
    return round(value * SCALE)


def units(pseudo_tf: float, word_idf: float) -> int:
    """The score of a word in one document, in integer units."""
    score = word_idf * pseudo_tf * (K1 + 1.0) / (K1 + pseudo_tf)
    return min(MAX_WORD_SCORE, max(1, round(score * SCALE)))


def units_many(values, word_idf: float) -> list[int]:
    """``units`` of each value, the same arithmetic in the same order (so the same integers), without
    a function call per value: a word's distinct pseudo-frequencies number in the thousands."""
    k1, top, scale = K1, MAX_WORD_SCORE, SCALE
    scores = [round(word_idf * v * (k1 + 1.0) / (k1 + v) * scale) for v in values]
    return [top if s > top else (s if s > 1 else 1) for s in scores]


_NEAR = 1e-9  # relative: far wider than the few ulps by which float rounding can bend units' order


def unit_runs(values, word_idf: float) -> list[tuple[int, int]]:
    """``(start, units)`` of each run of equal units over ``values`` (ascending): the same runs
    as ``units_many``, with a few ``units`` per run instead of one per value. The score never falls
    as the pseudo-frequency rises, so a run ends where the score reaches its next half unit, whose
    pseudo-frequency is solved for and looked up by bisection; float rounding can only bend that
    order for values a few ulps from a run's edge, so the values near each edge are checked one by
    one, and any surprise falls back to scoring every value."""
    runs, start, count = [], 0, len(values)
    while start < count:
        score = units(values[start], word_idf)
        runs.append((start, score))
        start = _run_end(values, word_idf, start, score)
    if not _edges_hold(values, word_idf, runs):
        scores = units_many(values, word_idf)
        runs = [(i, s) for i, s in enumerate(scores) if i == 0 or s != scores[i - 1]]
    return runs


def _run_end(values, word_idf: float, start: int, score: int) -> int:
    """The first index after ``start`` whose units exceed ``score``."""
    count = len(values)
    # units = round(word_idf * 32 * x * (K1 + 1) / (K1 + x)) reaches score + 1 at this x (if ever).
    target = (score + 0.5) / SCALE / word_idf
    if score >= MAX_WORD_SCORE or target >= K1 + 1.0:
        return count
    end = max(start + 1, bisect.bisect_left(values, K1 * target / (K1 + 1.0 - target), start + 1))
    while end < count and units(values[end], word_idf) <= score:  # rounding: step to the exact edge
        end += 1
    while end > start + 1 and units(values[end - 1], word_idf) > score:
        end -= 1
    return end


def _edges_hold(values, word_idf: float, runs: list[tuple[int, int]]) -> bool:
    for (_, before), (edge, after) in zip(runs, runs[1:]):
        near = values[edge] * _NEAR
        j = edge - 1
        while j >= 0 and values[edge] - values[j] <= near:
            if units(values[j], word_idf) != before:
                return False
            j -= 1
        j = edge
        while j < len(values) and values[j] - values[edge] <= near:
            if units(values[j], word_idf) != after:
                return False
            j += 1
    return True
