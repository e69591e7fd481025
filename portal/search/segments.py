"""A full rebuild's segments: written straight from the documents, each with its sidecar, in
several processes for a large directory.

Why not Whoosh's writer: it keeps one tuple per posting in a pool, sorts the pool, then hands the
postings one call at a time to the codec, and the sidecar (see sidecar.py) then decoded every
posting again from the written segment. Here each process analyses its documents once, keeps each
term's postings in arrays (``whoosh_adapter.SegmentBuilder``), writes a Whoosh segment from them and
computes the segment's sidecar from the same arrays. The result is the same index: the same
segments' contents and the same sidecars (``tests/unit/test_search_segments.py`` compares
both with what Whoosh's writer and ``sidecar.build`` give).

Processes: the caller (reading services from the database) sends batches of documents through a
bounded queue to ``procs`` forked workers; each worker starts a new segment every ``per_segment``
documents (bounded memory: ~12 bytes a posting plus its terms) and returns its segments' Whoosh
descriptions, which the caller lists in one new table of contents (``commit_segments``). A worker
that fails stops the build with its error; nothing is listed, and the caller removes the folder.
"""
from __future__ import annotations

import gc
import multiprocessing
import queue
import traceback
from array import array
from collections.abc import Callable, Iterable
from itertools import repeat
from pathlib import Path

import numpy as np

from . import pairs, ranking, sidecar
from .documents import TEXT_FIELDS
from .pairs import PairPostings
from .postings import Decoder
from .whoosh_adapter import SegmentBuilder, commit_segments

# Documents per segment: large segments make fast searches (2-3 segments at 100,000 services: every
# query kind faster than with 11-15), and bound a worker's memory: 843 MB at most in a 100k rebuild
# (RSS, including what it shares with the caller, measured while word pairs were terms), mostly the
# term dictionary and each term's postings.
PER_SEGMENT = 50_000
# How long the caller waits on a full or empty queue before it checks the workers are alive.
_POLL = 1.0


class BuildError(RuntimeError):
    """A worker failed; its traceback is in the message."""


class _Segment:
    """One segment being written: the Whoosh segment and what its sidecar needs."""

    def __init__(self, path: Path, schema) -> None:
        self.path = path
        self.builder = SegmentBuilder(path, schema)
        self.stored = sidecar.StoredColumns()
        self.pairs = PairPostings()

    @property
    def size(self) -> int:
        return self.builder.size

    def add(self, document: dict) -> None:
        text = document.get(pairs.FIELD)
        if text is not None:  # its pairs: their keys are computed for the whole segment (finish)
            self.pairs.add(self.builder.size, *pairs.word_pairs(text))
            document = {**document, pairs.FIELD: None}
        self.builder.add_document(document)
        self.stored.add(document)

    def finish(self):
        values, table = self.pairs.finish(self.builder.size)
        self.builder.add_column_values(pairs.FIELD, values)
        segment = self.builder.finish()
        self._write_sidecar(segment.segment_id(), table)
        return segment

    def _write_sidecar(self, segment_id: str, table: pairs.PairTable) -> None:
        sidecar.write_decoded(sidecar.path_for(self.path, segment_id), _BuiltDecoder(self.builder),
                              self.stored.columns, table)


class _BuiltDecoder(Decoder):
    """Reads a segment's postings from the builder that has just written them, not from the file."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder.size)
        self._builder = builder
        self._terms = {field: builder.postings[field] for field in TEXT_FIELDS if field in builder.postings}

    def lexicon(self, field: str) -> list[str]:
        return self._terms[field].terms() if field in self._terms else []

    def _postings(self, field: str, word: str, known: bool) -> tuple[array, array]:
        # Arrays, not lists: ``postings.combine`` reads common words' arrays in numpy without a copy.
        postings = self._terms.get(field)
        if postings is None or word not in postings:
            return array("I"), array("f")
        entry = postings[word]
        return entry[0], self._builder.frequencies(field, entry)

    def _lengths(self, field: str) -> list[int]:
        return self._builder.field_lengths(field)

    def singles(self, holders: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, int, float]]:
        # In numpy, from the builder's arrays: the same float arithmetic as ``postings.combine``
        # for a word in one field (its weight times the frequency, over the document's norm).
        found: dict[str, tuple[int, int, float]] = {}
        for number, field in enumerate(TEXT_FIELDS):
            postings = self._terms.get(field)
            if postings is None:
                continue
            words, starts = postings.single_postings()
            kept = [i for i, word in enumerate(words) if len(holders[word]) == 1]
            if not kept:
                continue
            docs, counts = postings.postings_at(np.asarray(starts, dtype=np.int64)[kept])
            weights = np.asarray(self._builder.frequencies(field, (docs, counts)), dtype=np.float64)
            values = ranking.WEIGHTS[field] * weights / self._norm_array(field)[docs]
            found.update(zip([words[i] for i in kept], zip(repeat(number), docs.tolist(), values.tolist())))
        return found


def build(path: Path, schema, batches: Iterable[list[dict]], procs: int = 1,
          progress: Callable[[int], None] | None = None, per_segment: int | None = None) -> int:
    """Write the documents of ``batches`` as new segments of the (empty) index at ``path`` and list
    them in its next table of contents; returns how many documents were written."""
    path = Path(path)
    per_segment = per_segment or PER_SEGMENT
    if procs <= 1:
        segments, added = _write(path, schema, batches, per_segment, progress)
    else:
        segments, added = _write_in_processes(path, schema, batches, procs, per_segment, progress)
    commit_segments(path, segments)
    return added


def _write(path, schema, batches, per_segment, progress):
    segments, added, current = [], 0, None
    for batch in batches:
        for document in batch:
            if current is None:
                current = _Segment(path, schema)
            current.add(document)
            if current.size >= per_segment:
                segments.append(current.finish())
                current = None
        added += len(batch)
        if progress:
            progress(added)
    if current is not None:
        segments.append(current.finish())
    return segments, added


def _worker(path: Path, schema, jobs, results, per_segment: int) -> None:
    # What the worker inherited from the caller (its application, session, caches) is not garbage
    # this process makes: keep it out of the collector's full passes, which walked all of it again
    # and again while the documents were analysed (and copied its pages by touching them).
    gc.freeze()
    try:
        segments, added = _write(path, schema, iter(jobs.get, None), per_segment, None)
    except BaseException:  # noqa: BLE001 - reported to the caller, which raises it
        results.put(("failed", traceback.format_exc(), 0))
        raise SystemExit(1)  # after the queue has sent the report (joined on the way out)
    results.put(("done", segments, added))


def _write_in_processes(path, schema, batches, procs, per_segment, progress):
    # Forked, as Whoosh's own multi-process writer: the workers inherit the segmenter's domain words.
    context = multiprocessing.get_context("fork")
    jobs, results = context.Queue(procs * 4), context.Queue()
    workers = [context.Process(target=_worker, args=(path, schema, jobs, results, per_segment), daemon=True)
               for _ in range(procs)]
    # The caller's heap is left out of the collector's passes while it reads services for the
    # workers, as the workers leave out what they inherit (see _worker); given back at the end.
    gc.freeze()
    for worker in workers:
        worker.start()
    try:
        sent = 0
        for batch in batches:
            _put(jobs, batch, workers, results)
            sent += len(batch)
            if progress:
                progress(sent)
        for _ in workers:
            _put(jobs, None, workers, results)
        segments, added = [], 0
        for _ in workers:
            status, found, count = _get(results, workers)
            if status != "done":
                raise BuildError(f"a search index worker failed:\n{found}")
            segments += found
            added += count
        return segments, added
    finally:
        gc.unfreeze()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        jobs.close()
        results.close()


def _put(jobs, item, workers, results) -> None:
    while True:
        try:
            jobs.put(item, timeout=_POLL)
            return
        except queue.Full:
            _check(workers, results)


def _get(results, workers):
    while True:
        try:
            return results.get(timeout=_POLL)
        except queue.Empty:
            _check(workers, results)


def _check(workers, results) -> None:
    """Raise if a worker stopped with an error (with its report, when it could send one: a worker
    killed or out of memory sends none)."""
    dead = [worker for worker in workers if worker.exitcode not in (None, 0)]
    if not dead:
        return
    try:
        while True:
            status, found, _count = results.get(timeout=_POLL)
            if status == "failed":
                raise BuildError(f"a search index worker failed:\n{found}")
    except queue.Empty:
        raise BuildError(f"a search index worker stopped (exit code {dead[0].exitcode})") from None
