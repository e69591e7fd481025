"""The coordinator dashboard and its CSV export (coordinators see their area, admins everything)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from ..accounts.permissions import roles_required
from ..audit.models import record
from ..common import today
from ..referrals import labels
from ..referrals.choices import term_labels
from . import figures
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


def _range():
    """The chosen period; bad input falls back to the last 90 days with the error next to the field."""
    form = RangeForm(request.args)
    form.validate()
    end = form.end.data if form.end.data and not form.end.errors else today()
    start = form.start.data if form.start.data and not form.start.errors else end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        form.start.errors = list(form.start.errors) + [str(_l("The start must be on or before the end."))]
        start = end - timedelta(days=DEFAULT_DAYS)
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
    form, start, end = _range()
    return _dashboard(form, start, end)


def _dashboard(form, start, end):
    rows = referral_rows(current_user, start, end)
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
    form, start, end = _range()
    if form.start.errors or form.end.errors:
        # Not a file for another period than the one asked for: the dashboard, with why, next to the field.
        return _dashboard(form, start, end), 400
    rows = referral_rows(current_user, start, end)
    record("referrals_exported", user_id=current_user.id, record_type="report", record_id="referrals",
           changes={"rows": len(rows), "start": start.isoformat(), "end": end.isoformat()})
    if request.args.get("codes"):  # for programs and upward reporting: column and value codes
        body = to_csv(rows)
    else:
        body = to_csv(rows, _csv_header(), _csv_values())
    filename = f"referrals_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
