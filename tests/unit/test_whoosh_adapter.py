"""The Whoosh adapter (portal/search/whoosh_adapter.py) is the only code that touches Whoosh's private
internals. These tests fail loudly, naming what changed, when a Whoosh upgrade moves them."""
from __future__ import annotations

import pytest
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.fields import ID, KEYWORD, TEXT, Schema

from portal.search import whoosh_adapter


@pytest.fixture
def small_index(tmp_path):
    """Two segments; 'common' in 300 documents (several posting blocks), 'rare' in a few."""
    schema = Schema(id=ID(stored=True, unique=True), tags=KEYWORD(commas=True), body=TEXT)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        for n in range(300):
            writer.add_document(id=str(n), tags="common" + (",rare" if n % 97 == 0 else ""), body="text")
    with ix.writer() as writer:  # a second commit: a second segment, and a deletion in the first
        writer.add_document(id="300", tags="common,rare", body="text")
        writer.delete_by_term("id", "5")
    return tmp_path, ix


def test_the_installed_whoosh_still_has_what_the_adapter_relies_on():
    problems = whoosh_adapter.check_compatibility()
    assert not problems, (
        "The installed Whoosh changed internals that portal/search/whoosh_adapter.py relies on; "
        "adapt the adapter (or pin Whoosh) before upgrading:\n  - " + "\n  - ".join(problems))


def test_postings_read_block_by_block_agree_with_whoosh_public_api(small_index):
    _path, ix = small_index
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            matcher = whoosh_adapter.term_matcher(leaf, "tags", "common")
            assert whoosh_adapter.has_block_api(matcher), (
                "the term matcher lost its block API: postings() silently falls back to all_ids(), ~10x slower")
            for word in ("common", "rare", "absent"):
                # The slow public way to the same answer (deleted documents included, as documented).
                public = (list(whoosh_adapter.term_matcher(leaf, "tags", word).all_ids())
                          if ("tags", word) in leaf else [])
                assert whoosh_adapter.postings(leaf, "tags", word) == public
        first = next(leaf for leaf, _offset in reader.leaf_readers())
        assert len(whoosh_adapter.postings(first, "tags", "common")) == 300  # several blocks, id 5 included


def test_current_generation_follows_each_commit_without_opening_the_index(small_index, tmp_path_factory):
    path, ix = small_index
    assert whoosh_adapter.current_generation(path) == ix.latest_generation()
    with ix.writer() as writer:
        writer.add_document(id="301", tags="common", body="text")
    assert whoosh_adapter.current_generation(path) == ix.latest_generation()
    assert whoosh_adapter.current_generation(tmp_path_factory.mktemp("empty")) is None
    assert whoosh_adapter.current_generation(path / "missing") is None


def test_read_segments_names_each_segment_its_size_and_deletions_as_whoosh_does(small_index):
    path, ix = small_index
    generation, segments = whoosh_adapter.read_segments(path)
    assert generation == ix.latest_generation()
    assert len({entry.id for entry in segments}) == 2
    assert [entry.size for entry in segments] == [300, 1]
    assert [sorted(entry.deleted) for entry in segments] == [[5], []]  # id 5, in the first segment
    with ix.reader() as reader:  # the same segments, in the same order, as Whoosh's own reader
        assert [leaf.segment().segment_id() for leaf, _offset in reader.leaf_readers()] == [e.id for e in segments]
    for mmap in (True, False):
        with whoosh_adapter.read_segments(path, mmap=mmap)[1][1].open() as alone:
            assert [alone.stored_fields(n)["id"] for n in range(alone.doc_count_all())] == ["300"]


def test_the_per_document_reader_fix_is_installed_and_keeps_answers(small_index):
    import portal.search.documents  # noqa: F401  (installs the fix on import)

    assert whoosh3.W3PerDocReader._cached_reader is whoosh_adapter._cached_reader
    _path, ix = small_index
    with ix.reader() as reader:
        # 'tags' has no lengths column: the fix remembers "missing" instead of looking again.
        assert reader.doc_field_length(0, "tags", default=0) == 0
        assert reader.doc_field_length(0, "body") == 1


def test_quick_blocks_encode_every_block_as_whoosh_does():
    """The rebuild's postings writer computes a block's document differences and weights' summary
    in C; each must be Whoosh's own, for every kind of block."""
    import random
    from array import array

    rng = random.Random(2)
    blocks = [([5], [1.0]), ([0, 1, 2], [2.0, 2.0, 2.0]), ([3, 9, 400000], [1.0, 3.0, 1.0]), ([], [])]
    for _ in range(200):
        ids = sorted(rng.sample(range(10**6), rng.randint(1, 128)))
        weights = [rng.choice((1.0, 1.0, 2.0, 0.5)) for _ in ids] if rng.random() < 0.5 else [1.0] * len(ids)
        blocks.append((ids, weights))
    for ids, weights in blocks:
        ours, theirs = (whoosh3.W3PostingsWriter(None, 128) for _ in range(2))
        ours.__class__ = whoosh_adapter._QuickBlocks
        for writer in (ours, theirs):
            writer._ids, writer._weights = array("I", ids), array("f", weights)
        assert ours._mini_ids() == theirs._mini_ids()
        assert ours._mini_weights() == theirs._mini_weights()
        assert type(ours._mini_weights()) is type(theirs._mini_weights())


def test_quick_term_table_writes_whooshs_bytes(tmp_path):
    """The rebuild's term table writer (entries added in batches, hash tables written a bucket at
    a time) must give the very file Whoosh's OrderedHashWriter gives."""
    import random

    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
    from whoosh.filedb.filestore import FileStorage

    rng = random.Random(4)
    keys = sorted({bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))) for _ in range(3000)})
    entries = [(key, bytes(rng.randrange(256) for _ in range(rng.randint(0, 30)))) for key in keys]
    storage = FileStorage(str(tmp_path))
    theirs = OrderedHashWriter(storage.create_file("theirs"))
    for key, value in entries:
        theirs.add(key, value)
    theirs.close()
    ours = OrderedHashWriter(storage.create_file("ours"))
    ours.__class__ = whoosh_adapter._QuickTermTable
    batch = whoosh_adapter._TermTable(ours)
    for number, (key, value) in enumerate(entries):
        if number % 700 == 0:  # a term written by Whoosh's own add between batches
            batch.flush()
            ours.add(key, value)
            continue
        batch.add(key, value)
    batch.flush()
    ours.close()
    assert (tmp_path / "ours").read_bytes() == (tmp_path / "theirs").read_bytes()
    reader = OrderedHashReader.open(storage, "ours")
    assert [reader[key] for key, _ in entries[:50]] == [value for _, value in entries[:50]]
