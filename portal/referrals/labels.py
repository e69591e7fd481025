"""Words shown for the codes of the referral domain (statuses, actions, reasons…), and the sentences
that explain a refused transition. Lazy, so they follow the reader's language."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .statemachine import Refusal

STATUS = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "acknowledged": _l("Acknowledged"),
    "accepted": _l("Accepted"),
    "waitlisted": _l("Waitlisted"),
    "declined": _l("Declined"),
    "connected": _l("Connected"),
    "completed": _l("Completed"),
    "not_connected": _l("Not connected"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
    "entered_in_error": _l("Entered in error"),
}

ACTION = {
    "create": _l("Created"),
    "send": _l("Send"),
    "acknowledge": _l("Acknowledge"),
    "accept": _l("Accept"),
    "waitlist": _l("Waitlist"),
    "decline": _l("Decline"),
    "connect": _l("Record connected"),
    "not_connect": _l("Record not connected"),
    "complete": _l("Complete"),
    "cancel": _l("Cancel referral"),
    "expire": _l("Expire"),
    "mark_entered_in_error": _l("Mark as entered in error"),
    "reopen": _l("Reopen"),
    "escalate": _l("Overdue: escalated"),
    "nudge": _l("Coordinator nudged both sides"),
    "reassign": _l("Coordinator changed the receiver's handoff person"),
    "coordinator_note": _l("Coordinator's note"),
    "care_plan_updated": _l("Care plan updated"),  # loop.py
    "flag_at_risk": _l("Marked at risk"),
    "clear_at_risk": _l("Risk flag cleared"),
}
# The message after a coordinator's action (portal/referrals/coordination.py).
COORDINATION_DONE = {
    "nudge": _l("Both handoff people were notified."),
    "reassign": _l("The receiver's handoff person was changed."),
    "coordinator_note": _l("Note added to the referral's history."),
}

URGENCY = {"emergency": _l("Emergency (hours)"), "urgent": _l("Urgent"), "priority": _l("Priority"), "routine": _l("Routine")}

DECLINE_REASON = {
    "no_capacity": _l("No capacity"),
    "not_eligible": _l("Not eligible"),
    "outside_area": _l("Outside service area"),
    "missing_documents": _l("Missing documents"),
    "client_declined": _l("Client declined"),
    "other": _l("Other"),
}
DECLINED_BY = {"client": _l("The client"), "provider": _l("The provider")}

NOT_CONNECTED_REASON = {
    "unreachable": _l("Could not contact client"),
    "no_longer_interested": _l("Client no longer interested"),
    "no_show": _l("No-show"),
    "not_eligible_after_assessment": _l("Not eligible after assessment"),
    "referred_elsewhere": _l("Referred elsewhere"),
    "client_withdrew": _l("Client withdrew"),
    "other": _l("Other"),
}

GENDER = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unknown": _l("Not stated")}
CONTACT_PREFERENCE = {
    "phone": _l("Phone call"),
    "sms": _l("Text message"),
    "in_person": _l("In person"),
    "via_worker": _l("Only through the referring worker"),
    "do_not_contact": _l("Do not contact"),
}
CONSENT_ITEM = {
    "referral": _l("Referral details (needs, reason, stage)"),
    "contact": _l("Contact details"),
    "care_plan": _l("Care plan notes"),
}
# Who gave a consent: the client, or a guardian (portal/cases/guardian.py says when it must be one).
CONSENT_GIVER = {"client": _l("The client"), "guardian": _l("A guardian")}
CONSENT_STATUS = {"valid": _l("Valid"), "revoked": _l("Revoked"), "expired": _l("Expired"),
                  "not_yet_valid": _l("Not yet valid")}
FOLLOW_UP_OUTCOME = {
    "stable": _l("Stable"),
    "relapse_risk": _l("Relapse risk"),
    "re_referred": _l("Re-referred"),
    "lost_contact": _l("Lost contact"),
}
# What a follow-up records (codes in followup_vocab.py).
MEDICATION_ADHERENCE = {
    "regular": _l("Takes it regularly"),
    "irregular": _l("Takes it irregularly"),
    "stopped": _l("Stopped taking it"),
    "not_applicable": _l("No medication"),
}
DROPOUT_BARRIER = {
    "fear_methadone_harmful": _l("Fears methadone is another harmful drug"),
    "feels_dependent": _l("Feels dependent on methadone"),
    "poor_staff_relationship": _l("Poor relationship with staff"),
    "side_effects": _l("Side effects"),
    "cost": _l("Cost"),
    "distance_or_time": _l("Distance or opening times"),
    "work_conflict": _l("Clashes with work"),
    "stigma": _l("Stigma"),
    "detained": _l("Detained"),
    "moved_away": _l("Moved away"),
    "relapse": _l("Relapse"),
    "other": _l("Other reason"),
}
STAY_REASON = {
    "heroin_free_life": _l("A life free of heroin"),
    "family": _l("Family"),
    "health": _l("Health"),
    "work": _l("Work"),
    "staff_support": _l("Support from staff"),
    "peer_support": _l("Support from peers"),
    "other": _l("Other reason"),
}
FOLLOW_UP_END_REASON = {
    "completed_treatment": _l("Completed treatment"),
    "moved_away": _l("Moved away"),
    "died": _l("Died"),
    "declined_contact": _l("Declined further contact"),
    "transferred": _l("Followed up by another organisation"),
    "other": _l("Other reason"),
}
YES_NO = {True: _l("Yes"), False: _l("No")}
LANGUAGES = {"zh": _l("Mandarin Chinese"), "yue": _l("Cantonese"), "en": _l("English"), "other": _l("Other language")}
SIDE = {"sender": _l("the sending organisation"), "receiver": _l("the receiving organisation"),
        "admin": _l("an administrator"), "system": _l("the system")}
FIELD = {"reason": _l("a reason"), "declined_by": _l("who declined"), "first_attended_on": _l("the first attended date"),
         "note": _l("a note")}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))


def both_languages(table: dict, code: str) -> tuple[str, str]:
    """(Chinese, English) of a label, for notifications and mails that go to both kinds of reader."""
    with force_locale("zh_CN"):
        zh = label(table, code)
    with force_locale("en"):
        en = label(table, code)
    return zh, en


def refusal_message(refusal: Refusal) -> str:
    """A sentence saying why a transition was refused and what would make it possible."""
    action = label(ACTION, refusal.action)
    status = label(STATUS, refusal.status)
    if refusal.code == "unknown_action":
        return _("This is not a known referral action.")
    if refusal.code == "wrong_status":
        return _("This referral is %(status)s: “%(action)s” is not possible now.", status=status, action=action)
    if refusal.code == "wrong_side":
        who = " / ".join(label(SIDE, s) for s in refusal.sides if s != "system") or label(SIDE, "system")
        return _("Only %(who)s can “%(action)s” this referral.", who=who, action=action)
    if refusal.code == "missing":
        return _("“%(action)s” needs %(field)s.", action=action, field=label(FIELD, refusal.detail))
    return _("“%(action)s”: %(field)s is not one of the allowed choices.", action=action,
             field=label(FIELD, refusal.detail))
