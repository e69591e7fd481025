"""One definition of each relaxation (portal/matching/relax.py ``loosened``): loosening the intake
form's values (the results page) gives the same profile as loosening the parsed profile (the engine)."""
from __future__ import annotations

import pytest

from portal.matching.engine import Relaxation, relax
from portal.matching.operations import RELAX_RULES, apply_relaxation
from portal.matching.profile import Vocabulary, parse_profile
from portal.matching.relax import RELAXABLE, parse_relax_value, relax_value

VOCAB = Vocabulary(categories=frozenset({"x"}), area_ids={"C-01": 2})
RAW = {"needs": ["x"], "area": "C-01", "travel_km": "5", "remote_ok": False, "payment": ["free"],
       "urgency": "high"}


@pytest.mark.parametrize("relaxation", [Relaxation("distance", 2, 10.0), Relaxation("distance", 1, 2.5),
                                        Relaxation("remote", 1), Relaxation("payment", 3),
                                        Relaxation("urgency", 1)])
def test_the_results_page_and_the_engine_loosen_a_rule_the_same_way(relaxation):
    profile, errors = parse_profile(RAW, VOCAB)
    assert not errors
    from_form, errors = parse_profile(apply_relaxation(RAW, relax_value(relaxation)), VOCAB)
    assert not errors
    assert from_form == relax(profile, relaxation)
    assert from_form != profile


def test_every_relaxable_rule_is_offered_on_the_page():
    assert RELAX_RULES == tuple(RELAXABLE) == ("distance", "remote", "payment", "urgency")


@pytest.mark.parametrize("value", [None, "", "bogus", "distance", "distance:far", "distance:0", "distance:501",
                                   "distance:-3"])
def test_an_unknown_or_out_of_range_relaxation_changes_nothing(value):
    assert parse_relax_value(value) is None
    assert apply_relaxation(RAW, value) == RAW


# --- the count on each relaxation button (issue 12) ------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402

from portal.matching.engine import match  # noqa: E402

from .test_matching_engine import TODAY, directories, profiles  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories(), profiles)
def test_the_count_on_a_relax_button_is_what_the_relaxed_match_adds(d, profile):
    result = match(d, profile, today=TODAY, limit=None)
    before = {s.service.id for s in result.suggestions}
    for relaxation in result.relaxations:
        relaxed = match(d, relax(profile, relaxation), today=TODAY, limit=None)
        after = {s.service.id for s in relaxed.suggestions}
        assert before <= after, relaxation  # loosening a rule never loses a suggestion
        assert relaxation.adds == len(after - before) == relaxed.eligible_total - result.eligible_total > 0, \
            relaxation
