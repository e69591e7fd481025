"""The change feed's bookkeeping (portal/search/feed.py Position): numbers skipped below the
position are remembered as gaps until they appear or grow too old; the position survives a round
trip through its file."""
from __future__ import annotations

from portal.search.feed import Position, is_stale


def test_reading_in_order_moves_the_position_without_gaps():
    position = Position(last=10)
    position.advance([11, 12, 13], now=100.0, gap_seconds=60)
    assert (position.last, position.gaps) == (13, {})


def test_a_number_skipped_is_remembered_and_forgotten_once_it_appears():
    position = Position(last=10)
    position.advance([11, 13, 15], now=100.0, gap_seconds=60)
    assert position.last == 15 and sorted(position.gaps) == [12, 14]
    position.advance([12], now=110.0, gap_seconds=60)  # the slower transaction committed
    assert position.last == 15 and sorted(position.gaps) == [14]


def test_a_gap_older_than_the_grace_is_given_up():
    position = Position(last=10)
    position.advance([12], now=100.0, gap_seconds=60)
    position.advance([], now=160.0, gap_seconds=60)
    assert 11 in position.gaps
    position.advance([], now=161.0, gap_seconds=60)  # a rollback: it never comes
    assert position.gaps == {}


def test_the_position_round_trips_through_its_file(tmp_path):
    position = Position(last=7, gaps={5: 1.5}, followed_at=2.0)
    position.save(tmp_path)
    assert Position.load(tmp_path) == position
    assert Position.load(tmp_path / "missing") is None


def test_a_copy_that_has_not_followed_within_the_window_is_stale():
    assert is_stale(None, 7)
    assert not is_stale(Position(followed_at=1000.0), 7, now=1000.0 + 7 * 86400)
    assert is_stale(Position(followed_at=1000.0), 7, now=1000.0 + 7 * 86400 + 1)
