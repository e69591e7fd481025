"""Per-segment sidecars (issue 11, cold speed): a word never searched before is read from a file
written once per index segment instead of being decoded from Whoosh's postings. What a reader
relies on: the same hits in the same order, cold or warm, with or without sidecars; a change is
found through its new segment's sidecar; a damaged or missing sidecar is rewritten, never a failed
search; sidecars of segments merged away do not pile up."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.directory.models import Service
from portal.extensions import db
from portal.search import sidecar
from portal.search.engine import SearchEngine
from portal.search.query import SearchParams
from portal.search.searching import search
from portal.search.service import get_engine, get_index
from portal.search.whoosh_adapter import read_segments
from tests.helpers import rename_first_active_service, sidecar_contents

QUERIES = ("美沙酮", "detox", "respite care", "戒毒 服务", '"mental health"', "housing support", "metadone",
           "社区 精神 康复", "free counselling for young people")


def _outcome(engine, q: str):
    result = search(engine, SearchParams(q=q, per_page=20))
    return result.total, [h.service_id for h in result.hits], result.corrected_query, result.facets


def _sidecar_names(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.name.endswith(sidecar.SUFFIX)}


def _segment_sidecars(index_dir: Path) -> set[str]:
    return {sidecar.path_for(index_dir, entry.id).name for entry in read_segments(index_dir)[1]}


def test_a_cold_query_finds_the_same_services_in_the_same_order_as_a_warm_one_and_as_without_sidecars(
        app, monkeypatch):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    assert _sidecar_names(index_dir) == _segment_sidecars(index_dir), "the rebuild wrote one per segment"
    read_from_whoosh = []
    original_columns = sidecar.stored_columns
    monkeypatch.setattr(sidecar, "stored_columns", lambda reader: read_from_whoosh.append(1) or original_columns(reader))
    with app.test_request_context():
        engine = SearchEngine(index_dir)
        warm = {q: _outcome(engine, q) for q in QUERIES}
        # Opening the segments took their stored columns (ids, dates, points, hours) from the
        # sidecars, not from Whoosh's stored fields; and they are the same.
        assert read_from_whoosh == []
        for segment, _offset, _deleted in engine.snapshot().segments:
            columns = original_columns(segment.reader)
            assert (segment.ids, segment.verified, segment.points, segment.hours) == tuple(
                columns[name] for name in sidecar.STORED)
        assert warm == {q: _outcome(engine, q) for q in QUERIES}
        cold = {}
        for q in QUERIES:
            engine.snapshot().forget_words()
            cold[q] = _outcome(engine, q)
        assert cold == warm
        assert any(total for total, *_ in warm.values())

        def no_sidecar(path, reader):
            raise OSError("sidecars switched off for this comparison")

        monkeypatch.setattr(sidecar, "ensure", no_sidecar)
        decoding = SearchEngine(index_dir)  # decodes every word from Whoosh's postings
        assert {q: _outcome(decoding, q) for q in QUERIES} == warm


def _rename_first_service(app, new_name: str) -> str:
    return rename_first_active_service(app, new_name, field="name_en")


def test_a_changed_service_is_found_through_its_new_segments_sidecar(app):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    before = _segment_sidecars(index_dir)
    with app.test_request_context():
        get_engine().snapshot()  # a searcher open before the change, as in a running server
    service_id = _rename_first_service(app, "Qzxsidecar harbour")
    after = _segment_sidecars(index_dir)
    assert after - before, "the change was written as a new segment"
    assert _sidecar_names(index_dir) == after, "the writer wrote its sidecar (and kept no stale one)"
    with app.test_request_context():
        snap = get_engine().snapshot()
        snap.forget_words()
        assert [h.service_id for h in search(get_engine(), SearchParams(q="qzxsidecar")).hits] == [service_id]
        holders = [s for s, _o, _d in snap.segments if s.postings("qzxsidecar").having]
        assert len(holders) == 1 and holders[0]._sidecar is not None


@pytest.mark.parametrize("damage", ["missing", "cut short", "flipped bytes", "pair documents"])
def test_a_damaged_or_missing_sidecar_is_rewritten_and_the_search_still_answers(app, damage):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    with app.test_request_context():
        expected = {q: _outcome(SearchEngine(index_dir), q) for q in QUERIES}
    biggest = max((index_dir / name for name in _sidecar_names(index_dir)), key=lambda p: p.stat().st_size)
    data, contents = biggest.read_bytes(), sidecar_contents(biggest)
    if damage == "missing":
        biggest.unlink()
    elif damage == "cut short":
        biggest.write_bytes(data[: len(data) // 2])
    elif damage == "flipped bytes":  # every entry's bytes changed, the header and table intact: found when a word is read
        damaged = bytearray(data)
        for at in range(len(sidecar.MAGIC) + 4, len(data) // 3, 7):
            damaged[at] ^= 0x5A
        biggest.write_bytes(bytes(damaged))
    else:  # the word pairs' documents point past the segment: found when a phrase is looked up
        with open(biggest, "rb") as file:
            offset, keys, postings, _crc = sidecar._read_table(file)["pairs"]
        damaged = bytearray(data)
        for at in range(offset + 12 * keys + 3, offset + 12 * keys + 4 * postings, 4):
            damaged[at] ^= 0x5A
        biggest.write_bytes(bytes(damaged))
    with app.test_request_context():
        engine = SearchEngine(index_dir)
        assert {q: _outcome(engine, q) for q in QUERIES} == expected
    assert sidecar_contents(biggest) == contents, "rewritten as the writer had written it"


def test_sidecars_of_segments_merged_away_do_not_pile_up(app):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    stale = index_dir / f"MAIN_0123456789abcdef{sidecar.SUFFIX}"
    stale.write_bytes(b"left by a segment merged away")
    (index_dir / f".{stale.name}.4242.tmp").write_bytes(b"left by a crash while writing")
    with app.app_context():
        ids = list(db.session.scalars(select(Service.id).order_by(Service.id).limit(12)))
        for service_id in ids:  # one segment per change; Whoosh merges the small ones as they come
            get_index().apply(db.session, [service_id])
    names = {p.name for p in index_dir.iterdir() if sidecar.SUFFIX in p.name}
    assert names == _segment_sidecars(index_dir)


def test_ensure_writes_sidecars_of_an_older_format_before_a_searcher_needs_them(app, runner, monkeypatch):
    """After an upgrade that changes the sidecar format, ``flask index ensure`` (run by ``make
    run`` before the server starts) rewrites them, so no searcher has to at its first search."""
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    names = _sidecar_names(index_dir)
    written = {name: (index_dir / name).read_bytes() for name in names}
    contents = {name: sidecar_contents(index_dir / name) for name in names}
    for name in names:  # as an older version would have left them
        (index_dir / name).write_bytes(written[name].replace(sidecar._HEAD, sidecar.MAGIC + b"\0\0\0\0", 1))
    result = runner.invoke(args=["index", "ensure"])
    assert result.exit_code == 0, result.output
    assert {name: sidecar_contents(index_dir / name) for name in names} == contents

    def searcher_writes(path, reader):
        raise AssertionError(f"a searcher had to write {path.name}")

    monkeypatch.setattr(sidecar, "build", searcher_writes)
    with app.test_request_context():
        assert _outcome(SearchEngine(index_dir), "美沙酮")[0] > 0
