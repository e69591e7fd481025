"""The needs intake form. It only renders fields and carries the CSRF token: what the values must be
is decided once, for the form and the API alike, in ``profile.parse_profile``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from .profile import FIELDS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # choices are checked by parse_profile, with our own messages
        pass


class FreeSelectField(SelectField):
    def pre_validate(self, form):
        pass


class MatchForm(FlaskForm):
    needs = MultiCheckboxField(_l("Needs"), description=_l("Choose every kind of help the client needs."))
    # Resolved to an area and a point by directory/place_queries.py; not part of the stored profile
    # (the area and point it gave are).
    place = StringField(_l("Address or landmark"),
                        description=_l("A district, street or community, an address, or a clinic's name."))
    area = FreeSelectField(_l("District or street where the client lives"))
    latitude = StringField(_l("Latitude"), widget=NumberInput(step="any"))
    longitude = StringField(_l("Longitude"), widget=NumberInput(step="any"))
    travel_km = StringField(_l("How far the client can travel (km)"), widget=NumberInput(step="any", min=0),
                            default="5", description=_l("Leave empty for no limit."))
    remote_ok = BooleanField(_l("Online or phone is fine"))
    age = StringField(_l("Age"), widget=NumberInput(min=0))
    gender = FreeSelectField(_l("Gender"))
    conditions = MultiCheckboxField(_l("Conditions"))
    populations = MultiCheckboxField(_l("Circumstances"))
    payment = MultiCheckboxField(_l("What the client can pay with"),
                                 description=_l("Free services always count. Leave all unticked if cost does not matter."))
    languages = MultiCheckboxField(_l("Languages the client speaks"))
    languages_only = BooleanField(_l("The client speaks only these languages"))
    accepts_compulsory = BooleanField(_l("The client accepts compulsory programmes"), description=_l(
        "Unticked, compulsory programmes are never suggested: they are listed as excluded, with the reason."))
    needs_anonymous = BooleanField(_l("The client needs anonymous access"), description=_l(
        "Services that need a name are excluded; those that do not say are flagged."))
    urgency = FreeSelectField(_l("Urgency"), default="normal")
    at_risk = BooleanField(_l("At risk now (self-harm, violence, overdose)"),
                           description=_l("Crisis lines and services open 24 hours come first."))
    care_stage = FreeSelectField(_l("Current care stage"))

    def raw(self) -> dict:
        """The values as ``parse_profile`` expects them."""
        return {name: getattr(self, name).data for name in FIELDS}
