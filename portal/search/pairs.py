"""Word pairs (quoted phrases, the adjacency boost): kept per document as a column of 64-bit keys in
the Whoosh segment, and searched through one table per segment in its sidecar.

Why not Whoosh terms, as before: a directory's neighbouring-word pairs are most of a segment's
distinct terms (70 % of them in the benchmark corpus), nearly every one in one or two services, and
Whoosh writes each term with a pickle, a hash and an entry in its term table: a quarter of a full
rebuild's time went to them. As a column, a document's pairs are one value (its keys' bytes, sorted,
each once); Whoosh copies columns when it merges segments, so every segment keeps them, and a
segment's table (``PairTable``: each key once, sorted, with its documents) is built from them in
numpy, with no Python step per pair: from the arrays a rebuild has at hand (``PairPostings``), or
from the column of a segment Whoosh wrote (``from_reader``: saved changes, merges, a missing sidecar).

A pair's key is computed from its two words' keys (``word_key``: the first 8 bytes of the word's
BLAKE2b digest, the same in every process and on every machine, unlike Python's ``hash``) by
``mix``, in numpy: a rebuild looks up each word's key (a dictionary look-up in C) and mixes a whole
segment's pairs at once, where a string per pair, joined, hashed and looked up, was a tenth of its
time. ``mix`` is ``first * odd + second`` followed by SplitMix64's finaliser, a bijection: two pairs
share a key only if ``first * odd + second`` agrees modulo 2**64, which for random 64-bit word keys
needs billions of pairs, and would only add a document to a phrase's matches.
"""
from __future__ import annotations

import hashlib
import sys
from array import array
from itertools import repeat

import numpy as np

from .analyzers import CHAIN_BREAK, LATIN_LETTER, PART_SEPARATOR, chain_forms, remembered

FIELD = "pairs"
_KEY = np.dtype("<u8")  # as the column holds them: little-endian on every machine
_LITTLE = sys.byteorder == "little"
_ODD = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))


def word_key(word: str) -> int:
    """The 64-bit key of one word (its index form)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def mix(firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The keys of the pairs (``firsts[i]``, ``seconds[i]``) of word keys (uint64, wrapping)."""
    with np.errstate(over="ignore"):
        x = firsts.astype(np.uint64) * _ODD + seconds.astype(np.uint64)
        x ^= x >> _SHIFTS[0]
        x *= _MIX[0]
        x ^= x >> _SHIFTS[1]
        x *= _MIX[1]
        x ^= x >> _SHIFTS[2]
    return x


def pair_key(pair: str) -> int:
    """The 64-bit key of one pair ("first_second", index forms: words hold no "_"): ``mix`` in
    Python integers (a query's few pairs; numpy's set-up per call cost more than the arithmetic)."""
    first, _, second = pair.partition("_")
    x = (_WORDS[first] * _ODD_INT + _WORDS[second]) & _MASK
    x ^= x >> 30
    x = (x * _MIX_INT[0]) & _MASK
    x ^= x >> 27
    x = (x * _MIX_INT[1]) & _MASK
    return x ^ (x >> 31)


_MASK = (1 << 64) - 1
_ODD_INT, _MIX_INT = int(_ODD), (int(_MIX[0]), int(_MIX[1]))


class _Keys(dict):
    """word -> key, remembered: a directory's words recur, and a dictionary look-up in C is cheaper
    than a digest. Emptied past ``_KEPT`` (bounded memory in a long-lived process)."""

    def __missing__(self, word: str) -> int:
        if word == CHAIN_BREAK:
            return _BREAK  # (not kept: it would be lost when the table is emptied)
        key = word_key(word)
        if len(self) >= _KEPT:
            self.clear()
        self[word] = key
        return key


_KEPT = 1_000_000
_WORDS = _Keys()


def word_pairs(value: str) -> tuple[array, array]:
    """The word keys of each pair of neighbouring words in a document's ``pairs`` value (its texts
    joined by ``PART_SEPARATOR``: each keeps its own language, no pair spans two), as two arrays:
    first words, second words."""
    firsts, seconds = array("Q"), array("Q")
    for text in value.split(PART_SEPARATOR):
        first, second = _text_pairs(text) if len(text) > _SHORT_TEXT else remembered(_SHORT, text, _text_pairs, _KEPT)
        firsts += first
        seconds += second
    return firsts, seconds


def _text_pairs(text: str) -> tuple[array, array]:
    # Every two neighbouring forms, a Chinese run's break (key 0) included: ``_keys`` leaves out the
    # pairs with a break, for a whole segment at once.
    if not text or not LATIN_LETTER.search(text):
        return _NONE
    keys = array("Q", map(_WORDS.__getitem__, chain_forms(text)))
    return keys[:-1], keys[1:]


_NONE = (array("Q"), array("Q"))
_BREAK = 0  # a Chinese run's key (a word's key is 0 once in 2**64 words: at worst a pair is lost)


def _keys(firsts: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The keys of the pairs that span no break, and which pairs those are (None: all)."""
    kept = (firsts != _BREAK) & (seconds != _BREAK)
    if kept.all():
        return mix(firsts, seconds), None
    return mix(firsts[kept], seconds[kept]), kept


_SHORT: dict[str, tuple[array, array]] = {}  # short texts (names of organisations recur), read only
_SHORT_TEXT = 300


def keys_of(value: str) -> array:
    """The keys of a document's ``pairs`` value: each pair of its texts once, in key order."""
    firsts, seconds = word_pairs(value)
    if not firsts:
        return array("Q")
    keys, _kept = _keys(np.frombuffer(firsts, np.uint64), np.frombuffer(seconds, np.uint64))
    return array("Q", np.unique(keys).tobytes())


def column_value(keys: array) -> bytes:
    """The column's value for a document: its keys, little-endian."""
    if not _LITTLE:
        keys = array("Q", keys)
        keys.byteswap()
    return keys.tobytes()


class PairTable:
    """One segment's pairs: ``keys`` (sorted, each once), ``ends`` (where each key's documents end in
    ``docs``, cumulative) and ``docs`` (each key's documents, ascending)."""

    __slots__ = ("keys", "ends", "docs")

    def __init__(self, keys: np.ndarray, ends: np.ndarray, docs: np.ndarray) -> None:
        self.keys, self.ends, self.docs = keys, ends, docs

    @classmethod
    def invert(cls, keys: np.ndarray, docs: np.ndarray) -> PairTable:
        """From every (key, document) posting, documents ascending within each key's postings."""
        order = np.argsort(keys, kind="stable")  # stable: each key's documents stay ascending
        keys = keys[order]
        starts = np.flatnonzero(np.diff(keys)) + 1
        unique = keys[np.concatenate(([0], starts))] if len(keys) else keys
        ends = np.append(starts, len(keys)).astype(np.uint32) if len(keys) else np.zeros(0, np.uint32)
        return cls(unique.astype(_KEY, copy=False), ends, docs[order].astype(np.uint32, copy=False))

    def span(self, pair: str) -> tuple[int, int]:
        """Where the pair's documents are in ``docs`` (an empty span if no document holds it)."""
        return find(self.keys, self.ends, pair_key(pair))

    def documents(self, pair: str) -> np.ndarray:
        start, end = self.span(pair)
        return self.docs[start:end]


def find(keys: np.ndarray, ends: np.ndarray, key: int) -> tuple[int, int]:
    """The span of ``key``'s documents, from a table's sorted keys and cumulative ends."""
    key = np.uint64(key)  # (a Python int above 2**63 against uint64 would be compared as a float)
    at = int(np.searchsorted(keys, key))
    if at == len(keys) or keys[at] != key:
        return 0, 0
    return (int(ends[at - 1]) if at else 0), int(ends[at])


EMPTY = PairTable(np.zeros(0, _KEY), np.zeros(0, np.uint32), np.zeros(0, np.uint32))


class PairPostings:
    """A segment's pairs as its documents are written: each document's word keys appended to flat
    arrays (C-level calls, no Python step per pair), mixed into pair keys and inverted once, by
    ``finish``."""

    def __init__(self) -> None:
        self._firsts = array("Q")
        self._seconds = array("Q")
        self._docs = array("I")

    def add(self, docnum: int, firsts: array, seconds: array) -> None:
        self._firsts += firsts
        self._seconds += seconds
        self._docs.extend(repeat(docnum, len(firsts)))

    def finish(self, size: int) -> tuple[list[bytes], PairTable]:
        """Each of the ``size`` documents' column value (``column_value(keys_of(...))``: its keys,
        sorted, each once) and the segment's table."""
        keys, kept = _keys(np.frombuffer(self._firsts, np.uint64), np.frombuffer(self._seconds, np.uint64))
        docs = np.frombuffer(self._docs, np.uint32)
        if kept is not None:
            docs = docs[kept]
        order = np.lexsort((keys, docs))  # by document (ascending), then key
        keys, docs = keys[order], docs[order]
        if len(keys) > 1:
            kept = np.empty(len(keys), dtype=np.bool_)
            kept[0] = True
            np.not_equal(keys[1:], keys[:-1], out=kept[1:])
            kept[1:] |= docs[1:] != docs[:-1]
            keys, docs = keys[kept], docs[kept]
        bounds = np.searchsorted(docs, np.arange(size + 1, dtype=np.uint32)).tolist()
        raw = keys.astype(_KEY, copy=False).tobytes()
        values = [raw[8 * start:8 * end] for start, end in zip(bounds, bounds[1:])]
        return values, PairTable.invert(keys, docs)


def from_reader(reader) -> PairTable:
    """The table of a segment Whoosh wrote, from its ``pairs`` column (empty if it has none)."""
    if FIELD not in reader.schema or not reader.has_column(FIELD):
        return EMPTY
    column = reader.column_reader(FIELD, translate=False)
    keys, docs = [], []
    for docnum in range(reader.doc_count_all()):
        value = column[docnum]
        if value:
            found = np.frombuffer(value, dtype=_KEY)
            keys.append(found)
            docs.append(np.full(len(found), docnum, dtype=np.uint32))
    if not keys:
        return EMPTY
    return PairTable.invert(np.concatenate(keys), np.concatenate(docs))
