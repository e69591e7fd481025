"""Agency pages for peer supporters and volunteers: the organisation's list, add, edit, remove.
Routes on the listings blueprint (imported at the end of ``views.py``). Thin: each view finds the
record through ``people.person_for(user, id)`` (404 for anything the user may not manage), calls one
operation, and renders or redirects."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..people.labels import PEOPLE_KIND, TRAINING_STATUS
from ..people.models import MAX_DISPLAY_NAME, PeerSupporter
from . import operations as ops
from . import people as people_ops
from .forms import MultiCheckboxField, opts
from .views import _or_404, agency_or_admin, bp


class PersonForm(FlaskForm):
    display_name = StringField(_l("Name or initials"), description=_l(
        "A first name, a nickname or initials: no full name, ID number or phone number."),
        validators=[DataRequired(message=_l("Enter a name or initials (at most 40 characters).")),
                    Length(max=MAX_DISPLAY_NAME, message=_l("Enter a name or initials (at most 40 characters)."))])
    kind = SelectField(_l("Role"), choices=opts(PEOPLE_KIND.items()))
    training_status = SelectField(_l("Training"), choices=opts(TRAINING_STATUS.items()))
    training_date = DateField(_l("Training date"), validators=[Optional()],
                              description=_l("When the training was completed (or began, for “in training”)."))
    services = MultiCheckboxField(_l("Works in"), choices=[], validate_choice=False)


def _organization_id() -> str | None:
    if current_user.has_role("admin"):
        return request.values.get("organization") or None
    return current_user.organization_id


def _service_choices(form: PersonForm, organization_id: str) -> None:
    form.services.choices = opts((s.id, str(s.t("name"))) for s in ops.services_for(current_user, organization_id))


def _save(person: PeerSupporter, form: PersonForm) -> bool:
    """Run the operation; a refusal goes next to its field (and nothing is kept)."""
    try:
        people_ops.save_person(person, form.display_name.data or "", form.kind.data, form.training_status.data,
                               form.training_date.data, form.services.data or [])
    except people_ops.PersonRefused as refusal:
        db.session.rollback()
        field = form[refusal.field] if refusal.field in form else form.display_name
        field.errors = list(field.errors) + [str(refusal.message)]
        return False
    return True


def _back(organization_id: str) -> str:
    return url_for("listings.people", organization=organization_id if current_user.has_role("admin") else None)


@bp.route("/listings/people", methods=["GET", "POST"])
@agency_or_admin
def people():
    organization = _or_404(ops.organization_for(current_user, _organization_id()))
    form = PersonForm() if request.method == "POST" else PersonForm(formdata=None)
    _service_choices(form, organization.id)
    if request.method == "POST" and form.validate_on_submit():
        if _save(PeerSupporter(organization_id=organization.id), form):
            flash(_("Added."), "success")
            return redirect(_back(organization.id))
    status = 400 if form.errors else 200
    return render_template("listings/people.html", organization=organization, form=form,
                           people=people_ops.people_for(current_user, organization.id),
                           kinds=PEOPLE_KIND, statuses=TRAINING_STATUS), status


@bp.route("/listings/people/<int:person_id>", methods=["GET", "POST"])
@agency_or_admin
def edit_person(person_id):
    person = _or_404(people_ops.person_for(current_user, person_id))
    if request.method == "GET":
        form = PersonForm(obj=person)
        form.services.data = [s.id for s in person.services]
    else:
        form = PersonForm()
    _service_choices(form, person.organization_id)
    if request.method == "POST" and form.validate_on_submit():
        organization_id = person.organization_id
        if _save(person, form):
            flash(_("Saved."), "success")
            return redirect(_back(organization_id))
        person = _or_404(people_ops.person_for(current_user, person_id))
    return render_template("listings/person_edit.html", person=person, form=form,
                           back=_back(person.organization_id)), (400 if form.errors else 200)


@bp.route("/listings/people/<int:person_id>/delete", methods=["POST"])
@agency_or_admin
def delete_person(person_id):
    person = _or_404(people_ops.person_for(current_user, person_id))
    back = _back(person.organization_id)
    people_ops.delete_person(person)
    flash(_("Removed."), "success")
    return redirect(back)
