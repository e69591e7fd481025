"""Forms of the follow-up pages: recording one (with its structured findings), starting a person's
own series, ending a series. The rules are the operations' (followups.py); validators here only
place a message next to its field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..common import today
from . import labels
from .followup_vocab import DROPOUT_BARRIERS, FOLLOW_UP_END_REASONS, MEDICATION_ADHERENCE, STAY_REASONS
from .followups import Findings
from .forms import MultiCheckboxField, opts
from .models import FOLLOW_UP_OUTCOMES

NOT_ASKED = ("", "—")
_TRI_STATE = {"yes": True, "no": False}


def _choices(table, codes, blank: bool = False):
    return opts(([NOT_ASKED] if blank else []) + [(c, table[c]) for c in codes])


def _yes_no():
    return opts([NOT_ASKED, ("yes", labels.YES_NO[True]), ("no", labels.YES_NO[False])])


def tri_state(value: str | None) -> bool | None:
    """"yes" / "no" / "" (not asked) -> True / False / None."""
    return _TRI_STATE.get(value or "")


class FollowUpForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=_choices(labels.FOLLOW_UP_OUTCOME, FOLLOW_UP_OUTCOMES),
                          validate_choice=False)
    done_on = DateField(_l("Done on"), validators=[DataRequired(message=_l("Enter the date of the follow-up."))],
                        default=today)
    in_treatment = SelectField(_l("Still in treatment"), choices=_yes_no(), validate_choice=False)
    medication_adherence = SelectField(_l("Medication"), choices=_choices(labels.MEDICATION_ADHERENCE,
                                                                           MEDICATION_ADHERENCE, blank=True),
                                       validate_choice=False)
    side_effects = SelectField(_l("Side effects"), choices=_yes_no(), validate_choice=False)
    relapse = SelectField(_l("Relapse"), choices=_yes_no(), validate_choice=False)
    crisis = SelectField(_l("Crisis"), choices=_yes_no(), validate_choice=False,
                         description=_l("A crisis notifies the case manager and the handoff people."))
    barrier = SelectField(_l("Why the person stopped (not in treatment)"),
                          choices=_choices(labels.DROPOUT_BARRIER, DROPOUT_BARRIERS, blank=True), validate_choice=False)
    stay_reasons = MultiCheckboxField(_l("Why the person stays (in treatment)"),
                                      choices=_choices(labels.STAY_REASON, STAY_REASONS), validate_choice=False)
    next_on = DateField(_l("Next follow-up on"), validators=[Optional()],
                        description=_l("Left empty: one interval after this follow-up."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])

    def findings(self) -> Findings:
        return Findings(in_treatment=tri_state(self.in_treatment.data),
                        medication_adherence=self.medication_adherence.data or None,
                        side_effects=tri_state(self.side_effects.data), relapse=tri_state(self.relapse.data),
                        crisis=tri_state(self.crisis.data), barrier=self.barrier.data or None,
                        stay_reasons=list(self.stay_reasons.data or []))


class StartFollowUpsForm(FlaskForm):
    first_due = DateField(_l("First follow-up on"), validators=[Optional()])


class EndFollowUpsForm(FlaskForm):
    end_reason = SelectField(_l("Why the follow-ups end"),
                             choices=_choices(labels.FOLLOW_UP_END_REASON, FOLLOW_UP_END_REASONS, blank=True),
                             validators=[DataRequired(message=_l("Choose why the follow-ups end."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
