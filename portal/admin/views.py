"""Admin views for the directory, taxonomy, areas and users.

Validators here mirror the database constraints so that a bad value is reported next to its field;
the constraints themselves still guard every other path.
"""
from __future__ import annotations

from flask import flash, make_response, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from wtforms import PasswordField, SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from ..accounts.labels import role_choices, role_label
from ..accounts.models import ORG_BOUND_ROLES, ROLES, User
from ..accounts.operations import AccountError, normalise_email, reset_password, set_active, set_password
from ..audit.versioning import VersionCheckedAdminMixin
from ..directory.models import AREA_LEVELS, CAPACITY_STATUSES, GENDER_ELIGIBILITY, SERVICE_STATUSES
from ..extensions import db
from ..listings import operations as listing_ops
from ..punctuation import join_list
from ..listings.forms import PHONE_NUMBER
from ..validators import EmailAddress, WebAddress
from .base import AdminForm, PortalModelView

_LAT = {"validators": [Optional(), NumberRange(min=-90, max=90, message=_l("Latitude must be between -90 and 90."))]}
_LON = {"validators": [Optional(), NumberRange(min=-180, max=180, message=_l("Longitude must be between -180 and 180."))]}
_AGE = {"validators": [Optional(), NumberRange(min=0, max=130, message=_l("Age must be between 0 and 130."))]}
_COUNT = {"validators": [Optional(), NumberRange(min=0, message=_l("Must be zero or more."))]}


def _owned(check, *args) -> None:
    """Run a listings ownership rule (``listings.operations``); its refusal is shown on the form."""
    try:
        check(*args)
    except listing_ops.ForeignLocation as refusal:
        raise ValidationError(str(refusal.message)) from refusal


def _phone(form, field) -> None:
    """The listings' phone rule (``PHONE_NUMBER``), its message made a plain string: Flask-Admin
    shows only ``str`` errors beside a field, and drops lazy ones silently."""
    try:
        PHONE_NUMBER(form, field)
    except ValidationError as error:
        raise ValidationError(str(error)) from None


def _choices(values):
    return [(v, v.replace("_", " ")) for v in values]


class TriStateField(SelectField):
    """A yes/no fact that may be unknown: "Not stated" keeps NULL (a plain checkbox would save an
    unticked box as "no", and unknown is not no)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.pop("allow_blank", None)
        kwargs.pop("default", None)
        super().__init__(label, validators, choices=[("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No"))],
                         **kwargs)

    def process_data(self, value) -> None:
        self.data = "" if value is None else ("yes" if value else "no")

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            self.data = valuelist[0]

    def pre_validate(self, form) -> None:
        if self.data not in ("", "yes", "no"):
            raise ValidationError(self.gettext("Not a valid choice."))

    def populate_obj(self, obj, name) -> None:
        setattr(obj, name, {"yes": True, "no": False}.get(self.data))


class ServiceForm(AdminForm):
    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        low, high = self.minimum_age.data, self.maximum_age.data
        if low is not None and high is not None and low > high:
            self.maximum_age.errors = list(self.maximum_age.errors) + [
                str(_l("Maximum age must not be below minimum age."))]
            ok = False
        return ok


class OrganizationAdmin(VersionCheckedAdminMixin, PortalModelView):
    column_list = ("name_zh", "name_en", "department", "network_level", "verified_on", "updated_at")
    column_searchable_list = ("name_zh", "name_en", "alternate_name")
    column_filters = ("department", "network_level", "verified_on")
    column_default_sort = "name_zh"
    form_columns = ("name_zh", "name_en", "alternate_name", "description_zh", "description_en", "email",
                    "website", "legal_status", "department", "network_level", "verified_on")
    form_args = {"email": {"validators": [Optional(), EmailAddress()]},
                 "website": {"validators": [Optional(), WebAddress()]}}


class ServiceAdmin(VersionCheckedAdminMixin, PortalModelView):
    form_base_class = ServiceForm
    column_list = ("name_zh", "name_en", "organization", "status", "capacity_status", "accepts_referrals", "verified_on")
    column_searchable_list = ("name_zh", "name_en")
    column_filters = ("status", "capacity_status", "accepts_referrals", "access_mode", "anonymous_access",
                      "reports_to_police", "verified_on")
    column_default_sort = "name_zh"
    form_columns = (
        "organization", "name_zh", "name_en", "alternate_name", "description_zh", "description_en", "url", "email",
        "status", "reopens_on", "application_process_zh", "application_process_en", "fees_description_zh",
        "fees_description_en", "eligibility_description_zh", "eligibility_description_en", "minimum_age",
        "maximum_age", "gender_eligibility", "residency_required", "interpretation_services", "capacity_status",
        "wait_weeks", "capacity_available", "capacity_maximum", "capacity_notes", "accepts_referrals", "verified_on",
        "access_mode", "anonymous_access", "reports_to_police", "guardian_consent_required",
        "after_hours_phone",
    )
    form_overrides = dict.fromkeys(("anonymous_access", "reports_to_police", "guardian_consent_required"),
                                   TriStateField)
    form_choices = {
        "status": _choices(SERVICE_STATUSES),
        "capacity_status": _choices(CAPACITY_STATUSES),
        "gender_eligibility": _choices(GENDER_ELIGIBILITY),
    }
    form_args = {"minimum_age": _AGE, "maximum_age": _AGE, "wait_weeks": _COUNT,
                 "capacity_available": _COUNT, "capacity_maximum": _COUNT,
                 "email": {"validators": [Optional(), EmailAddress()]},
                 "url": {"validators": [Optional(), WebAddress()]},
                 "after_hours_phone": {"validators": [Optional(), _phone]}}

    def on_model_change(self, form, model, is_created):
        """Moving a service to another organisation must not leave it at the old one's locations."""
        org_id = model.organization.id if model.organization is not None else model.organization_id
        _owned(listing_ops.require_own_locations, org_id, [link.location_id for link in model.location_links])


class PeerSupporterAdmin(PortalModelView):
    """Peer supporters and volunteers of every organisation (agencies manage their own in the
    listings area: ``listings.people``)."""

    column_list = ("display_name", "kind", "training_status", "training_date", "organization")
    column_searchable_list = ("display_name",)
    column_filters = ("kind", "training_status")
    form_columns = ("organization", "display_name", "kind", "training_status", "training_date", "services")
    form_ajax_refs = {"services": {"fields": ("name_zh", "name_en"), "page_size": 10}}
    column_labels = {"kind": _l("Role")}

    def __init__(self, *args, **kwargs) -> None:
        from ..people.labels import PEOPLE_KIND, TRAINING_STATUS

        self.form_choices = {"kind": list(PEOPLE_KIND.items()), "training_status": list(TRAINING_STATUS.items())}
        super().__init__(*args, **kwargs)

    def on_model_change(self, form, model, is_created):
        """The same rules as the listings form: a trained person has a date, and works only in
        services of their own organisation."""
        from ..listings import people as people_ops

        org_id = model.organization.id if model.organization is not None else model.organization_id
        try:
            people_ops.check_person(org_id, model.display_name, model.kind, model.training_status,
                                    model.training_date, [s.id for s in model.services])
        except people_ops.PersonRefused as refusal:
            raise ValidationError(str(refusal.message)) from refusal


class LocationAdmin(VersionCheckedAdminMixin, PortalModelView):
    column_list = ("name_zh", "address_zh", "organization", "area", "latitude", "longitude")
    column_searchable_list = ("name_zh", "name_en", "address_zh")
    form_columns = ("organization", "location_type", "name_zh", "name_en", "address_zh", "address_en", "city",
                    "postal_code", "area", "latitude", "longitude", "transportation_zh", "transportation_en",
                    "accessibility_zh", "accessibility_en")
    form_choices = {"location_type": _choices(("physical", "virtual", "postal"))}
    form_args = {"latitude": _LAT, "longitude": _LON}

    def on_model_change(self, form, model, is_created):
        """Moving a location to another organisation must not leave other organisations' services there."""
        if model.organization is not None:
            model.organization_id = model.organization.id
        _owned(listing_ops.require_location_serves_own, model)


class AreaAdmin(PortalModelView):
    column_list = ("code", "name_zh", "name_en", "level", "parent", "latitude", "longitude")
    column_searchable_list = ("code", "name_zh", "name_en")
    column_filters = ("level",)
    form_columns = ("code", "name_zh", "name_en", "level", "parent", "latitude", "longitude")
    form_choices = {"level": _choices(AREA_LEVELS)}
    form_args = {"latitude": _LAT, "longitude": _LON}


class TaxonomyAdmin(PortalModelView):
    column_list = ("name", "description", "version")
    form_columns = ("name", "description", "uri", "version")


class TaxonomyTermAdmin(PortalModelView):
    column_list = ("taxonomy", "code", "name_zh", "name_en", "parent", "position")
    column_searchable_list = ("code", "name_zh", "name_en")
    column_default_sort = ("position", False)
    form_columns = ("taxonomy", "code", "name_zh", "name_en", "description", "parent", "position")


class UserForm(AdminForm):
    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        roles = set(self.roles_selected.data or [])
        if roles & set(ORG_BOUND_ROLES) and not self.organization.data:
            self.organization.errors = list(self.organization.errors) + [
                str(_l("Worker and agency users must belong to an organisation."))]
            ok = False
        return ok


def _role_names(view, context, model, name):
    return join_list(role_label(r) for r in sorted(model.roles, key=ROLES.index))


class UserAdmin(PortalModelView):
    form_base_class = UserForm
    column_list = ("email", "name", "role_rows", "organization", "active", "last_login_at")
    column_labels = {"role_rows": _l("Roles")}
    column_formatters = {"role_rows": _role_names}
    column_searchable_list = ("email", "name")
    column_filters = ("active",)
    form_columns = ("email", "name", "roles_selected", "new_password", "organization", "area", "active", "locale")
    form_extra_fields = {
        "roles_selected": SelectMultipleField(_l("Roles"), choices=role_choices()),
        "new_password": PasswordField(_l("New password"), description=_l("Leave empty to keep the current password.")),
    }
    form_args = {"email": {"validators": [EmailAddress()]}}
    can_view_details = False
    edit_template = "admin/user_edit.html"

    def on_form_prefill(self, form, id):
        model = self.get_one(id)
        form.roles_selected.data = sorted(model.roles)

    def on_model_change(self, form, model, is_created):
        """A shell over the accounts operations: the password rule and signing out other sessions
        are ``set_password``'s, the email's normal form is ``normalise_email``'s."""
        password = form.new_password.data or ""
        if is_created and not password:
            raise ValidationError(str(_l("A new user needs a password.")))
        if password:
            try:
                set_password(model, password)
            except AccountError as error:
                raise ValidationError(str(error.message)) from None
        model.email = normalise_email(model.email)
        model.set_roles(form.roles_selected.data or [])
        if not is_created and sa_inspect(model).attrs.active.history.has_changes():
            # The form already flipped the flag: put it back and let the operation make the change
            # (it ends the user's sessions and audits), as the list actions and the CLI do.
            wanted = bool(model.active)
            model.active = not wanted
            set_active(model, wanted)

    def _users(self, ids) -> list[User]:
        return list(db.session.scalars(select(User).where(User.id.in_(_int_ids(ids)))))

    @action("deactivate", _l("Deactivate"), _l("Deactivate the selected users? They are signed out at once."))
    def action_deactivate(self, ids):
        changed = sum(set_active(user, False) for user in self._users(ids))
        flash(_("%(n)s user(s) deactivated.", n=changed), "success")

    @action("reactivate", _l("Reactivate"))
    def action_reactivate(self, ids):
        changed = sum(set_active(user, True) for user in self._users(ids))
        flash(_("%(n)s user(s) reactivated.", n=changed), "success")

    @action("reset_password", _l("Reset password"),
            _l("Give the selected users a new random password? Their sessions end."))
    def action_reset_password(self, ids):
        users = self._users(ids)
        passwords = [(user.email, reset_password(user)) for user in users]
        return self._show_passwords(passwords)

    @expose("/reset-password/", methods=("POST",))
    def reset_password_view(self):
        """The edit page's "Reset password" button (a CSRF-checked POST, like every admin form)."""
        ids = _int_ids([request.form.get("id", "")])
        user = db.session.get(User, ids[0]) if ids else None
        if user is None:
            flash(_("That user does not exist."), "error")
            return redirect(self.get_url(".index_view"))
        return self._show_passwords([(user.email, reset_password(user))])

    def _show_passwords(self, passwords):
        # Shown on this page only: never flashed (the session cookie is signed, not encrypted) or logged.
        response = make_response(self.render("admin/one_time_passwords.html", passwords=passwords))
        response.headers["Cache-Control"] = "no-store"
        return response


def _int_ids(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]
