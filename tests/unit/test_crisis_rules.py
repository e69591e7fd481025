"""The crisis path's pure rules (issue 16): emergency due times in clock hours, pinned at their
boundaries and across a weekend; crisis lines and services open around the clock first when the
client is at risk or the case is urgent, with the reason said; a profile at risk needs a crisis line;
a match profile at risk suggests an emergency referral. The pages and the database side are in
tests/integration/test_crisis_path.py."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings

import portal.models as every_mapper  # so a Referral can be built
from portal.config import Config
from portal.matching.engine import Profile, match
from portal.matching.explain import sentence
from portal.matching.handover import URGENCY_FROM_REFERRAL, referral_urgency
from portal.matching.profile import Vocabulary, parse_profile
from portal.referrals.duetimes import (
    DEFAULT_DUE_HOURS,
    DEFAULT_DUE_WORKING_DAYS,
    due_at,
    due_table,
    parse_due_days,
    parse_due_hours,
)
from portal.referrals.models import Referral
from portal.referrals.statemachine import URGENCIES
from tests.unit.test_matching_engine import TODAY, directories, directory, ids, profiles, run, svc

assert every_mapper
UTC = timezone.utc
SHIPPED = due_table()
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FRIDAY_NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


# --- emergency due times: clock hours ------------------------------------------------------------

def test_emergency_is_the_most_pressing_urgency_and_ships_2_4_24_hours():
    assert URGENCIES[0] == "emergency"
    assert DEFAULT_DUE_HOURS == "emergency:2/4/24"
    assert Config().REFERRAL_DUE_HOURS == DEFAULT_DUE_HOURS
    assert SHIPPED["emergency"] == {"acknowledge": 2, "respond": 4, "connect": 24}
    # The working-day urgencies are untouched.
    assert {k: v for k, v in SHIPPED.items() if k != "emergency"} == parse_due_days(DEFAULT_DUE_WORKING_DAYS)


@pytest.mark.parametrize("step, hours", [("acknowledge", 2), ("respond", 4), ("connect", 24)])
def test_an_emergency_step_is_due_that_many_clock_hours_later(step, hours):
    assert due_at(WEDNESDAY, "emergency", step, SHIPPED) == WEDNESDAY + timedelta(hours=hours)


@pytest.mark.parametrize("step, due", [
    ("acknowledge", datetime(2026, 11, 28, 1, 0, tzinfo=UTC)),  # Saturday 01:00, not Monday
    ("respond", datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),
    ("connect", datetime(2026, 11, 28, 23, 0, tzinfo=UTC)),  # Saturday night
])
def test_a_crisis_does_not_wait_for_monday(step, due):
    assert due_at(FRIDAY_NIGHT, "emergency", step, SHIPPED) == due
    # An urgent referral sent at the same moment is due on Monday.
    assert due_at(FRIDAY_NIGHT, "urgent", "acknowledge", SHIPPED).weekday() == 0


def test_an_emergency_sent_on_friday_night_is_overdue_one_second_after_two_hours():
    due = due_at(FRIDAY_NIGHT, "emergency", "acknowledge", SHIPPED)
    referral = Referral(status="sent", urgency="emergency", due_at=due)
    assert not referral.is_overdue(FRIDAY_NIGHT + timedelta(hours=2))  # exactly at +2 h: still in time
    assert referral.is_overdue(FRIDAY_NIGHT + timedelta(hours=2, seconds=1))


def test_configured_hours_change_the_numbers_not_the_rule():
    table = due_table(DEFAULT_DUE_WORKING_DAYS, "emergency:1/3/12")
    assert due_at(FRIDAY_NIGHT, "emergency", "acknowledge", table) == FRIDAY_NIGHT + timedelta(hours=1)
    assert due_at(FRIDAY_NIGHT, "emergency", "connect", table) == FRIDAY_NIGHT + timedelta(hours=12)


def test_a_table_without_emergency_hours_uses_the_shipped_hours_never_routine_days():
    days_only = parse_due_days(DEFAULT_DUE_WORKING_DAYS)
    assert due_at(FRIDAY_NIGHT, "emergency", "acknowledge", days_only) == FRIDAY_NIGHT + timedelta(hours=2)


def test_hours_and_working_days_cannot_be_mixed_up_in_the_settings():
    with pytest.raises(ValueError, match="REFERRAL_DUE_HOURS"):
        parse_due_days("emergency:2/4/24,routine:3/5/20")
    with pytest.raises(ValueError, match="REFERRAL_DUE_WORKING_DAYS"):
        parse_due_hours("urgent:1/1/3")
    with pytest.raises(ValueError):
        parse_due_hours("emergency:2/4")


# --- handover between matching and referrals -------------------------------------------------------

def test_an_emergency_referral_matches_as_urgent_and_an_at_risk_profile_suggests_an_emergency():
    assert URGENCY_FROM_REFERRAL["emergency"] == "high"
    assert set(URGENCY_FROM_REFERRAL) == set(URGENCIES)
    assert referral_urgency(Profile(needs=("x",), at_risk=True)) == "emergency"
    assert referral_urgency(Profile(needs=("x",), urgency="high")) == "urgent"
    assert referral_urgency(Profile(needs=("x",))) == "routine"


# --- crisis lines and services open 24 hours first ------------------------------------------------

def _crisis_city():
    return directory(
        svc("near-counselling", "counselling", verified_on=TODAY),
        svc("far-24h-counselling", "counselling", at=6, always_open=True, verified_on=TODAY),
        svc("day-line", "counselling", "crisis_hotline", at=7, delivery_modes=frozenset({"phone"})),
        svc("night-line", "counselling", "crisis_hotline", at=6, delivery_modes=frozenset({"phone"}),
            always_open=True),
    )


def test_at_risk_puts_the_24_hour_crisis_line_then_other_lines_and_24_hour_services_first_with_reasons():
    d = _crisis_city()
    usual = run(d, "counselling")
    assert ids(usual)[0] == "near-counselling"  # not at risk: the nearest, best-scored service leads
    at_risk = run(d, "counselling", at_risk=True)
    order = ids(at_risk)
    assert order[0] == "night-line"
    assert set(order[1:3]) == {"day-line", "far-24h-counselling"}
    assert order[3] == "near-counselling"
    words = {s.service.id: sentence(s.parts) for s in at_risk.suggestions}
    assert "crisis line" in words["night-line"] and "open 24 hours" in words["night-line"]
    assert "crisis line" in words["day-line"] and "open 24 hours" not in words["day-line"]
    assert "open 24 hours" in words["far-24h-counselling"] and "crisis line" not in words["far-24h-counselling"]
    assert "crisis line" not in words["near-counselling"] and "open 24 hours" not in words["near-counselling"]
    # Nothing said about crisis when the client is not at risk.
    assert all("crisis line" not in sentence(s.parts) for s in usual.suggestions)


def test_an_urgent_case_ranks_the_same_way_as_a_client_at_risk():
    d = _crisis_city()
    assert ids(run(d, "counselling", urgency="high")) == ids(run(d, "counselling", at_risk=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories(), profiles)
def test_being_at_risk_changes_the_order_never_who_is_eligible(d, profile):
    calm = replace(profile, at_risk=False, urgency="normal")
    worried = replace(calm, at_risk=True)
    before = match(d, calm, today=TODAY, limit=None)
    after = match(d, worried, today=TODAY, limit=None)
    assert sorted(ids(before)) == sorted(ids(after))
    assert [e.service.id for e in before.exclusions] == [e.service.id for e in after.exclusions]
    # At risk: every crisis line or service open around the clock comes before every other one.
    first = [("crisis_hotline" in s.service.categories) or s.service.always_open for s in after.suggestions]
    assert first == sorted(first, reverse=True)


def test_a_profile_at_risk_needs_a_crisis_line_when_the_directory_has_the_category():
    vocab = Vocabulary(categories=frozenset({"counselling", "crisis_hotline"}), area_ids={"C-01": 2})
    profile, errors = parse_profile({"needs": ["counselling"], "area": "C-01", "at_risk": "y"}, vocab)
    assert errors == {} and profile.at_risk and profile.needs == ("counselling", "crisis_hotline")
    calm, _ = parse_profile({"needs": ["counselling"], "area": "C-01"}, vocab)
    assert not calm.at_risk and calm.needs == ("counselling",)
    bad, errors = parse_profile({"needs": ["counselling"], "area": "C-01", "at_risk": "maybe"}, vocab)
    assert bad is None and "at_risk" in errors
