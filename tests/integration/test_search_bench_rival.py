"""The search benchmark's FTS5 rival (``bench/search_rivals.py``) reads the services as the portal's
index does and answers the same question. The benchmark only prints figures; this keeps it
running (a renamed helper of the index once broke it without any test noticing) and its
answers comparable with the portal's."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portal.extensions import db
from portal.search.query import SearchParams
from portal.search.service import get_index, run_search

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def rivals():
    sys.path.insert(0, str(BENCH))
    try:
        import search_rivals
        yield search_rivals
    finally:
        sys.path.remove(str(BENCH))


def test_the_fts5_rival_finds_what_the_portal_finds(world, rivals, tmp_path):
    org = world.organization()
    world.service(org, "Harbour methadone clinic")
    world.service(org, "Harbour drop-in")
    world.service(org, "美沙酮门诊")
    world.service(org, "Bakery")
    world.commit()
    get_index().rebuild(db.session)
    fts = rivals.Fts5(tmp_path / "fts.db")
    fts.build(db.session)
    with world.app.test_request_context():
        # 美沙酮 and methadone are one synonym group, in both systems.
        for query, expected in (("harbour", 2), ("bakery", 1), ("harbour clinic", 1), ("美沙酮", 2)):
            params = SearchParams(q=query, per_page=10)
            portal = run_search(params)
            total, ids = fts.query(params)
            assert total == expected and portal.all_words_total == expected, query
            assert set(ids) == {hit.service_id for hit in portal.hits[:expected]}, query
