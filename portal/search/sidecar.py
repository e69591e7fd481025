"""Per-segment sidecar files: what the search needs of every word, precomputed once per segment.

Why: a query whose words were never searched before used to decode each word's Whoosh postings in
Python (with frequencies, for BM25F) on every process, which made such queries ~30x slower than
warm ones. Whoosh segments never change once written (deletions are kept apart) and a segment's id
names it for good, so everything derived from a segment's postings can be computed once and kept
beside it: ``<index>/<segment id>.portal``. A word never queried before then costs one read of a
few kB and no decoding.

Layout: a header (``MAGIC``, ``VERSION``), one blob per word (marshal of its ``WordPostings`` in
arrays and bitset bytes), the segment's word-pair table (``pairs.PairTable``: sorted keys, ends
and documents as raw little-endian arrays; a reader loads the keys and ends, crc-checked, and reads
a pair's documents when asked), a table (marshal: segment size, the did-you-mean pinyin words, the
stored columns the searcher keeps per document (``stored_columns``: reading them from Whoosh's
stored fields, one unpickling per document, was most of opening a segment), word -> (offset,
length, crc32) of its blob, word -> (field, document, pseudo-frequency) for a word of one document
(most words: see ``_single``), and where the pair table is), and a trailer giving the table's
place. A file cut
short or from another version has no valid trailer or table and is treated as missing; a blob whose
crc does not match raises ``SidecarError``. Files are written to a temporary name and renamed into
place, so a reader never sees a half-written one and two processes writing the same segment's file
at once both leave a complete one. The name matches Whoosh's own segment-file pattern, so Whoosh
deletes the sidecars of merged-away segments when it cleans up after a commit; ``write_missing``
removes any left over too.
"""
from __future__ import annotations

import logging
import marshal
import os
import struct
import sys
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from . import bits, pairs, ranking
from .documents import TEXT_FIELDS
from .pairs import PairTable
from .postings import EMPTY, WordPostings

log = logging.getLogger(__name__)

SUFFIX = ".portal"
MAGIC = b"PORTALSC"
VERSION = 5  # 2: the stored columns; 3: the word pairs' table; 4: words of one document inline; 5: pair keys from word keys
_HEAD = MAGIC + struct.pack("<I", VERSION)
_TAIL = struct.Struct("<QQ8s")  # table offset, table length, MAGIC
_IDS, _BITSET = 0, 1  # how a field's documents are stored: whichever is smaller
_NO_DOCS = np.zeros(0, dtype="<u4")


class SidecarError(Exception):
    """A sidecar file that cannot be used (damaged blob)."""


def fingerprint() -> str:
    """What the stored pseudo-frequencies depend on besides the segment itself: a sidecar written
    under other field weights or length normalisation counts as missing (and is rewritten)."""
    return repr((TEXT_FIELDS, sorted(ranking.WEIGHTS.items()), sorted(ranking.B.items())))


def path_for(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"{segment_id}{SUFFIX}"


# --- writing ---------------------------------------------------------------------------------------

def write(target: Path, size: int, words: Iterable[str], decode: Callable[[str], WordPostings],
          pinyin: dict[str, list[str]], stored: dict[str, list] | None = None,
          pair_table: PairTable = pairs.EMPTY, singles: dict[str, tuple[int, int, float]] | None = None) -> None:
    """Write the sidecar of one segment (``size`` documents) atomically. ``singles``: words already
    known to be in one document of one field (see ``_single``), not among ``words``."""
    # Unique per process and thread; the leading dot keeps Whoosh's clean-up away from it.
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(_HEAD)
            table: dict[str, tuple[int, int, int]] = {}
            singles = dict(singles or {})
            for word in words:
                found = decode(word)
                if found.having == 1 and len(found.fields) == 1:
                    singles[word] = _single(found)
                elif found.having:
                    blob = _encode(found)
                    table[word] = (out.tell(), len(blob), zlib.crc32(blob))
                    out.write(blob)
            place = _write_pairs(out, pair_table)
            offset = out.tell()
            head = marshal.dumps({"size": size, "byteorder": sys.byteorder, "ranking": fingerprint(),
                                  "pinyin": pinyin, "stored": stored, "words": table, "pairs": place,
                                  "singles": singles})
            out.write(head)
            out.write(_TAIL.pack(offset, len(head), MAGIC))
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def _single(found: WordPostings) -> tuple[int, int, float]:
    """A word in one document, in one field (most words of a directory: 59 % in the benchmark
    corpus) is kept in the table as (field number, document, pseudo-frequency): no blob to encode,
    check and read."""
    ((field, _docs),) = found.fields.items()
    return TEXT_FIELDS.index(field), found.order[0], found.values[0]


def _write_pairs(out, table: PairTable) -> tuple[int, int, int, int]:
    """The pair table as three arrays (keys, ends, documents); returns (offset, keys, postings, crc32
    of the keys and ends, which a reader loads whole)."""
    offset = out.tell()
    head = table.keys.astype("<u8", copy=False).tobytes() + table.ends.astype("<u4", copy=False).tobytes()
    out.write(head)
    out.write(table.docs.astype("<u4", copy=False).tobytes())
    return offset, len(table.keys), len(table.docs), zlib.crc32(head)


def _encode(found: WordPostings) -> bytes:
    fields = []
    for number, field in enumerate(TEXT_FIELDS):
        docs = found.fields.get(field, 0)
        if docs:
            dense = docs.to_bytes((docs.bit_length() + 7) >> 3, "little")
            count = docs.bit_count()
            if count * 4 < len(dense):
                ids = found.ids.get(field) if found.ids else None
                fields.append((number, _IDS, array("I", bits.iter_ids(docs) if ids is None else ids).tobytes()))
            else:
                fields.append((number, _BITSET, dense))
    return marshal.dumps((tuple(fields), found.order.tobytes(), found.values.tobytes(), found.counts.tobytes()))


# --- reading ---------------------------------------------------------------------------------------

class Sidecar:
    """An open sidecar file: the table in memory, each word's blob read when asked for."""

    def __init__(self, file, size: int, table: dict) -> None:
        self._file = file  # kept open: a file removed after a merge stays readable by who holds it
        self.size = size
        self.pinyin: dict[str, list[str]] = table["pinyin"]
        stored = table.get("stored")
        # Only whole columns count: anything else and the searcher reads Whoosh's stored fields.
        self.stored: dict[str, list] | None = (stored if isinstance(stored, dict) and set(stored) == set(STORED)
                                               and all(len(v) == size for v in stored.values()) else None)
        self._words: dict[str, tuple[int, int, int]] = table["words"]
        self._singles: dict[str, tuple[int, int, float]] = table["singles"]
        self._pairs_at, keys, postings, crc = table["pairs"]
        head = os.pread(file.fileno(), 12 * keys, self._pairs_at)
        if len(head) != 12 * keys or zlib.crc32(head) != crc:
            raise ValueError("the pair table is damaged")
        self._pair_keys = np.frombuffer(head, dtype="<u8", count=keys)
        self._pair_ends = np.frombuffer(head, dtype="<u4", count=keys, offset=8 * keys)
        self._pair_docs_at = self._pairs_at + 12 * keys
        self._pair_postings = postings

    @classmethod
    def open(cls, path: Path, size: int) -> Sidecar | None:
        """The sidecar at ``path`` for a segment of ``size`` documents; None if it is missing, cut
        short, of another version, of another segment or of other ranking parameters."""
        try:
            file = open(path, "rb")
        except OSError:
            return None
        try:
            table = _read_table(file)
            made_for = (table.get("size"), table.get("byteorder"), table.get("ranking"))
            if made_for == (size, sys.byteorder, fingerprint()):
                return cls(file, size, table)
        except (OSError, ValueError, EOFError, TypeError, KeyError, struct.error):
            pass
        file.close()
        return None

    def get(self, word: str) -> WordPostings:
        where = self._words.get(word)
        if where is None:
            single = self._singles.get(word)
            return EMPTY if single is None else self._single(word, *single)
        offset, length, crc = where
        blob = os.pread(self._file.fileno(), length, offset)
        if len(blob) != length or zlib.crc32(blob) != crc:
            raise SidecarError(f"{self._file.name}: the entry of {word!r} is damaged")
        return _decode(blob, self.size)

    def words(self) -> list[str]:
        """Every word the sidecar holds."""
        return [*self._words, *self._singles]

    def _single(self, word: str, field: int, doc: int, value: float) -> WordPostings:
        if not 0 <= doc < self.size or not 0 <= field < len(TEXT_FIELDS):
            raise SidecarError(f"{self._file.name}: the entry of {word!r} is damaged")
        return WordPostings({TEXT_FIELDS[field]: 1 << doc}, array("I", (doc,)), array("d", (value,)), array("I", (1,)))

    def pair_documents(self, pair: str) -> np.ndarray:
        """The segment's documents holding the pair ("first_second"), ascending."""
        return self.key_documents(pairs.pair_key(pair))

    def key_documents(self, key: int) -> np.ndarray:
        """The documents of one pair key (see ``pairs``)."""
        start, end = pairs.find(self._pair_keys, self._pair_ends, key)
        if start == end:
            return _NO_DOCS
        data = os.pread(self._file.fileno(), 4 * (end - start), self._pair_docs_at + 4 * start)
        docs = np.frombuffer(data, dtype="<u4")
        if len(docs) != end - start or end > self._pair_postings or int(docs.max()) >= self.size:
            raise SidecarError(f"{self._file.name}: the documents of pair key {key:x} are damaged")
        return docs

    def close(self) -> None:
        self._file.close()


def _complete(path: Path) -> bool:
    """Whether a whole sidecar is there (header and trailer, not the table: loading the big
    segments' tables took ~0.1 s, on every saved change). A searcher still checks the rest when it
    opens it, and rewrites one of another segment or other ranking parameters."""
    try:
        with open(path, "rb") as file:
            return _table_place(file) is not None
    except (OSError, ValueError, struct.error):
        return False


def _table_place(file) -> tuple[int, int]:
    if os.pread(file.fileno(), len(_HEAD), 0) != _HEAD:
        raise ValueError("not a sidecar of this version")
    end = os.fstat(file.fileno()).st_size
    if end < len(_HEAD) + _TAIL.size:
        raise ValueError("cut short")
    offset, length, magic = _TAIL.unpack(os.pread(file.fileno(), _TAIL.size, end - _TAIL.size))
    if magic != MAGIC or offset + length != end - _TAIL.size:
        raise ValueError("cut short")
    return offset, length


def _read_table(file) -> dict:
    offset, length = _table_place(file)
    table = marshal.loads(os.pread(file.fileno(), length, offset))
    if not isinstance(table, dict):
        raise ValueError("no table")
    return table


def _decode(blob: bytes, size: int) -> WordPostings:
    stored, order_bytes, values_bytes, counts_bytes = marshal.loads(blob)
    fields = {}
    for number, kind, data in stored:
        if kind == _BITSET:
            fields[TEXT_FIELDS[number]] = int.from_bytes(data, "little")
        else:
            ids = array("I")
            ids.frombytes(data)
            fields[TEXT_FIELDS[number]] = bits.from_ids(ids, size)
    order, values, counts = array("I"), array("d"), array("I")
    order.frombytes(order_bytes)
    values.frombytes(values_bytes)
    counts.frombytes(counts_bytes)
    return WordPostings(fields, order, values, counts)


# --- keeping them beside the index -----------------------------------------------------------------

def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Remove sidecars (and temporary files left by a crash) of segments not in ``keep`` (names)."""
    for name in os.listdir(index_dir):
        if name.endswith(SUFFIX):
            segment = name
        elif name.startswith(".") and name.endswith(".tmp") and SUFFIX in name:  # ".<sidecar>.<writer>.tmp"
            segment = name[1:].split(SUFFIX)[0] + SUFFIX
        else:
            continue
        if segment not in keep:
            try:
                os.unlink(Path(index_dir) / name)
            except FileNotFoundError:
                pass


def ensure(target: Path, reader) -> Sidecar:
    """The sidecar of the segment ``reader`` reads, written first if it is missing or unusable."""
    size = reader.doc_count_all()
    found = Sidecar.open(target, size)
    if found is None:
        build(target, reader)
        found = Sidecar.open(target, size)
        if found is None:
            raise OSError(f"{target}: written but unreadable")
    return found


def rebuild(target: Path, reader) -> Sidecar:
    """Replace a damaged sidecar."""
    target.unlink(missing_ok=True)
    return ensure(target, reader)


STORED = ("ids", "verified", "points", "hours")


def stored_columns(reader) -> dict[str, list]:
    """Per document of the segment: its service id, verification ordinal, map points and opening
    hours (what the searcher keeps in memory), from Whoosh's stored fields."""
    columns = StoredColumns()
    for docnum in range(reader.doc_count_all()):
        columns.add(reader.stored_fields(docnum))
    return columns.columns


class StoredColumns:
    """The stored columns of a segment's documents, added one document's stored fields at a time."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in STORED}
        self._ids, self._verified, self._points, self._hours = (self.columns[name] for name in STORED)

    def add(self, stored: dict) -> None:
        self._ids.append(stored.get("id", ""))
        self._verified.append(stored.get("verified") or 0)
        self._points.append([tuple(p) for p in stored.get("points") or ()])
        self._hours.append([tuple(h) for h in stored.get("hours") or ()])


def build(target: Path, reader) -> None:
    from .postings import SegmentDecoder

    write_decoded(target, SegmentDecoder(reader), stored_columns(reader), pairs.from_reader(reader))


def write_decoded(target: Path, decoder, stored: dict[str, list], pair_table: PairTable) -> None:
    """The sidecar of the segment ``decoder`` reads (a ``postings.Decoder``): every word of its text
    fields decoded, its "did you mean" pinyin words, its documents' stored columns and its word
    pairs' table."""
    from .suggest import PINYIN_FIELDS, pinyin_of

    holders = decoder.words()
    pinyin = pinyin_of({field: decoder.lexicon(field) for field in PINYIN_FIELDS})
    singles = decoder.singles(holders)
    write(target, decoder.size, sorted(word for word in holders if word not in singles),
          lambda word: decoder.decode(word, holders[word], keep_ids=True), pinyin, stored, pair_table, singles)


def write_missing(index_dir: Path, procs: int = 1) -> None:
    """After a commit, under the writer lock: write the sidecar of every segment that lacks one (so
    no searcher has to) and remove those of segments merged away. A rebuild that wrote its segments
    in several processes writes their sidecars in as many (decoding is pure Python: seconds per
    10,000 services)."""
    from .whoosh_adapter import segment_openers

    index_dir = Path(index_dir)
    keep, missing = set(), []
    for segment_id, open_reader in segment_openers(index_dir):
        target = path_for(index_dir, segment_id)
        keep.add(target.name)
        if not _complete(target):
            missing.append((segment_id, open_reader))
    if procs > 1 and len(missing) > 1:
        _in_processes(index_dir, [segment_id for segment_id, _ in missing], procs)
    else:
        for segment_id, open_reader in missing:
            with open_reader() as reader:
                build(path_for(index_dir, segment_id), reader)
    remove_stale(index_dir, keep)


def _in_processes(index_dir: Path, segment_ids: list[str], procs: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")  # as Whoosh's own multi-process writer
    with ProcessPoolExecutor(min(procs, len(segment_ids)), mp_context=context) as pool:
        list(pool.map(_build_segment, [str(index_dir)] * len(segment_ids), segment_ids))


def _build_segment(index_dir: str, segment_id: str) -> None:
    from .whoosh_adapter import segment_openers

    for found_id, open_reader in segment_openers(index_dir):
        if found_id == segment_id:
            with open_reader() as reader:
                build(path_for(Path(index_dir), segment_id), reader)
