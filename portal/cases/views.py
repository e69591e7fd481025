"""Case record pages, under the client pages: ``/referrals/clients/<client_id>/case``. Thin: parse,
check access (``access.case_access``, the one row rule), call one operation, render; the request
boundary commits once. A record the user may not see answers 404, as the client pages do; roles
other than worker and agency get 403.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import refuse, roles_required
from ..audit.models import record
from ..extensions import db
from ..referrals import choices
from ..referrals.forms import opts
from ..referrals.models import Client
from . import access, labels, operations
from .forms import CaseRecordForm, PlanEntryForm

bp = Blueprint("cases", __name__, url_prefix="/referrals/clients")

ORG_STAFF = ("worker", "agency")


@bp.app_context_processor
def _case_helpers():
    return {"cl": labels, "case_view": case_view, "guardian_consent_for": guardian_consent_for}


def guardian_consent_for(referral) -> bool:
    """The referral page's "guardian consent recorded": a valid consent given by a guardian lets the
    receiver hold this referral (shown to the two sides only)."""
    from ..referrals.clients import valid_consent
    from ..referrals.queries import sides

    if not current_user.is_authenticated or not sides(current_user, referral) & {"sender", "receiver"}:
        return False
    return valid_consent(referral.client, referral.to_organization_id, referral.id, given_by="guardian") is not None


def case_view(client: Client) -> dict | None:
    """What the signed-in user may see of the client's case record (None: nothing), for the client
    page and the referral page: the access, the record, its current plan."""
    if not current_user.is_authenticated:
        return None
    level = access.case_access(current_user, client)
    if level is None:
        return None
    case = client.case_record
    return {"access": level, "case": case, "plan": operations.current_plan(case) if case is not None else []}


def _client_or_404(client_id: str) -> tuple[Client, str]:
    client = db.session.get(Client, client_id) if client_id and len(client_id) <= 36 else None
    level = access.case_access(current_user, client) if client is not None else None
    if level is None:
        refuse(404)
    return client, level


def _editable_or_404(client_id: str) -> Client:
    client, level = _client_or_404(client_id)
    if level != access.EDIT:
        refuse(404)
    return client


def _record_form(client: Client, form: CaseRecordForm | None = None) -> CaseRecordForm:
    case = client.case_record
    if form is None:
        form = CaseRecordForm(obj=case) if case is not None else CaseRecordForm()
        if case is not None:
            form.conditions.data = case.conditions
            form.case_manager_id.data = str(case.case_manager_id or "")
        else:
            form.case_manager_id.data = str(current_user.id)
    form.conditions.choices = opts(choices.terms("condition"))
    form.case_manager_id.choices = opts([("", "—")] + choices.staff_of(client.organization_id))
    return form


def _page(client: Client, level: str, form=None, plan_form=None, status: int = 200):
    case = client.case_record
    record("case_record_viewed", user_id=current_user.id, record_type="client", record_id=client.id)
    editable = level == access.EDIT
    return render_template(
        "cases/record.html", client=client, case=case, editable=editable,
        form=_record_form(client, form) if editable else None,
        plan_form=(plan_form or PlanEntryForm()) if editable and case is not None else None,
        plan=operations.current_plan(case) if case is not None else [],
        history=operations.plan_history(case) if case is not None and editable else [],
        condition_labels=choices.term_labels("condition")), status


def _data(form: CaseRecordForm) -> operations.CaseData:
    manager = form.case_manager_id.data
    return operations.CaseData(
        consent_on=form.consent_on.data, consent_given_by=form.consent_given_by.data,
        conditions=list(form.conditions.data or []), management_level=form.management_level.data or None,
        medication=form.medication.data, case_manager_id=int(manager) if (manager or "").isdigit() else None,
        caregiver_name=form.caregiver_name.data, caregiver_relationship=form.caregiver_relationship.data or None,
        caregiver_phone=form.caregiver_phone.data, caregiver_is_guardian=form.caregiver_is_guardian.data)


def _field_error(form, error: operations.CaseError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


@bp.route("/<client_id>/case")
@roles_required(*ORG_STAFF)
def record_page(client_id):
    client, level = _client_or_404(client_id)
    return _page(client, level)


@bp.route("/<client_id>/case", methods=["POST"])
@roles_required(*ORG_STAFF)
def open_record(client_id):
    client = _editable_or_404(client_id)
    return _save_record(client, lambda data: operations.open_case_record(current_user, client, data),
                        _("Case record opened."))


@bp.route("/<client_id>/case/edit", methods=["POST"])
@roles_required(*ORG_STAFF)
def edit_record(client_id):
    client = _editable_or_404(client_id)
    if client.case_record is None:
        refuse(404)
    return _save_record(client, lambda data: operations.update_case_record(current_user, client.case_record, data),
                        _("Case record saved."))


def _save_record(client, write, done: str):
    """Validate the case record form, write it through the operation, or show the page again with
    the errors beside their fields."""
    form = _record_form(client, CaseRecordForm())
    if form.validate_on_submit():
        try:
            write(_data(form))
        except operations.CaseError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("cases.record_page", client_id=client.id))
    return _page(client, access.EDIT, form=form, status=400)


@bp.route("/<client_id>/case/plan", methods=["POST"])
@roles_required(*ORG_STAFF)
def add_plan_entry(client_id):
    client = _editable_or_404(client_id)
    if client.case_record is None:
        refuse(404)
    plan_form = PlanEntryForm()
    if plan_form.validate_on_submit():
        try:
            operations.add_plan_entry(current_user, client.case_record, plan_form.domain.data, plan_form.status.data,
                                      plan_form.text.data)
        except operations.CaseError as error:
            db.session.rollback()
            _field_error(plan_form, error)
        else:
            flash(_("Plan updated."), "success")
            return redirect(url_for("cases.record_page", client_id=client.id) + "#plan")
    return _page(client, access.EDIT, plan_form=plan_form, status=400)


@bp.route("/<client_id>/case/remove", methods=["POST"])
@roles_required(*ORG_STAFF)
def remove_record(client_id):
    client = _editable_or_404(client_id)
    if client.case_record is None:
        refuse(404)
    # CSRFProtect (app-wide) has already checked this one-button form's token.
    operations.remove_case_record(current_user, client.case_record)
    flash(_("Case record removed: consent to keep it was withdrawn."), "success")
    return redirect(url_for("referrals.client", client_id=client.id))
