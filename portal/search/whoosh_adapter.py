"""Everything the portal does with Whoosh's private internals, in one place.

Whoosh 2.7 (whoosh-reloaded 2.7.5) is used through its public API everywhere else. Four things are
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
   (10% of a rebuild): ``doc_field_length`` is patched to read each field's lengths once. And
   ``W3TermInfo.set_inline`` is added as another name of ``set_inlined``: the postings writer calls
   the first, the class only has the second (Whoosh's own writers never inline, so never noticed).
4. ``SegmentBuilder``: a full rebuild's segments written through Whoosh's codec (its per-document
   writer's columns: stored fields deflated at level 0, each length column written whole at the
   end, ``_colwriters``/``_fieldlengths``/``_doccount``; and its field writer) from postings kept
   per field in flat arrays
   (``FieldPostings``), each term's blocks handed to the postings writer whole (its block buffer,
   ``_write_block``; block encoding by C-level calls, ``_QuickBlocks``) instead of one posting at a
   time; terms of few postings encoded straight into the term table (``_inlined_info``: the
   ``W3TermInfo`` layout; entries added in batches, ``_TermTable``; hash tables written a bucket at
   a time, ``_QuickTermTable``).

``check_compatibility()`` lists what of the above the installed Whoosh no longer provides;
``tests/unit/test_whoosh_adapter.py`` fails with that list after an upgrade that changes them.
"""
from __future__ import annotations

import contextlib
import inspect
import operator
import os
import pickle
import re
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import columns, formats, reading
from whoosh.codec import whoosh3
from whoosh.filedb import filetables
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

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
_POSTINGS_WRITER_NEEDS = ("_write_block", "_new_block", "start_postings", "finish_postings")
_POSTINGS_WRITER_STATE = ("_ids", "_weights", "_values", "_maxweight", "_minlength", "_maxlength",
                          "_blocklimit")


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
    if not hasattr(whoosh3.W3TermInfo, "set_inline"):
        # The postings writer inlines a short term's postings with ``terminfo.set_inline``, which
        # W3TermInfo names ``set_inlined``: Whoosh's own writers never inline (their limit is 1).
        whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined
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
    problems += _postings_writer_problems()
    problems += _per_doc_writer_problems()
    toc = getattr(whoosh_index, "TOC", None)
    if toc is None or not _TOC.match(toc._filename(INDEX_NAME, 7) or ""):
        problems.append("Whoosh no longer names its table of contents _MAIN_<generation>.toc "
                        "(used by current_generation())")
    if toc is None or not callable(getattr(toc, "read", None)) or "self.segments =" not in _source(toc):
        problems.append("whoosh.index.TOC.read() / TOC.segments are gone (used by segment_openers())")
    if list(inspect.signature(segment_reader.__init__).parameters)[:4] != ["self", "storage", "schema", "segment"]:
        problems.append("SegmentReader(storage, schema, segment) changed its signature (used by segment_openers())")
    return problems


def _per_doc_writer_problems() -> list[str]:
    """What SegmentBuilder does in place of Whoosh's per-document writer's calls."""
    writer = getattr(whoosh3, "W3PerDocWriter", None)
    if writer is None:
        return ["whoosh.codec.whoosh3.W3PerDocWriter is gone (used by SegmentBuilder)"]
    problems = [f"W3PerDocWriter.{name}() is gone (used by SegmentBuilder)"
                for name in ("_create_column", "_has_column", "_get_column") if not callable(getattr(writer, name, None))]
    source = _source(writer)
    problems += [f"W3PerDocWriter no longer sets self.{name} (used by SegmentBuilder)"
                 for name in ("_colwriters", "_fieldlengths", "_doccount") if f"self.{name} =" not in source]
    stored = getattr(whoosh3, "STORED_COLUMN", None)
    if not isinstance(stored, columns.PickleColumn) or not isinstance(getattr(stored, "_child", None), columns.CompressedBytesColumn) \
            or "dumps(v, 2)" not in _source(columns.PickleColumn.Writer.add) \
            or 'add_column_value("_stored", STORED_COLUMN, sf)' not in _source(writer.finish_doc):
        problems.append("Whoosh stores a document's fields differently (SegmentBuilder writes them itself)")
    numeric = _source(columns.NumericColumn.Writer.add)
    if not isinstance(getattr(whoosh3, "LENGTHS_COLUMN", None), columns.NumericColumn) \
            or "self._dbfile.write(self._pack(v))" not in numeric or "self._count = docnum + 1" not in numeric:
        problems.append("Whoosh writes its field length columns differently (SegmentBuilder writes them whole)")
    return problems


def _postings_writer_problems() -> list[str]:
    writer = getattr(whoosh3, "W3PostingsWriter", None)
    field_writer = getattr(whoosh3, "W3FieldWriter", None)
    if writer is None or field_writer is None:
        return ["whoosh.codec.whoosh3.W3PostingsWriter / W3FieldWriter are gone (used by SegmentBuilder)"]
    problems = [f"W3PostingsWriter.{name}() is gone (used by SegmentBuilder)"
                for name in _POSTINGS_WRITER_NEEDS if not callable(getattr(writer, name, None))]
    source = _source(writer)
    problems += [f"W3PostingsWriter no longer sets self.{name} (used by SegmentBuilder)"
                 for name in _POSTINGS_WRITER_STATE if f"self.{name} =" not in source]
    problems += [f"W3FieldWriter no longer sets self.{name} (used by SegmentBuilder)"
                 for name in ("_postwriter", "_fieldid", "_tindex") if f"self.{name} =" not in _source(field_writer)]
    if "pack_ushort(self._fieldid) + self._btext" not in _source(field_writer.finish_term):
        problems.append("W3FieldWriter's term table keys are no longer the field number and the term "
                        "(written by SegmentBuilder for inlined terms)")
    term_info = getattr(whoosh3, "W3TermInfo", None)
    if term_info is None or not callable(getattr(term_info, "set_inlined", None)) \
            or "set_inline(" not in _source(writer.finish_postings):
        problems.append("W3PostingsWriter no longer inlines short postings through W3TermInfo.set_inline "
                        "(used by SegmentBuilder, fixed by install_fixes())")
    elif _TERM_INFO is None or _TERM_INFO.format != "!BfIBBfII" \
            or "dumps(self._inlined, 2)" not in _source(term_info.to_bytes):
        problems.append("W3TermInfo's encoding changed (SegmentBuilder writes inlined terms' entries itself)")
    table_add = _source(filetables.HashWriter.add) + _source(filetables.OrderedHashWriter.add)
    table_state = _source(filetables.HashWriter.__init__) + _source(filetables.OrderedHashWriter.__init__)
    if _TABLE_LENGTHS is None or _TABLE_LENGTHS.format != "!ii" \
            or "_lengths.pack(len(key), len(value))" not in table_add \
            or "self.buckets[h & 255].append((h, pos))" not in table_add \
            or "self.index.append(self.dbfile.tell())" not in table_add \
            or any(f"self.{name} =" not in table_state for name in ("dbfile", "hashfn", "buckets", "index", "lastkey")):
        problems.append("Whoosh's OrderedHashWriter adds entries differently (SegmentBuilder batches them)")
    hashes = _source(filetables.HashWriter._write_hashes)
    if _TABLE_POINTER is None or "slot = (hashval >> 8) % numslots" not in hashes \
            or "slot = (slot + 1) % numslots" not in hashes or "self.directory.append((pos, numslots))" not in hashes \
            or "dbfile.write(_pointer.pack(hashval, position))" not in hashes:
        problems.append("Whoosh's HashWriter writes its hash tables differently (SegmentBuilder's _QuickTermTable repeats it)")
    if "delta_encode(ids)" not in _source(writer._mini_ids) \
            or "all(w == 1.0 for w in weights)" not in _source(writer._mini_weights) \
            or "self._mini_ids(), self._mini_weights()" not in _source(writer._write_block):
        problems.append("W3PostingsWriter encodes blocks differently (SegmentBuilder's _QuickBlocks repeats it)")
    if "inlinelimit" not in inspect.signature(whoosh3.W3Codec).parameters:
        problems.append("W3Codec no longer takes inlinelimit (used by SegmentBuilder)")
    return problems


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


# --- 4. writing a segment from documents, without Whoosh's posting pool ----------------------------

class SegmentBuilder:
    """Writes one new segment of an index folder through Whoosh's codec, as ``SegmentWriter`` does,
    but keeps each term's postings in arrays as documents arrive instead of one tuple per posting
    in a pool that is sorted at the end: for a full rebuild the pool, its sort and the per-posting
    calls that follow were more than half the time. Each document's per-document data (stored
    fields, field lengths) is written as it is added, like Whoosh does; postings are written term by
    term, in Whoosh's order, by ``finish``. The segment is Whoosh's own format (a test compares it,
    posting by posting, with what ``SegmentWriter`` writes for the same documents).

    A posting is kept as its document number and, for ``Frequency`` fields, its count: the weight
    (count x field boost) and the encoded value (the count) follow from it when the term is
    written. A field that has ``index_counts(value)`` (word -> count, see ``documents``) is asked
    for that; any other gives its ``index`` tuples.

    Supported schemas: ``Existence`` and ``Frequency`` formats, no term vectors and no separate
    spelling words (ours has nothing else; the constructor refuses others rather than write a
    segment Whoosh would write differently)."""

    def __init__(self, path: str | Path, schema) -> None:
        install_fixes()  # the inlined postings (see INLINE_BELOW)
        self._plans = {name: _FieldPlan(name, field) for name, field in schema.items()}
        self._storage = FileStorage(str(path))
        self._schema = schema
        self._codec = whoosh3.W3Codec(blocklimit=BLOCK_POSTINGS, inlinelimit=INLINE_BELOW)
        self.segment = self._codec.new_segment(self._storage, INDEX_NAME)
        self._perdoc = self._codec.per_document_writer(self._storage, self.segment)
        # Stored fields as Whoosh's per-document writer keeps them (a pickle per document, in a
        # deflate stream Whoosh's reader inflates), but not compressed: deflating ~300 bytes cost
        # 31 us a document for 12 % less (zlib's set-up, not its work), 3.6 us stored as they are.
        self._stored = self._perdoc._get_column("_stored")._child  # (a CompressedBytesColumn's writer)
        self._columns: dict[str, object] = {}  # field -> its column's writer
        self._orders: dict[tuple[str, ...], list[tuple[str, _FieldPlan]]] = {}
        self.size = 0
        # field -> its postings (term -> document numbers and counts once ``finish`` has sorted them)
        self.postings: dict[str, FieldPostings] = {}
        # field -> each document's length as Whoosh's length column holds it (a byte: approximate
        # above 255), and the field's total length; written by ``finish``, one column at a time.
        self._length_bytes: dict[str, bytearray] = {}
        self._total_lengths: dict[str, int] = {}
        self._lengths: dict[str, list[int]] = {}

    def add_document(self, fields: dict) -> None:
        """One document: its postings kept, its stored fields and column values written (what
        ``SegmentWriter.add_document`` asks of the per-document writer, without a call per field)."""
        docnum = self.size
        stored = {}
        for name, plan in self._order(tuple(fields)):
            value = fields[name]
            if value is None:
                continue
            field = plan.field
            if field.indexed:
                self._index(name, plan, value, docnum)
            if field.stored:
                stored[name] = value
            if field.column_type:
                self._column(name, field.column_type).add(docnum, field.to_column_value(value))
        if stored:
            _add_bytes(self._stored, docnum, zlib.compress(pickle.dumps(stored, 2), 0))
        self.size += 1

    def _order(self, names: tuple[str, ...]) -> list[tuple[str, _FieldPlan]]:
        """The fields of a document with these names, in the order Whoosh's writer takes them
        (sorted; names starting with "_" are not fields), each with its plan: the same for every
        document of a rebuild, so worked out once."""
        found = self._orders.get(names)
        if found is None:
            found = []
            for name in sorted(n for n in names if not n.startswith("_")):
                plan = self._plans.get(name)
                if plan is None:
                    raise ValueError(f"No field named {name!r} in the schema")
                found.append((name, plan))
            self._orders[names] = found
        return found

    def add_column_values(self, name: str, values: list) -> None:
        """A column's values for every document added (``values[docnum]``; empty ones are left
        out, as a reader gives them), computed for the whole segment at once: before ``finish``,
        for a field the documents left out (None)."""
        column = self._column(name, self._plans[name].field.column_type)
        for docnum, value in enumerate(values):
            if value:
                column.add(docnum, value)

    def _column(self, name: str, column_type):
        writer = self._columns.get(name)
        if writer is None:
            perdoc = self._perdoc
            if not perdoc._has_column(name):
                perdoc._create_column(name, column_type)
            writer = self._columns[name] = perdoc._get_column(name)
        return writer

    def _index(self, name: str, plan: _FieldPlan, value, docnum: int) -> None:
        postings = self.postings.get(name)
        if postings is None:
            postings = self.postings[name] = FieldPostings(plan.counted)
        counts = plan.counts(value)
        if counts:  # (empty filter values are common: nothing to add)
            postings.add(docnum, counts)
        if not plan.field.scorable:
            return  # what Whoosh's writer records for a field without lengths
        length = sum(counts.values())
        lengths = self._length_bytes.get(name)
        if lengths is None:
            lengths = self._length_bytes[name] = bytearray()
            self._total_lengths[name] = 0
        if docnum > len(lengths):
            lengths.extend(bytes(docnum - len(lengths)))  # documents without this field
        lengths.append(_length_byte(length))
        self._total_lengths[name] += length

    def field_lengths(self, name: str) -> list[int]:
        """Every document's stored length of a scorable field (0 where it is absent)."""
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = [_BYTE_LENGTHS[b] for b in self._length_bytes.get(name, b"")]
            lengths += [0] * (self.size - len(lengths))
            self._lengths[name] = lengths
        return lengths

    def _write_lengths(self) -> None:
        """Each scorable field's length column and total length, as Whoosh's per-document writer
        leaves them: a byte per document up to the last with a length (a reader takes the rest as
        0), no column for a field no document gave a length."""
        for name, lengths in self._length_bytes.items():
            kept = bytes(lengths).rstrip(b"\0")
            if not kept:
                continue
            column = self._column(whoosh3._lenfield(name), whoosh3.LENGTHS_COLUMN)
            column._dbfile.write(kept)
            column._count = len(kept)
            self._perdoc._fieldlengths[name] += self._total_lengths[name]

    def weights(self, name: str, entry) -> array:
        """A term's posting weights as Whoosh's format gives them (count x boost, or the boost)."""
        return self._plans[name].weights(entry)

    def frequencies(self, name: str, entry):
        """The same numbers, for arithmetic: the counts themselves where the weights are the counts
        (a field of boost 1; small integers are exact as floats), without a float array made."""
        plan = self._plans[name]
        return entry[1] if plan.counted and plan.boost == 1.0 else plan.weights(entry)

    def finish(self):
        """Write the postings and close the segment's files; returns the Whoosh segment (to be listed
        in a table of contents by ``commit_segments``)."""
        self._write_lengths()
        self._perdoc._doccount = self.size
        self._perdoc.close()
        writer = self._codec.field_writer(self._storage, self.segment)
        for name in sorted(self.postings):
            plan = self._plans[name]
            lengths = self.field_lengths(name) if plan.field.scorable else None
            writer.start_field(name, plan.field)
            writer._postwriter.__class__ = _QuickBlocks  # (not persisted: the segment names the codec)
            writer._tindex.__class__ = _QuickTermTable
            postings = self.postings[name]
            postings.sort()
            # The term table's key: the field's number, then the term (see W3FieldWriter.finish_term).
            prefix, table = pack_ushort(writer._fieldid), _TermTable(writer._tindex)
            for word in postings.terms():
                entry = postings[word]
                if len(entry[0]) < INLINE_BELOW:
                    table.add(prefix + word.encode("utf-8"), _inlined_info(plan, entry, lengths))
                    continue
                table.flush()  # Whoosh's writer adds this term's entry itself, after the pending ones
                writer.start_term(word.encode("utf-8"))
                _write_term(writer, plan, entry, lengths)
                writer.finish_term()
            table.flush()
            writer.finish_field()
        writer.close()
        self.segment.set_doc_count(self.size)
        if self.segment.should_assemble():
            self.segment.create_compound_file(self._storage)
        return self.segment


class FieldPostings:
    """One field's postings in a segment being written. As documents arrive, each posting is three
    numbers appended to flat arrays (its term's number, its document, its count) by C-level calls,
    no Python step per posting; ``sort`` groups them by term once, at the end (a stable sort: each
    term's documents stay ascending). Then ``terms()`` lists the terms in Whoosh's order and
    ``self[term]`` gives ``(document numbers, counts or None)``."""

    def __init__(self, counted: bool) -> None:
        self._words: list[str] = []  # term number -> term; sorted by ``sort``
        self._numbers = _Numbering(self._words)
        self._term_numbers = array("I")
        self._docs = array("I")
        self._counts = array("I") if counted else None
        self._spans: dict[str, tuple[int, int]] | None = None

    def add(self, docnum: int, counts: dict[str, int]) -> None:
        """One document's terms (term -> count) in this field."""
        self._term_numbers.extend(map(self._numbers.__getitem__, counts))
        self._docs.extend(repeat(docnum, len(counts)))
        if self._counts is not None:
            self._counts.extend(counts.values())

    def sort(self) -> None:
        if self._spans is not None:
            return
        numbers = np.frombuffer(self._term_numbers, dtype=np.uint32)
        order = np.argsort(numbers, kind="stable")
        self._docs = _take(self._docs, order)
        if self._counts is not None:
            self._counts = _take(self._counts, order)
        ends = np.cumsum(np.bincount(numbers, minlength=len(self._words))).tolist()
        starts = [0, *ends[:-1]]
        self._spans = dict(zip(self._words, zip(starts, ends)))
        self._term_numbers, self._numbers = array("I"), None  # no more documents: their memory back
        # Whoosh orders terms by their UTF-8 bytes: the order of their code points.
        self._words.sort()

    def terms(self) -> list[str]:
        """The field's terms in Whoosh's order (once sorted)."""
        return self._words

    def __contains__(self, word: str) -> bool:
        return word in self._spans

    def __getitem__(self, word: str) -> tuple[array, array | None]:
        start, end = self._spans[word]
        return self._docs[start:end], None if self._counts is None else self._counts[start:end]

    def single_postings(self) -> tuple[list[str], list[int]]:
        """The terms with one posting, and where each is (for ``postings_at``)."""
        found = [(word, start) for word, (start, end) in self._spans.items() if end - start == 1]
        return [word for word, _ in found], [start for _, start in found]

    def postings_at(self, where: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The documents and counts of the postings at these places."""
        docs = np.frombuffer(self._docs, dtype=np.uint32)[where]
        return docs, None if self._counts is None else np.frombuffer(self._counts, dtype=np.uint32)[where]


class _TermTable:
    """Entries added to Whoosh's term table (an ``OrderedHashWriter``) in batches: what its ``add``
    does for each (its position in the ordered index, the key's hash and position in its bucket,
    a length header, the key and the value), with one write per batch instead of five calls per
    entry. Keys must come in increasing order, as ``add`` requires."""

    def __init__(self, table) -> None:
        self._table = table
        self._pending: list[tuple[bytes, bytes]] = []

    def add(self, key: bytes, value: bytes) -> None:
        self._pending.append((key, value))

    def flush(self) -> None:
        pending, table = self._pending, self._table
        if not pending:
            return
        if pending[0][0] <= table.lastkey:
            raise ValueError(f"Keys must increase: {table.lastkey!r}..{pending[0][0]!r}")
        position = table.dbfile.tell()
        index, buckets, hashfn, header = table.index, table.buckets, table.hashfn, _TABLE_LENGTHS.pack
        parts = []
        for key, value in pending:
            index.append(position)
            hashed = hashfn(key)
            buckets[hashed & 255].append((hashed, position))
            parts += (header(len(key), len(value)), key, value)
            position += _TABLE_LENGTHS.size + len(key) + len(value)
        table.dbfile.write(b"".join(parts))
        table.lastkey = pending[-1][0]
        pending.clear()


_TABLE_LENGTHS = getattr(filetables, "_lengths", None)
# What a CompressedBytesColumn's writer does after deflating (SegmentBuilder deflates stored fields
# itself, at level 0).
_add_bytes = columns.VarBytesColumn.Writer.add
# A length's byte in Whoosh's length column, and back, for the lengths most fields have.
_LENGTH_BYTES = bytes(map(length_to_byte, range(4096)))
_BYTE_LENGTHS = tuple(map(byte_to_length, range(256)))


def _length_byte(length: int) -> int:
    """``length_to_byte``, looked up for the common lengths."""
    return _LENGTH_BYTES[length] if length < len(_LENGTH_BYTES) else length_to_byte(length)


class _Numbering(dict):
    """term -> its number, numbering new terms as they come."""

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self._words = words

    def __missing__(self, word: str) -> int:
        number = self[word] = len(self._words)
        self._words.append(word)
        return number


def _take(values: array, order: np.ndarray) -> array:
    taken = array("I")
    taken.frombytes(np.frombuffer(values, dtype=np.uint32)[order].tobytes())
    return taken


# Terms with fewer postings keep them in their entry of the term table, not in a block of the
# postings file: most terms of a directory occur in a few services, and a block costs a pickle,
# a compression and a seek to write and to read. Whoosh's readers read both forms. Measured on
# 20,000 services of the benchmark's corpus: writing a segment 6.8 s with 8, 6.0 s with 32, no
# faster above (5.9 s with 64 or 128); the segment grows by 5 % (88 -> 93 MB).
INLINE_BELOW = 32
# Postings per block of the postings file (Whoosh's writer: 128). Each block is a pickle, a zlib
# stream (whose set-up alone costs ~30 us) and a header; with 1,024 a 5,000-service segment took
# 3.8 % fewer instructions to write and its postings file is 7 % smaller. Readers take any size:
# the block's header says how many postings it holds.
BLOCK_POSTINGS = 1024
_BIG_ENDIAN = sys.byteorder == "big"
_TERM_INFO = getattr(getattr(whoosh3, "W3TermInfo", None), "_struct", None)


class _FieldPlan:
    """How one field's postings are kept and written."""

    __slots__ = ("field", "counted", "boost", "counts", "_present")

    def __init__(self, name: str, field) -> None:
        self.field = field
        if not field.indexed:
            return
        if field.vector or field.separate_spelling():
            raise ValueError(f"SegmentBuilder cannot write field {name!r} (term vectors or spelling)")
        if type(field.format) not in (formats.Existence, formats.Frequency):
            raise ValueError(f"SegmentBuilder cannot write field {name!r} (format {type(field.format).__name__})")
        self.counted = type(field.format) is formats.Frequency
        self.boost = field.format.field_boost
        self.counts = getattr(field, "index_counts", None) or self._from_index
        self._present: dict[int, tuple] = {}

    def _from_index(self, value) -> dict[str, int]:
        counts = {}
        for tbytes, freq, weight, _vbytes in self.field.index(value):
            if weight != (freq * self.boost if self.counted else self.boost):
                raise ValueError("SegmentBuilder cannot write weighted tokens (a weight other than count x boost)")
            counts[tbytes.decode("utf-8")] = freq
        return counts

    def weights(self, entry) -> array:
        ids, counts = entry
        if counts is None:
            return array("f", repeat(self.boost, len(ids)))
        weights = array("f", counts)
        return weights if self.boost == 1.0 else array("f", [weight * self.boost for weight in weights])

    def present(self, count: int) -> tuple[tuple, float, float]:
        """An Existence term's weights for ``count`` postings, their sum and the highest (as the
        term info adds them up)."""
        found = self._present.get(count)
        if found is None:
            weights = tuple(array("f", repeat(self.boost, count)))
            found = self._present[count] = (weights, sum(weights), max(max(weights), 0))
        return found

    def values(self, counts: array | None) -> list[bytes]:
        """Each posting's encoded value: the count as ``pack_uint`` writes it, or none."""
        if counts is None:
            return []
        packed = array("I", counts)
        if not _BIG_ENDIAN:
            packed.byteswap()
        return [packed.tobytes()]


def _inlined_info(plan: _FieldPlan, entry, lengths: list[int] | None) -> bytes:
    """The term table's entry of a term with its postings inlined: what ``W3TermInfo.to_bytes``
    gives after ``add_block`` and ``set_inline`` (Whoosh's ``finish_postings``), written without
    the postings writer's buffer and the term info object: most terms of a directory are inlined
    (rare words and word pairs), and their calls through Whoosh were two thirds of writing a
    segment. One value per posting, None where the format has none (what a block read back gives)."""
    ids, counts = entry
    count = len(ids)
    if counts is None:  # the same weights for every term with as many postings
        weights, total, top = plan.present(count)
        values = (None,) * count
    else:
        weights = tuple(plan.weights(entry))
        total, top = sum(weights), max(max(weights), 0)
        values = tuple(map(pack_uint, counts))
    shortest, longest = _length_range(ids, lengths)
    head = _TERM_INFO.pack(True, total, count, 0 if shortest is None else _length_byte(shortest),
                           _length_byte(longest), top, ids[0], ids[-1])
    return head + pickle.dumps((tuple(ids), weights, values), 2)


def _write_term(writer, plan: _FieldPlan, entry, lengths: list[int] | None) -> None:
    """One term's postings, a block at a time: the block buffer of Whoosh's postings writer
    (``_postwriter``: ``_ids``, ``_weights``, ``_values``, the block's statistics) is filled
    with a whole block and written by ``_write_block``, what ``add_posting`` and
    ``finish_postings`` do one posting at a time (that was a third of writing a segment)."""
    ids, counts = entry
    weights = plan.weights(entry)
    postings = writer._postwriter
    count = len(ids)
    limit = postings._blocklimit
    for start in range(0, count, limit):
        end = min(start + limit, count)
        # The block's values joined, as Whoosh joins fixed-size values.
        block_values = plan.values(counts[start:end] if counts is not None else None)
        _fill(postings, ids[start:end], weights[start:end], block_values, lengths)
        postings._write_block(last=end == count)


class _QuickBlocks(whoosh3.W3PostingsWriter):
    """Whoosh's postings writer with the same block encoding computed by C-level calls: document
    numbers as differences (``delta_encode``: a generator step per posting) and the weights'
    "all 1.0 / all equal" test (a generator step per weight)."""

    def _mini_ids(self):
        ids = self._ids
        if self._byteids:
            return tuple(ids)
        return tuple(map(operator.sub, ids, chain((0,), ids)))

    def _mini_weights(self):
        weights = self._weights
        if weights.count(1.0) == len(weights):
            return None
        if weights.count(weights[0]) == len(weights):
            return weights[0]
        return tuple(weights)


class _QuickTermTable(filetables.OrderedHashWriter):
    """Whoosh's term table writer, writing each bucket's hash table in one call instead of one per
    slot (two slots per term: a million calls for a large segment). The same table: slots filled
    in the same order with the same probing."""

    def _write_hashes(self):
        dbfile, pack = self.dbfile, _TABLE_POINTER.pack
        null = (0, 0)
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((dbfile.tell(), numslots))
            hashtable = [null] * numslots
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while hashtable[slot] is not null:  # (an entry is never the empty slot's object)
                    slot = (slot + 1) % numslots
                hashtable[slot] = (hashval, position)
            dbfile.write(b"".join([pack(hashval, position) for hashval, position in hashtable]))


_TABLE_POINTER = getattr(filetables, "_pointer", None)


def _fill(postings, ids, weights, values: list, lengths: list[int] | None) -> None:
    """The postings writer's buffer holding these postings, with the statistics ``add_posting``
    keeps (highest weight; shortest and longest non-zero length)."""
    postings._ids, postings._weights, postings._values = ids, weights, values
    postings._maxweight = max(max(weights), 0)
    postings._minlength, postings._maxlength = _length_range(ids, lengths)


def _length_range(ids, lengths: list[int] | None) -> tuple[int | None, int]:
    """The shortest (None if none) and longest non-zero field length among the documents ``ids``:
    what Whoosh's postings writer keeps per block and its term info per term."""
    stated = [lengths[docnum] for docnum in ids if lengths[docnum]] if lengths else ()
    return (min(stated), max(stated)) if stated else (None, 0)


def commit_segments(path: str | Path, segments: list) -> None:
    """Make ``segments`` (written by ``SegmentBuilder`` into the index folder ``path``) the index's
    next generation, after those it has (a new table of contents, as a writer's commit does)."""
    storage = FileStorage(str(path))
    toc = whoosh_index.TOC.read(storage, INDEX_NAME)
    generation = toc.generation + 1
    whoosh_index.TOC(toc.schema, list(toc.segments) + list(segments), generation).write(storage, INDEX_NAME)
    whoosh_index.clean_files(storage, INDEX_NAME, generation, list(toc.segments) + list(segments))
    # The per-document writers' scratch folder (Whoosh's writer removes it when it finishes).
    with contextlib.suppress(OSError):
        (Path(path) / f"{INDEX_NAME}.tmp").rmdir()
