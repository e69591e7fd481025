"""Closing-the-loop pages (loop.py): refer back from a referral, and edit its care plan. The referral
page's extra context comes from ``detail_extras`` (called by views._detail_context). Thin: parse,
check access, call one operation, render."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.permissions import refuse, roles_required
from ..directory.models import Organization, Service
from ..extensions import db
from ..transfer import operations as transfer_ops
from . import choices, loop, operations, queries, referback
from .forms import opts
from .loop_forms import CarePlanForm, ReferBackForm

bp = Blueprint("loop", __name__, url_prefix="/referrals")
ORG_STAFF = ("worker", "agency")


def detail_extras(referral, user_sides) -> dict:
    """What the referral page shows of this feature: the earlier and later referrals, "refer back",
    the care plan editor and its history, the transfer criteria."""
    may_edit = loop.may_edit_care_plan(current_user, referral)
    sees_care_plan = operations.can_see_care_plan(current_user, referral)
    care_plan_form = None
    if may_edit:
        care_plan_form = CarePlanForm(formdata=None, care_plan_notes=referral.care_plan_notes,
                                      version=referral.version)
    return dict(
        earlier_referral=loop.earlier_referral(current_user, referral),
        later_referrals=loop.later_referrals(current_user, referral),
        may_refer_back=referback.may_refer_back(current_user, referral),
        care_plan_form=care_plan_form,
        care_plan_history=loop.care_plan_history(referral) if sees_care_plan else [],
        transfer=transfer_ops.criteria_view(current_user, referral),
    )


def _referral_or_404(referral_id: str):
    referral = queries.visible_referral(current_user, referral_id)
    if referral is None:
        refuse(404)
    return referral


@bp.route("/<referral_id>/care-plan", methods=["POST"])
@roles_required(*ORG_STAFF)
def care_plan(referral_id):
    referral = _referral_or_404(referral_id)
    if not loop.may_edit_care_plan(current_user, referral):
        refuse(404)
    form = CarePlanForm()
    if not form.validate_on_submit():
        refuse(400)
    try:
        loop.update_care_plan(current_user, referral, form.care_plan_notes.data, form.version.data)
    except (operations.ReferralError, StaleDataError) as problem:
        db.session.rollback()
        message = (str(problem.message) if isinstance(problem, operations.ReferralError)
                   else str(loop.CarePlanConflict().message))
        from .views import _detail_context

        referral = _referral_or_404(referral_id)
        context = _detail_context(referral, refusal_text=message)
        # The editor keeps what the user typed, against the current version (to resubmit deliberately).
        if context.get("care_plan_form") is not None:
            context["care_plan_form"].care_plan_notes.data = form.care_plan_notes.data
        status = 409 if isinstance(problem, (loop.CarePlanConflict, StaleDataError)) else 400
        return render_template("referrals/detail.html", **context), status
    flash(_("Care plan saved."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id) + "#care-plan")


def _service_choices(first_sender_id: str) -> list:
    """The first sender's services first (referring back), then every service (referring on)."""
    own = db.session.execute(select(Service, Organization).join(Organization)
                             .where(Service.organization_id == first_sender_id, Service.status == "active",
                                    Service.accepts_referrals.is_not(False))
                             .order_by(Service.name_zh)).all()
    own_ids = {s.id for s, _o in own}
    rest = [(value, label) for value, label in choices.services_accepting_referrals()
            if value and value not in own_ids]
    return opts([("", "—")] + [(s.id, f"{o.t('name')} · {s.t('name')}") for s, o in own] + rest)


@bp.route("/<referral_id>/refer-back", methods=["GET", "POST"])
@roles_required(*ORG_STAFF)
def refer_back(referral_id):
    parent = _referral_or_404(referral_id)
    if not referback.may_refer_back(current_user, parent):
        refuse(404)
    form = ReferBackForm()
    form.service_id.choices = _service_choices(parent.from_organization_id)
    form.needs.choices = opts(choices.terms("category"))
    stages = opts([("", "—")] + choices.terms("care_stage"))
    form.from_stage.choices = stages
    form.to_stage.choices = stages
    status = 200
    if request.method == "GET":
        first = next((c.value for c in form.service_id.choices if c.value), "")
        form.service_id.data = first if _is_first_senders(first, parent) else ""
        form.needs.data = list(parent.needs)
        form.consent_given.data = True
        form.consent_items.data = ["referral"]
        form.consent_purpose.data = _("Referral back to the first referring organisation")
    elif form.validate_on_submit():
        response = _submit(form, parent)
        if response is not None:
            return response
        status = 400
    else:
        status = 400
    return render_template("referrals/refer_back.html", form=form, parent=parent,
                           first_sender=parent.from_organization), status


def _is_first_senders(service_id: str, parent) -> bool:
    service = db.session.get(Service, service_id) if service_id else None
    return service is not None and service.organization_id == parent.from_organization_id


def _submit(form: ReferBackForm, parent):
    send = request.form.get("submit") != "draft"
    data = operations.ReferralData(
        service_id=form.service_id.data or "", needs=list(form.needs.data or []), urgency=form.urgency.data,
        reason=form.reason.data, from_stage=form.from_stage.data or None, to_stage=form.to_stage.data or None,
        transfer_criterion=form.transfer_criterion.data, care_plan_notes=form.care_plan_notes.data,
        override_reason=form.override_reason.data)
    consent = form.consent_data()
    from .views import _made_or_errors

    referral = _made_or_errors(form, lambda: loop.refer_back(
        current_user, parent, data, consent, send, tell_first_sender=bool(form.tell_first_sender.data),
        given_on=form.consent_given_on.data, expires_on=form.consent_expires_on.data))
    if referral is None:
        return None
    flash(_("Referral sent.") if send else _("Draft saved. It is not shared until you send it."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))
