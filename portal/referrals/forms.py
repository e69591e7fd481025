"""Forms of the referral pages. Choices that come from the database are filled by ``choices.py``."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..common import today
from . import labels
from .duetimes import FOLLOW_UP_MONTHS
from .followups import configured_months
from .clients import ConsentData
from .models import CONSENT_GIVERS, CONSENT_ITEMS, CONTACT_PREFERENCES, GENDERS
from .statemachine import DECLINE_REASONS, DECLINED_BY, NOT_CONNECTED_REASONS, URGENCIES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def opts(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


FOLLOW_UP_INTERVAL_LABELS = {3: _l("Every 3 months"), 1: _l("Monthly")}


def _choices(table, codes):
    return opts((c, table[c]) for c in codes)


def _in_a_year():
    return today() + timedelta(days=365)


class ClientFieldsMixin:
    birth_year = IntegerField(_l("Birth year"), validators=[Optional(), NumberRange(min=1900, max=2100,
                              message=_l("Enter a birth year between 1900 and this year."))])
    gender = SelectField(_l("Gender"), choices=_choices(labels.GENDER, GENDERS), default="unknown")
    area_id = SelectField(_l("Area where the client lives"), choices=[], validate_choice=False)
    language = SelectField(_l("Preferred language"), choices=opts(labels.LANGUAGES.items()), default="zh")
    contact_preference = SelectField(_l("How the client wants to be contacted"),
                                     choices=_choices(labels.CONTACT_PREFERENCE, CONTACT_PREFERENCES),
                                     default="via_worker")
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)],
                                description=_l("Only with the client's agreement. Shown only to your organisation "
                                               "and to receivers the client consented to."))
    contact_note = StringField(_l("Contact note (e.g. best time to call)"), validators=[Optional(), Length(max=300)])
    contact_consent = BooleanField(_l("The client agreed that these contact details are recorded"))


class ClientForm(ClientFieldsMixin, FlaskForm):
    pass


class ConsentFieldsMixin:
    consent_given = BooleanField(_l("The client consents to share this referral with the receiving organisation"))
    consent_scope = SelectField(_l("Consent covers"), choices=opts([("referral", _l("This referral only")),
                                                                   ("organization", _l("All referrals to this organisation"))]),
                                default="referral")
    consent_items = MultiCheckboxField(_l("What may be shared"), choices=_choices(labels.CONSENT_ITEM, CONSENT_ITEMS),
                                       default=["referral"])
    consent_purpose = StringField(_l("Purpose the client agreed to"), validators=[Optional(), Length(max=500)])
    consent_given_on = DateField(_l("Consent given on"), validators=[Optional()], default=today)
    # A minor's consent, or one a service says needs a guardian, must be a guardian's (cases/guardian.py).
    consent_given_by = SelectField(_l("Consent given by"), choices=_choices(labels.CONSENT_GIVER, CONSENT_GIVERS),
                                   default="client", validate_choice=False)  # absent: the client
    consent_expires_on = DateField(_l("Consent expires on"), validators=[Optional()], default=_in_a_year)

    def consent_data(self) -> ConsentData | None:
        """The consent this form records, or None when it is not ticked: one reading for every form
        that makes a referral, so who gave it (the guardian rule) is never lost on one of them."""
        if not self.consent_given.data:
            return None
        return ConsentData(scope=self.consent_scope.data, items=list(self.consent_items.data or []),
                           purpose=self.consent_purpose.data or "", given_on=self.consent_given_on.data,
                           expires_on=self.consent_expires_on.data, given_by=self.consent_given_by.data or "client")


class HandoverFieldsMixin:
    """What every form that makes a referral asks about the handover itself (new referral, refer back)."""

    needs = MultiCheckboxField(_l("Needs this referral addresses"), choices=[], validate_choice=False)
    urgency = SelectField(_l("Urgency"), choices=_choices(labels.URGENCY, URGENCIES), default="routine")
    reason = TextAreaField(_l("Reason for referral (only what the receiver needs to know)"),
                           validators=[Optional(), Length(max=2000)])
    from_stage = SelectField(_l("Moving from care stage"), choices=[], validate_choice=False)
    to_stage = SelectField(_l("Moving to care stage"), choices=[], validate_choice=False)
    transfer_criterion = StringField(_l("Transfer criterion met (e.g. stable for 3 months)"),
                                     validators=[Optional(), Length(max=300)])
    care_plan_notes = TextAreaField(_l("Care plan notes to hand over"), validators=[Optional(), Length(max=4000)])
    override_reason = TextAreaField(_l("Reason to refer although the service's rules exclude the client"),
                                    validators=[Optional(), Length(max=500)])


class ReferralForm(ClientFieldsMixin, HandoverFieldsMixin, ConsentFieldsMixin, FlaskForm):
    client_id = SelectField(_l("Client"), choices=[], validate_choice=False)
    # Not required here: a whole care plan is referred through ``plan_items`` instead, and the
    # operation says "choose an active service" when neither is given.
    service_id = SelectField(_l("Refer to service"), choices=[], validate_choice=False)
    # The searchable picker: typed text narrows the services (static/js/picker.js, or the "Filter"
    # button on the server when JavaScript is off).
    service_q = StringField(_l("Find a service"), validators=[Optional(), Length(max=100)],
                            render_kw={"data-filter-select": "service_id", "autocomplete": "off"})
    # The stored match profile (a random token) this referral starts from, and its care plan's services
    # ("<service id>|<need>,<need>"): one referral per ticked service.
    match = HiddenField()
    plan_items = MultiCheckboxField(_l("Services in the care plan"), choices=[], validate_choice=False)
    # The allowed intervals and the default are the follow-up rule's (duetimes, followups).
    follow_up_months = SelectField(_l("Follow-ups after connection"),
                                   choices=opts((str(m), FOLLOW_UP_INTERVAL_LABELS[m]) for m in FOLLOW_UP_MONTHS),
                                   default=lambda: str(configured_months()))


class ConsentForm(ConsentFieldsMixin, FlaskForm):
    organization_id = SelectField(_l("Receiving organisation"), choices=[], validate_choice=False,
                                  validators=[DataRequired(message=_l("Choose the organisation."))])


class TransitionForm(FlaskForm):
    """One form for every action button; which fields matter depends on the action."""

    action = StringField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    decline_reason = SelectField(_l("Reason"), choices=opts([("", "—")]) + _choices(labels.DECLINE_REASON, DECLINE_REASONS),
                                 validate_choice=False)
    declined_by = SelectField(_l("Who declined"), choices=_choices(labels.DECLINED_BY, DECLINED_BY), default="provider",
                              validate_choice=False)
    not_connected_reason = SelectField(_l("Reason"), choices=opts([("", "—")]) + _choices(labels.NOT_CONNECTED_REASON,
                                                                                   NOT_CONNECTED_REASONS),
                                       validate_choice=False)
    first_attended_on = DateField(_l("First attended on"), validators=[Optional()], default=today)
    receiver_handoff_id = SelectField(_l("Handoff person"), choices=[], validate_choice=False)
    next = StringField()


class BoardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    service_id = SelectField(_l("Service"), choices=[], validate_choice=False)
    category = SelectField(_l("Need"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    organization_id = SelectField(_l("Organisation (sending or receiving)"), choices=[], validate_choice=False)
    urgency = SelectField(_l("Urgency"), choices=opts([("", "—")]) + _choices(labels.URGENCY, URGENCIES),
                          validate_choice=False)
    sent_from = DateField(_l("Sent from"), validators=[Optional()])
    sent_to = DateField(_l("Sent until"), validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))
    at_risk = BooleanField(_l("At risk only"))


class CoordinatorForm(FlaskForm):
    """A coordinator's action on one referral: nudge, reassign the receiver's handoff person, or a note."""

    # Named apart from the transition form's fields: both forms are on the referral page.
    new_receiver_handoff_id = SelectField(_l("New handoff person (receiver)"), choices=[], validate_choice=False)
    coordinator_note = TextAreaField(_l("Note from the coordinator"), validators=[Optional(), Length(max=2000)])
