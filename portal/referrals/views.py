"""Referral pages: my referrals, the new-referral form, a referral, the agency inbox, clients and
consent, follow-ups and the coordinator board. Thin: parse, check access, call one operation,
render; the request boundary (portal/transaction.py) commits once. Every view that takes an id
answers 404 for records the user may not see.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.permissions import refuse, roles_required, staff_required
from ..accounts.views import safe_next
from ..audit.models import AuditEvent, record
from ..common import today
from ..directory.models import Area, Service
from ..extensions import db
from ..i18n_fields import current_lang
from ..matching import handover
from ..matching.operations import run_match
from ..matching.present import Presenter
from ..matching.stored import load_profile, store_profile
from . import choices, coordination, eligibility, elsewhere, labels, loop_views, operations, queries, risk
from . import followup_queries
from .forms import (
    BoardFilterForm,
    ClientForm,
    ConsentForm,
    CoordinatorForm,
    ReferralForm,
    TransitionForm,
    opts,
)
from .models import Consent
from .statemachine import STATUSES, URGENCIES, Refusal, available_actions

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

ORG_STAFF = ("worker", "agency")
SHOWN_ELSEWHERE = 15  # suggestions on the "refer elsewhere" page


@bp.app_context_processor
def _referral_labels():
    return {"rl": labels, "rlabel": labels.label, "risk_changes": risk.changes,
            "risk_may_flag": lambda client: risk.may_flag(current_user, client)}


def _org_or_refuse():
    if not current_user.organization_id:
        refuse(403)
    return current_user.organization_id


def _referral_or_404(referral_id: str):
    referral = queries.visible_referral(current_user, referral_id)
    if referral is None:
        refuse(404)
    return referral


def _field_error(form, error: operations.ReferralError) -> None:
    name = {"consent": "consent_given"}.get(error.field or "", error.field)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _made_or_errors(form, make):
    """Run an operation that makes referrals (new referral, refer back); when it refuses, roll back
    and put the reason beside its field, or on the form, and return None."""
    try:
        return make()
    except operations.ReferralError as error:
        db.session.rollback()
        _field_error(form, error)
    except Refusal as refusal:
        db.session.rollback()
        form.form_errors.append(labels.refusal_message(refusal))
    return None


# --- lists --------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*ORG_STAFF)
def index():
    org = _org_or_refuse()
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    rows = queries.sent_by(org, status)
    return render_template("referrals/index.html", referrals=rows, status=status, statuses=STATUSES,
                           category_labels=choices.term_labels("category"))


@bp.route("/inbox")
@roles_required("agency")
def inbox():
    org = _org_or_refuse()
    show = "all" if request.args.get("show") == "all" else "open"
    rows = queries.inbox(org, show)
    return render_template("referrals/inbox.html", referrals=rows, show=show, form=TransitionForm(),
                           available=lambda r: available_actions(r.status, queries.sides(current_user, r)),
                           category_labels=choices.term_labels("category"))


@bp.route("/board")
@roles_required("coordinator", "admin")
def board():
    form = BoardFilterForm(request.args)
    form.status.choices = opts([("", _("All open"))] + [(s, labels.STATUS[s]) for s in STATUSES])
    form.service_id.choices = opts(choices.services_accepting_referrals())
    form.category.choices = opts([("", "—")] + choices.terms("category"))
    form.district.choices = opts(choices.districts())
    form.organization_id.choices = opts(choices.organizations())
    form.validate()  # a GET filter: a bad date is ignored, with its error next to the field
    filters = queries.BoardFilter(
        status=form.status.data if form.status.data in STATUSES else None,
        service_id=form.service_id.data or None, category=form.category.data or None,
        overdue_only=bool(form.overdue.data), at_risk_only=bool(form.at_risk.data),
        district_id=_int_or_none(form.district.data),
        organization_id=form.organization_id.data or None,
        urgency=form.urgency.data if form.urgency.data in URGENCIES else None,
        sent_from=None if form.sent_from.errors else form.sent_from.data,
        sent_to=None if form.sent_to.errors else form.sent_to.data)
    rows = queries.board(current_user, filters)
    area = db.session.get(Area, current_user.area_id) if current_user.area_id else None
    return render_template("referrals/board.html", referrals=rows, form=form, area=area,
                           category_labels=choices.term_labels("category"),
                           follow_up_board=followup_queries.board_summary(current_user))


# --- new referral ---------------------------------------------------------------------------------------

def _fill_referral_choices(form: ReferralForm, org: str) -> None:
    form.client_id.choices = opts([("", _("New client"))] + [
        (c.id, f"{c.code} · {c.birth_year or '?'} · {labels.label(labels.GENDER, c.gender)}"
               + (f" · {_('At risk')}" if c.at_risk else ""))
        for c in queries.clients_of_organization(org)])
    form.area_id.choices = opts(choices.areas())
    form.service_id.choices = opts(choices.services_accepting_referrals())
    form.needs.choices = opts(choices.terms("category"))
    stages = opts([("", "—")] + choices.terms("care_stage"))
    form.from_stage.choices = stages
    form.to_stage.choices = stages


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORG_STAFF)
def new():
    """``/referrals/new?service_id=<id>&needs=<code>,<code>&client_id=<id>`` opens the form prefilled
    (the service page links here). From a match: ``?match=<token>&service_id=<id>`` pre-fills needs,
    stage, urgency, age, gender, area and language from the stored profile; ``?match=<token>&plan=1``
    refers every service of its care plan at once (one referral per service, one consent decision).
    Matching's hard rules are checked for the chosen services: a service whose rules exclude the
    client needs a reason to refer anyway."""
    org = _org_or_refuse()
    form = ReferralForm()
    _fill_referral_choices(form, org)
    stored = None
    if request.values.get("match"):
        stored = load_profile(db.session, current_user.id, request.values["match"])
        if stored is None:
            refuse(404)
    raw = stored.data.get("raw") if stored else None
    want_plan = bool(request.values.get("plan"))
    pre = handover.prefill(db.session, raw, service_id=request.values.get("service_id"), plan=want_plan,
                           lang=current_lang(), today=today()) if raw else None
    if pre is not None and pre.plan:
        form.plan_items.choices = opts((_plan_value(item.service_id, item.needs), _plan_label(item))
                                       for item in pre.plan)
    status = 200
    if request.method == "GET":
        _prefill_form(form, pre, stored)
    elif request.form.get("submit") == "filter":
        pass  # the picker without JavaScript: the same form again, the services narrowed below
    elif form.validate_on_submit():
        response = _submit_referrals(form, org, raw)
        if response is not None:
            return response
        status = 400
    else:
        status = 400
    if form.service_q.data:
        _narrow_services(form, form.service_q.data)
    warnings = _rule_warnings(form, raw)
    return render_template("referrals/new.html", form=form, warnings=warnings), status


def _prefill_form(form: ReferralForm, pre, stored) -> None:
    service_id = request.args.get("service_id", "")
    if service_id and db.session.get(Service, service_id[:36]) is not None:
        form.service_id.data = service_id
    known = {choice.value for choice in form.needs.choices}
    wanted = pre.needs if pre is not None else request.args.get("needs", "").split(",")
    form.needs.data = [c for c in wanted if c in known]
    chosen = queries.visible_client(current_user, request.args["client_id"]) if request.args.get("client_id") else None
    if chosen is not None:
        form.client_id.data = chosen.id
        if chosen.at_risk:
            form.urgency.data = "emergency"  # a person at risk: an emergency unless the worker says otherwise
    if pre is not None:
        form.match.data = stored.id
        form.birth_year.data = pre.birth_year
        if pre.gender:
            form.gender.data = pre.gender
        form.area_id.data = str(pre.area_id) if pre.area_id else ""
        if pre.language:
            form.language.data = pre.language
        if pre.urgency:
            form.urgency.data = pre.urgency
        form.from_stage.data = pre.from_stage or ""
        form.plan_items.data = [c.value for c in form.plan_items.choices]
    form.consent_purpose.data = _("Referral to the chosen service for the needs above")
    form.consent_items.data = ["referral", "contact"]


def _plan_value(service_id: str, needs) -> str:
    return f"{service_id}|{','.join(needs)}"


def _plan_label(item) -> str:
    names = choices.term_labels("category")
    needs = "、".join(names.get(n, n) for n in item.needs)
    return f"{item.organization_name} · {item.service_name} — {needs}"


def _chosen_services(form: ReferralForm) -> list[tuple[str, list[str]]]:
    """(service id, needs) for each referral the form asks for: the ticked plan items, else the one
    service with its needs."""
    if form.plan_items.choices:
        allowed = {c.value for c in form.plan_items.choices}
        out = []
        for value in form.plan_items.data or []:
            if value in allowed:
                service_id, _sep, needs = value.partition("|")
                out.append((service_id, [n for n in needs.split(",") if n]))
        return out
    return [(form.service_id.data or "", list(form.needs.data or []))]


def _client_facts(form: ReferralForm, raw):
    client = queries.visible_client(current_user, form.client_id.data) if form.client_id.data else None
    if client is not None:
        birth_year, gender, area_id = client.birth_year, client.gender, client.area_id
    else:
        birth_year, gender, area_id = form.birth_year.data, form.gender.data, _int_or_none(form.area_id.data)
    return eligibility.facts(birth_year=birth_year, gender=gender, area_id=area_id, urgency=form.urgency.data,
                             match_profile=raw)


def _exclusions(form: ReferralForm, raw) -> dict[str, list[str]]:
    """Service id -> why matching's hard rules exclude the client (only services with a reason): the
    warning shown before sending; the create operation checks the same rules again when it is sent."""
    facts = _client_facts(form, raw)
    out = {}
    for service_id, needs in _chosen_services(form):
        texts = eligibility.excluded_by(facts, service_id, needs)
        if texts:
            out[service_id] = texts
    return out


def _rule_warnings(form: ReferralForm, raw) -> list[tuple[str, list[str]]]:
    exclusions = _exclusions(form, raw)
    if not exclusions:
        return []
    labels_by_id = {c.value: c.label for c in form.service_id.choices}
    return [(str(labels_by_id.get(service_id, service_id)), texts) for service_id, texts in exclusions.items()]


def _narrow_services(form: ReferralForm, text: str) -> None:
    """The server side of the searchable picker: keep the services whose name contains the text."""
    needle = " ".join(text.split()).casefold()
    form.service_id.choices = [c for c in form.service_id.choices
                               if not c.value or c.value == form.service_id.data or needle in str(c.label).casefold()]


def _submit_referrals(form: ReferralForm, org: str, raw):
    """Create (and send) the referrals the form asks for; a redirect, or None with the errors on the form."""
    send = request.form.get("submit") != "draft"
    client = None
    if form.client_id.data:
        client = queries.visible_client(current_user, form.client_id.data)
        if client is None or client.organization_id != org:
            refuse(404)
    client_data = None if client else operations.ClientData(
        birth_year=form.birth_year.data, gender=form.gender.data, area_id=_int_or_none(form.area_id.data),
        language=form.language.data, contact_preference=form.contact_preference.data,
        contact_phone=form.contact_phone.data, contact_note=form.contact_note.data,
        contact_consent=form.contact_consent.data)
    items = [operations.ReferralData(
        service_id=service_id, needs=needs, urgency=form.urgency.data, reason=form.reason.data,
        from_stage=form.from_stage.data or None, to_stage=form.to_stage.data or None,
        transfer_criterion=form.transfer_criterion.data, care_plan_notes=form.care_plan_notes.data,
        follow_up_months=_int_or_none(form.follow_up_months.data),
        override_reason=form.override_reason.data, match_profile=raw, match_token=form.match.data if raw else None)
        for service_id, needs in _chosen_services(form)]
    consent = form.consent_data()
    referrals = _made_or_errors(form, lambda: operations.start_referrals(current_user, client, client_data, items,
                                                                         consent, send))
    if referrals is None:
        return None
    if len(referrals) > 1:
        flash(_("%(n)d referrals sent.", n=len(referrals)) if send
              else _("%(n)d drafts saved. They are not shared until you send them.", n=len(referrals)), "success")
        return redirect(url_for("referrals.index"))
    flash(_("Referral sent.") if send else _("Draft saved. It is not shared until you send it."), "success")
    return redirect(url_for("referrals.detail", referral_id=referrals[0].id))


# --- one referral ----------------------------------------------------------------------------------------

def _detail_context(referral, form=None, refusal_text=None, coordinator_form=None):
    user_sides = queries.sides(current_user, referral)
    contact = None
    if operations.can_see_contact(current_user, referral):
        contact = operations.contact_details(current_user, referral.client, referral)
    record("referral_viewed", user_id=current_user.id, record_type="referral", record_id=referral.id)
    form = form or TransitionForm()
    form.receiver_handoff_id.choices = opts(choices.staff_of(referral.to_organization_id))
    if not form.receiver_handoff_id.data:
        form.receiver_handoff_id.data = str(referral.receiver_handoff_id or current_user.id)
    consent_for_receiver = None
    if "sender" in user_sides:
        consent_for_receiver = operations.valid_consent(referral.client, referral.to_organization_id, referral.id)
    return dict(
        referral=referral, sides=user_sides, actions=available_actions(referral.status, user_sides),
        contact=contact, show_reason=operations.can_see_reason(current_user, referral),
        show_care_plan=operations.can_see_care_plan(current_user, referral), form=form,
        refusal_text=refusal_text, consent_for_receiver=consent_for_receiver,
        category_labels=choices.term_labels("category"), stage_labels=choices.term_labels("care_stage"),
        overdue=referral.is_overdue(), has_hidden_contact=referral.client.has_contact and contact is None,
        coordinator_form=_coordinator_form(referral, coordinator_form),
        coordinator_actions=coordination.ACTIONS, coordinator_can_nudge=coordination.can_nudge(referral),
        refer_elsewhere=_can_refer_elsewhere(referral, user_sides),
        **loop_views.detail_extras(referral, user_sides),  # refer back, care plan, transfer criteria
    )


def _can_refer_elsewhere(referral, user_sides) -> bool:
    return elsewhere.can_refer_elsewhere(referral, user_sides)


def _coordinator_form(referral, form=None):
    """The coordinator's form, for the coordinators of the referral's area and admins (else None)."""
    if not queries.coordinates(current_user, referral):
        return None
    form = form or CoordinatorForm()
    form.new_receiver_handoff_id.choices = opts(choices.staff_of(referral.to_organization_id))
    if not form.new_receiver_handoff_id.data:
        form.new_receiver_handoff_id.data = str(referral.receiver_handoff_id or "")
    return form


@bp.route("/<referral_id>")
@staff_required
def detail(referral_id):
    referral = _referral_or_404(referral_id)
    return render_template("referrals/detail.html", **_detail_context(referral))


def transition_values(form: TransitionForm, action: str) -> dict:
    reason = form.decline_reason.data if action == "decline" else form.not_connected_reason.data
    return {"note": form.note.data, "reason": reason or None, "declined_by": form.declined_by.data or None,
            "first_attended_on": form.first_attended_on.data if action == "connect" else None,
            "receiver_handoff_id": _int_or_none(form.receiver_handoff_id.data)}


@bp.route("/<referral_id>/transition", methods=["POST"])
@staff_required
def transition(referral_id):
    referral = _referral_or_404(referral_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        refuse(400)
    action = form.action.data
    values = transition_values(form, action)
    try:
        operations.transition(current_user, referral, action, values)
        db.session.flush()  # a concurrent change (StaleDataError) shows here, as a 409 page
    except (Refusal, operations.ReferralError, StaleDataError) as problem:
        db.session.rollback()
        if isinstance(problem, Refusal):
            message = labels.refusal_message(problem)
        elif isinstance(problem, StaleDataError):
            message = _("Someone else changed this referral at the same time. Please look at it again.")
        else:
            message = str(problem.message)
        referral = _referral_or_404(referral_id)
        context = _detail_context(referral, refusal_text=message)
        return render_template("referrals/detail.html", **context), 409
    flash(_("Referral updated: %(status)s.", status=labels.label(labels.STATUS, referral.status)), "success")
    target = safe_next(form.next.data) if form.next.data else None
    return redirect(target or url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<referral_id>/coordinate", methods=["POST"])
@roles_required("coordinator", "admin")
def coordinate(referral_id):
    """A coordinator's nudge, reassignment or note (``coordination``): one event, no status change."""
    referral = _referral_or_404(referral_id)
    if not queries.coordinates(current_user, referral):
        refuse(404)
    form = CoordinatorForm()
    if not form.validate_on_submit():
        refuse(400)
    action = request.form.get("action")
    if action not in coordination.ACTIONS:
        refuse(400)
    try:
        if action == "nudge":
            coordination.nudge(current_user, referral, form.coordinator_note.data)
        elif action == "reassign":
            coordination.reassign_receiver(current_user, referral, form.new_receiver_handoff_id.data,
                                           form.coordinator_note.data)
        else:
            coordination.add_note(current_user, referral, form.coordinator_note.data)
    except operations.ReferralError as error:
        db.session.rollback()
        referral = _referral_or_404(referral_id)
        context = _detail_context(referral, refusal_text=str(error.message))
        return render_template("referrals/detail.html", **context), 409
    flash(labels.COORDINATION_DONE[action], "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id) + "#events")


@bp.route("/<referral_id>/elsewhere", methods=["POST"])
@roles_required(*ORG_STAFF)
def elsewhere_start(referral_id):
    """Match the declined referral's needs again (stored as a new profile), then show the results."""
    referral = _referral_or_404(referral_id)
    if not elsewhere.can_refer_elsewhere(referral, queries.sides(current_user, referral)):
        refuse(404)
    stored = store_profile(db.session, current_user.id, elsewhere.profile_for(current_user, referral))
    return redirect(url_for("referrals.elsewhere_results", referral_id=referral.id, token=stored.id), 303)


@bp.route("/<referral_id>/elsewhere/<token>")
@roles_required(*ORG_STAFF)
def elsewhere_results(referral_id, token):
    referral = _referral_or_404(referral_id)
    stored = load_profile(db.session, current_user.id, token)
    if stored is None or not elsewhere.can_refer_elsewhere(referral, queries.sides(current_user, referral)):
        refuse(404)
    outcome = run_match(db.session, stored.data["raw"])
    suggestions = []
    if outcome.result is not None:
        presenter = Presenter(outcome.catalog, _, current_lang())
        suggestions = [presenter.suggestion(s, rank) for rank, s in enumerate(
            (s for s in outcome.result.suggestions if s.service.id != referral.service_id), 1)][:SHOWN_ELSEWHERE]
    return render_template("referrals/elsewhere.html", referral=referral, token=stored.id, suggestions=suggestions,
                           matched=outcome.result is not None)


# --- clients and consent ------------------------------------------------------------------------------

@bp.route("/clients/")
@roles_required(*ORG_STAFF)
def clients():
    org = _org_or_refuse()
    return render_template("referrals/clients.html", clients=queries.clients_of_organization(org))


@bp.route("/clients/new", methods=["GET", "POST"])
@roles_required(*ORG_STAFF)
def new_client():
    _org_or_refuse()
    form = ClientForm()
    form.area_id.choices = opts(choices.areas())
    if form.validate_on_submit():
        data = operations.ClientData(
            birth_year=form.birth_year.data, gender=form.gender.data, area_id=_int_or_none(form.area_id.data),
            language=form.language.data, contact_preference=form.contact_preference.data,
            contact_phone=form.contact_phone.data, contact_note=form.contact_note.data,
            contact_consent=form.contact_consent.data)
        try:
            client = operations.create_client(current_user, data)
        except operations.ReferralError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("Client %(code)s recorded.", code=client.code), "success")
            return redirect(url_for("referrals.client", client_id=client.id))
    return render_template("referrals/client_new.html", form=form), 400 if request.method == "POST" else 200


def _client_or_404(client_id):
    client = queries.visible_client(current_user, client_id)
    if client is None:
        refuse(404)
    return client


def _client_page(client, consent_form=None, status=200):
    # Contact details on the client page: the recording organisation only (admins manage, not read).
    own = current_user.organization_id == client.organization_id
    contact = operations.contact_details(current_user, client) if client.has_contact and own else None
    consent_form = consent_form or ConsentForm()
    consent_form.organization_id.choices = opts(choices.organizations())
    if not consent_form.consent_purpose.data:
        consent_form.consent_purpose.data = _("Referral and follow-up for the client's needs")
    disclosures = db.session.query(AuditEvent).filter(
        AuditEvent.record_type == "client", AuditEvent.record_id == client.id,
        AuditEvent.action == "disclosure").order_by(AuditEvent.at.desc()).all()
    return render_template("referrals/client.html", client=client, contact=contact, consent_form=consent_form,
                           disclosures=disclosures, org_names=dict(choices.organizations()),
                           follow_up_summary=followup_queries.client_summary(client) if own else None), status


@bp.route("/clients/<client_id>")
@roles_required(*ORG_STAFF, "admin")
def client(client_id):
    return _client_page(_client_or_404(client_id))


@bp.route("/clients/<client_id>/consents", methods=["POST"])
@roles_required(*ORG_STAFF)
def add_consent(client_id):
    client = _client_or_404(client_id)
    if client.organization_id != current_user.organization_id:
        refuse(404)
    form = ConsentForm()
    form.organization_id.choices = opts(choices.organizations())
    if form.validate_on_submit():
        try:
            operations.record_consent(current_user, client, form.organization_id.data, form.consent_items.data or [],
                                      form.consent_purpose.data or "", form.consent_given_on.data,
                                      form.consent_expires_on.data, given_by=form.consent_given_by.data or "client")
        except operations.ReferralError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("Consent recorded."), "success")
            return redirect(url_for("referrals.client", client_id=client.id))
    return _client_page(client, form, 400)


@bp.route("/clients/<client_id>/consents/<consent_id>/revoke", methods=["POST"])
@roles_required(*ORG_STAFF)
def revoke_consent(client_id, consent_id):
    client = _client_or_404(client_id)
    consent = db.session.get(Consent, consent_id[:36])
    if consent is None or consent.client_id != client.id or client.organization_id != current_user.organization_id:
        refuse(404)
    # CSRFProtect (app-wide) has already checked this one-button form's token.
    try:
        operations.revoke_consent(current_user, consent)
    except operations.ReferralError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("Consent revoked. The receiving organisation no longer sees the contact details."), "success")
    return redirect(url_for("referrals.client", client_id=client.id))


@bp.route("/clients/<client_id>/risk", methods=["POST"])
@roles_required(*ORG_STAFF)
def client_risk(client_id):
    """Set (``at_risk=1``) or clear (``at_risk=0``) the client's risk flag: the recording organisation
    only; the flag follows onto the client's open referrals (``risk.set_client_risk``)."""
    client = _client_or_404(client_id)
    if client.organization_id != current_user.organization_id:
        refuse(404)
    # CSRFProtect (app-wide) has already checked this one-button form's token.
    at_risk = request.form.get("at_risk") == "1"
    try:
        operations.set_client_risk(current_user, client, at_risk)
    except operations.ReferralError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("Marked at risk: crisis services come first and the receivers see the flag.") if at_risk
              else _("Risk flag cleared."), "success")
    return redirect(url_for("referrals.client", client_id=client.id))
