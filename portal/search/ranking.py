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

WEIGHTS = {"name": 3.0, "terms": 2.0, "organization": 1.0, "places": 1.0, "body": 1.0}
B = {"name": 0.5, "terms": 0.4, "organization": 0.5, "places": 0.3, "body": 0.75}
K1 = 1.2
SCALE = 32  # score units per 1.0 of BM25
MAX_WORD_SCORE = 1023  # units; keeps a clause's score below CLAUSE_WEIGHT (see searching)
MIN_IDF = 0.2  # a word every service holds still tells apart who says it more (or in the name)


def field_tf(frequency: float, length: int, average: float, field: str) -> float:
    """One field's contribution to a word's pseudo-frequency in a document."""
    b = B[field]
    norm = 1.0 - b + b * (length / average if average > 0 else 1.0)
    return WEIGHTS[field] * frequency / max(norm, 0.05)


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
