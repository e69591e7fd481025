"""A year of demo referrals, so the board, the inbox, the overdue list, the follow-ups and every chart
show something on a fresh ``make run`` (``flask seed history``).

Every referral is made by the referral operations themselves (create, consent, send, then the
transitions), dated back with their ``now`` argument, so the demo history obeys the same rules,
due times, events, follow-up schedule and notices as real use. What the operations stamp with the
real clock (the ``create`` event, a referral's ``created_at``, the notices) is set to the story's
date afterwards. Deterministic: the same random seed gives the same history on every machine.

Only for a database without referrals: history is evidence, never topped up or rewritten.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.common import today, utcnow
from portal.directory.models import Service
from portal.notifications.models import Notification
from portal.referrals import operations as ops
from portal.referrals.errors import ReferralError
from portal.extensions import db
from portal.referrals.models import FollowUp, Referral, ReferralEvent
from portal.referrals.statemachine import DECLINE_REASONS, NOT_CONNECTED_REASONS, Refusal

from .loader import seed_id

SEED = 2026
# (sender email, receiving organisation key, how many referrals)
FLOWS = (
    ("worker@demo.local", "mmt-jiangbin", 24),
    ("worker@demo.local", "dpf-rehab-jiangbin", 18),
    ("agency@demo.local", "dpf-rehab-jiangbin", 10),
    ("agency2@demo.local", "mmt-jiangbin", 8),
)
RECEIVERS = {"mmt-jiangbin": "agency@demo.local", "dpf-rehab-jiangbin": "agency2@demo.local"}

# Where each story ends, with its weight: every state of the life cycle appears.
ENDINGS = (
    ("sent", 4), ("acknowledged", 3), ("accepted", 4), ("waitlisted", 3), ("declined", 6),
    ("connected", 12), ("completed", 6), ("not_connected", 6), ("cancelled", 3), ("expired", 4),
    ("reopened", 3),
)
# How many days ago a story with that ending began (lowest, highest).
AGE_DAYS = {
    "sent": (0, 12), "acknowledged": (2, 20), "accepted": (5, 30), "waitlisted": (5, 40),
    "declined": (10, 330), "connected": (30, 330), "completed": (130, 365), "not_connected": (30, 330),
    "cancelled": (5, 200), "expired": (30, 330), "reopened": (15, 200),
}


@dataclass
class Story:
    sender: User
    receiver: User
    service: Service
    start: datetime
    ending: str


def load_history(session, now: datetime | None = None) -> dict[str, int]:
    """Create the demo history; returns counts per final status. Refuses a database that already has
    referrals or lacks the demo users."""
    if session.scalar(select(func.count()).select_from(Referral)):
        raise ReferralError("the database already has referrals: the demo history is only added to an empty one")
    now = now or utcnow()
    users = {u.email: u for u in session.scalars(select(User).where(User.email.like("%@demo.local")))}
    missing = {email for email, _, _ in FLOWS} | set(RECEIVERS.values())
    if not missing <= set(users):
        raise ReferralError("load the demo data first (flask seed demo): demo users are missing")
    first_notice = session.scalar(select(func.max(Notification.id))) or 0
    rng = random.Random(SEED)
    endings = [name for name, weight in ENDINGS for _ in range(weight)]
    rng.shuffle(endings)
    counts: dict[str, int] = {}
    told = 0
    for sender_email, org_key, how_many in FLOWS:
        services = _services(session, seed_id("organization", org_key))
        for _ in range(how_many):
            ending = endings[told % len(endings)]
            told += 1
            for service in rng.sample(services, min(5, len(services))):  # another if its rules exclude the client
                story = Story(users[sender_email], users[RECEIVERS[org_key]], service, _start(rng, now, ending), ending)
                referral = _tell(session, rng, story, now)
                if referral is not None:
                    counts[referral.status] = counts.get(referral.status, 0) + 1
                    break
    # The notices of a past year are old news: dated to their story is not possible, read is.
    session.execute(update(Notification).where(Notification.id > first_notice).values(read_at=now))
    session.flush()
    return dict(sorted(counts.items()))


def _services(session, organization_id: str) -> list[Service]:
    services = [s for s in session.scalars(select(Service).where(Service.organization_id == organization_id,
                                                                   Service.status == "active").order_by(Service.id))
                if s.accepts_referrals is not False and s.terms("category")]
    if not services:
        raise ReferralError(f"no active service that accepts referrals in {organization_id}")
    return services


def _start(rng: random.Random, now: datetime, ending: str) -> datetime:
    """When the story began: open referrals are recent (some past their due time), closed ones spread
    over the year, completed ones old enough to have run their course."""
    low, high = AGE_DAYS[ending]
    days = rng.randint(low, high)
    return (now - timedelta(days=days)).replace(hour=9, minute=rng.randint(0, 59), second=0, microsecond=0)


def _tell(session, rng: random.Random, story: Story, now: datetime) -> Referral | None:
    """One client's referral from creation to its ending; None if the service's rules exclude the
    invented client (the story is then skipped, never forced with an override)."""
    savepoint = session.begin_nested()
    try:
        referral = _create(rng, story)
    except ReferralError:
        savepoint.rollback()
        return None
    savepoint.commit()
    backdate_creation(session, referral, story.start)
    at = story.start
    ops.transition(story.sender, referral, "send", now=at)
    for action, values, days in _steps(rng, story, referral):
        at = min(at + timedelta(days=days, hours=rng.randint(1, 6)), now - timedelta(hours=1))
        ops.transition(_actor(story, action), referral, action, values, now=at)
    if referral.status == "connected":
        _follow_ups(rng, story.receiver, referral)
    return referral


def _actor(story: Story, action: str) -> User | None:
    """Who makes a step: the sender cancels, the escalation job (no user) expires, the receiver does the rest."""
    return {"cancel": story.sender, "expire": None}.get(action, story.receiver)


def _create(rng: random.Random, story: Story) -> Referral:
    service = story.service
    area_id = next((loc.area_id for loc in service.locations if loc.area_id), None)
    client = ops.create_client(story.sender, ops.ClientData(
        birth_year=today().year - rng.randint(22, 58), gender=rng.choice(("male", "male", "female")),
        area_id=area_id, language="zh"))
    needs = [t.code for t in service.terms("category")][:2]
    data = ops.ReferralData(service_id=service.id, needs=needs, urgency=rng.choice(("routine", "routine", "priority", "urgent")),
                            reason="演示数据：社区转介 / demo referral")
    referral = ops.create_referral(story.sender, client, data)
    given = story.start.date()
    ops.record_consent(story.sender, client, service.organization_id, ["referral", "contact"],
                       "转介至该服务 / referral to this service", given, today() + timedelta(days=rng.randint(30, 200)))
    return referral


def first_admitted(session, services, make):
    """``(service, what make(service) made)`` for the first service whose rules admit the story's
    invented client, or None. Each try runs in a savepoint, so a refusal (``ReferralError``) leaves
    no half-made client or referral behind; a story is skipped, never forced with an override."""
    for service in services:
        savepoint = session.begin_nested()
        try:
            made = make(service)
        except ReferralError:
            savepoint.rollback()
            continue
        savepoint.commit()
        return service, made
    return None


def backdate_creation(session, referral: Referral, start: datetime) -> None:
    referral.created_at = start
    # Events are append-only through the ORM (evidence); the demo sets its own create event's date
    # once, right after the operation wrote it.
    session.execute(update(ReferralEvent).where(ReferralEvent.referral_id == referral.id,
                                                ReferralEvent.action == "create").values(at=start))


def connect_backdated(session, worker: User, receiver: User, referral: Referral, start: datetime,
                      accepted: datetime, connected: datetime, attended_on) -> None:
    """A drafted referral's story up to the client's first attendance: created and sent at
    ``start``, accepted at ``accepted``, connected at ``connected`` (first attended ``attended_on``)."""
    backdate_creation(session, referral, start)
    ops.transition(worker, referral, "send", now=start)
    ops.transition(receiver, referral, "accept", now=accepted)
    ops.transition(receiver, referral, "connect", {"first_attended_on": attended_on}, now=connected)


def _steps(rng: random.Random, story: Story, referral: Referral) -> list[tuple[str, dict, int]]:
    """The transitions after sending, as (action, values, days after the previous step)."""
    ending = story.ending
    age_days = (utcnow() - story.start).days
    if ending == "sent" or age_days < 3:
        return []
    if ending == "expired":  # nobody answered: the escalation job expires it after the due time and grace
        return [("expire", {}, 15)] if age_days > 20 else []
    if ending == "cancelled":
        return [("cancel", {"note": "家属已安排其他服务 / family arranged another service"}, rng.randint(1, 4))]
    steps: list[tuple[str, dict, int]] = [("acknowledge", {}, rng.randint(0, 2))]
    if ending == "acknowledged":
        return steps
    if ending in ("declined", "reopened"):
        steps.append(("decline", {"reason": rng.choice(DECLINE_REASONS[:-1]), "declined_by": "provider",
                                  "note": "演示数据 / demo"}, rng.randint(1, 5)))
        if ending == "reopened":
            steps.append(("reopen", {"note": "补充材料后重新提交 / documents supplied, asked again"}, rng.randint(3, 10)))
        return steps
    if ending == "waitlisted":
        return steps + [("waitlist", {}, rng.randint(1, 3))]
    steps.append(("accept", {}, rng.randint(1, 4)))
    if ending == "accepted":
        return steps
    if ending == "not_connected" and rng.random() < 0.6:
        return steps + [("not_connect", {"reason": rng.choice(NOT_CONNECTED_REASONS[:-1])}, rng.randint(5, 15))]
    connect_days = rng.randint(2, 10)
    attended = (story.start + timedelta(days=sum(d for _, _, d in steps) + connect_days)).date()
    steps.append(("connect", {"first_attended_on": min(attended, today())}, connect_days))
    if ending == "completed" and age_days > 120:
        steps.append(("complete", {}, rng.randint(60, 100)))
    elif ending == "not_connected":
        steps.append(("not_connect", {"reason": rng.choice(("no_show", "client_withdrew", "unreachable"))},
                      rng.randint(20, 60)))
    return steps


def _follow_ups(rng: random.Random, receiver: User, referral: Referral) -> None:
    """Record the follow-ups that fell due, except sometimes the last one (left overdue)."""
    while True:
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.referral_id == referral.id,
                                                             FollowUp.done_on.is_(None)).order_by(FollowUp.due_on))
        if follow_up is None or follow_up.due_on > today() or rng.random() < 0.25:
            return
        done_on = min(follow_up.due_on + timedelta(days=rng.randint(0, 6)), today())
        try:
            ops.record_follow_up(receiver, follow_up, rng.choice(("stable", "stable", "relapse_risk")), done_on,
                                 "演示随访 / demo follow-up", ops.next_due(follow_up, done_on))
        except (ReferralError, Refusal):
            return


def story_order():
    """An ORDER BY for clients that is the same on every machine: when their story began (their first
    referral's date, which the demo sets), then when they were recorded. Client codes are random, so
    ordering by code would pick different people, with different case records, on every run."""
    from portal.referrals.models import Client

    first = select(func.min(Referral.created_at)).where(Referral.client_id == Client.id).scalar_subquery()
    return (func.coalesce(first, Client.created_at), Client.created_at)

