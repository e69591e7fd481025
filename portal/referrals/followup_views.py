"""Follow-up pages: the organisation's list of follow-ups due, recording one (with its findings),
ending a series, and a person's own follow-ups (start a series without a referral). Thin: parse,
check access, call one operation (followups.py), render. Every id a user may not act on is a 404.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.permissions import refuse, roles_required
from ..accounts.views import safe_next
from ..common import today
from ..extensions import db
from . import followup_queries, followups, queries
from .errors import ReferralError
from .followup_forms import EndFollowUpsForm, FollowUpForm, StartFollowUpsForm
from .followup_rule import YEARLY_MINIMUM, year_window
from .models import FollowUp

bp = Blueprint("followups", __name__)

ORG_STAFF = ("worker", "agency")


@bp.app_template_global()
def follow_up_interval_label(interval) -> str:
    """"every 2 weeks", "monthly", "every 3 months" in the reader's language."""
    unit, count = interval
    if unit == "weeks":
        return ngettext("every week", "every %(num)d weeks", count)
    return ngettext("monthly", "every %(num)d months", count)


def _put_error(form, error: ReferralError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    item = db.session.get(FollowUp, follow_up_id)
    if item is None or not followups.may_record(current_user, item):
        refuse(404)
    return item


def _after(item: FollowUp) -> str:
    if item.referral_id:
        return url_for("referrals.detail", referral_id=item.referral_id)
    return url_for("followups.person", client_id=item.client_id)


@bp.route("/referrals/follow-ups")
@roles_required(*ORG_STAFF)
def due():
    if not current_user.organization_id:
        refuse(403)
    items = followup_queries.due_for_organization(current_user.organization_id)
    counts = followup_queries.yearly_counts(f.client_id for f in items)
    return render_template("referrals/follow_ups.html", items=items, counts=counts, minimum=YEARLY_MINIMUM,
                           form=FollowUpForm(), today=today(), next_due=followups.next_due)


def _record_page(item: FollowUp, form: FollowUpForm | None = None, end_form: EndFollowUpsForm | None = None,
                 status: int = 200):
    form = form or FollowUpForm()
    if request.method == "GET" and not form.next_on.data:
        form.next_on.data = followups.next_due(item, today())
    count = followup_queries.yearly_counts([item.client_id])[item.client_id]
    return render_template("referrals/follow_up_record.html", item=item, form=form,
                           end_form=end_form or EndFollowUpsForm(), interval=followups.interval_of(item),
                           done_in_year=count, minimum=YEARLY_MINIMUM,
                           next_url=safe_next(request.values.get("next")) or _after(item)), status


def _record(item: FollowUp, form: FollowUpForm):
    """Record from ``form``: a redirect, or the record page again with the errors beside their fields."""
    if form.validate_on_submit():
        try:
            followups.record_follow_up(current_user, item, form.outcome.data, form.done_on.data, form.note.data,
                                       form.next_on.data, form.findings())
        except ReferralError as error:
            db.session.rollback()
            _put_error(form, error)
        else:
            flash(_("Follow-up recorded. The next one is scheduled."), "success")
            return redirect(safe_next(request.form.get("next")) or _after(item))
    return _record_page(item, form, status=400)


@bp.route("/referrals/follow-ups/<int:follow_up_id>/record", methods=["GET", "POST"])
@roles_required(*ORG_STAFF)
def record(follow_up_id):
    item = _follow_up_or_404(follow_up_id)
    if request.method == "GET":
        return _record_page(item)
    return _record(item, FollowUpForm())


@bp.route("/referrals/<referral_id>/follow-ups/<int:follow_up_id>", methods=["POST"])
@roles_required(*ORG_STAFF)
def record_on_referral(referral_id, follow_up_id):
    """The referral page's and the list's short form (outcome, date, next date, note)."""
    referral = queries.visible_referral(current_user, referral_id)
    item = db.session.get(FollowUp, follow_up_id)
    if referral is None or item is None or item.referral_id != referral.id or not followups.may_record(current_user, item):
        refuse(404)
    return _record(item, FollowUpForm())


@bp.route("/referrals/follow-ups/<int:follow_up_id>/end", methods=["POST"])
@roles_required(*ORG_STAFF)
def end(follow_up_id):
    item = _follow_up_or_404(follow_up_id)
    form = EndFollowUpsForm()
    if form.validate_on_submit():
        try:
            followups.end_follow_ups(current_user, item, form.end_reason.data, form.note.data)
        except ReferralError as error:
            db.session.rollback()
            _put_error(form, error)
        else:
            flash(_("Follow-ups ended. No further follow-up is scheduled."), "success")
            return redirect(_after(item))
    return _record_page(item, end_form=form, status=400)


# --- a person's own follow-ups ---------------------------------------------------------------------------

def _client_or_404(client_id: str):
    client = queries.visible_client(current_user, client_id)
    if client is None or not followups.may_follow_up_person(current_user, client):
        refuse(404)
    return client


def _person_page(client, form: StartFollowUpsForm | None = None, status: int = 200):
    form = form or StartFollowUpsForm()
    running = followups.pending_person_follow_up(client)
    if not form.first_due.data and running is None:
        form.first_due.data = followups.first_person_due(client)
    start, end = year_window(today())
    return render_template("referrals/person_follow_ups.html", client=client, form=form, running=running,
                           items=followup_queries.of_client(client), interval=followups.interval_for(client),
                           done_in_year=followup_queries.yearly_counts([client.id])[client.id],
                           minimum=YEARLY_MINIMUM, window_start=start, window_end=end), status


@bp.route("/referrals/clients/<client_id>/follow-ups")
@roles_required(*ORG_STAFF)
def person(client_id):
    return _person_page(_client_or_404(client_id))


@bp.route("/referrals/clients/<client_id>/follow-ups", methods=["POST"])
@roles_required(*ORG_STAFF)
def start(client_id):
    client = _client_or_404(client_id)
    form = StartFollowUpsForm()
    if form.validate_on_submit():
        try:
            followups.start_person_follow_ups(current_user, client, form.first_due.data)
        except ReferralError as error:
            db.session.rollback()
            _put_error(form, error)
        else:
            flash(_("Follow-ups started for this person."), "success")
            return redirect(url_for("followups.person", client_id=client.id))
    return _person_page(client, form, 400)
