"""A full rebuild writes its segments without Whoosh's writer (portal/search/segments.py): the index
must be the one Whoosh's writer and the sidecar's decoding pass would have made, term by term,
posting by posting, document by document, and byte for byte in the sidecar."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from portal.search import pairs, segments, sidecar, whoosh_adapter
from portal.search.analyzers import PART_SEPARATOR, init_jieba, latin_pairs
from portal.search.documents import FACET_FIELDS, build_schema
from portal.search.whoosh_adapter import INLINE_BELOW, SegmentBuilder, read_segments
from tests.helpers import sidecar_contents

_ZH = ("美沙酮", "维持治疗", "门诊", "社区", "戒毒", "康复", "家属", "支持", "小组", "心理", "咨询", "热线",
       "喘息服务", "精神", "障碍", "就业", "培训", "青少年", "孕产妇", "免费")
_EN = ("methadone", "clinic", "counselling", "support", "group", "families", "housing", "crisis", "line",
       "employment", "training", "the", "and", "for", "of", "free", "youth", "women", "legal", "aid")
_ES = ("servicios", "de", "la", "ayuda", "para", "familias", "comida", "gratis", "refugio", "salud")


def _text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        vocabulary = rng.choice((_ZH, _EN, _EN, _ES))
        parts.append(rng.choice(vocabulary))
    return (" " if rng.random() < 0.6 else "").join(parts)


def _document(rng: random.Random, number: int) -> dict:
    """A document shaped like ``documents.service_document``'s, with every kind of field, empty
    values, repeated words, long texts (field lengths above 255 are stored approximately) and fields
    left out."""
    name = _text(rng, rng.randint(1, 4))
    organization = _text(rng, rng.randint(0, 3))
    body = _text(rng, rng.choice((0, 3, 40, 300)))
    document = {
        "id": f"svc-{number:05d}",
        "name": name,
        "organization": organization,
        "terms": _text(rng, rng.randint(0, 5)),
        "body": body,
        "pairs": PART_SEPARATOR.join((name, organization, body)),
        "places": _text(rng, rng.randint(0, 3)),
        "organization_id": f"org-{rng.randint(1, 9)}",
        "verified": rng.choice((0, 739_000 + number)),
        "points": [(31.2 + rng.random(), 121.4 + rng.random())] * rng.randint(0, 2),
        "hours": [(rng.randint(0, 6), 540, 1020, None, None)] * rng.randint(0, 2),
    }
    for facet in FACET_FIELDS:
        values = sorted({rng.choice(("a", "b", "c-1", "yes", "no")) for _ in range(rng.randint(0, 3))})
        document[facet] = ",".join(values)
    for optional in ("organization", "places", "terms"):
        if rng.random() < 0.1:
            del document[optional]
    return document


def _documents(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [_document(rng, n) for n in range(count)]


def _contents(path: Path) -> dict:
    """Everything a reader can tell of a one-segment index."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        ((segment, _offset),) = reader.leaf_readers()
        seen: dict = {"size": segment.doc_count_all(),
                      "stored": [segment.stored_fields(d) for d in range(segment.doc_count_all())]}
        for field, spec in sorted(segment.schema.items()):
            if spec.column_type:
                column = segment.column_reader(field, translate=False) if segment.has_column(field) else None
                seen[f"{field} column"] = [column[d] if column else None for d in range(seen["size"])]
            if not spec.indexed:
                continue
            terms = {}
            for term in segment.lexicon(field):
                info = segment.term_info(field, term)
                matcher = segment.postings(field, term)
                postings = []
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                terms[term] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                               info.max_weight(), info.min_id(), info.max_id(), postings)
            seen[field] = terms
            if spec.scorable:
                seen[f"{field} lengths"] = ([segment.doc_field_length(d, field, 0) for d in range(seen["size"])],
                                            segment.field_length(field), segment.min_field_length(field),
                                            segment.max_field_length(field))
    return seen


def _sidecar_contents(path: Path) -> dict:
    (target,) = list(path.glob(f"*{sidecar.SUFFIX}"))
    return sidecar_contents(target)


def _with_whoosh(path: Path, documents: list[dict]) -> None:
    """The reference: Whoosh's own writer, then the sidecar decoded from the written segment."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = ix.writer(limitmb=256)
    for document in documents:
        writer.add_document(**document)
    writer.commit(merge=False)
    sidecar.write_missing(path)


def _with_builder(path: Path, documents: list[dict], **options) -> int:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    return segments.build(path, ix.schema, [documents[i:i + 50] for i in range(0, len(documents), 50)], **options)


@pytest.fixture(scope="module", autouse=True)
def _jieba():
    init_jieba()


def test_the_segment_and_its_sidecar_are_those_of_whooshs_writer(tmp_path, monkeypatch):
    documents = _documents(400)
    _with_whoosh(tmp_path / "whoosh", documents)
    # Blocks smaller than a rebuild's, so that 400 documents give terms of several blocks.
    monkeypatch.setattr(whoosh_adapter, "BLOCK_POSTINGS", 100)
    assert _with_builder(tmp_path / "built", documents) == 400
    reference, built = _contents(tmp_path / "whoosh"), _contents(tmp_path / "built")
    assert built.keys() == reference.keys()
    for key in reference:
        assert built[key] == reference[key], key
    assert any(length > 255 for length in reference["body lengths"][0])  # stored approximately
    # Both ways a term's postings are written are compared: in its term table entry (fewer than
    # INLINE_BELOW) and in blocks of the postings file (one, and several).
    frequencies = [info[1] for terms in reference.values() if isinstance(terms, dict) for info in terms.values()]
    assert any(f < INLINE_BELOW for f in frequencies)
    assert any(INLINE_BELOW <= f <= 100 for f in frequencies) and any(f > 100 for f in frequencies)
    reference, built = _sidecar_contents(tmp_path / "whoosh"), _sidecar_contents(tmp_path / "built")
    assert built["words"] and built["pinyin"] and built["pairs"][0]
    assert built == reference


def test_a_pairs_key_depends_only_on_its_two_words():
    """Pairs are written by the rebuild's processes and looked up by every other one, and an index
    outlives a release: a key must not depend on the process (Python's own string hash does) nor
    change silently (that needs a new SCHEMA_VERSION, and a rebuild)."""
    import subprocess
    import sys

    text = f"Methadone clinic for youth{PART_SEPARATOR}美沙酮 methadone clinic 门诊 open daily"
    here = pairs.keys_of(text).tolist()
    assert here == sorted({pairs.pair_key(p) for part in text.split(PART_SEPARATOR) for p in latin_pairs(part)})
    assert len(here) == 3  # methadone clinic (twice, once kept), clinic youth, open daily; none across 门诊
    assert pairs.pair_key("methadon_clinic") == 12263218131015919520
    assert pairs.pair_key("clinic_methadon") != pairs.pair_key("methadon_clinic")
    elsewhere = subprocess.run(
        [sys.executable, "-c", f"from portal.search import pairs; print(pairs.keys_of({text!r}).tolist())"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert elsewhere.stdout.strip() == str(here)


def test_a_segments_pair_table_finds_the_documents_of_each_pair_of_neighbouring_words(tmp_path):
    """Phrases and adjacency look pairs up by their 64-bit keys in the sidecar (see pairs.py)."""
    documents = _documents(200, seed=17)
    _with_builder(tmp_path / "built", documents)
    (target,) = list((tmp_path / "built").glob(f"*{sidecar.SUFFIX}"))
    found = sidecar.Sidecar.open(target, 200)
    expected: dict[str, set[int]] = {}
    for number, document in enumerate(documents):
        for text in document["pairs"].split(PART_SEPARATOR):
            for pair in latin_pairs(text):
                expected.setdefault(pair, set()).add(number)
    assert len(expected) > 100 and any(len(holders) > 1 for holders in expected.values())
    try:
        assert {pair: set(found.pair_documents(pair).tolist()) for pair in expected} == expected
        assert found.pair_documents("methadone_nowhere").tolist() == []
    finally:
        found.close()


def test_documents_are_split_into_segments_each_with_its_sidecar(tmp_path):
    documents = _documents(230, seed=3)
    assert _with_builder(tmp_path / "built", documents, per_segment=100) == 230
    generation, entries = read_segments(tmp_path / "built")
    assert sorted(entry.size for entry in entries) == [30, 100, 100]
    assert not list((tmp_path / "built").glob("*.tmp")), "no scratch folder left beside the segments"
    ids = []
    for entry in entries:
        found = sidecar.Sidecar.open(sidecar.path_for(tmp_path / "built", entry.id), entry.size)
        assert found is not None and found.stored is not None
        ids += found.stored["ids"]
        found.close()
    assert sorted(ids) == [d["id"] for d in documents]


def test_several_processes_write_the_same_documents(tmp_path):
    documents = _documents(300, seed=5)
    assert _with_builder(tmp_path / "built", documents, procs=2, per_segment=120) == 300
    _generation, entries = read_segments(tmp_path / "built")
    assert sum(entry.size for entry in entries) == 300
    ix = whoosh_index.open_dir(str(tmp_path / "built"))
    with ix.searcher() as searcher:
        assert sorted(searcher.document(id=d["id"])["id"] for d in documents) == [d["id"] for d in documents]


def test_a_failing_worker_stops_the_build_with_its_error(tmp_path):
    documents = _documents(120, seed=9)
    documents[70]["no_such_field"] = "x"
    with pytest.raises(segments.BuildError, match="no_such_field"):
        _with_builder(tmp_path / "built", documents, procs=2)
    with pytest.raises(ValueError, match="no_such_field"):
        _with_builder(tmp_path / "alone", documents)


def test_a_worker_that_dies_without_a_word_stops_the_build(tmp_path, monkeypatch):
    """Killed, or out of memory: no report, only an exit code; the build must not wait forever."""
    import os

    original = SegmentBuilder.add_document

    def dies_at_the_sixtieth(self, fields):
        if fields["id"] == "svc-00060":
            os._exit(3)
        original(self, fields)

    monkeypatch.setattr(SegmentBuilder, "add_document", dies_at_the_sixtieth)
    with pytest.raises(segments.BuildError, match="exit code 3"):
        _with_builder(tmp_path / "built", _documents(400, seed=9), procs=2)


def test_fields_the_builder_cannot_write_are_refused(tmp_path):
    from whoosh.fields import TEXT, Schema

    with pytest.raises(ValueError, match="vectors"):
        SegmentBuilder(tmp_path, Schema(body=TEXT(vector=True)))
    with pytest.raises(ValueError, match="format Positions"):  # positions: Whoosh's TEXT default
        SegmentBuilder(tmp_path, Schema(body=TEXT()))


def test_whoosh_merges_built_segments_like_its_own(tmp_path):
    """Later changes go through Whoosh's writer, which merges small segments: segments written by
    the builder (short postings inlined in the term table) merge into what Whoosh's own give."""
    documents = _documents(260, seed=13)
    extra = _documents(270, seed=14)[260:]
    _with_whoosh(tmp_path / "whoosh", documents)
    _with_builder(tmp_path / "built", documents)
    for path in (tmp_path / "whoosh", tmp_path / "built"):
        writer = whoosh_index.open_dir(str(path)).writer()
        for document in extra:
            writer.add_document(**document)
        writer.commit(optimize=True)  # one segment: every posting read back and written again
        sidecar.write_missing(path)
    assert _contents(tmp_path / "built") == _contents(tmp_path / "whoosh")
    # The merged segment's sidecar, built from Whoosh's copy of each document's pairs column.
    merged = _sidecar_contents(tmp_path / "built")
    assert merged == _sidecar_contents(tmp_path / "whoosh") and merged["pairs"][0]


def test_text_facet_and_key_fields_count_words_as_whooshs_formats_do():
    """``SearchText``, ``FacetField`` and ``KeyField`` count the words themselves; Whoosh's format
    over the token stream must give the same terms, counts, weights and values (facet values as
    imports leave them too: spaces, empty parts, repeats)."""
    from whoosh.fields import FieldType

    schema = build_schema()
    fields = ("name", "organization", "terms", "body", "places", "id", "organization_id") + FACET_FIELDS
    odd = {"category": " a , b,,a ,", "area": ",", "language": "zh, zh ,en", "cost": " ", "status": "ÉTÉ,été",
           "id": " a b,c ", "organization_id": ""}
    checked = 0
    for document in _documents(150, seed=21) + [odd]:
        for name in fields:
            if name in document:
                field = schema[name]
                ours = sorted(field.index(document[name]))
                assert ours == sorted(FieldType.index(field, document[name])), (name, document[name])
                checked += bool(ours)
    assert checked > 1500
