"""Everything the portal does with Whoosh's private internals, in one place.

Whoosh 2.7 (whoosh-reloaded 2.7.5) is used through its public API everywhere else. Three things are
faster, or only possible, through its internals, and live here:

1. ``postings(reader, field, word)``: every document number holding a term in one segment, read
   block by block from the segment's term matcher (``reader._terms``, ``_text_to_bytes``,
   ``matcher._read_ids``/``_ids``/``_lastblock``/``_next_block``): ~10x faster than ``all_ids()``,
   which decodes weights and positions too. Used to build the facet bitsets.
2. ``current_generation(path)``: the newest generation of an index folder from the names of
   Whoosh's table-of-contents files (``_MAIN_<generation>.toc``), without opening the index: the
   searcher checks it on every request. ``segment_openers(path)``: the segments of the newest
   generation (``TOC.read(...).segments``), each opened alone (``SegmentReader``) only if needed:
   the writer checks every segment's sidecar after each commit.
3. ``install_fixes()``: a patch of ``W3PerDocReader._cached_reader``. When a segment is written,
   Whoosh asks for the field length of every posting; for fields without lengths (our
   ``SearchText`` is not scorable) it looks for the missing lengths file again for every posting:
   one ``stat()`` per posting, 40% of a rebuild's time. The patch remembers that it is missing.
   For fields with lengths (BM25F needs them), the same question costs a column read per posting
   (10% of a rebuild): ``doc_field_length`` is patched to read each field's lengths once.

``check_compatibility()`` lists what of the above the installed Whoosh no longer provides;
``tests/unit/test_whoosh_adapter.py`` fails with that list after an upgrade that changes them.
"""
from __future__ import annotations

import inspect
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import reading
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import byte_to_length

INDEX_NAME = "MAIN"  # Whoosh's default index name, which ours uses
_TOC = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
_MISSING = object()

# The private names relied on, per class (checked by check_compatibility()): methods, and instance
# attributes (which exist only once an object is built, so they are looked for in the source).
_SEGMENT_READER_NEEDS = ("_text_to_bytes",)
_SEGMENT_READER_STATE = ("_terms",)
_LEAF_MATCHER_NEEDS = ("_read_ids", "_next_block")
_LEAF_MATCHER_STATE = ("_ids", "_lastblock")
_PER_DOC_READER_NEEDS = ("_cached_reader", "column_reader", "has_column", "doc_field_length")


# --- 1. postings -------------------------------------------------------------------------------

def postings(reader, field: str, word: str) -> list[int]:
    """All document numbers (deleted ones included) holding ``word`` in ``field`` of one segment
    reader (a leaf of ``reader.leaf_readers()``)."""
    if (field, word) not in reader:
        return []
    matcher = term_matcher(reader, field, word)
    if not has_block_api(matcher):  # another codec: correct, only slower
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        ids.extend(matcher._ids)
        if matcher._lastblock:
            break
        matcher._next_block()
    return ids


def postings_with_frequency(reader, field: str, word: str, known: bool = False) -> tuple[list[int], list[float]]:
    """Document numbers and the word's frequency in each, for a field that records frequencies
    (``known``: the word was read from this field's lexicon, so the lookup that checks it is there
    is skipped: half the lookups when a whole segment is read)."""
    if not known and (field, word) not in reader:
        return [], []
    matcher = term_matcher(reader, field, word)
    if not has_block_api(matcher) or not hasattr(matcher, "_read_weights"):
        items = _slow_items(matcher)  # another codec: correct, only slower
        return [d for d, _ in items], [w for _, w in items]
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        if matcher._lastblock:
            break
        matcher._next_block()
    return ids, weights


def _slow_items(matcher) -> list[tuple[int, float]]:
    items = []
    while matcher.is_active():
        items.append((matcher.id(), matcher.weight()))
        matcher.next()
    return items


def field_lengths(reader, field: str) -> list[int]:
    """Every document's length (in words, as Whoosh stores it: approximate above 255) of a field."""
    size = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and getattr(whoosh3.W3PerDocReader, "_portal_fixed", False):
        return [perdoc.doc_field_length(d, field, 0) for d in range(size)]  # one column read
    return [reader.doc_field_length(d, field, 0) for d in range(size)]


def term_matcher(reader, field: str, word: str):
    """The segment's raw matcher for one term (no scorer, no deletion filter)."""
    return reader._terms.matcher(field, reader._text_to_bytes(field, word), reader.schema[field].format)


def has_block_api(matcher) -> bool:
    return all(hasattr(matcher, name) for name in _LEAF_MATCHER_NEEDS + _LEAF_MATCHER_STATE)


# --- 2. generations ----------------------------------------------------------------------------

def current_generation(path: str | Path) -> int | None:
    """The newest generation in an index folder, or None if there is no index there."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return None
    generations = [int(m.group(1)) for m in map(_TOC.match, names) if m]
    return max(generations) if generations else None


@dataclass(frozen=True)
class SegmentEntry:
    """One segment of a generation, as its table of contents describes it (nothing opened yet)."""

    id: str
    size: int  # documents, deleted ones included: the segment's span of global document numbers
    deleted: frozenset[int]  # local document numbers
    open: Callable[[], object]  # a reader of this segment alone


def read_segments(path: str | Path, mmap: bool = True) -> tuple[int, list[SegmentEntry]]:
    """``(generation, segments)`` of an index folder's newest generation, read from its table of
    contents (``TOC.read``) without opening any segment.

    Whoosh's ``ix.reader()`` opens every segment again on every generation, and opening one copies
    its term file into memory (``BufferFile`` wraps the mmap in a ``BytesIO``): ~1 s per saved
    change at 100,000 services in ten segments. Callers open only the segments they lack.
    ``mmap=False`` reads term files through seeks instead (for a writer that looks up a few ids)."""
    storage = FileStorage(str(path), supports_mmap=mmap)
    for attempt in range(10):
        try:
            toc = whoosh_index.TOC.read(storage, INDEX_NAME)
            break
        except OSError:  # a commit replaced this generation's table of contents meanwhile
            if attempt == 9:
                raise
            time.sleep(0.02)
    entries = []
    for segment in toc.segments:
        deleted = frozenset(segment.deleted_docs()) if segment.has_deletions() else frozenset()
        opener = partial(reading.SegmentReader, storage, toc.schema, segment, generation=toc.generation)
        entries.append(SegmentEntry(segment.segment_id(), segment.doc_count_all(), deleted, opener))
    return toc.generation, entries


def segment_openers(path: str | Path) -> Iterator[tuple[str, Callable[[], object]]]:
    """``(segment id, a function opening a reader of that segment alone)`` for each segment of an
    index folder's newest generation (the writer checks every segment's sidecar after a commit)."""
    for entry in read_segments(path)[1]:
        yield entry.id, entry.open


# --- 3. the per-document reader fix --------------------------------------------------------------

def _cached_reader(self, fieldname, column):
    readers = self._readers
    found = readers.get(fieldname, _MISSING)
    if found is not _MISSING:
        return found
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    readers[fieldname] = reader
    return reader


def _doc_field_length(self, docnum, fieldname, default=0):
    cache = self.__dict__.setdefault("_portal_lengths", {})
    lengths = cache.get(fieldname, _MISSING)
    if lengths is _MISSING:
        column = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        lengths = cache[fieldname] = None if column is None else [byte_to_length(b) for b in column]
    if lengths is None or docnum >= len(lengths):
        return default
    return lengths[docnum] or default


def install_fixes() -> None:
    """Apply the patches once (idempotent). Must run before any segment is written."""
    if getattr(whoosh3.W3PerDocReader, "_portal_fixed", False):
        return
    whoosh3.W3PerDocReader._portal_original_cached_reader = whoosh3.W3PerDocReader._cached_reader
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader._portal_original_doc_field_length = whoosh3.W3PerDocReader.doc_field_length
    whoosh3.W3PerDocReader.doc_field_length = _doc_field_length
    whoosh3.W3PerDocReader._portal_fixed = True


# --- what an upgrade could break ------------------------------------------------------------------

def check_compatibility() -> list[str]:
    """What this module relies on and the installed Whoosh lacks (empty when all is well)."""
    problems: list[str] = []
    segment_reader = getattr(reading, "SegmentReader", None)
    if segment_reader is None:
        return ["whoosh.reading.SegmentReader is gone (used by postings())"]
    for name in _SEGMENT_READER_NEEDS:
        if not callable(getattr(segment_reader, name, None)):
            problems.append(f"whoosh.reading.SegmentReader.{name}() is gone (used by postings())")
    for name in _SEGMENT_READER_STATE:
        if f"self.{name} =" not in _source(segment_reader.__init__):
            problems.append(f"whoosh.reading.SegmentReader no longer sets self.{name} (used by postings())")
    leaf_matcher = getattr(whoosh3, "W3LeafMatcher", None)
    if leaf_matcher is None:
        problems.append("whoosh.codec.whoosh3.W3LeafMatcher is gone (used by postings())")
    else:
        for name in _LEAF_MATCHER_NEEDS:
            if not callable(getattr(leaf_matcher, name, None)):
                problems.append(f"W3LeafMatcher.{name}() is gone (used by postings())")
        source = _source(leaf_matcher)
        for name in _LEAF_MATCHER_STATE:
            if f"self.{name} =" not in source:
                problems.append(f"W3LeafMatcher no longer sets self.{name} (used by postings())")
    per_doc = getattr(whoosh3, "W3PerDocReader", None)
    if per_doc is None:
        problems.append("whoosh.codec.whoosh3.W3PerDocReader is gone (patched by install_fixes())")
    else:
        original = getattr(per_doc, "_portal_original_cached_reader", None) or getattr(per_doc, "_cached_reader", None)
        for name in _PER_DOC_READER_NEEDS:
            if getattr(per_doc, name, None) is None:
                problems.append(f"W3PerDocReader.{name} is gone (install_fixes())")
        if original is not None and list(inspect.signature(original).parameters) != ["self", "fieldname", "column"]:
            problems.append("W3PerDocReader._cached_reader changed its signature (install_fixes())")
        if original is not None and "self._readers" not in _source(original):
            problems.append("W3PerDocReader._cached_reader no longer caches in self._readers (install_fixes())")
    if not callable(getattr(whoosh3, "_lenfield", None)) or getattr(whoosh3, "LENGTHS_COLUMN", None) is None:
        problems.append("whoosh.codec.whoosh3._lenfield / LENGTHS_COLUMN are gone (install_fixes(), field lengths)")
    toc = getattr(whoosh_index, "TOC", None)
    if toc is None or not _TOC.match(toc._filename(INDEX_NAME, 7) or ""):
        problems.append("Whoosh no longer names its table of contents _MAIN_<generation>.toc "
                        "(used by current_generation())")
    if toc is None or not callable(getattr(toc, "read", None)) or "self.segments =" not in _source(toc):
        problems.append("whoosh.index.TOC.read() / TOC.segments are gone (used by segment_openers())")
    if list(inspect.signature(segment_reader.__init__).parameters)[:4] != ["self", "storage", "schema", "segment"]:
        problems.append("SegmentReader(storage, schema, segment) changed its signature (used by segment_openers())")
    return problems


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""
