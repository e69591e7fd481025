"""BM25F: how well one word matches a service, from the word's frequency in each field and each
field's length (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond").

Each field's frequency is normalised by that field's length relative to its average (``B``: how
much a long field is discounted) and weighted (``WEIGHTS``: a word in the name says more than one in
a description); the weighted sum saturates once (``K1``), so a word repeated in the description does
not outweigh it in the name. Scores become small integers (``SCALE`` per unit) because the search
adds them into bit-sliced document sets (see ``bits``). Pure: plain numbers in, numbers out.
"""
from __future__ import annotations

import math

import numpy as np

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


def units_array(values: np.ndarray, word_idf: float) -> np.ndarray:
    """``units`` of each value (a float64 array), the same arithmetic in the same order, element by
    element (IEEE doubles; ``rint`` rounds half to even as ``round`` does), so the same integers: a
    word's distinct pseudo-frequencies number in the thousands."""
    scores = np.rint(word_idf * values * (K1 + 1.0) / (K1 + values) * SCALE)
    return np.clip(scores, 1, MAX_WORD_SCORE).astype(np.int16)  # MAX_WORD_SCORE fits
