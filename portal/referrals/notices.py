"""Who hears about a referral's progress, and the words they read (stored in both languages; each
reader sees their own)."""
from __future__ import annotations

from ..notifications.operations import coordinators_for_area, notify, users_of_organization
from . import labels
from .models import Referral


def link(referral: Referral) -> str:
    return f"/referrals/{referral.id}"


def sender_people(referral: Referral):
    """The sender's handoff person and whoever sent it; else every worker/agency user of the sender."""
    people = [referral.from_user, referral.sender_handoff]
    people = [p for p in people if p is not None]
    return people or users_of_organization(referral.from_organization_id, "worker", "agency")


def receiver_people(referral: Referral):
    """The receiving organisation's agency users, and its handoff person once named."""
    people = users_of_organization(referral.to_organization_id, "agency")
    if referral.receiver_handoff is not None:
        people.append(referral.receiver_handoff)
    return people


def _notify_status(referral: Referral, users, kind: str) -> None:
    zh, en = labels.both_languages(labels.STATUS, referral.status)
    code = referral.client.code
    notify(users, kind, f"转介 {code}：{zh}", f"Referral {code}: {en}", link(referral))


def after_transition(referral: Referral, action: str, actor_sides: set[str]) -> None:
    """The receiver hears of a new referral; the other side hears of every answer or closing."""
    if action == "expire":
        overdue(referral, "referral_expired")
    elif action == "send":
        code = referral.client.code
        zh_urgency, en_urgency = labels.both_languages(labels.URGENCY, referral.urgency)
        notify(receiver_people(referral), "referral_received", f"新转介 {code}（{zh_urgency}）",
               f"New referral {code} ({en_urgency})", link(referral))
    elif "receiver" in actor_sides:
        _notify_status(referral, sender_people(referral), "referral_status")
    elif referral.sent_at is not None and action in ("cancel", "complete", "reopen", "mark_entered_in_error"):
        _notify_status(referral, receiver_people(referral), "referral_status")


def overdue(referral: Referral, kind: str) -> None:
    """Both sides and the area's coordinators: ``referral_overdue`` or ``referral_expired``."""
    code = referral.client.code
    zh, en = labels.both_languages(labels.STATUS, referral.status)
    people = sender_people(referral) + receiver_people(referral) + coordinators_for_area(referral.area)
    if kind == "referral_expired":
        notify(people, kind, f"转介 {code} 无人答复，已过期", f"Referral {code} was not answered and has expired",
               link(referral))
    elif referral.urgency == "emergency":  # hours, not days: said first, so nobody takes it for routine
        notify(people, kind, f"危急转介 {code} 已逾期（{zh}）", f"Emergency referral {code} is overdue ({en})",
               link(referral))
    else:
        notify(people, kind, f"转介 {code} 已逾期（{zh}）", f"Referral {code} is overdue ({en})", link(referral))
