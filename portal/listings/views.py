"""Agency pages: my listings (one-click status), editing services, locations, hours, phones and
contacts, and the problem-report queue; plus the public "report a problem" form.

Thin: each view finds the record through a ``*_for(user, id)`` lookup (404 for anything the user may
not manage), calls one operation, and renders or redirects; the request boundary
(portal/transaction.py) commits once.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.permissions import refuse, roles_required
from ..audit.queries import last_change
from ..audit.versioning import VersionConflict, check_version, conflict_message
from ..directory.freshness import configured_stale_after_days
from ..directory.models import Area, Contact, Location, Organization, Service
from ..extensions import db
from . import operations as ops
from .forms import (
    PROBLEM_LABELS,
    ContactForm,
    LocationForm,
    PhoneForm,
    ProblemReportForm,
    ResolveReportForm,
    ScheduleForm,
    ServiceForm,
    StatusForm,
    opts,
)
from .models import ProblemReport

bp = Blueprint("listings", __name__)

agency_or_admin = roles_required("agency", "admin")

def _stale_days() -> int:
    return configured_stale_after_days()


def _or_404(obj):
    if obj is None:
        refuse(404)
    return obj


# --- my listings and the one-click update -----------------------------------------------------

@bp.route("/listings/")
@agency_or_admin
def index():
    return _render_index()


def _render_index(failed_service_id: str | None = None, failed_form: StatusForm | None = None, status: int = 200):
    org_id = request.values.get("organization") or None
    if current_user.has_role("admin") and not org_id:
        return render_template("listings/organizations.html", rows=_organization_overview()), status
    if not current_user.has_role("admin"):
        org_id = current_user.organization_id
    organization = _or_404(ops.organization_for(current_user, org_id)) if org_id else None
    services = ops.services_for(current_user, org_id) if organization is not None else []
    open_reports = (db.session.scalar(select(func.count(ProblemReport.id)).join(Service).where(
        Service.organization_id == organization.id, ProblemReport.status == "open")) if organization else 0)
    return render_template("listings/index.html", organization=organization, services=services,
                           stale_days=_stale_days(), failed_service_id=failed_service_id,
                           failed_form=failed_form, open_reports=open_reports), status


def _organization_overview():
    """For administrators: every organisation with its number of listings and of stale ones."""
    stale = ops.stale_listings(_stale_days())
    counts = dict(db.session.execute(select(Service.organization_id, func.count(Service.id))
                                     .group_by(Service.organization_id)).all())
    orgs = db.session.scalars(select(Organization).order_by(Organization.name_zh).limit(1000))
    return [(org, counts.get(org.id, 0), len(stale.get(org.id, []))) for org in orgs]


@bp.route("/listings/services/<service_id>/status", methods=["POST"])
@agency_or_admin
def update_status(service_id):
    service = _or_404(ops.service_for(current_user, service_id))
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_index(service.id, form, status=400)
    action = form.action.data
    if action in ("accepting", "waitlist", "full"):
        ops.set_capacity(service, action, form.wait_weeks.data)
        message = _("Capacity updated.")
    elif action == "closed":
        ops.close_temporarily(service, form.reopens_on.data)
        message = _("Marked as temporarily closed.")
    elif action == "reopen":
        ops.reopen(service)
        message = _("Marked as open again.")
    else:
        ops.confirm_current(service)
        message = _("Thank you: the listing is confirmed as correct today.")
    flash(f"{service.t('name')}: {message}", "success")
    return redirect(url_for(".index", organization=service.organization_id if current_user.has_role("admin") else None,
                            _anchor=f"service-{service.id}"))


# --- editing a service ------------------------------------------------------------------------

def _service_choices(form: ServiceForm, organization_id: str) -> None:
    form.locations.choices = opts((loc.id, str(loc)) for loc in ops.locations_for(current_user, organization_id))
    terms = ops.vocabulary_terms(ops.SERVES_VOCABULARIES)
    for vocabulary in ops.SERVES_VOCABULARIES:
        form[vocabulary].choices = opts((t.id, str(t)) for t in terms[vocabulary])
    form.only_terms.choices = opts((t.id, str(t)) for v in ops.ONLY_VOCABULARIES for t in terms[v])


def _save_service(service, form: ServiceForm) -> None:
    """``ops.save_service`` holds the ownership rule; the form offers only the organisation's own
    locations, so a foreign one is tampering: 403, with nothing of the half-done change kept."""
    serves, only = _selected_terms(form)
    try:
        ops.save_service(service, form.model_data(), form.locations.data or [], serves, only)
    except ops.ForeignLocation:
        db.session.rollback()
        refuse(403)


def _selected_terms(form: ServiceForm) -> tuple[set[str], set[str]]:
    serves = {tid for vocabulary in ops.SERVES_VOCABULARIES for tid in (form[vocabulary].data or [])}
    return serves, set(form.only_terms.data or [])


@bp.route("/listings/services/new", methods=["GET", "POST"])
@agency_or_admin
def new_service():
    org_id = request.values.get("organization") if current_user.has_role("admin") else current_user.organization_id
    organization = _or_404(ops.organization_for(current_user, org_id))
    form = ServiceForm()
    _service_choices(form, organization.id)
    if form.validate_on_submit():
        service = ops.new_service(organization)
        _save_service(service, form)
        flash(_("Listing created."), "success")
        return redirect(url_for(".edit_service", service_id=service.id))
    return render_template("listings/service_new.html", form=form, organization=organization), (400 if form.errors else 200)


@bp.route("/listings/services/<service_id>", methods=["GET", "POST"])
@agency_or_admin
def edit_service(service_id):
    service = _or_404(ops.service_for(current_user, service_id))
    if request.method == "GET":
        return _render_service_page(service)
    form = ServiceForm()
    _service_choices(form, service.organization_id)
    if form.validate_on_submit():
        try:
            check_version(service, form.version.data)
            _save_service(service, form)
            db.session.flush()  # a concurrent edit shows here, as a conflict
        except (VersionConflict, StaleDataError):
            db.session.rollback()
            flash(conflict_message("service", service_id), "error")
            return _render_service_page(_or_404(ops.service_for(current_user, service_id)), status=409)
        flash(_("Saved."), "success")
        return redirect(url_for(".edit_service", service_id=service.id))
    return _render_service_page(service, form=form, status=400 if form.errors else 200)


def _filled_service_form(service) -> ServiceForm:
    """The edit form showing the stored values (and the version they were read at)."""
    form = ServiceForm(formdata=None, obj=service)
    _service_choices(form, service.organization_id)
    form.fill_from(service)
    form.locations.data = [link.location_id for link in service.location_links]
    serves, only = ops.current_terms(service)
    for vocabulary in ops.SERVES_VOCABULARIES:
        form[vocabulary].data = sorted(serves & {choice.value for choice in form[vocabulary].choices})
    form.only_terms.data = sorted(only)
    return form


def _render_service_page(service, form=None, schedule_form=None, phone_form=None, contact_form=None, status=200):
    if form is None:
        form = _filled_service_form(service)
    schedules = sorted(service.schedules, key=lambda s: (s.weekday, s.opens_at))
    return render_template(
        "listings/service_edit.html", service=service, form=form,
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        phone_form=phone_form or PhoneForm(formdata=None),
        contact_form=contact_form or ContactForm(formdata=None),
        schedules=schedules, last=last_change("service", service.id), stale_days=_stale_days(),
    ), status


@bp.route("/listings/services/<service_id>/schedules", methods=["POST"])
@agency_or_admin
def add_schedule(service_id):
    service = _or_404(ops.service_for(current_user, service_id))
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _render_service_page(service, schedule_form=form, status=400)
    ops.add_schedule(service, form.weekday.data, form.opens_at.data, form.closes_at.data, form.notes.data)
    flash(_("Opening hours added."), "success")
    return redirect(url_for(".edit_service", service_id=service.id, _anchor="hours"))


@bp.route("/listings/schedules/<schedule_id>/delete", methods=["POST"])
@agency_or_admin
def delete_schedule(schedule_id):
    schedule = _or_404(ops.schedule_for(current_user, schedule_id))
    service_id = schedule.service_id or schedule.service_at_location.service_id
    ops.delete_record(schedule)
    flash(_("Opening hours removed."), "success")
    return redirect(url_for(".edit_service", service_id=service_id, _anchor="hours"))


@bp.route("/listings/services/<service_id>/phones", methods=["POST"])
@agency_or_admin
def add_phone(service_id):
    service = _or_404(ops.service_for(current_user, service_id))
    form = PhoneForm()
    if not form.validate_on_submit():
        return _render_service_page(service, phone_form=form, status=400)
    ops.add_phone(service, form.number.data.strip(), form.extension.data, form.kind.data, form.description.data)
    flash(_("Phone number added."), "success")
    return redirect(url_for(".edit_service", service_id=service.id, _anchor="phones"))


@bp.route("/listings/phones/<phone_id>/delete", methods=["POST"])
@agency_or_admin
def delete_phone(phone_id):
    phone = _or_404(ops.phone_for(current_user, phone_id))
    service_id = phone.service_id
    ops.delete_record(phone)
    flash(_("Phone number removed."), "success")
    return redirect(url_for(".edit_service", service_id=service_id, _anchor="phones"))


@bp.route("/listings/services/<service_id>/contacts", methods=["POST"])
@agency_or_admin
def add_contact(service_id):
    service = _or_404(ops.service_for(current_user, service_id))
    form = ContactForm()
    if not form.validate_on_submit():
        return _render_service_page(service, contact_form=form, status=400)
    ops.save_contact(Contact(service_id=service.id), form.name.data.strip(), form.title.data, form.email.data,
                     (form.phone.data or "").strip())
    flash(_("Contact added."), "success")
    return redirect(url_for(".edit_service", service_id=service.id, _anchor="contacts"))


@bp.route("/listings/contacts/<contact_id>", methods=["GET", "POST"])
@agency_or_admin
def edit_contact(contact_id):
    contact = _or_404(ops.contact_for(current_user, contact_id))
    if request.method == "GET":
        form = ContactForm(obj=contact)
        form.phone.data = contact.phones[0].number if contact.phones else ""
        form.fingerprint.data = ops.contact_fingerprint(contact)
    else:
        form = ContactForm()
        if form.validate_on_submit():
            if form.fingerprint.data != ops.contact_fingerprint(contact):
                flash(conflict_message("contact", contact_id), "error")
                return redirect(url_for(".edit_contact", contact_id=contact_id))
            ops.save_contact(contact, form.name.data.strip(), form.title.data, form.email.data,
                             (form.phone.data or "").strip())
            flash(_("Saved."), "success")
            return redirect(_contact_return(contact))
    return render_template("listings/contact_edit.html", form=form, contact=contact,
                           back=_contact_return(contact)), (400 if form.errors else 200)


def _contact_return(contact) -> str:
    if contact.service_id:
        return url_for(".edit_service", service_id=contact.service_id, _anchor="contacts")
    return url_for(".index")


@bp.route("/listings/contacts/<contact_id>/delete", methods=["POST"])
@agency_or_admin
def delete_contact(contact_id):
    contact = _or_404(ops.contact_for(current_user, contact_id))
    back = _contact_return(contact)
    ops.delete_record(contact)
    flash(_("Contact removed."), "success")
    return redirect(back)


# --- locations --------------------------------------------------------------------------------

def _area_choices(form: LocationForm) -> None:
    areas = db.session.scalars(select(Area).order_by(Area.code).limit(5000))
    indent = {"city": "", "district": "· ", "street": "· · ", "community": "· · · "}
    form.area_id.choices = opts([("", _("Not set"))] + [(str(a.id), indent.get(a.level, "") + str(a)) for a in areas])


@bp.route("/listings/locations")
@agency_or_admin
def locations():
    org_id = request.args.get("organization") if current_user.has_role("admin") else current_user.organization_id
    organization = _or_404(ops.organization_for(current_user, org_id))
    return render_template("listings/locations.html", organization=organization,
                           locations=ops.locations_for(current_user, organization.id))


@bp.route("/listings/locations/new", methods=["GET", "POST"])
@agency_or_admin
def new_location():
    org_id = request.values.get("organization") if current_user.has_role("admin") else current_user.organization_id
    organization = _or_404(ops.organization_for(current_user, org_id))
    form = LocationForm()
    _area_choices(form)
    if form.validate_on_submit():
        location = ops.save_location(Location(organization_id=organization.id), form.model_data())
        flash(_("Location added."), "success")
        return redirect(url_for(".locations", organization=location.organization_id
                                if current_user.has_role("admin") else None))
    return render_template("listings/location_edit.html", form=form, location=None,
                           organization=organization), (400 if form.errors else 200)


@bp.route("/listings/locations/<location_id>", methods=["GET", "POST"])
@agency_or_admin
def edit_location(location_id):
    location = _or_404(ops.location_for(current_user, location_id))
    form = LocationForm(obj=location) if request.method == "GET" else LocationForm()
    _area_choices(form)
    if request.method == "GET":
        form.version.data = location.version
        form.area_id.data = str(location.area_id) if location.area_id else ""
    elif form.validate_on_submit():
        try:
            check_version(location, form.version.data)
            ops.save_location(location, form.model_data())
            db.session.flush()  # a concurrent edit shows here, as a conflict
        except (VersionConflict, StaleDataError):
            db.session.rollback()
            flash(conflict_message("location", location_id), "error")
            return redirect(url_for(".edit_location", location_id=location_id))
        flash(_("Saved."), "success")
        return redirect(url_for(".edit_location", location_id=location.id))
    return render_template("listings/location_edit.html", form=form, location=location,
                           organization=location.organization,
                           last=last_change("location", location.id)), (400 if form.errors else 200)


# --- problem reports ----------------------------------------------------------------------------

@bp.route("/services/<service_id>/report-problem", methods=["GET", "POST"])
def report_problem(service_id):
    """Open to everyone, signed in or not (CSRF-protected, length- and rate-limited)."""
    service = db.session.get(Service, service_id)
    if service is None:
        refuse(404)
    form = ProblemReportForm()
    if form.validate_on_submit():
        try:
            report = ops.report_problem(service, form.kind.data, form.text.data, current_user, request.remote_addr)
        except ops.TooManyReports:
            return render_template("listings/report_problem.html", form=form, service=service,
                                   error=_("Too many reports in a short time. Please try again in an hour.")), 429
        _notify_agency_of_report(report)
        return render_template("listings/report_thanks.html", service=service)
    return render_template("listings/report_problem.html", form=form, service=service,
                           error=None), (400 if form.errors else 200)


def _both_languages(render, service) -> tuple[str, str]:
    """A notification is stored in both languages; each reader sees their own. ``render(name)`` calls
    ``_()`` with a literal message (so it is extracted) and the service name in that language."""
    with force_locale("zh_CN"):
        zh = render(service.name_zh)
    with force_locale("en"):
        en = render(service.name_en or service.name_zh)
    return zh, en


def _notify_agency_of_report(report) -> None:
    from ..notifications.operations import notify, users_of_organization

    service = report.service
    zh, en = _both_languages(lambda name: _("Problem reported for %(name)s.", name=name), service)
    notify(users_of_organization(service.organization_id, "agency"), "problem_report", zh, en,
           link=url_for("listings.reports"), mail=False)


@bp.route("/listings/reports")
@agency_or_admin
def reports():
    status = request.args.get("status", "open")
    if status not in ("open", "resolved", "rejected", "all"):
        status = "open"
    return render_template("listings/reports.html", reports=ops.reports_for(current_user, None if status == "all" else status),
                           status=status, labels=PROBLEM_LABELS, form=None, blank=ResolveReportForm(formdata=None),
                           failed=None)


@bp.route("/listings/reports/<int:report_id>/close", methods=["POST"])
@agency_or_admin
def close_report(report_id):
    report = _or_404(ops.report_for(current_user, report_id))
    form = ResolveReportForm()
    if report.status != "open":
        flash(_("This report was already closed."), "error")
        return redirect(url_for(".reports"))
    if not form.validate_on_submit():
        return render_template("listings/reports.html", reports=ops.reports_for(current_user, "open"), status="open",
                               labels=PROBLEM_LABELS, form=form, blank=ResolveReportForm(formdata=None),
                               failed=report.id), 400
    ops.close_report(report, current_user, form.outcome.data, form.note.data)
    if report.reporter is not None:
        from ..notifications.operations import notify

        if report.status == "resolved":
            zh, en = _both_languages(lambda name: _("Your problem report about %(name)s was resolved.", name=name),
                                     report.service)
        else:
            zh, en = _both_languages(
                lambda name: _("Your problem report about %(name)s was closed without a change.", name=name),
                report.service)
        notify([report.reporter], "problem_report_closed", zh, en, link=url_for(".my_reports"), mail=False)
    flash(_("Report closed."), "success")
    return redirect(url_for(".reports"))


@bp.route("/listings/my-reports")
@login_required
def my_reports():
    return render_template("listings/my_reports.html", reports=ops.reports_by(current_user), labels=PROBLEM_LABELS)

# Peer supporters and volunteers add their routes to this blueprint (portal/listings/people_views.py).
from . import people_views  # noqa: E402
PEOPLE_VIEWS = people_views
