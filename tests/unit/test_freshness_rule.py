"""Listing freshness, the one rule (portal/directory/freshness.py), pinned at its shipped boundary:
verified 180 days ago is fresh, 181 days ago is stale, never verified is stale. The matching engine's
explanation and score use the same rule; the pages, search and reminders are pinned in
tests/integration/test_freshness_everywhere.py."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Column, Date, MetaData, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.config import Config
from portal.directory import freshness
from portal.matching.engine import AreaFacts, Directory, Profile, ServiceFacts, match

TODAY = date(2026, 11, 23)


def test_the_shipped_threshold_is_180_days_and_the_configuration_uses_it():
    assert freshness.DEFAULT_STALE_AFTER_DAYS == 180
    assert Config().STALE_AFTER_DAYS == 180


def test_verified_180_days_ago_is_fresh_and_181_days_ago_is_stale():
    limit = freshness.DEFAULT_STALE_AFTER_DAYS
    assert not freshness.is_stale(TODAY - timedelta(days=180), TODAY, limit)
    assert freshness.is_stale(TODAY - timedelta(days=181), TODAY, limit)
    assert freshness.is_stale(None, TODAY, limit)
    assert not freshness.is_stale(TODAY, TODAY, limit)


def test_the_oldest_fresh_day_is_exactly_the_threshold_back():
    assert freshness.fresh_since(TODAY, 180) == TODAY - timedelta(days=180)


def test_the_sql_condition_is_the_same_rule():
    service = Table("service", MetaData(), Column("verified_on", Date))
    clause = freshness.stale_clause(service.c.verified_on, TODAY, 180)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(select(service).where(clause).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        assert "verified_on IS NULL OR service.verified_on < '2026-05-27'" in sql, sql
    assert TODAY - timedelta(days=180) == date(2026, 5, 27)


AREAS = {1: AreaFacts(1, "C", "city", None, 30.55, 114.30), 2: AreaFacts(2, "C-01", "district", 1, 30.55, 114.30)}


def _service(id: str, days: int | None) -> ServiceFacts:
    return ServiceFacts(id=id, organization_id=f"org-{id}", name_en=id, categories=frozenset({"x"}),
                        points=((30.55, 114.30),), location_district_ids=frozenset({2}),
                        verified_on=None if days is None else TODAY - timedelta(days=days))


def _explained(days: int | None) -> tuple[str, tuple]:
    directory = Directory((_service("s", days),), AREAS, {})
    result = match(directory, Profile(needs=("x",), area_id=2), today=TODAY, limit=None)
    part = result.suggestions[0].parts[-1]
    return part.key, part.params


def test_matching_explains_day_180_as_verified_and_day_181_as_stale():
    assert _explained(180) == ("verified", (("days", 180),))
    assert _explained(181) == ("stale", (("days", 181),))
    assert _explained(None) == ("never_verified", ())


def test_matching_uses_the_shipped_threshold_unless_told_otherwise():
    directory = Directory((_service("s", 100),), AREAS, {})
    strict = match(directory, Profile(needs=("x",), area_id=2), today=TODAY, stale_after_days=99, limit=None)
    assert strict.suggestions[0].parts[-1].key == "stale"


def test_matching_ranks_a_listing_just_past_the_threshold_above_one_never_verified():
    directory = Directory((_service("old", 181), _service("never", None)), AREAS, {})
    result = match(directory, Profile(needs=("x",), area_id=2), today=TODAY, limit=None)
    by_id = {s.service.id: s.breakdown["freshness"] for s in result.suggestions}
    assert by_id["old"] > by_id["never"] == 0.0
