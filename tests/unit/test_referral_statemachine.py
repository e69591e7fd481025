"""The referral state machine and due times, without a database."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from portal.referrals.duetimes import add_working_days, due_at, parse_due_days
from portal.referrals.statemachine import (
    ACTIONS,
    CLOSED_STATUSES,
    STATUSES,
    Refusal,
    available_actions,
    check,
    reopen_target,
)

HAPPY_PATH = [("send", "sender", "draft", "sent"), ("acknowledge", "receiver", "sent", "acknowledged"),
              ("accept", "receiver", "acknowledged", "accepted"),
              ("connect", "receiver", "accepted", "connected"), ("complete", "receiver", "connected", "completed")]


@pytest.mark.parametrize("action, side, source, target", HAPPY_PATH)
def test_the_closed_loop_goes_from_draft_to_completed(action, side, source, target):
    values = {"first_attended_on": "2026-01-05"}
    result = check(source, action, {side}, values)
    assert (result.from_status, result.to_status) == (source, target)


def test_accepting_a_cancelled_referral_is_refused():
    with pytest.raises(Refusal) as refused:
        check("cancelled", "accept", {"receiver"})
    assert refused.value.code == "wrong_status" and refused.value.status == "cancelled"


def test_connecting_a_declined_referral_is_refused():
    with pytest.raises(Refusal) as refused:
        check("declined", "connect", {"receiver"}, {"first_attended_on": "2026-01-05"})
    assert refused.value.code == "wrong_status"


@pytest.mark.parametrize("action, side", [("accept", "sender"), ("acknowledge", "admin"), ("cancel", "receiver"),
                                          ("send", "receiver"), ("expire", "receiver")])
def test_the_wrong_side_is_refused(action, side):
    source = ACTIONS[action].sources[0]
    with pytest.raises(Refusal) as refused:
        check(source, action, {side}, {"note": "x", "reason": "no_capacity", "declined_by": "client"})
    assert refused.value.code == "wrong_side"


def test_the_sender_may_cancel_before_acceptance_but_not_after():
    for status in ("draft", "sent", "acknowledged", "waitlisted"):
        assert check(status, "cancel", {"sender"}).to_status == "cancelled"
    for status in ("accepted", "connected"):
        with pytest.raises(Refusal):
            check(status, "cancel", {"sender"})


def test_decline_needs_a_listed_reason_and_who_declined():
    with pytest.raises(Refusal) as missing:
        check("sent", "decline", {"receiver"}, {"declined_by": "client"})
    assert (missing.value.code, missing.value.detail) == ("missing", "reason")
    with pytest.raises(Refusal) as bad:
        check("sent", "decline", {"receiver"}, {"reason": "because", "declined_by": "client"})
    assert bad.value.code == "bad_value"
    with pytest.raises(Refusal):
        check("sent", "decline", {"receiver"}, {"reason": "no_capacity", "declined_by": "nobody"})
    assert check("sent", "decline", {"receiver"}, {"reason": "no_capacity", "declined_by": "client"}).to_status == "declined"


def test_not_connected_needs_a_listed_reason_and_connect_a_first_attended_date():
    with pytest.raises(Refusal):
        check("accepted", "not_connect", {"receiver"}, {"reason": "whatever"})
    with pytest.raises(Refusal) as missing:
        check("accepted", "connect", {"receiver"}, {})
    assert missing.value.detail == "first_attended_on"


def test_only_the_system_expires_and_only_unanswered_referrals():
    assert check("sent", "expire", {"system"}).to_status == "expired"
    assert check("acknowledged", "expire", {"system"}).to_status == "expired"
    with pytest.raises(Refusal):
        check("accepted", "expire", {"system"})


def test_entered_in_error_needs_a_note_and_is_final():
    with pytest.raises(Refusal):
        check("sent", "mark_entered_in_error", {"sender"}, {})
    assert check("sent", "mark_entered_in_error", {"admin"}, {"note": "wrong client"}).to_status == "entered_in_error"
    assert available_actions("entered_in_error", {"sender", "receiver", "admin"}) == []


@pytest.mark.parametrize("before, target", [("sent", "sent"), ("acknowledged", "sent"), ("waitlisted", "waitlisted"),
                                            ("accepted", "accepted"), ("connected", "connected"), (None, "sent")])
def test_reopen_goes_back_to_where_the_referral_stood(before, target):
    assert reopen_target(before) == target
    assert check("declined", "reopen", {"sender"}, {"note": "client changed mind"}, before).to_status == target


def test_every_closed_status_can_be_reopened_and_open_ones_cannot():
    for status in CLOSED_STATUSES:
        assert "reopen" in available_actions(status, {"sender"})
    for status in set(STATUSES) - set(CLOSED_STATUSES):
        assert "reopen" not in available_actions(status, {"sender", "receiver", "admin"})


def test_inbox_buttons_for_a_new_referral():
    assert available_actions("sent", {"receiver"}) == ["acknowledge", "accept", "waitlist", "decline"]
    assert available_actions("sent", {"sender"}) == ["cancel", "mark_entered_in_error"]


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
    assert add_working_days(friday, 1) == datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # Monday
    assert add_working_days(friday, 3).weekday() == 2  # Wednesday
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
    assert add_working_days(saturday, 1) == datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def test_due_times_follow_urgency_and_step():
    table = parse_due_days("urgent:1/1/3,routine:3/5/20")
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert due_at(monday, "urgent", "acknowledge", table).day == 24
    assert due_at(monday, "routine", "acknowledge", table).day == 26
    assert due_at(monday, "routine", None, table) is None
    assert due_at(monday, "priority", "acknowledge", table).day == 26  # unknown urgency: routine


def test_bad_due_day_settings_are_rejected():
    with pytest.raises(ValueError):
        parse_due_days("urgent:1/2")
    with pytest.raises(ValueError):
        parse_due_days("urgent:1/-2/3")
