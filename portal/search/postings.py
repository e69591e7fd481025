"""One word's postings in one segment, over the text fields, in the form the search uses them.

``WordPostings`` holds, for a word: the documents holding it in each text field (bitsets, for
matching), and for ranking its documents ordered by their BM25F pseudo-frequency with the distinct
pseudo-frequencies and how many documents have each. Why this form: a word's score in a document
depends only on its pseudo-frequency (and the word's idf, which depends on the whole snapshot), and
it never falls as the pseudo-frequency rises, so the documents of one score are consecutive in
``order``; ``doc_units`` scores the distinct pseudo-frequencies (``ranking.units_array``) and
repeats each score for its documents, in numpy. It is built either by decoding Whoosh's
postings once (``combine``) or by loading it from the segment's sidecar file (``sidecar``).
"""
from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import mul, not_, truediv

import numpy as np

from . import bits, ranking
from .documents import TEXT_FIELDS
from .whoosh_adapter import field_lengths, postings_with_frequency


class WordPostings:
    __slots__ = ("fields", "order", "values", "counts", "ids")

    def __init__(self, fields: dict[str, int], order: array, values: array, counts: array,
                 ids: dict | None = None) -> None:
        self.fields = fields  # text field -> local documents holding the word there
        self.order = order  # the documents holding it in any text field, by pseudo-frequency ascending
        self.values = values  # the distinct pseudo-frequencies, ascending
        self.counts = counts  # how many consecutive documents of ``order`` have each
        # text field -> the same documents as ascending numbers, when they were at hand (the
        # sidecar writer's, see ``Decoder.decode``; a searcher's cache keeps only the sets)
        self.ids = ids

    @property
    def having(self) -> int:
        return len(self.order)

    def pseudo_tf(self) -> dict[int, float]:
        """Local document -> BM25F pseudo-frequency (for checks; the search uses doc_units)."""
        found, start = {}, 0
        for value, count in zip(self.values, self.counts):
            found.update(dict.fromkeys(self.order[start:start + count], value))
            start += count
        return found

    def doc_units(self, word_idf: float) -> tuple[np.ndarray, np.ndarray]:
        """``(local documents, their score units)`` (``ranking.units``), in the order of ``order``:
        the distinct pseudo-frequencies are scored, then repeated for their documents (numpy: no
        Python operation per posting)."""
        if not self.order:
            return _NO_DOCS, _NO_UNITS
        scores = ranking.units_array(np.frombuffer(self.values, dtype=np.float64), word_idf)
        return (np.frombuffer(self.order, dtype=np.uint32),
                np.repeat(scores, np.frombuffer(self.counts, dtype=np.uint32)))


_NO_DOCS = np.zeros(0, dtype=np.uint32)
_NO_UNITS = np.zeros(0, dtype=np.int16)
EMPTY = WordPostings({}, array("I"), array("d"), array("I"))


class Decoder:
    """Decodes words' postings over the text fields into ``WordPostings``, from wherever a segment's
    postings are read: ``SegmentDecoder`` reads a written Whoosh segment, ``segments`` a segment
    being written (its arrays), through the three reading methods below."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._norms: dict[str, list[float]] = {}
        self._norm_arrays: dict[str, np.ndarray] = {}  # the same, for words combined in numpy

    def decode(self, word: str, fields: tuple[str, ...] | None = None, keep_ids: bool = False) -> WordPostings:
        """``fields``: the text fields known to hold the word (from ``words``); None: look.
        ``keep_ids``: also keep each field's documents as numbers (for the sidecar's writer)."""
        per_field, norms = {}, {}
        for field in TEXT_FIELDS:  # in this order: see combine
            if fields is not None and field not in fields:
                continue
            ids, freqs = self._postings(field, word, known=fields is not None)
            if ids:
                per_field[field] = (ids, freqs)
                norms[field] = self._field_norms(field)
        return combine(per_field, norms, self.size, keep_ids, self._norm_array)

    def singles(self, holders: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, int, float]]:
        """The words (of ``holders``: word -> its fields) known without decoding to be in one
        document of one field, as the sidecar keeps them (see ``sidecar._single``); a decoder that
        cannot tell cheaply returns none, and the sidecar's writer finds them as it decodes."""
        return {}

    def words(self) -> dict[str, tuple[str, ...]]:
        """Every word of the segment's text fields -> the fields holding it."""
        found: dict[str, tuple[str, ...]] = {}
        for field in TEXT_FIELDS:
            for word in self.lexicon(field):
                found[word] = found.get(word, ()) + (field,)
        return found

    def _field_norms(self, field: str) -> list[float]:
        # The big segment holds nearly every document, so lengths are normalised per segment.
        if field not in self._norms:
            self._norms[field] = ranking.field_norms(field, self._lengths(field))
        return self._norms[field]

    def _norm_array(self, field: str) -> np.ndarray:
        if field not in self._norm_arrays:
            self._norm_arrays[field] = np.asarray(self._field_norms(field), dtype=np.float64)
        return self._norm_arrays[field]

    # --- reading ---------------------------------------------------------------------------------

    def lexicon(self, field: str) -> Iterable[str]:
        """The words of a text field, in sorted order."""
        raise NotImplementedError

    def _postings(self, field: str, word: str, known: bool) -> tuple[list[int], list[float]]:
        """The documents holding the word in the field and its frequency in each (``known``: the
        word came from ``lexicon``)."""
        raise NotImplementedError

    def _lengths(self, field: str) -> list[int]:
        """Every document's stored length of the field."""
        raise NotImplementedError


class SegmentDecoder(Decoder):
    """Decodes words' postings from one Whoosh segment reader (not thread-safe: the caller holds
    whatever lock guards the reader)."""

    def __init__(self, reader) -> None:
        super().__init__(reader.doc_count_all())
        self.reader = reader

    def lexicon(self, field: str) -> Iterable[str]:
        if field not in self.reader.schema:
            return ()
        return (raw.decode("utf-8") if isinstance(raw, bytes) else raw for raw in self.reader.lexicon(field))

    def _postings(self, field: str, word: str, known: bool) -> tuple[list[int], list[float]]:
        return postings_with_frequency(self.reader, field, word, known=known)

    def _lengths(self, field: str) -> list[int]:
        return field_lengths(self.reader, field)


def combine(per_field: dict[str, tuple[list[int], list[float]]], norms: dict[str, list[float]],
            size: int, keep_ids: bool = False,
            norm_array: Callable[[str], np.ndarray] | None = None) -> WordPostings:
    """From each text field's (ascending documents, frequencies) of a word, in ``TEXT_FIELDS`` order
    (the pseudo-frequency is a float sum: the order of its terms is part of the result), and each
    field's length norms in the segment (``ranking.field_norms``; ``norm_array(field)``: the same
    as a numpy array, if at hand). Documents of equal pseudo-frequency stay in the order they were
    first met."""
    if not per_field:
        return EMPTY
    fields = {field: bits.from_ids(ids, size) for field, (ids, _freqs) in per_field.items()}
    kept = {field: ids for field, (ids, _freqs) in per_field.items()} if keep_ids else None
    if sum(len(ids) for ids, _freqs in per_field.values()) >= _MANY:
        return _combine_many(per_field, {field: norm_array(field) for field in per_field} if norm_array else norms,
                             fields, kept)
    if len(per_field) == 1:
        # Most words of a segment are in one field: no sum, and the documents come in order.
        ((field, (ids, freqs)),) = per_field.items()
        tfs = list(map(truediv, map(mul, repeat(ranking.WEIGHTS[field]), freqs), map(norms[field].__getitem__, ids)))
        if len(ids) == 1:
            order, ordered = array("I", ids), tfs
        else:
            positions = sorted(range(len(ids)), key=tfs.__getitem__)
            order, ordered = array("I", [ids[p] for p in positions]), [tfs[p] for p in positions]
    else:
        found: dict[int, float] = {}
        for field, (ids, freqs) in per_field.items():
            _add_field_tf(found, ids, map(mul, repeat(ranking.WEIGHTS[field]), freqs), norms[field])
        order = array("I", sorted(found, key=found.__getitem__))
        ordered = [found[d] for d in order]
    values = array("d", sorted(set(ordered)))
    ends = [bisect_right(ordered, v) for v in values]
    counts = array("I", [b - a for a, b in zip([0, *ends], ends)])
    return WordPostings(fields, order, values, counts, kept)


# From this many postings a word is combined in numpy (the few common words of a segment held half
# the time of writing its sidecar); below, numpy's cost per call is more than the Python loops'.
_MANY = 64


def _combine_many(per_field, norms, fields: dict[str, int], kept) -> WordPostings:
    """``combine`` in numpy, with the same floats (the same operations in the same order: a
    field's weight times the frequency, over the document's norm, summed in field order) and the
    same order (by pseudo-frequency, ties as first met: by field, then document)."""
    met, total = [], None
    for field, (ids, freqs) in per_field.items():
        ids = np.asarray(ids, dtype=np.int64)
        norm = norms[field]
        norm = norm if isinstance(norm, np.ndarray) else np.asarray(norm, dtype=np.float64)
        tf = (ranking.WEIGHTS[field] * np.asarray(freqs, dtype=np.float64)) / norm[ids]
        if total is None:
            total = np.zeros(len(norm), dtype=np.float64)
            seen = np.zeros(len(norm), dtype=np.bool_)
        met.append(ids[~seen[ids]])
        seen[ids] = True
        total[ids] += tf  # ids are unique within a field; 0.0 + x is x
    met = np.concatenate(met)
    ordered_docs = met[np.argsort(total[met], kind="stable")]
    values, counts = np.unique(total[ordered_docs], return_counts=True)
    return WordPostings(fields, array("I", ordered_docs.astype(np.uint32).tobytes()),
                        array("d", values.tobytes()), array("I", counts.astype(np.uint32).tobytes()), kept)


def _add_field_tf(found: dict[int, float], ids, weighted, norms: list[float]) -> None:
    # found[doc] = found.get(doc, 0.0) + weight * freq / norm, with the loops in C except for the
    # documents an earlier field already holds (0.0 + x is x: new ones are simply inserted).
    contributions = list(zip(ids, map(truediv, weighted, map(norms.__getitem__, ids))))
    seen = list(map(found.__contains__, ids))
    found.update(compress(contributions, map(not_, seen)))
    for doc, value in compress(contributions, seen):
        found[doc] += value
