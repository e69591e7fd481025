"""Follow-ups: scheduling, recording and ending them, for a referral's care or for the person alone.

Follow-ups belong to the person (``FollowUp.client_id``). A connected referral starts a series
(``schedule_first``); the client's recording organisation (the case manager's side) may start one for
the person without any referral (``start_person_follow_ups``). The interval and the next date come
from ``followup_rule`` (the person's management level, else the referral's ``follow_up_months``, else
the default level). Recording one always schedules the next; a series ends only through
``end_follow_ups`` with a reason. Web form and API pass what they were given; every operation
checks, changes, notifies and flushes (the caller commits).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.models import record
from ..common import today
from ..extensions import db
from ..notifications.operations import notify, users_of_organization
from . import followup_rule, notices
from .duetimes import DEFAULT_FOLLOW_UP_MONTHS, FOLLOW_UP_MONTHS
from .errors import ReferralError
from .followup_vocab import DROPOUT_BARRIERS, FOLLOW_UP_END_REASONS, MEDICATION_ADHERENCE, STAY_REASONS
from .models import FOLLOW_UP_OUTCOMES, Client, FollowUp, Referral
from .queries import sides as acting_sides
from .statemachine import RECEIVER, SENDER

NOTE_MAX = 2000


def configured_months() -> int:
    """The setting used when a referral does not choose (``REFERRAL_FOLLOW_UP_MONTHS``)."""
    return current_app.config.get("REFERRAL_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS)


def chosen_months(months) -> int:
    """``months`` if it is an allowed interval (1 or 3); None means the configured default."""
    if months is None:
        months = configured_months()
    if isinstance(months, bool) or months not in FOLLOW_UP_MONTHS:
        raise ReferralError(_l("Follow-ups come every month or every 3 months."), "follow_up_months")
    return months


# --- the interval ------------------------------------------------------------------------------------

def management_level(client: Client) -> str | None:
    """The level on the client's case record, if there is a record with a level."""
    case_record = getattr(client, "case_record", None)
    return case_record.management_level if case_record is not None else None


def interval_for(client: Client, referral: Referral | None = None) -> followup_rule.Interval:
    return followup_rule.interval_for(management_level(client), referral.follow_up_months if referral else None)


def interval_of(follow_up: FollowUp) -> followup_rule.Interval:
    return interval_for(follow_up.client, follow_up.referral)


def next_due(follow_up: FollowUp, done_on: date) -> date:
    """When the next follow-up falls due if this one is recorded on ``done_on`` (followup_rule.next_due)."""
    return followup_rule.next_due(follow_up.due_on, done_on, interval_of(follow_up))


def schedule_first(referral: Referral, attended_on: date) -> FollowUp:
    """The first follow-up of a connected referral: one interval after the client first attended."""
    follow_up = FollowUp(client_id=referral.client_id, referral_id=referral.id,
                         due_on=followup_rule.step(attended_on, interval_for(referral.client, referral)))
    db.session.add(follow_up)
    return follow_up


# --- who may do what -----------------------------------------------------------------------------------

def may_record(user, follow_up: FollowUp) -> bool:
    """A referral's follow-ups: its sending and receiving organisations. A person's own follow-ups:
    the organisation that recorded the client (the case manager's side)."""
    if follow_up.referral is not None:
        return bool(acting_sides(user, follow_up.referral) & {SENDER, RECEIVER})
    return may_follow_up_person(user, follow_up.client)


def may_follow_up_person(user, client: Client) -> bool:
    return bool(user.organization_id and user.organization_id == client.organization_id
                and user.has_role("worker", "agency"))


# --- recording -----------------------------------------------------------------------------------------

@dataclass
class Findings:
    """What a follow-up found, beyond the outcome; None = not asked."""

    in_treatment: bool | None = None
    medication_adherence: str | None = None
    side_effects: bool | None = None
    relapse: bool | None = None
    crisis: bool | None = None
    barrier: str | None = None
    stay_reasons: list[str] = field(default_factory=list)


def check_findings(outcome: str | None, findings: Findings) -> None:
    """Raises ``ReferralError`` on the field that is wrong: a barrier only for someone no longer in
    treatment (and then one is needed), stay reasons only for someone still in it, known codes only."""
    if outcome not in FOLLOW_UP_OUTCOMES:
        raise ReferralError(_l("Choose the outcome."), "outcome")
    if findings.medication_adherence is not None and findings.medication_adherence not in MEDICATION_ADHERENCE:
        raise ReferralError(_l("Choose how the medication is taken."), "medication_adherence")
    for name in ("in_treatment", "side_effects", "relapse", "crisis"):
        if getattr(findings, name) not in (None, True, False):
            raise ReferralError(_l("Answer yes, no or leave it unanswered."), name)
    if findings.barrier is not None:
        if findings.barrier not in DROPOUT_BARRIERS:
            raise ReferralError(_l("Choose why the person stopped from the list."), "barrier")
        if findings.in_treatment is not False:
            raise ReferralError(_l("Give a reason for stopping only when the person is no longer in treatment."),
                                "barrier")
    elif findings.in_treatment is False:
        raise ReferralError(_l("Say why the person is no longer in treatment (“Other reason” if it is not known)."),
                            "barrier")
    if findings.stay_reasons:
        if any(r not in STAY_REASONS for r in findings.stay_reasons):
            raise ReferralError(_l("Choose the reasons for staying from the list."), "stay_reasons")
        if findings.in_treatment is not True:
            raise ReferralError(_l("Give reasons for staying only when the person is still in treatment."),
                                "stay_reasons")


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:NOTE_MAX] if text else None


def _check_pending(follow_up: FollowUp) -> None:
    if follow_up.done_on is not None:
        raise ReferralError(_l("This follow-up was already recorded."))
    if follow_up.ended_on is not None:
        raise ReferralError(_l("These follow-ups have ended."))


def record_follow_up(user, follow_up: FollowUp, outcome: str, done_on: date, note: str | None,
                     next_on: date | None = None, findings: Findings | None = None) -> FollowUp:
    """Record a follow-up once, dated today or earlier, and schedule the next one: on ``next_on`` if
    the worker moved it (never on or before this one), else one interval later (followup_rule). To
    stop, end the series (``end_follow_ups``) instead. Returns the next follow-up."""
    findings = findings or Findings()
    _check_pending(follow_up)
    if not may_record(user, follow_up):
        raise ReferralError(_l("Only the organisations following this person up can record a follow-up."))
    if done_on is None or done_on > today():
        raise ReferralError(_l("The follow-up date cannot be in the future."), "done_on")
    check_findings(outcome, findings)
    if next_on is not None and next_on <= done_on:
        raise ReferralError(_l("The next follow-up must be after this one."), "next_on")
    follow_up.done_on = done_on
    follow_up.outcome = outcome
    follow_up.note = _clean(note)
    follow_up.recorded_by_id = user.id
    follow_up.in_treatment = findings.in_treatment
    follow_up.medication_adherence = findings.medication_adherence
    follow_up.side_effects = findings.side_effects
    follow_up.relapse = findings.relapse
    follow_up.crisis = findings.crisis
    follow_up.barrier = findings.barrier
    follow_up.stay_reasons = ",".join(r for r in STAY_REASONS if r in findings.stay_reasons) or None
    nxt = FollowUp(client_id=follow_up.client_id, referral_id=follow_up.referral_id,
                   due_on=next_on or next_due(follow_up, done_on))
    db.session.add(nxt)
    db.session.flush()
    _tell_after_recording(user, follow_up)
    return nxt


def _tell_after_recording(user, follow_up: FollowUp) -> None:
    referral = follow_up.referral
    code = follow_up.client.code
    if referral is not None:
        actor = acting_sides(user, referral)
        if RECEIVER in actor and SENDER not in actor:
            # The referrer hears that the receiver followed the person up; what was found stays on
            # the page (for whoever may read it), not in the notice.
            notify(notices.sender_people(referral), "follow_up_recorded", f"转介 {code}：接收机构记录了一次随访",
                   f"Referral {code}: the receiving organisation recorded a follow-up", notices.link(referral))
    if follow_up.crisis:
        people = [p for p in crisis_people(follow_up) if p.id != user.id]
        link = notices.link(referral) if referral is not None else f"/referrals/clients/{follow_up.client_id}"
        notify(people, "follow_up_crisis", f"服务对象 {code}：随访记录了危机，请尽快跟进",
               f"Client {code}: a crisis was recorded at a follow-up; please act on it soon", link)


def crisis_people(follow_up: FollowUp) -> list:
    """Who hears of a crisis found at a follow-up: the case manager, and the referral's handoff
    people on both sides; with none of them, the recording organisation's staff."""
    case_record = getattr(follow_up.client, "case_record", None)
    people = [case_record.case_manager] if case_record is not None and case_record.case_manager else []
    referral = follow_up.referral
    if referral is not None:
        people += [p for p in (referral.sender_handoff, referral.receiver_handoff) if p is not None]
    return people or users_of_organization(follow_up.client.organization_id, "worker", "agency")


# --- a person's own series, and ending a series ------------------------------------------------------

def pending_person_follow_up(client: Client) -> FollowUp | None:
    """The person's own series (no referral) waiting for its next follow-up, if one runs."""
    return db.session.scalar(select(FollowUp).where(FollowUp.client_id == client.id, FollowUp.referral_id.is_(None),
                                                    FollowUp.is_pending()).order_by(FollowUp.due_on).limit(1))


def first_person_due(client: Client, start: date | None = None) -> date:
    """The proposed first date of a person's own series: one interval from today."""
    return followup_rule.step(start or today(), interval_for(client))


def start_person_follow_ups(user, client: Client, first_due: date | None = None, on: date | None = None) -> FollowUp:
    """Start following a person up without a referral (the client's recording organisation only).
    ``on``: the day it is started (today; the demo history dates it back)."""
    on = on or today()
    if not may_follow_up_person(user, client):
        raise ReferralError(_l("Only the organisation that recorded the client can start follow-ups for them."))
    if pending_person_follow_up(client) is not None:
        raise ReferralError(_l("Follow-ups for this person are already scheduled."), "first_due")
    first_due = first_due or first_person_due(client, on)
    if first_due < on:
        raise ReferralError(_l("The first follow-up cannot be before today."), "first_due")
    follow_up = FollowUp(client_id=client.id, referral_id=None, due_on=first_due)
    db.session.add(follow_up)
    db.session.flush()
    record("follow_ups_started", user_id=user.id, record_type="client", record_id=client.id)
    return follow_up


def end_follow_ups(user, follow_up: FollowUp, reason: str, note: str | None = None, on: date | None = None) -> FollowUp:
    """End the series at its waiting follow-up, with a reason: no next one is scheduled. ``on``: the
    day it ends (today; the demo history dates it back)."""
    _check_pending(follow_up)
    if not may_record(user, follow_up):
        raise ReferralError(_l("Only the organisations following this person up can end the follow-ups."))
    if reason not in FOLLOW_UP_END_REASONS:
        raise ReferralError(_l("Choose why the follow-ups end."), "end_reason")
    follow_up.ended_on = min(on or today(), today())
    follow_up.end_reason = reason
    follow_up.note = _clean(note)
    follow_up.recorded_by_id = user.id
    db.session.flush()
    record("follow_ups_ended", user_id=user.id, record_type="client", record_id=follow_up.client_id,
           changes={"reason": reason, "referral_id": follow_up.referral_id})
    return follow_up
