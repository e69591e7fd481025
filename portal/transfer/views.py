"""Transfer criteria ticked on a referral, and the "time in current stage" report. Thin: parse,
check access, call one operation, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.permissions import refuse, roles_required
from ..common import today
from ..extensions import db
from ..referrals import choices, queries
from ..referrals.errors import ReferralError
from ..referrals.forms import MultiCheckboxField
from . import operations, stages

bp = Blueprint("transfer", __name__, url_prefix="/referrals")


class CriteriaForm(FlaskForm):
    criteria = MultiCheckboxField(_l("Transfer criteria met"), choices=[], validate_choice=False)


@bp.route("/<referral_id>/criteria", methods=["POST"])
@roles_required("worker", "agency")
def criteria(referral_id):
    referral = queries.visible_referral(current_user, referral_id)
    if referral is None or not operations.may_tick(current_user, referral):
        refuse(404)
    form = CriteriaForm()
    if not form.validate_on_submit():
        refuse(400)
    try:
        operations.set_met(current_user, referral, form.criteria.data or [])
    except ReferralError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("Transfer criteria saved."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id) + "#transfer-criteria")


@bp.route("/time-in-stage")
@roles_required("worker", "agency", "coordinator", "admin")
def time_in_stage():
    stuck_only = request.args.get("stuck") == "1"
    on = today()
    rows = stages.time_in_stage(current_user, on)
    stage_terms = choices.terms("care_stage")
    summary = stages.summary(rows, [code for code, _label in stage_terms])
    shown = [r for r in rows if r.stuck] if stuck_only else rows
    return render_template("referrals/time_in_stage.html", rows=shown, summary=summary, stuck_only=stuck_only,
                           stage_labels=dict(stage_terms), on=on, stuck_total=sum(s.stuck for s in summary))
