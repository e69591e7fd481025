"""Forms for keeping listings current. Validators mirror the database constraints so that bad input is
reported next to its field; choices that depend on the user (their locations, the vocabularies) are
set by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..common import today
from ..validators import EmailAddress, WebAddress
from ..directory.labels import ACCESS_FIELD, ACCESS_MODE
from ..directory.models import PHONE_TYPES
from .models import MAX_NOTE_TEXT, MAX_REPORT_TEXT
from .operations import MAX_WAIT_WEEKS, PHONE_PATTERN

_TEXT = [Optional(), Length(max=20000)]
_AGE = [Optional(), NumberRange(min=0, max=130, message=_l("Age must be between 0 and 130."))]
_YES_NO = [("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No"))]
ACCESS_YES_NO = ("anonymous_access", "reports_to_police", "guardian_consent_required")
_PHONE = Regexp(PHONE_PATTERN, message=_l("Use digits, spaces, +, - and brackets only."))
# The same phone rule for the admin's forms.
PHONE_NUMBER = _PHONE


def opts(pairs) -> list[SelectChoice]:
    """Choices as WTForms 3.3 wants them (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def _none_if_blank(value):
    return value if value not in ("", None) else None


def _tristate(value):
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StatusForm(FlaskForm):
    """The weekly one-click update; which button was pressed is the ``action``."""

    action = SelectField(choices=opts((a, a) for a in ("accepting", "waitlist", "full", "closed", "reopen", "verify")),
                         validate_choice=True)
    wait_weeks = IntegerField(_l("Weeks of waiting"), validators=[
        Optional(), NumberRange(min=1, max=MAX_WAIT_WEEKS, message=_l("Enter a number of weeks between 1 and 104."))])
    reopens_on = DateField(_l("Reopens on"), validators=[Optional()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.action.data == "waitlist" and self.wait_weeks.data is None and not self.wait_weeks.errors:
            self.wait_weeks.errors = [str(_l("Enter how many weeks people wait."))]
            ok = False
        if self.action.data == "closed" and self.reopens_on.data is not None and self.reopens_on.data < today():
            self.reopens_on.errors = [str(_l("The reopening date must not be in the past."))]
            ok = False
        return ok


class ServiceForm(FlaskForm):
    version = HiddenField()
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    alternate_name = StringField(_l("Other name or abbreviation"), validators=[Optional(), Length(max=200)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=_TEXT)
    description_en = TextAreaField(_l("Description (English)"), validators=_TEXT)
    url = StringField(_l("Web page"), validators=[Optional(), Length(max=500), WebAddress()])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=200), EmailAddress()])
    application_process_zh = TextAreaField(_l("How to apply (Chinese)"), validators=_TEXT)
    application_process_en = TextAreaField(_l("How to apply (English)"), validators=_TEXT)
    fees_description_zh = TextAreaField(_l("Fees (Chinese)"), validators=_TEXT)
    fees_description_en = TextAreaField(_l("Fees (English)"), validators=_TEXT)
    accepts_referrals = SelectField(_l("Accepts referrals"), coerce=str, choices=opts([
        ("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No"))]))
    # Eligibility
    eligibility_description_zh = TextAreaField(_l("Who can use it (Chinese)"), validators=_TEXT)
    eligibility_description_en = TextAreaField(_l("Who can use it (English)"), validators=_TEXT)
    minimum_age = IntegerField(_l("Minimum age"), validators=_AGE)
    maximum_age = IntegerField(_l("Maximum age"), validators=_AGE)
    gender_eligibility = SelectField(_l("Gender"), choices=opts([
        ("", _l("Not stated")), ("all", _l("Everyone")), ("female", _l("Women only")), ("male", _l("Men only"))]))
    residency_required = SelectField(_l("Local residence (hukou or residence permit) required"), choices=opts([
        ("", _l("Not stated")), ("yes", _l("Yes")), ("no", _l("No"))]))
    interpretation_services = StringField(_l("Interpretation available"), validators=[Optional(), Length(max=300)])
    # Access facts ("Not stated" is NULL: unknown is not no).
    access_mode = SelectField(ACCESS_FIELD["access_mode"], choices=opts(
        [("", _l("Not stated"))] + list(ACCESS_MODE.items())))
    anonymous_access = SelectField(ACCESS_FIELD["anonymous_access"], choices=opts(_YES_NO))
    reports_to_police = SelectField(ACCESS_FIELD["reports_to_police"], choices=opts(_YES_NO))
    guardian_consent_required = SelectField(ACCESS_FIELD["guardian_consent_required"], choices=opts(_YES_NO))
    # Who answers outside opening hours (crisis path): shown on the service and referral pages.
    after_hours_phone = StringField(_l("After-hours phone"), validators=[Optional(), Length(max=40), _PHONE],
                                    description=_l("A duty phone or crisis line that answers at night and at weekends."))
    only_terms = MultiCheckboxField(_l("Only for (eligibility restricted to)"), choices=[])
    # Where and what
    # Not checked against the choices here: the ownership rule is listings.operations.save_service's
    # (require_own_locations), the same for every entry point.
    locations = MultiCheckboxField(_l("Delivered at"), choices=[], validate_choice=False)
    category = MultiCheckboxField(_l("Service category"), choices=[])
    care_stage = MultiCheckboxField(_l("Care stage"), choices=[])
    population = MultiCheckboxField(_l("Populations served"), choices=[])
    condition = MultiCheckboxField(_l("Conditions"), choices=[])
    delivery_mode = MultiCheckboxField(_l("How it is delivered"), choices=[])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        low, high = self.minimum_age.data, self.maximum_age.data
        if low is not None and high is not None and low > high:
            self.maximum_age.errors = list(self.maximum_age.errors) + [str(_l("Maximum age must not be below minimum age."))]
            ok = False
        return ok

    def model_data(self) -> dict:
        data = {name: self[name].data for name in (
            "name_zh", "name_en", "alternate_name", "description_zh", "description_en", "url", "email",
            "application_process_zh", "application_process_en", "fees_description_zh", "fees_description_en",
            "eligibility_description_zh", "eligibility_description_en", "minimum_age", "maximum_age",
            "interpretation_services")}
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        data = {k: _none_if_blank(v) for k, v in data.items()}
        data["gender_eligibility"] = _none_if_blank(self.gender_eligibility.data)
        data["residency_required"] = _tristate(self.residency_required.data)
        data["accepts_referrals"] = _tristate(self.accepts_referrals.data)
        data["access_mode"] = _none_if_blank(self.access_mode.data)
        data["after_hours_phone"] = _none_if_blank((self.after_hours_phone.data or "").strip())
        for name in ACCESS_YES_NO:
            data[name] = _tristate(self[name].data)
        return data

    def fill_from(self, service) -> None:
        def tri(value):
            return "" if value is None else ("yes" if value else "no")

        self.residency_required.data = tri(service.residency_required)
        self.accepts_referrals.data = tri(service.accepts_referrals)
        self.gender_eligibility.data = service.gender_eligibility or ""
        self.access_mode.data = service.access_mode or ""
        for name in ACCESS_YES_NO:
            self[name].data = tri(getattr(service, name))
        self.version.data = service.version


class LocationForm(FlaskForm):
    version = HiddenField()
    location_type = SelectField(_l("Kind of place"), choices=opts([
        ("physical", _l("A place people visit")), ("virtual", _l("Online or phone only")), ("postal", _l("Postal address only"))]))
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    address_zh = StringField(_l("Address (Chinese)"), validators=[Optional(), Length(max=300)])
    address_en = StringField(_l("Address (English)"), validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=20)])
    area_id = SelectField(_l("Area"), choices=[], coerce=str)
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90, message=_l("Latitude must be between -90 and 90."))])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180, message=_l("Longitude must be between -180 and 180."))])
    transportation_zh = TextAreaField(_l("Getting there (Chinese)"), validators=_TEXT)
    transportation_en = TextAreaField(_l("Getting there (English)"), validators=_TEXT)
    accessibility_zh = TextAreaField(_l("Accessibility (Chinese)"), validators=_TEXT)
    accessibility_en = TextAreaField(_l("Accessibility (English)"), validators=_TEXT)

    def model_data(self) -> dict:
        names = ("location_type", "name_zh", "name_en", "address_zh", "address_en", "city", "postal_code",
                 "latitude", "longitude", "transportation_zh", "transportation_en", "accessibility_zh",
                 "accessibility_en")
        data = {n: _none_if_blank(self[n].data.strip() if isinstance(self[n].data, str) else self[n].data)
                for n in names}
        data["area_id"] = int(self.area_id.data) if self.area_id.data else None
        return data


WEEKDAYS = [(1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")),
            (5, _l("Friday")), (6, _l("Saturday")), (7, _l("Sunday"))]


class ScheduleForm(FlaskForm):
    weekday = SelectField(_l("Day"), choices=opts(WEEKDAYS), coerce=int)
    opens_at = TimeField(_l("Opens"), validators=[DataRequired(message=_l("Enter a time such as 08:30."))])
    closes_at = TimeField(_l("Closes"), validators=[DataRequired(message=_l("Enter a time such as 08:30."))])
    notes = StringField(_l("Note"), validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.opens_at.data >= self.closes_at.data:
            self.closes_at.errors = [str(_l("Closing time must be after opening time."))]
            ok = False
        return ok


class ContactForm(FlaskForm):
    fingerprint = HiddenField()
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=120)])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=200), EmailAddress()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40), _PHONE])


class PhoneForm(FlaskForm):
    number = StringField(_l("Phone number"), validators=[DataRequired(message=_l("Please enter a phone number.")), Length(max=40), _PHONE])
    extension = StringField(_l("Extension"), validators=[Optional(), Length(max=20)])
    kind = SelectField(_l("Type"), choices=opts((t, t) for t in PHONE_TYPES))
    description = StringField(_l("Note"), validators=[Optional(), Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"voice": _l("Phone"), "hotline": _l("Hotline"), "text": _l("Text messages"), "fax": _l("Fax"),
                  "cell": _l("Mobile")}
        self.kind.choices = opts((t, labels.get(t, t)) for t in PHONE_TYPES)


PROBLEM_LABELS = {
    "closed": _l("The service has closed"),
    "wrong_phone": _l("The phone number is wrong"),
    "wrong_hours": _l("The opening hours are wrong"),
    "wrong_eligibility": _l("Who can use it is wrong"),
    "other": _l("Something else"),
}


class ProblemReportForm(FlaskForm):
    kind = RadioField(_l("What is wrong?"), choices=opts(PROBLEM_LABELS.items()),
                      validators=[DataRequired(message=_l("Please choose what is wrong."))])
    text = TextAreaField(_l("Details"), description=_l("What is wrong and, if you know, what is right. Do not write anyone's name or ID number."),
                         validators=[Optional(), Length(max=MAX_REPORT_TEXT, message=_l("Please keep it under 1000 characters."))])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.kind.data == "other" and not (self.text.data or "").strip():
            self.text.errors = list(self.text.errors) + [str(_l("Please describe the problem."))]
            ok = False
        return ok


class ResolveReportForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=opts([
                             ("resolved", _l("Fixed: the listing is now correct")),
                             ("rejected", _l("Not a problem: the listing was already correct"))]),
                         validators=[DataRequired(message=_l("Please choose an outcome."))])
    note = TextAreaField(_l("Note to the reporter"), validators=[
        DataRequired(message=_l("Please write a short note.")), Length(max=MAX_NOTE_TEXT, message=_l("Please keep it under 1000 characters."))])
