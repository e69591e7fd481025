"""Forms of "refer back" and the care plan editor (loop_views.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from .forms import ConsentFieldsMixin, HandoverFieldsMixin


class CarePlanForm(FlaskForm):
    care_plan_notes = TextAreaField(_l("Care plan notes"), validators=[Optional(), Length(max=5000)])
    # The referral's version when the page was loaded: a newer stored one means someone else edited.
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReferBackForm(HandoverFieldsMixin, ConsentFieldsMixin, FlaskForm):
    service_id = SelectField(_l("Refer to service"), choices=[], validate_choice=False)
    tell_first_sender = BooleanField(_l("The client agrees that the first referring organisation is told how "
                                        "this referral goes (status and dates)"))
