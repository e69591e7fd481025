"""Forms of the case record. Choices that come from the database (conditions, staff) are filled by
the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..common import today
from ..referrals.forms import MultiCheckboxField, opts
from ..referrals.models import CONSENT_GIVERS
from . import labels
from .levels import MANAGEMENT_LEVELS
from .vocab import CAREGIVER_RELATIONSHIPS, PLAN_DOMAINS, PLAN_STATUSES


def _choices(table, codes, blank: bool = False):
    return opts(([("", "—")] if blank else []) + [(c, table[c]) for c in codes])


class CaseRecordForm(FlaskForm):
    consent_on = DateField(_l("Consent to keep a case record given on"), validators=[Optional()], default=today)
    # Codes are checked by the operation (with a message beside the field), not by WTForms.
    consent_given_by = SelectField(_l("Consent given by"), choices=_choices(labels.CONSENT_GIVER, CONSENT_GIVERS),
                                   default="client", validate_choice=False)
    conditions = MultiCheckboxField(_l("Health conditions"), choices=[], validate_choice=False)
    management_level = SelectField(_l("Management level"),
                                   choices=_choices(labels.MANAGEMENT_LEVEL, MANAGEMENT_LEVELS, blank=True),
                                   validate_choice=False,
                                   description=_l("Sets how often the person is followed up."))
    medication = StringField(_l("Medication"), validators=[Optional(), Length(max=200)],
                             description=_l("Short, e.g. the medicine and dose the person takes now."))
    case_manager_id = SelectField(_l("Case manager"), choices=[], validate_choice=False)
    caregiver_name = StringField(_l("Caregiver or guardian: name"), validators=[Optional(), Length(max=100)])
    caregiver_relationship = SelectField(_l("Relationship to the client"),
                                         choices=_choices(labels.CAREGIVER_RELATIONSHIP, CAREGIVER_RELATIONSHIPS,
                                                          blank=True), validate_choice=False)
    caregiver_phone = StringField(_l("Caregiver or guardian: phone"), validators=[Optional(), Length(max=40)])
    caregiver_is_guardian = BooleanField(_l("This person is the client's legal guardian"))


class PlanEntryForm(FlaskForm):
    domain = SelectField(_l("Domain"), choices=_choices(labels.PLAN_DOMAIN, PLAN_DOMAINS), validate_choice=False)
    status = SelectField(_l("Where it stands"), choices=_choices(labels.PLAN_STATUS, PLAN_STATUSES), validate_choice=False)
    text = TextAreaField(_l("Goal or progress"), validators=[Optional(), Length(max=1000)])
