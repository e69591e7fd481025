"""The coordinator dashboard and its CSV export, the retention, drop-out and outcome report and the
upward counts export (coordinators see their area, admins everything)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..accounts.permissions import roles_required
from ..audit.models import record
from ..common import today
from ..directory.labels import NETWORK_LEVEL
from ..directory.models import AREA_LEVELS
from ..referrals import labels
from ..referrals.choices import term_labels
from . import figures, outcome_queries, retention, upward
from .csv_export import to_csv
from .queries import referral_rows, unmet_need_rows

bp = Blueprint("reports", __name__, url_prefix="/reports")

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


class RangeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    start = DateField(_l("Start date"), validators=[Optional()])
    end = DateField(_l("End date"), validators=[Optional()])


class ReportForm(RangeForm):
    """The period and the receiving organisation's department and network level."""

    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    network_level = SelectField(_l("Network level"), choices=[], validate_choice=False)


def _report_form() -> ReportForm:
    form = ReportForm(request.args)
    form.department.choices = [SelectChoice("", _l("All departments"))] + [
        SelectChoice(code, label) for code, label in term_labels("department").items()]
    form.network_level.choices = [SelectChoice("", _l("All levels"))] + [
        SelectChoice(code, NETWORK_LEVEL[code]) for code in AREA_LEVELS]
    return form


def _filters(form: ReportForm) -> outcome_queries.Filters:
    """The chosen department and level; a value not in the list is ignored, with why, next to it."""
    chosen = {}
    for field in (form.department, form.network_level):
        value = field.data or None
        if value is not None and value not in {choice.value for choice in field.choices}:
            field.errors = list(field.errors) + [str(_l("Choose one of the listed options."))]
            field.data, value = "", None
        chosen[field.name] = value
    return outcome_queries.Filters(**chosen)


def _has_errors(form) -> bool:
    return any(field.errors for field in form)


def _range(form=None, default_days: int = DEFAULT_DAYS):
    """The chosen period; bad input falls back to the last ``default_days`` days with the error
    next to the field."""
    form = form if form is not None else RangeForm(request.args)
    form.validate()
    end = form.end.data if form.end.data and not form.end.errors else today()
    start = form.start.data if form.start.data and not form.start.errors else end - timedelta(days=default_days)
    if start > end:
        form.start.errors = list(form.start.errors) + [str(_l("The start must be on or before the end."))]
        start = end - timedelta(days=default_days)
    if (end - start).days > MAX_DAYS:
        form.start.errors = list(form.start.errors) + [str(_l("Choose at most three years."))]
        start = end - timedelta(days=MAX_DAYS)
    form.start.data, form.end.data = start, end
    return form, start, end


STEP_LABELS = {
    "sent": _l("Sent"), "acknowledged": _l("Acknowledged"), "accepted": _l("Accepted"), "connected": _l("Connected"),
    "before_acknowledgement": _l("Before acknowledgement"), "at_response": _l("At the receiver's answer"),
    "before_connection": _l("Accepted, never connected"), "after_connection": _l("After connection"),
}


@bp.route("/")
@roles_required("coordinator", "admin")
def dashboard():
    form, start, end = _range(_report_form())
    return _dashboard(form, start, end, _filters(form))


def _dashboard(form, start, end, filters):
    rows = referral_rows(current_user, start, end, filters.department, filters.network_level)
    categories = term_labels("category")
    stages = term_labels("care_stage")
    funnel = figures.funnel(rows)
    context = dict(
        form=form, rows=rows, funnel=funnel, funnel_max=max((n for _s, n in funnel), default=0),
        hours_to_acknowledge=figures.median_hours(rows, "sent_at", "acknowledged_at"),
        hours_to_connect=figures.median_hours(rows, "sent_at", "connected_at"),
        dropout_steps=figures.dropout_by_step(rows),
        by_service=figures.dropout_by(rows, lambda r: r["service"] + " · " + r["organization"])[:15],
        by_category=figures.dropout_by(rows, lambda r: [categories.get(c, c) for c in r["needs"]])[:15],
        by_stage=figures.dropout_by(rows, lambda r: stages.get(r["to_stage"], r["to_stage"]) if r["to_stage"] else None),
        declines=figures.decline_reasons(rows),
        unmet=figures.unmet_by_district(
            [(d, categories.get(c, c)) for d, c in unmet_need_rows(current_user, start, end)])[:30],
        bar=figures.bar_width, step_labels=STEP_LABELS,
        by_department=figures.by_department_and_level(rows), department_labels=term_labels("department"),
        level_labels=NETWORK_LEVEL, filters=filters,
    )
    return render_template("reports/dashboard.html", **context)


CSV_HEADER = {
    "referral_id": _l("Referral ID"), "client_code": _l("Client code"), "district": _l("District"),
    "from_organization": _l("Referring organisation"), "service": _l("Service"),
    "organization": _l("Receiving organisation"), "needs": _l("Needs"), "urgency": _l("Urgency"),
    "status": _l("Status"), "sent_at": _l("Sent on"), "acknowledged_at": _l("Acknowledged on"),
    "accepted_at": _l("Accepted on"), "connected_at": _l("Connected on"), "closed_at": _l("Closed on"),
    "decline_reason": _l("Reason for declining"), "declined_by": _l("Declined by"),
    "not_connected_reason": _l("Reason not connected"),
}


def _csv_header() -> dict:
    return {column: str(label) for column, label in CSV_HEADER.items()}


def _csv_values() -> dict:
    def words(labels: dict) -> dict:
        return {code: str(label) for code, label in labels.items()}

    return {"needs": {code: str(label) for code, label in term_labels("category").items()},
            "urgency": words(labels.URGENCY), "status": words(labels.STATUS),
            "decline_reason": words(labels.DECLINE_REASON), "declined_by": words(labels.DECLINED_BY),
            "not_connected_reason": words(labels.NOT_CONNECTED_REASON)}


@bp.route("/export.csv")
@roles_required("coordinator", "admin")
def export_csv():
    form, start, end = _range(_report_form())
    filters = _filters(form)
    if _has_errors(form):
        # Not a file for another period than the one asked for: the dashboard, with why, next to the field.
        return _dashboard(form, start, end, filters), 400
    rows = referral_rows(current_user, start, end, filters.department, filters.network_level)
    record("referrals_exported", user_id=current_user.id, record_type="report", record_id="referrals",
           changes={"rows": len(rows), "start": start.isoformat(), "end": end.isoformat()})
    if request.args.get("codes"):  # for programs and upward reporting: column and value codes
        body = to_csv(rows)
    else:
        body = to_csv(rows, _csv_header(), _csv_values())
    filename = f"referrals_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- retention, drop-out and outcomes (issue 16) -----------------------------------------------------

RETENTION_DEFAULT_DAYS = 2 * 365  # long enough for people who started to reach their 12-month mark
CHECKPOINT_LABELS = {3: _l("3 months"), 6: _l("6 months"), 12: _l("12 months")}


@bp.route("/retention")
@roles_required("coordinator", "admin")
def retention_report():
    form, start, end = _range(_report_form(), RETENTION_DEFAULT_DAYS)
    return _retention_page(form, start, end, _filters(form))


def _retention_page(form, start, end, filters):
    as_of = today()
    cohort = outcome_queries.cohort_rows(current_user, start, end, filters)
    answered = outcome_queries.answered_follow_ups(current_user, start, end, filters)
    activity = outcome_queries.activity_rows(current_user, start, end, filters)
    stages, departments = term_labels("care_stage"), term_labels("department")
    positions = outcome_queries.stage_positions()
    dropouts = retention.first_dropouts(answered, start, end)

    not_stated = str(_l("Not stated"))

    def stage_of(row):
        return stages.get(row["stage"], row["stage"]) if row["stage"] else not_stated

    def department_of(row):
        return departments.get(row["department"], row["department"]) if row["department"] else not_stated

    context = dict(
        form=form, start=start, end=end, as_of=as_of, months=retention.MONTHS, checkpoint_labels=CHECKPOINT_LABELS,
        total=retention.retention_summary(cohort, as_of),
        by_service=retention.retention_by(cohort, lambda r: r["service"], as_of),
        by_stage=retention.retention_by(cohort, stage_of, as_of),
        by_department=retention.retention_by(cohort, department_of, as_of),
        dropouts=len(dropouts),
        dropouts_by_stage=retention.count_by(dropouts, stage_of),
        dropouts_by_reason=[(labels.label(labels.DROPOUT_BARRIER, code) if code != retention.NOT_RECORDED
                             else str(_l("Reason not recorded")), n)
                            for code, n in retention.count_by(dropouts, lambda r: r["barrier"])],
        stay_reasons=[(labels.label(labels.STAY_REASON, code), n)
                      for code, n in retention.stay_reasons(answered, start, end)],
        moves=[{**m, "from": stages.get(m["from"], m["from"]), "to": stages.get(m["to"], m["to"])}
               for m in retention.stage_moves(activity, positions)],
        employment=retention.employment_people(activity),
        rehabilitation=retention.rehabilitation(activity),
        bar=figures.bar_width,
    )
    return render_template("reports/retention.html", **context)


@bp.route("/upward.csv")
@roles_required("coordinator", "admin")
def upward_export():
    """The counts a district reports upward: per district × department × indicator, codes only."""
    form, start, end = _range(_report_form())
    if _has_errors(form):
        # The page the link came from, with why next to the field, rather than a file for another period.
        return _retention_page(form, start, end, _filters(form)), 400
    everything = outcome_queries.Filters()
    table = upward.counts(
        activity=outcome_queries.activity_rows(current_user, start, end, everything),
        cohort=outcome_queries.cohort_rows(current_user, start, end, everything),
        answered=outcome_queries.answered_follow_ups(current_user, start, end, everything),
        follow_ups=outcome_queries.follow_up_rows(current_user, start, end),
        start=start, end=end, as_of=today(), positions=outcome_queries.stage_positions())
    rows = upward.rows(table, start, end)
    record("counts_exported", user_id=current_user.id, record_type="report", record_id="upward",
           changes={"rows": len(rows), "start": start.isoformat(), "end": end.isoformat()})
    filename = f"upward_counts_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(to_csv(rows, columns=upward.COLUMNS), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
