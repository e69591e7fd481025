"""The searcher a process keeps open: Whoosh's readers plus in-memory document sets.

Opening costs something (reading the compact stored values of every document), so a process opens
the index once and afterwards only refreshes: ``SearchEngine.snapshot()`` checks whether the index
changed (a new Whoosh generation, or a new folder after a rebuild) and, if so, builds a new
``Snapshot``. Work is kept per Whoosh segment, keyed by the segment's id: a saved change adds a small
segment and marks one deletion in the big one, so a refresh reuses everything already computed for
the big segment and only reads the new one. Whoosh readers are not safe to use from several threads
at once, so every read from them happens under one lock; the sets derived from them are immutable.
"""
from __future__ import annotations

import bisect
import logging
import math
import os
import threading
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

import numpy as np

from ..directory.visibility import hidden_statuses
from ..geo import haversine_km
from . import bits, pairs, ranking, sidecar
from .documents import FACET_FIELDS, TEXT_FIELDS
from .postings import SegmentDecoder, WordPostings
from .suggest import segment_pinyin
from .whoosh_adapter import current_generation, postings, read_segments

log = logging.getLogger(__name__)

VERIFIED_BASE = date(2000, 1, 1).toordinal()  # verified days are stored relative to this
CELL_DEGREES = 0.02  # ~2 km: the grid used to find the nearest services without scanning all
_SEGMENT_CACHE = 4096
_SNAPSHOT_CACHE = 1024
_NO_UNITS = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int16))


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key, compute):
        try:
            value = self[key]
            self.move_to_end(key)
            return value
        except KeyError:
            pass
        value = compute()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points (portal/geo.py)."""
    return haversine_km(a[0], a[1], b[0], b[1])


class SegmentData:
    """What one Whoosh segment holds, in local document numbers. Immutable except for caches."""

    def __init__(self, reader, lock: threading.RLock, sidecar_path: Path | None = None) -> None:
        self.reader = reader
        self.lock = lock
        self._decoder = SegmentDecoder(reader)
        self._sidecar_path = sidecar_path
        self._sidecar = self._open_sidecar()
        self.size = reader.doc_count_all()
        stored = (self._sidecar.stored if self._sidecar else None) or sidecar.stored_columns(reader)
        self.ids: list[str] = stored["ids"]
        self.verified: list[int] = stored["verified"]
        self.points: list[list[tuple[float, float]]] = stored["points"]
        self.hours: list[list[tuple]] = stored["hours"]
        self.facets: dict[str, dict[str, int]] = {}
        for field in FACET_FIELDS:
            values = {}
            if field in reader.schema:
                for raw in reader.lexicon(field):
                    value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    values[value] = bits.from_ids(postings(reader, field, value), self.size)
            self.facets[field] = values
        cells: dict[tuple[int, int], list[int]] = {}
        for docnum, points in enumerate(self.points):
            for cell in {cell_of(*p) for p in points}:
                cells.setdefault(cell, []).append(docnum)
        self.cells = {cell: bits.from_ids(ids, self.size) for cell, ids in cells.items()}
        self.has_points = bits.from_ids((d for d, p in enumerate(self.points) if p), self.size)
        self.verified_slices = self._slices([max(0, v - VERIFIED_BASE) if v else 0 for v in self.verified])
        self._words = _LRU(_SEGMENT_CACHE)
        self._postings = _LRU(_SEGMENT_CACHE)
        self._pinyin: dict[str, list[str]] | None = self._sidecar.pinyin if self._sidecar else None
        self._pairs: pairs.PairTable | None = None  # only without a sidecar (see _pair_documents)
        self._open: dict[tuple, int] = {}
        self._boundaries: dict[int, list[int]] = {}
        self._fresh: dict[int, int] = {}

    def forget_words(self) -> None:
        """Drop what was learnt per word (postings as bitsets, BM25F frequencies): the next query
        costs what a query with words never seen before costs. For benchmarks; a server never calls
        it."""
        self._words = _LRU(_SEGMENT_CACHE)
        self._postings = _LRU(_SEGMENT_CACHE)

    def _slices(self, values: list[int]) -> list[int]:
        return bits.slices_of(np.asarray(values, dtype=np.int64)) if values else []

    def word(self, field: str, word: str) -> int:
        if field in TEXT_FIELDS:  # decoded with the frequencies that ranking needs: once, not twice
            return self.postings(word).fields.get(field, 0)

        def compute():
            if field == pairs.FIELD:
                return bits.from_ids(self._pair_documents(word), self.size)
            with self.lock:
                return bits.from_ids(postings(self.reader, field, word), self.size)

        return self._words.get_or((field, word), compute)

    def _pair_documents(self, pair: str):
        for _attempt in range(2):  # the sidecar, or the one written in place of a damaged one
            found = self._sidecar
            if found is None:
                break
            try:
                return found.pair_documents(pair)  # a read of a few bytes, as a word's
            except (sidecar.SidecarError, OSError, ValueError) as exc:
                self._replace_damaged(found, exc)
        with self.lock:  # no sidecar could be written: the table from the segment's column, once
            if self._pairs is None:
                self._pairs = pairs.from_reader(self.reader)
            return self._pairs.documents(pair)

    def postings(self, word: str) -> WordPostings:
        """The word's postings over the text fields: what matching and BM25F need of it."""
        return self._postings.get_or(word, lambda: self._load(word))

    def _load(self, word: str) -> WordPostings:
        found = self._sidecar
        if found is not None:
            try:
                return found.get(word)  # a read of a few kB: no lock needed, no decoding
            except (sidecar.SidecarError, OSError, ValueError, EOFError, TypeError) as exc:
                self._replace_damaged(found, exc)
                return self._decode(word)  # this word from Whoosh; the next ones from the new file
        return self._decode(word)

    def _replace_damaged(self, found: sidecar.Sidecar, problem: Exception) -> None:
        log.warning("search: %s; rebuilding the segment's sidecar", problem)
        with self.lock:
            if self._sidecar is found:  # not already replaced by another thread
                self._sidecar = self._open_sidecar(damaged=True)

    def _decode(self, word: str) -> WordPostings:
        with self.lock:
            return self._decoder.decode(word)

    def _open_sidecar(self, damaged: bool = False) -> sidecar.Sidecar | None:
        """This segment's sidecar, written now if no writer left one (an index written before
        sidecars existed, or a damaged file); None (decode each word) if it cannot be written."""
        if self._sidecar_path is None:
            return None
        try:
            with self.lock:
                if damaged:
                    return sidecar.rebuild(self._sidecar_path, self.reader)
                return sidecar.ensure(self._sidecar_path, self.reader)
        except OSError as exc:
            log.warning("search: no sidecar at %s (%s); words are decoded as they are asked for",
                        self._sidecar_path, exc)
            return None

    def pseudo_tf(self, word: str) -> dict[int, float]:
        """Local document -> BM25F pseudo-frequency of ``word`` over the text fields (lengths are
        normalised by this segment's averages: the big segment holds nearly every document)."""
        return self.postings(word).pseudo_tf()

    def pinyin_words(self) -> dict[str, list[str]]:
        """Pinyin key -> the Chinese words of this segment's names and terms, for "did you mean"
        (kept in the sidecar: computed once per segment, not per process or snapshot)."""
        if self._pinyin is None:
            with self.lock:
                self._pinyin = segment_pinyin(self.reader)
        return self._pinyin

    def verified_since(self, ordinal: int) -> int:
        if ordinal not in self._fresh:
            self._fresh[ordinal] = bits.from_ids((d for d, v in enumerate(self.verified) if v and v >= ordinal),
                                                 self.size)
        return self._fresh[ordinal]

    def open_at(self, day: date, minute: int) -> int:
        """Documents open on that date at that minute of the day. Opening hours change state only at
        their own boundaries, so the answer is cached per (date, interval between boundaries)."""
        weekday, ordinal = day.isoweekday(), day.toordinal()
        if weekday not in self._boundaries:
            self._boundaries[weekday] = sorted(
                {m for hours in self.hours for h in hours if h[0] == weekday for m in h[1:3]})
        slot = bisect.bisect_right(self._boundaries[weekday], minute)
        key = (ordinal, slot)
        if key not in self._open:
            self._open[key] = bits.from_ids(
                (d for d, hours in enumerate(self.hours)
                 if any(h[0] == weekday and h[1] <= minute < h[2]
                        and (h[3] is None or h[3] <= ordinal) and (h[4] is None or ordinal <= h[4])
                        for h in hours)),
                self.size)
        return self._open[key]


class Snapshot:
    """One generation of the index, in global document numbers."""

    def __init__(self, segments: list[tuple[SegmentData, int, frozenset]], key) -> None:
        self.key = key
        self.segments = segments
        self._words = _LRU(_SNAPSHOT_CACHE)
        self._scores = _LRU(_SNAPSHOT_CACHE)
        self._facets: dict[tuple[str, str], int] = {}
        self._cache: dict = {}
        self.size = sum(s.size for s, _, _ in segments)
        alive = bits.full(self.size)
        for segment, offset, deleted in segments:
            if deleted:
                alive &= ~(bits.from_ids(deleted, segment.size) << offset)
        self.alive = alive
        # Who sees which statuses is directory/visibility.py's rule (the same for SQL and pages).
        self.visible = alive & ~self._with_status(hidden_statuses(staff=False))
        self.visible_to_staff = alive & ~self._with_status(hidden_statuses(staff=True))

    def forget_words(self) -> None:
        """``SegmentData.forget_words`` for every segment, and this snapshot's own word caches."""
        for segment, _, _ in self.segments:
            segment.forget_words()
        self._words = _LRU(_SNAPSHOT_CACHE)
        self._scores = _LRU(_SNAPSHOT_CACHE)

    def _with_status(self, statuses) -> int:
        found = 0
        for status in statuses:
            found |= self.facet("status", status)
        return found

    def _combine(self, local) -> int:
        total = 0
        for segment, offset, _ in self.segments:
            value = local(segment)
            if value:
                total |= value << offset
        return total

    def _locate(self, doc: int) -> tuple[SegmentData, int]:
        for segment, offset, _ in self.segments:
            if offset <= doc < offset + segment.size:
                return segment, doc - offset
        raise IndexError(doc)

    # --- sets ------------------------------------------------------------------------------
    def word(self, field: str, word: str) -> int:
        return self._words.get_or((field, word), lambda: self._combine(lambda s: s.word(field, word)))

    def facet(self, field: str, value: str) -> int:
        key = (field, value)
        if key not in self._facets:
            self._facets[key] = self._combine(lambda s: s.facets.get(field, {}).get(value, 0))
        return self._facets[key]

    def facet_values(self, field: str) -> list[str]:
        key = ("values", field)
        if key not in self._cache:
            values = set()
            for segment, _, _ in self.segments:
                values.update(segment.facets.get(field, {}))
            self._cache[key] = sorted(values)
        return self._cache[key]

    def open_at(self, moment: datetime) -> int:
        return self._combine(lambda s: s.open_at(moment.date(), moment.hour * 60 + moment.minute))

    def verified_since(self, day: date) -> int:
        return self._combine(lambda s: s.verified_since(day.toordinal()))

    def verified_slices(self) -> list[int]:
        if "verified" not in self._cache:
            width = max((len(s.verified_slices) for s, _, _ in self.segments), default=0)
            self._cache["verified"] = [
                self._combine(lambda s, b=b: s.verified_slices[b] if b < len(s.verified_slices) else 0)
                for b in range(width)
            ]
        return self._cache["verified"]

    def has_points(self) -> int:
        if "has_points" not in self._cache:
            self._cache["has_points"] = self._combine(lambda s: s.has_points)
        return self._cache["has_points"]

    def cells(self) -> dict[tuple[int, int], int]:
        if "cells" not in self._cache:
            keys = set()
            for segment, _, _ in self.segments:
                keys.update(segment.cells)
            self._cache["cells"] = {k: self._combine(lambda s, k=k: s.cells.get(k, 0)) for k in keys}
        return self._cache["cells"]

    # --- per document --------------------------------------------------------------------------
    def service_id(self, doc: int) -> str:
        segment, local = self._locate(doc)
        return segment.ids[local]

    def points(self, doc: int) -> list[tuple[float, float]]:
        segment, local = self._locate(doc)
        return segment.points[local]

    def verified_ordinal(self, doc: int) -> int:
        segment, local = self._locate(doc)
        return segment.verified[local]

    def docs_for(self, service_ids) -> int:
        """The set of (live) documents of these services."""
        if "doc_of" not in self._cache:
            doc_of = {}
            for segment, offset, deleted in self.segments:
                for local, sid in enumerate(segment.ids):
                    if local not in deleted:
                        doc_of[sid] = offset + local
            self._cache["doc_of"] = doc_of
        doc_of = self._cache["doc_of"]
        return bits.from_ids((doc_of[s] for s in service_ids if s in doc_of), self.size)

    # --- ranking ----------------------------------------------------------------------------------
    def word_units(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """``(documents, units)``: the documents holding ``word`` and the BM25F score of the word in
        each (see ``ranking``; the idf is the snapshot's), as numpy arrays, so that the search adds
        a word's scores to all its documents at once."""
        def compute():
            per_segment = [(offset, segment.postings(word)) for segment, offset, _ in self.segments]
            having = sum(found.having for _, found in per_segment)
            if not having:
                return _NO_UNITS
            word_idf = ranking.idf(having, max(self.size, having))
            docs, units = [], []
            for offset, found in per_segment:
                if found.having:
                    local, scores = found.doc_units(word_idf)
                    docs.append(local.astype(np.int32) + offset)
                    units.append(scores)
            return np.concatenate(docs), np.concatenate(units)

        return self._scores.get_or(word, compute)

    def pinyin_words(self) -> dict[str, list[str]]:
        """Pinyin key -> Chinese words of the index's names and terms (merged from the segments)."""
        if "pinyin" not in self._cache:
            merged: dict[str, list[str]] = {}
            for segment, _, _ in self.segments:
                for key, words in segment.pinyin_words().items():
                    merged.setdefault(key, []).extend(words)
            self._cache["pinyin"] = merged
        return self._cache["pinyin"]

    # --- vocabulary (for "did you mean") -------------------------------------------------------
    def lexicon(self, field: str) -> set[str]:
        key = ("lexicon", field)
        if key not in self._cache:
            words = set()
            for segment, _, _ in self.segments:
                with segment.lock:
                    for raw in segment.reader.lexicon(field):
                        words.add(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
            self._cache[key] = words
        return self._cache[key]


class SearchEngine:
    """Owns the open index for one process; hand out the current snapshot."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._segments: dict[str, SegmentData] = {}
        self._snapshot: Snapshot | None = None

    def _key(self):
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            return None
        generation = current_generation(self.path)
        return (inode, generation) if generation is not None else None

    def snapshot(self) -> Snapshot | None:
        """The current snapshot, refreshed if the index changed; None if there is no index."""
        key = self._key()
        current = self._snapshot
        if current is not None and current.key == key:
            return current
        if key is None:
            return None
        with self._lock:
            if self._snapshot is not None and self._snapshot.key == self._key():
                return self._snapshot
            self._snapshot = self._open()
            return self._snapshot

    def _open(self) -> Snapshot:
        # Segments are immutable: one already open stays open (its deletions come with each
        # generation's table of contents); only new segments are opened, so a saved change costs
        # its own small segment, not a reopening of the whole index.
        inode = os.stat(self.path).st_ino
        generation, entries = read_segments(self.path)
        segments, keep, offset = [], {}, 0
        for entry in entries:
            segid = f"{inode}:{entry.id}"
            data = self._segments.get(segid)
            if data is None:
                data = SegmentData(entry.open(), self._lock, sidecar.path_for(self.path, entry.id))
            keep[segid] = data
            segments.append((data, offset, entry.deleted))
            offset += entry.size
        self._segments = keep
        return Snapshot(segments, (inode, generation))

    def close(self) -> None:
        with self._lock:
            self._snapshot = None
            self._segments = {}


_ENGINES: OrderedDict[str, SearchEngine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()
_MAX_ENGINES = 8  # one per index folder; a server has one, a test run many short-lived ones


def engine_for(path: str | Path) -> SearchEngine:
    """One engine per index folder per process (the least recently used ones beyond a few are
    dropped, which closes their files)."""
    key = str(Path(path).resolve())
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = SearchEngine(key)
            while len(_ENGINES) > _MAX_ENGINES:
                _ENGINES.popitem(last=False)[1].close()
        _ENGINES.move_to_end(key)
        return engine
