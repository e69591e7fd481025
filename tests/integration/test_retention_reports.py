"""The retention, drop-out and outcome report and the upward export over a hand-built cohort.

Every expected number is written down by hand, person by person, below (``EXPECTED``), and the
test counts from that table, not from the report's own rule.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta, timezone

import pytest

from portal.common import today
from portal.directory.models import Attribute
from portal.extensions import db
from portal.referrals.duetimes import add_months
from portal.referrals.models import FollowUp

T = today()
S = add_months(T, -13)  # first attendance of the main cohort: every mark (3, 6, 12 months) has passed
START, END = add_months(S, -1), T  # the report period: the cohort's first attendances are in it


def at(day):
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


def stage(service, code):
    """Link ``service`` to the care stage ``code`` (the installed vocabulary's term)."""
    from tests.factories import term

    row = term("care_stage", code)
    db.session.add(Attribute(service_id=service.id, taxonomy_term_id=row.id, value="serves"))
    db.session.flush()
    return row


def follow_up(referral, done_on, in_treatment, barrier=None, stay=None, due_on=None):
    row = FollowUp(client_id=referral.client_id, referral_id=referral.id, due_on=due_on or done_on,
                   done_on=done_on, in_treatment=in_treatment, barrier=barrier, stay_reasons=stay)
    db.session.add(row)
    db.session.flush()
    return row


def connected(world, person, service, first_attended_on, **fields):
    fields.setdefault("status", "connected")
    # Every date is set from T, none from the clock: a run that passes midnight sees the same cohort.
    fields.setdefault("sent_at", at(first_attended_on - timedelta(days=3)))
    return world.referral(person, service, connected_at=at(first_attended_on), accepted_at=at(first_attended_on),
                          first_attended_on=first_attended_on, **fields)


# Person by person: the status at 3, 6 and 12 months as a reader of the definitions decides it.
EXPECTED = {
    # a follow-up exactly on the 3-month mark says "in treatment": retained
    "A": {3: "retained", 6: "retained", 12: "retained"},
    # out the day before the 3-month mark (and back later: retention is continuous)
    "B": {3: "dropped", 6: "dropped", 12: "dropped"},
    # nothing recorded after the first month: unknown at every mark
    "C": {3: "unknown", 6: "unknown", 12: "unknown"},
    # started a month ago: no mark has come yet
    "D": {3: "not_due", 6: "not_due", 12: "not_due"},
    # in at 3 months, out after 6
    "E": {3: "retained", 6: "dropped", 12: "dropped"},
    # "out" recorded on the 3-month mark itself
    "F": {3: "dropped", 6: "dropped", 12: "dropped"},
    # "in" the day before the mark, nothing after: not retained, unknown
    "G": {3: "unknown", 6: "unknown", 12: "unknown"},
    # started 40 days ago; their care already ended (completed, not connected): no mark yet
    "H": {3: "not_due", 6: "not_due", 12: "not_due"},
    "I": {3: "not_due", 6: "not_due", 12: "not_due"},
}
HEALTH_PEOPLE = ("A", "B", "C", "D", "E", "G")  # F, H and I are at the justice department's service
JUSTICE_PEOPLE = ("F", "H", "I")


@pytest.fixture
def cohort(world):
    district = world.area("district", name="甲区")
    other_district = world.area("district", name="乙区")
    street = world.area("street", parent=district)
    sender = world.organization("转出社工站")
    clinic = world.organization("美沙酮门诊", department="health", network_level="district")
    station = world.organization("司法社工站", department="justice", network_level="street")
    jobs = world.organization("就业服务中心", department="human_resources", network_level="street")
    mmt = world.service(clinic, "美沙酮维持治疗")
    stage(mmt, "maintenance_treatment")
    relapse = world.service(station, "预防复吸小组")
    stage(relapse, "relapse_prevention_reintegration")
    employment = world.service(jobs, "支持性就业", categories=("supported_employment",))
    coordinator = world.user("coordinator", area_=district)
    people = {name: world.client(sender, street, code=f"RX{name}0001") for name in EXPECTED}
    m3, m6, m12 = (add_months(S, m) for m in (3, 6, 12))
    r = {}
    r["A"] = connected(world, people["A"], mmt, S)
    follow_up(r["A"], m3, True, stay="heroin_free_life,family")
    follow_up(r["A"], m6 + timedelta(days=5), True, stay="family")
    follow_up(r["A"], m12 + timedelta(days=3), True)
    r["B"] = connected(world, people["B"], mmt, S)
    follow_up(r["B"], m3 - timedelta(days=1), False, barrier="fear_methadone_harmful")
    follow_up(r["B"], add_months(S, 4), True)
    r["C"] = connected(world, people["C"], mmt, S)
    follow_up(r["C"], add_months(S, 1), True)
    r["D"] = connected(world, people["D"], mmt, add_months(T, -1))
    r["E"] = connected(world, people["E"], mmt, S)
    follow_up(r["E"], m3 + timedelta(days=10), True, stay="family,work")
    follow_up(r["E"], m6 + timedelta(days=2), False, barrier="poor_staff_relationship")
    follow_up(r["E"], add_months(S, 7), False, barrier="cost")  # the same drop-out, not a second one
    r["F"] = connected(world, people["F"], relapse, S, from_stage="maintenance_treatment",
                       to_stage="relapse_prevention_reintegration")
    follow_up(r["F"], m3, False)  # no reason recorded
    r["G"] = connected(world, people["G"], mmt, S)
    follow_up(r["G"], m3 - timedelta(days=1), True)
    # Not counted: a void referral, and one in a district the coordinator does not look after.
    void = connected(world, world.client(sender, street), mmt, S, status="entered_in_error")
    follow_up(void, m3, False, barrier="stigma")
    elsewhere = connected(world, world.client(sender, other_district), mmt, S)
    follow_up(elsewhere, m3, False, barrier="stigma")
    # Outcomes: employment connected in the period, one care completed, one ended "not connected".
    worker_person = world.client(sender, street)
    world.referral(worker_person, employment, status="connected", sent_at=at(T - timedelta(days=12)),
                   connected_at=at(T - timedelta(days=10)), first_attended_on=None)
    connected(world, people["H"], relapse, T - timedelta(days=40), status="completed",
              closed_at=at(T - timedelta(days=5)))
    connected(world, people["I"], relapse, T - timedelta(days=40), status="not_connected",
              closed_at=at(T - timedelta(days=3)))
    # An overdue follow-up of the person only, and one done in the period.
    db.session.add(FollowUp(client_id=people["C"].id, due_on=T - timedelta(days=20)))
    world.commit()
    return {"coordinator": coordinator, "district": district, "people": people, "referrals": r,
            "other_district": other_district}


def expected_counts(names, months):
    statuses = [EXPECTED[n][months] for n in names]
    counts = {s: statuses.count(s) for s in ("retained", "dropped", "unknown", "not_due")}
    counts["reached"] = counts["retained"] + counts["dropped"] + counts["unknown"]
    return counts


def cell_counts(html: str, months: int, scope: str | None = None) -> dict:
    """The data-* counts of the first retention cell for ``months`` (after the element with id ``scope``)."""
    part = html[html.index(f'id="{scope}"'):] if scope else html
    tag = re.search(rf'data-months="{months}" data-retained="(\d+)" data-dropped="(\d+)" '
                    rf'data-unknown="(\d+)" data-not-due="(\d+)"', part)
    retained, dropped, unknown, not_due = (int(g) for g in tag.groups())
    return {"retained": retained, "dropped": dropped, "unknown": unknown, "not_due": not_due,
            "reached": retained + dropped + unknown}


def table_row(html: str, table_id: str, name: str) -> str:
    """The ``<tr>`` of the table ``table_id`` whose first cell is ``name``."""
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return next(row for row in table.split("<tr>") if f"<td>{name}" in row)


def page(world, user, **query):
    params = {"start": START.isoformat(), "end": END.isoformat(), **query}
    http = world.sign_in(user)
    response = http.get("/reports/retention", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_retention_equals_the_counts_of_the_hand_built_cohort(world, cohort):
    html = page(world, cohort["coordinator"], lang="en")
    for months in (3, 6, 12):
        assert cell_counts(html, months, "retention-total") == expected_counts(EXPECTED, months), months
    # Per service and per stage: the methadone clinic has everyone but F, who is in relapse prevention.
    for months in (3, 6, 12):
        mmt = table_row(html, "retention-by-service", "美沙酮维持治疗 · 美沙酮门诊")
        assert cell_counts(mmt, months) == expected_counts(HEALTH_PEOPLE, months)
        relapse = table_row(html, "retention-by-stage", "Relapse prevention and reintegration")
        assert cell_counts(relapse, months) == expected_counts(JUSTICE_PEOPLE, months)
        health = table_row(html, "retention-by-department", "Health")
        assert cell_counts(health, months) == expected_counts(HEALTH_PEOPLE, months)
    # The 3-month rate: retained over everyone whose mark passed (unknown included, never as retained).
    three = expected_counts(EXPECTED, 3)
    assert f"{round(100 * three['retained'] / three['reached'])}%" in html[html.index('id="retention-total"'):]


def test_a_department_filter_keeps_only_that_departments_services(world, cohort):
    html = page(world, cohort["coordinator"], department="health")
    for months in (3, 6, 12):
        assert cell_counts(html, months, "retention-total") == expected_counts(HEALTH_PEOPLE, months)
    html = page(world, cohort["coordinator"], network_level="street")
    assert cell_counts(html, 3, "retention-total") == expected_counts(JUSTICE_PEOPLE, 3)


def test_an_unknown_filter_value_is_refused_next_to_the_field(world, cohort):
    html = page(world, cohort["coordinator"], department="no_such_department", lang="en")
    assert 'id="department-error"' in html and "Choose one of the listed options." in html
    # the filter is ignored, not applied to nothing
    assert cell_counts(html, 3, "retention-total") == expected_counts(EXPECTED, 3)


def test_dropouts_by_stage_and_reason_and_the_reasons_to_stay(world, cohort):
    html = page(world, cohort["coordinator"], lang="en")
    # B, E and F dropped out once each (E's second "out" is the same drop-out; void and elsewhere not seen).
    assert re.search(r'id="dropout-total">3<', html)
    reasons = html[html.index('id="dropouts-by-reason"'):html.index('id="stay-reasons"')]
    for label in ("Fears methadone is another harmful drug", "Poor relationship with staff", "Reason not recorded"):
        assert re.search(rf"<span>{label}</span>.*?<span class=\"count\">1</span>", reasons, re.S), label
    assert "Cost" not in reasons and "Stigma" not in reasons
    stages = html[html.index('id="dropouts-by-stage"'):html.index('id="dropouts-by-reason"')]
    assert re.search(r'data-count="2"><span>Maintenance treatment</span>', stages)
    assert re.search(r'data-count="1"><span>Relapse prevention and reintegration</span>', stages)
    stay = html[html.index('id="stay-reasons"'):]
    assert re.search(r'data-count="2"><span>Family</span>', stay)  # A twice and E: two people
    assert re.search(r'data-count="1"><span>A life free of heroin</span>', stay)


def test_outcome_indicators(world, cohort):
    html = page(world, cohort["coordinator"], lang="en")
    assert re.search(r'id="employment">People connected to employment<strong>1</strong>', html)
    assert 'data-completed="1" data-ended="2"' in html and "50%" in html[html.index('id="rehabilitation"'):]
    moves = html[html.index('id="stage-moves"'):]
    assert 'data-people="1"' in moves and "Forward" in moves


def test_an_empty_report_says_there_is_no_data_yet(world):
    coordinator = world.user("coordinator")
    html = page(world, coordinator, lang="en")
    assert 'id="retention-empty"' in html and "No data yet" in html
    assert re.search(r'id="dropout-total">0<', html)
    chinese = page(world, coordinator, lang="zh")
    assert "暂无数据" in chinese


def test_the_dashboard_has_department_and_level_columns_and_filters(world, cohort):
    http = world.sign_in(cohort["coordinator"])
    query = {"start": START.isoformat(), "end": END.isoformat(), "lang": "en"}
    html = http.get("/reports/", query_string=query).get_data(as_text=True)
    part = html[html.index('id="by-department"'):html.index('id="declines"')]
    assert re.search(r'data-department="health" data-level="district">.*?class="sent">6<', part, re.S)
    assert re.search(r'data-department="justice" data-level="street">.*?class="sent">3<', part, re.S)
    filtered = http.get("/reports/", query_string={**query, "network_level": "street"}).get_data(as_text=True)
    part = filtered[filtered.index('id="by-department"'):filtered.index('id="declines"')]
    assert 'data-department="health"' not in part and 'data-department="justice"' in part


def test_the_referral_csv_follows_the_dashboards_filters(world, cohort):
    http = world.sign_in(cohort["coordinator"])
    query = {"start": START.isoformat(), "end": END.isoformat(), "codes": "1"}
    text = http.get("/reports/export.csv", query_string={**query, "department": "justice"}).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(r["client_code"] for r in rows) == sorted(cohort["people"][n].code for n in JUSTICE_PEOPLE)
    refused = http.get("/reports/export.csv", query_string={**query, "network_level": "galaxy", "lang": "en"})
    assert refused.status_code == 400 and "Choose one of the listed options." in refused.get_data(as_text=True)


def _export(http, **query):
    return http.get("/reports/upward.csv", query_string=query)


def test_the_upward_export_has_the_counts_per_district_and_department_and_no_personal_data(world, cohort):
    http = world.sign_in(cohort["coordinator"])
    response = _export(http, start=START.isoformat(), end=END.isoformat())
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["period_start", "period_end", "district", "department", "indicator", "value"]
    district = cohort["district"].code
    value = {(r["district"], r["department"], r["indicator"]): int(r["value"]) for r in rows}
    for months in (3, 6, 12):
        counts = expected_counts(HEALTH_PEOPLE, months)
        for part in ("reached", "retained", "dropped", "unknown", "not_due"):
            assert value[(district, "health", f"retention_{months}m_{part}")] == counts[part], (months, part)
    assert value[(district, "health", "dropouts_fear_methadone_harmful")] == 1
    assert value[(district, "health", "dropouts_poor_staff_relationship")] == 1
    assert value[(district, "health", "dropouts_cost")] == 0
    assert value[(district, "justice", "dropouts_not_recorded")] == 1
    assert value[(district, "justice", "referrals_completed")] == 1
    assert value[(district, "human_resources", "employment_people")] == 1
    assert value[(district, "justice", "stage_moves_forward")] == 1
    # the person-level follow-up belongs to the recording organisation (no department: "unknown")
    assert value[(district, "unknown", "follow_ups_overdue")] == 1
    # the coordinator's area only, and codes only
    assert {r["district"] for r in rows} == {district}
    for person in cohort["people"].values():
        assert person.code not in text
    for name in ("美沙酮", "社工站", "甲区", "就业服务中心"):
        assert name not in text
    assert all(re.fullmatch(r"[a-z0-9_]+", r["indicator"]) and re.fullmatch(r"[A-Za-z0-9_-]+", r["district"])
               for r in rows)


def test_an_admin_exports_every_district(world, cohort):
    http = world.sign_in(world.user("admin"))
    text = _export(http, start=START.isoformat(), end=END.isoformat()).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    value = {(r["district"], r["department"], r["indicator"]): int(r["value"]) for r in rows}
    elsewhere = cohort["other_district"].code
    assert {r["district"] for r in rows} == {cohort["district"].code, elsewhere}
    assert value[(elsewhere, "health", "dropouts_stigma")] == 1  # the void referral's "out" is never counted
    assert value[(cohort["district"].code, "health", "dropouts_stigma")] == 0


@pytest.mark.parametrize("query, message", [
    ({"start": "2026-13-45"}, None),
    ({"start": "2026-06-01", "end": "2026-01-01"}, "The start must be on or before the end."),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose at most three years."),
])
def test_the_upward_export_refuses_a_bad_period_with_the_reason(world, query, message):
    http = world.sign_in(world.user("coordinator"))
    response = _export(http, lang="en", **query)
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'id="start-error"' in html
    if message:
        assert message in html


def test_the_report_and_export_are_for_coordinators_and_admins_only(world):
    org = world.organization()
    http = world.sign_in(world.user("worker", org=org))
    assert http.get("/reports/retention").status_code == 403
    assert http.get("/reports/upward.csv").status_code == 403
