"""Cold-query speed (issue 11) must not change a single score: the precomputed per-word postings
(portal/search/postings.py), their sidecar files (portal/search/sidecar.py) and the faster set and
score arithmetic give exactly what the straightforward per-posting computation gave."""
from __future__ import annotations

import random
from array import array

import numpy as np
import pytest

from portal.search import bits, ranking, sidecar
from portal.search.documents import TEXT_FIELDS
from portal.search.postings import EMPTY, combine
from portal.search.ranking import field_norms


def _values(rng: random.Random, count: int) -> list[float]:
    values = {rng.random() * rng.choice([0.01, 1.0, 10.0, 100.0]) for _ in range(count)}
    # Values a few ulps apart, as float sums in another order give: where rounding could bend order.
    values |= {v * (1 + k * 1e-16) for v in list(values)[:10] for k in range(4)}
    return sorted(values)


def test_scores_of_many_values_are_those_of_one_value_at_a_time():
    rng = random.Random(11)
    for _ in range(400):
        values = _values(rng, rng.randint(1, 400))
        word_idf = rng.choice([ranking.MIN_IDF, 1.3, 7.9, rng.random() * 12])
        one_by_one = [ranking.units(v, word_idf) for v in values]
        assert ranking.units_array(np.array(values), word_idf).tolist() == one_by_one


def test_sets_built_from_many_ids_are_the_same_as_bit_by_bit():
    rng = random.Random(5)
    for size in (1, 7, 8, 9, 600, 10_000):
        for count in (0, 1, 513, size):
            ids = sorted(rng.sample(range(size), min(count, size)))
            expected = sum(1 << i for i in ids)
            assert bits.from_ids(ids, size) == expected
            assert bits.from_ids(array("I", ids), size) == expected
            assert bits.from_ids(iter(ids), size) == expected


def _random_fields(rng: random.Random, size: int) -> dict[str, tuple[list[int], list[float]]]:
    per_field = {}
    for field in TEXT_FIELDS:
        if rng.random() < 0.7:
            ids = sorted(rng.sample(range(size), rng.randint(1, size)))
            per_field[field] = (ids, [float(rng.randint(1, 4)) for _ in ids])
    return per_field


def _straightforward_units(per_field, lengths, word_idf: float) -> dict[int, int]:
    """The engine's computation before the sidecars: a pseudo-frequency per posting, then its score."""
    found: dict[int, float] = {}
    for field, (ids, freqs) in per_field.items():
        field_lengths = lengths[field]
        average = sum(field_lengths) / len(field_lengths)
        weight, b = ranking.WEIGHTS[field], ranking.B[field]
        per_length, base = b / average, 1.0 - b
        for doc, freq in zip(ids, freqs):
            found[doc] = found.get(doc, 0.0) + weight * freq / max(base + per_length * field_lengths[doc], 0.05)
    return {doc: ranking.units(value, word_idf) for doc, value in found.items()}


def test_scores_per_document_are_those_of_the_straightforward_per_posting_computation():
    rng = random.Random(3)
    for size in (1, 5, 300, 3000):
        lengths = {field: [rng.randint(1, 400) for _ in range(size)] for field in TEXT_FIELDS}
        norms = {field: field_norms(field, lengths[field]) for field in TEXT_FIELDS}
        for _ in range(5):
            per_field = _random_fields(rng, size)
            found = combine(per_field, norms, size)
            for word_idf in (ranking.MIN_IDF, 2.5, 9.0):
                docs, units = found.doc_units(word_idf)
                assert dict(zip(docs.tolist(), units.tolist())) == _straightforward_units(per_field, lengths, word_idf)
                assert len(docs) == len(set(docs.tolist()))
            for field in TEXT_FIELDS:
                assert found.fields.get(field, 0) == bits.from_ids(per_field.get(field, ([], []))[0], size)


def test_documents_are_ordered_by_pseudo_frequency_then_as_first_met_in_one_field_or_several():
    """Ranking reads ``order`` (and the sidecar stores it): the one-field path (most words) must
    order documents exactly as the several-field one does, ties included."""
    rng = random.Random(5)
    size = 400
    lengths = {field: [rng.randint(1, 30) for _ in range(size)] for field in TEXT_FIELDS}
    norms = {field: field_norms(field, lengths[field]) for field in TEXT_FIELDS}
    cases = [{field: ids_freqs} for field in TEXT_FIELDS for ids_freqs in
             (([7], [2.0]), (sorted(rng.sample(range(size), 60)), [float(rng.randint(1, 3)) for _ in range(60)]))]
    cases += [_random_fields(rng, size) for _ in range(20)]
    for per_field in cases:
        found: dict[int, float] = {}
        for field, (ids, freqs) in per_field.items():
            weight, norm = ranking.WEIGHTS[field], norms[field]
            for doc, freq in zip(ids, freqs):
                found[doc] = found[doc] + weight * freq / norm[doc] if doc in found else weight * freq / norm[doc]
        expected = sorted(found, key=found.__getitem__)
        got = combine(per_field, norms, size)
        assert got.order.tolist() == expected
        assert got.values.tolist() == sorted(set(found.values()))
        assert sum(got.counts) == len(expected) and got.pseudo_tf() == found


def test_common_words_combined_in_numpy_are_those_combined_in_python(monkeypatch):
    """Words of many postings are combined in numpy: the same floats, the same order (ties as
    first met), the same sets, for one field or several, with and without many ties."""
    from portal.search import postings

    rng = random.Random(12)
    size = 2000
    for tied in (False, True):
        lengths = {field: [rng.choice((5, 5, 9)) if tied else rng.randint(1, 300) for _ in range(size)]
                   for field in TEXT_FIELDS}
        norms = {field: field_norms(field, lengths[field]) for field in TEXT_FIELDS}
        cases = [_random_fields(rng, size) for _ in range(15)]
        cases += [{field: (sorted(rng.sample(range(size), 300)), [float(rng.randint(1, 2)) for _ in range(300)])}
                  for field in TEXT_FIELDS]
        for per_field in cases:
            monkeypatch.setattr(postings, "_MANY", 10**9)
            slow = combine(per_field, norms, size, keep_ids=True)
            monkeypatch.setattr(postings, "_MANY", 0)
            fast = combine(per_field, norms, size, keep_ids=True)
            assert (fast.order, fast.values, fast.counts, fast.fields) == (slow.order, slow.values, slow.counts,
                                                                          slow.fields)
            assert fast.ids == slow.ids and len(fast.order) > 0


def test_a_sidecar_written_from_kept_ids_is_the_one_written_from_the_sets(tmp_path):
    rng = random.Random(6)
    size = 5000
    norms = {field: field_norms(field, [rng.randint(1, 50) for _ in range(size)]) for field in TEXT_FIELDS}
    inputs = {f"w{n}": _random_fields(rng, size) for n in range(10)}
    inputs["rare"] = {"body": ([4, 4900], [1.0, 1.0]), "name": ([4999], [1.0])}
    written = []
    for keep in (False, True):
        path = tmp_path / f"{keep}{sidecar.SUFFIX}"
        words = {word: combine(per_field, norms, size, keep_ids=keep) for word, per_field in inputs.items()}
        assert all((found.ids is not None) == keep for found in words.values())
        sidecar.write(path, size, sorted(words), words.__getitem__, {})
        written.append(path.read_bytes())
    assert written[0] == written[1]


@pytest.fixture
def written(tmp_path):
    rng = random.Random(8)
    size = 700
    norms = {field: field_norms(field, [rng.randint(1, 50) for _ in range(size)]) for field in TEXT_FIELDS}
    words = {f"w{n}": combine(_random_fields(rng, size), norms, size) for n in range(30)}
    words["sparse"] = combine({"name": ([3, 650], [1.0, 2.0])}, norms, size)
    path = tmp_path / f"MAIN_abcdefgh12345678{sidecar.SUFFIX}"
    sidecar.write(path, size, sorted(words), words.__getitem__, {"meishatong": ["美沙酮"]})
    return path, size, words


def _same(a, b) -> bool:
    return a.fields == b.fields and a.order == b.order and a.values == b.values and a.counts == b.counts


def test_a_sidecar_gives_back_what_was_written_word_by_word(written):
    path, size, words = written
    opened = sidecar.Sidecar.open(path, size)
    assert opened.pinyin == {"meishatong": ["美沙酮"]}
    for word, found in words.items():
        assert _same(opened.get(word), found), word
    assert opened.get("never written") is EMPTY
    opened.close()


def test_a_sidecar_cut_short_or_of_another_segment_is_treated_as_missing(written):
    path, size, _words = written
    assert sidecar.Sidecar.open(path, size + 1) is None, "another segment's (size differs)"
    data = path.read_bytes()
    path.write_bytes(data[:-5])
    assert sidecar.Sidecar.open(path, size) is None
    path.write_bytes(b"")
    assert sidecar.Sidecar.open(path, size) is None
    assert sidecar.Sidecar.open(path.with_name("missing.portal"), size) is None


def test_a_damaged_entry_is_reported_not_misread(written):
    path, size, words = written
    data = bytearray(path.read_bytes())
    data[len(sidecar.MAGIC) + 4 + 10] ^= 0xFF  # inside the first word's entry
    path.write_bytes(bytes(data))
    opened = sidecar.Sidecar.open(path, size)
    with pytest.raises(sidecar.SidecarError):
        opened.get(sorted(words)[0])
    opened.close()


def test_a_sidecar_written_under_other_field_weights_is_treated_as_missing(written, monkeypatch):
    path, size, _words = written
    monkeypatch.setitem(ranking.WEIGHTS, "name", ranking.WEIGHTS["name"] + 1.0)
    assert sidecar.Sidecar.open(path, size) is None, "its pseudo-frequencies were computed with the old weights"
    monkeypatch.undo()
    reopened = sidecar.Sidecar.open(path, size)
    assert reopened is not None
    reopened.close()


def test_sets_as_flags_and_scores_as_slices_keep_every_document():
    rng = random.Random(9)
    for size in (1, 7, 8, 9, 700, 10_001):
        ids = sorted(rng.sample(range(size), rng.randint(0, size)))
        flags = bits.to_flags(bits.from_ids(ids, size), size)
        assert len(flags) == size and np.flatnonzero(flags).tolist() == ids
        scores = np.array([rng.choice([0, 1, 5, 1023, 70_000]) for _ in range(size)], dtype=np.int64)
        slices = bits.slices_of(scores)
        assert [bits.score_of(doc, slices) for doc in range(size)] == scores.tolist()


def test_a_sidecar_keeps_the_stored_columns_only_when_whole(tmp_path):
    columns = {"ids": ["a", "b", "c"], "verified": [0, 5, 7], "points": [[], [(31.2, 121.4)], []],
               "hours": [[], [], [(0, 540, 1020, None, 739000)]]}
    path = tmp_path / f"MAIN_abcdefgh12345678{sidecar.SUFFIX}"
    sidecar.write(path, 3, [], lambda word: EMPTY, {}, columns)
    opened = sidecar.Sidecar.open(path, 3)
    assert opened.stored == columns
    opened.close()
    for broken in ({**columns, "ids": ["a"]}, {k: v for k, v in columns.items() if k != "hours"}, None):
        sidecar.write(path, 3, [], lambda word: EMPTY, {}, broken)
        opened = sidecar.Sidecar.open(path, 3)
        assert opened.stored is None, broken  # the searcher reads Whoosh's stored fields instead
        opened.close()
