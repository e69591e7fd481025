"""Word pairs (quoted phrases, the adjacency boost): kept per document as a column of 64-bit keys in
the Whoosh segment, and searched through one table per segment in its sidecar.

Why not Whoosh terms, as before: a directory's neighbouring-word pairs are most of a segment's
distinct terms (70 % of them in the benchmark corpus), nearly every one in one or two services, and
Whoosh writes each term with a pickle, a hash and an entry in its term table: a quarter of a full
rebuild's time went to them. As a column, a document's pairs are one value (its keys' bytes);
Whoosh copies columns when it merges segments, so every segment keeps them, and a segment's table
(``PairTable``: each key once, sorted, with its documents) is built from them in numpy, with no
Python step per pair: from the arrays a rebuild has at hand (``PairPostings``), or from the column
of a segment Whoosh wrote (``from_reader``: saved changes, merges, a missing sidecar).

A key is the first 8 bytes of the pair's BLAKE2b digest: the same in every process and on every
machine (Python's own ``hash`` is not). Two pairs sharing a key would only add a document to a
phrase's matches; at 64 bits that needs billions of pairs.
"""
from __future__ import annotations

import hashlib
import sys
from array import array
from itertools import repeat

import numpy as np

from .analyzers import PairAnalyzer

FIELD = "pairs"
_KEY = np.dtype("<u8")  # as the column holds them: little-endian on every machine
_LITTLE = sys.byteorder == "little"


def pair_key(pair: str) -> int:
    """The 64-bit key of one pair ("first_second", index forms)."""
    return int.from_bytes(hashlib.blake2b(pair.encode("utf-8"), digest_size=8).digest(), "little")


class _Keys(dict):
    """pair -> key, remembered: a directory's pairs recur (names, places, stock phrases), and a
    dictionary look-up in C is cheaper than a digest. Emptied past ``_KEPT`` (bounded memory in a
    long-lived process)."""

    def __missing__(self, pair: str) -> int:
        key = pair_key(pair)
        if len(self) >= _KEPT:
            self.clear()
        self[pair] = key
        return key


_KEPT = 1_000_000
_KEYS = _Keys()


def keys_of(value: str) -> array:
    """The keys of a document's ``pairs`` value: each pair of its texts once (``PairAnalyzer``)."""
    return array("Q", map(_KEYS.__getitem__, PairAnalyzer.indexed_counts(value)))


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
    """A segment's pairs as its documents are written: each document's keys appended to flat
    arrays (C-level calls, no Python step per pair), inverted once by ``table``."""

    def __init__(self) -> None:
        self._keys = array("Q")
        self._docs = array("I")

    def add(self, docnum: int, keys: array) -> None:
        self._keys.extend(keys)
        self._docs.extend(repeat(docnum, len(keys)))

    def table(self) -> PairTable:
        return PairTable.invert(np.frombuffer(self._keys, dtype=np.uint64), np.frombuffer(self._docs, dtype=np.uint32))


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
