"""The retention rule and the drop-out and outcome figures as pure functions, at their boundaries."""
from __future__ import annotations

from datetime import date

import pytest

from portal.reports import retention, upward
from portal.reports.retention import DROPPED, NOT_DUE, RETAINED, UNKNOWN, retention_status

START = date(2025, 11, 30)  # + 3 months = 28 February 2026 (the month has no 30th)
MARK_3 = date(2026, 2, 28)
LATE = date(2027, 6, 1)  # long after every mark


@pytest.mark.parametrize("answers, expected", [
    ([(MARK_3, True)], RETAINED),  # a follow-up exactly on the mark counts
    ([(date(2026, 2, 27), True)], UNKNOWN),  # the day before does not
    ([], UNKNOWN),
    ([(date(2026, 3, 20), True), (date(2026, 5, 1), False)], RETAINED),  # left after the mark
    ([(date(2026, 1, 10), False), (date(2026, 3, 20), True)], DROPPED),  # out before the mark, back later
    ([(MARK_3, False), (date(2026, 4, 1), True)], DROPPED),  # the first answer on the mark says out
    ([(date(2026, 3, 1), None), (None, True)], UNKNOWN),  # no answer, or not done: not information
])
def test_the_three_month_status(answers, expected):
    assert retention_status(START, 3, answers, LATE) == expected


def test_a_mark_after_today_is_not_due_and_a_mark_today_is_due():
    assert retention_status(START, 3, [], date(2026, 2, 27)) == NOT_DUE
    assert retention_status(START, 3, [(MARK_3, True)], MARK_3) == RETAINED


def test_the_summary_counts_unknown_in_the_denominator_but_never_as_retained():
    rows = [{"first_attended_on": START, "answers": a} for a in (
        [(MARK_3, True)], [(MARK_3, True)], [(MARK_3, False)], [])]
    rows.append({"first_attended_on": date(2026, 5, 1), "answers": []})  # mark after the day of the report
    summary = retention.retention_summary(rows, date(2026, 3, 1))
    assert summary["people"] == 5
    assert summary[3] == {"retained": 2, "dropped": 1, "unknown": 1, "not_due": 1, "reached": 4, "rate": 50}
    assert summary[6]["reached"] == 0 and summary[6]["rate"] is None and summary[6]["not_due"] == 5


def test_retention_by_group_leaves_rows_without_a_group_out():
    rows = [{"first_attended_on": START, "answers": [], "service": s} for s in ("A", "A", "B", None)]
    table = retention.retention_by(rows, lambda r: r["service"], LATE)
    assert [(t["group"], t["people"]) for t in table] == [("A", 2), ("B", 1)]


def _fu(referral, done, flag, barrier=None, stay=(), id_=0):
    return {"referral_id": referral, "done_on": done, "in_treatment": flag, "barrier": barrier,
            "stay_reasons": list(stay), "id": id_}


def test_a_dropout_is_the_first_out_of_a_referral_and_counts_in_its_own_period():
    rows = [
        _fu("r1", date(2026, 1, 5), False, "cost", id_=2),
        _fu("r1", date(2026, 3, 5), False, "stigma", id_=3),  # same drop-out, later
        _fu("r2", date(2026, 3, 1), False, None, id_=4),
        _fu("r3", date(2026, 3, 1), True, id_=5),
    ]
    found = retention.first_dropouts(rows, date(2026, 3, 1), date(2026, 3, 31))
    assert [r["referral_id"] for r in found] == ["r2"]  # r1 dropped out before the period
    everything = retention.first_dropouts(rows, date(2026, 1, 1), date(2026, 3, 31))
    assert retention.count_by(everything, lambda r: r["barrier"]) == [("cost", 1), ("not_recorded", 1)]


def test_stay_reasons_count_each_referral_once_per_reason_within_the_period():
    rows = [
        _fu("r1", date(2026, 3, 1), True, stay=("family", "work")),
        _fu("r1", date(2026, 3, 20), True, stay=("family",)),
        _fu("r2", date(2026, 3, 2), True, stay=("family",)),
        _fu("r3", date(2026, 3, 2), False, stay=("work",)),  # out of treatment: not a reason to stay
        _fu("r4", date(2026, 2, 28), True, stay=("work",)),  # before the period
    ]
    assert retention.stay_reasons(rows, date(2026, 3, 1), date(2026, 3, 31)) == [("family", 2), ("work", 1)]


def test_stage_moves_count_people_and_say_which_way():
    positions = {"maintenance_treatment": 4, "relapse_prevention_reintegration": 5}
    rows = [
        {"client_id": "c1", "from_stage": "maintenance_treatment", "to_stage": "relapse_prevention_reintegration",
         "connected_in_period": True},
        {"client_id": "c1", "from_stage": "maintenance_treatment", "to_stage": "relapse_prevention_reintegration",
         "connected_in_period": True},  # the same person twice: one person
        {"client_id": "c2", "from_stage": "relapse_prevention_reintegration", "to_stage": "maintenance_treatment",
         "connected_in_period": True},
        {"client_id": "c3", "from_stage": "maintenance_treatment", "to_stage": "maintenance_treatment",
         "connected_in_period": True},  # no move
        {"client_id": "c4", "from_stage": "maintenance_treatment", "to_stage": "relapse_prevention_reintegration",
         "connected_in_period": False},  # not connected in the period
    ]
    assert retention.stage_moves(rows, positions) == [
        {"from": "maintenance_treatment", "to": "relapse_prevention_reintegration", "people": 1, "forward": True},
        {"from": "relapse_prevention_reintegration", "to": "maintenance_treatment", "people": 1, "forward": False},
    ]


def test_care_stage_employment_and_rehabilitation():
    assert retention.care_stage("employment", ["maintenance_treatment"]) == "employment"
    assert retention.care_stage(None, ["maintenance_treatment", "aftercare"]) == "maintenance_treatment"
    assert retention.care_stage(None, []) is None
    assert retention.is_employment(None, [], ["supported_employment"])
    assert retention.is_employment(None, ["employment"], [])
    assert not retention.is_employment("aftercare", ["aftercare"], ["counselling"])
    rows = [
        {"client_id": "a", "status": "completed", "closed_in_period": True, "connected_at": LATE},
        {"client_id": "b", "status": "not_connected", "closed_in_period": True, "connected_at": LATE},
        {"client_id": "c", "status": "not_connected", "closed_in_period": True, "connected_at": None},  # never connected
        {"client_id": "d", "status": "completed", "closed_in_period": False, "connected_at": LATE},
    ]
    assert retention.rehabilitation(rows) == {"completed": 1, "ended": 2, "people": 1, "rate": 50}
    assert retention.rehabilitation([])["rate"] is None


def test_the_upward_rows_list_every_indicator_per_district_and_department_in_codes():
    activity = [{"district": "D1", "department": "health", "client_id": "c1", "status": "completed",
                 "sent_in_period": True, "connected_in_period": True, "closed_in_period": True,
                 "connected_at": LATE, "employment": False, "from_stage": None, "to_stage": None}]
    cohort = [{"district": "D1", "department": None, "first_attended_on": START, "answers": [(MARK_3, True)]}]
    answered = [{**_fu("r1", date(2026, 3, 1), False, "feels_dependent"), "district": None, "department": "health"}]
    follow_ups = [{"district": "D1", "department": "health", "done_in_period": True, "overdue": False}]
    table = upward.counts(activity, cohort, answered, follow_ups, date(2026, 1, 1), date(2026, 3, 31), LATE, {})
    rows = upward.rows(table, date(2026, 1, 1), date(2026, 3, 31))
    value = {(r["district"], r["department"], r["indicator"]): r["value"] for r in rows}
    assert value[("D1", "health", "referrals_sent")] == 1 and value[("D1", "health", "referrals_completed")] == 1
    assert value[("D1", "health", "follow_ups_done")] == 1
    assert value[("D1", "unknown", "retention_3m_retained")] == 1
    assert value[("unknown", "health", "dropouts_feels_dependent")] == 1
    assert value[("unknown", "health", "dropouts_total")] == 1
    assert len(rows) == 3 * len(upward.INDICATORS)  # three pairs, every indicator listed, zeros included
    assert len(set(upward.INDICATORS)) == len(upward.INDICATORS)
