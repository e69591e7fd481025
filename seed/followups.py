"""Demo follow-up histories (``load``, after ``seed.history.load_history``): a year of follow-ups with
structured findings, so the follow-up lists, the coordinator board (overdue, below the yearly minimum)
and the retention report have something to show.

- Methadone clients of the clinic ``mmt-jiangbin``: referred, connected about a year ago (or less),
  followed up at about 3, 6, 9 and 12 months. Most stay (with their reasons: a heroin-free life,
  family, work…); some drop out, with the retention study's barriers (fear of methadone as another
  harmful drug, feeling dependent, a poor relationship with staff…); some series end with a reason,
  some are left overdue; one follow-up finds a crisis.
- A few clients of the social worker's station followed up by the station itself, without a
  referral (one of them too rarely: below the plan's minimum of four a year).

Everything goes through the operations (create, consent, send, transitions, start/record/end
follow-ups), dated back with their ``now`` / ``on`` arguments. Deterministic; loads once (a second
call finds its referrals and adds nothing).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.common import today, utcnow
from portal.directory.models import Service
from portal.notifications.models import Notification
from portal.referrals import followups
from portal.referrals import operations as ops
from portal.referrals.errors import ReferralError
from portal.referrals.models import Client, FollowUp, Referral

from .history import connect_backdated, first_admitted, story_order
from .loader import seed_id

SEED = 1602
MARK = "演示数据：随访与留治 / demo follow-up and retention"
WORKER, MMT = "worker@demo.local", "agency@demo.local"

# (days since first attended, what happens): "stay" every time; "drop@k" out of treatment at the k-th
# follow-up (then "+end": the series ends with a reason); "crisis@k" a crisis (and relapse) at the k-th;
# "gap@k" nobody records from the k-th on (left overdue).
METHADONE_STORIES = (
    (390, "stay"), (385, "drop@4"), (380, "stay crisis@2"), (375, "drop@2 +end"), (370, "stay"),
    (372, "drop@4"), (330, "stay gap@4"), (300, "drop@1 +end"), (280, "stay gap@3"), (200, "stay"),
    (190, "drop@2"), (120, "stay"), (100, "gap@1"),
)
BARRIERS = ("fear_methadone_harmful", "feels_dependent", "poor_staff_relationship", "distance_or_time",
            "work_conflict", "stigma")
STAY = (("heroin_free_life", "family"), ("family",), ("heroin_free_life", "work"), ("health", "staff_support"),
        ("heroin_free_life",), ("family", "peer_support"))
END_REASONS = ("declined_contact", "moved_away")
# A person's own follow-ups at the station: (days since started, "gap@k" as above, "sparse": two a year).
PERSON_STORIES = ((330, ""), (300, "gap@3"), (340, "sparse"), (150, ""))


def load(session, now: datetime | None = None) -> dict[str, int]:
    """Returns counts of what it made (all zero when it ran before)."""
    counts = {"methadone_clients": 0, "person_series": 0, "recorded": 0, "drop_outs": 0, "ended": 0, "overdue": 0}
    if session.scalar(select(func.count()).select_from(Referral).where(Referral.reason == MARK)):
        return counts
    now = now or utcnow()
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_((WORKER, MMT))))}
    if len(users) < 2:
        raise ReferralError("load the demo data first (flask seed demo): demo users are missing")
    first_notice = session.scalar(select(func.max(Notification.id))) or 0
    rng = random.Random(SEED)
    services = _methadone_services(session)
    for n, (days, plan) in enumerate(METHADONE_STORIES):
        referral = _connected(session, users[WORKER], users[MMT], services, now, days, n)
        if referral is None:
            continue
        counts["methadone_clients"] += 1
        _follow(rng, users[MMT], referral.follow_ups[0], plan, n, counts)
    for n, (days, plan) in enumerate(PERSON_STORIES):
        client = _station_client(session, users[WORKER], n)
        if client is None:
            continue
        started = today() - timedelta(days=days)
        first = followups.start_person_follow_ups(users[WORKER], client, on=started)
        counts["person_series"] += 1
        _follow(rng, users[WORKER], first, plan, 100 + n, counts, person=True)
    counts["overdue"] = session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.is_overdue()))
    # Notices about a past year are old news.
    session.execute(update(Notification).where(Notification.id > first_notice).values(read_at=now))
    session.flush()
    return counts


def _methadone_services(session) -> list[Service]:
    org = seed_id("organization", "mmt-jiangbin")
    services = [s for s in session.scalars(select(Service).where(Service.organization_id == org,
                                                                   Service.status == "active").order_by(Service.id))
                if s.accepts_referrals is not False and s.terms("category")]
    methadone = [s for s in services if "methadone_maintenance" in {t.code for t in s.terms("category")}]
    return methadone + [s for s in services if s not in methadone]


def _connected(session, worker: User, receiver: User, services, now: datetime, days: int, n: int) -> Referral | None:
    """A methadone client referred, accepted and first attending ``days`` ago."""
    start = (now - timedelta(days=days + 6)).replace(hour=9, minute=5 + n, second=0, microsecond=0)

    def make(service: Service) -> Referral:
        client = ops.create_client(worker, ops.ClientData(birth_year=today().year - 28 - n % 20,
                                                          gender="female" if n % 3 == 0 else "male",
                                                          area_id=_area_of(service), language="zh"))
        return ops.start_referral(worker, client, None, ops.ReferralData(
            service_id=service.id, needs=[t.code for t in service.terms("category")][:1], reason=MARK),
            ops.ConsentData(scope="referral", items=["referral", "contact"],
                            purpose="转介与随访 / referral and follow-up", given_on=start.date(),
                            expires_on=today() + timedelta(days=365)), send=False)

    found = first_admitted(session, services, make)
    if found is None:
        return None
    referral = found[1]
    connect_backdated(session, worker, receiver, referral, start, accepted=start + timedelta(days=2),
                      connected=start + timedelta(days=6, hours=2), attended_on=(now - timedelta(days=days)).date())
    session.flush()
    session.refresh(referral, ["follow_ups"])
    return referral


def _area_of(service: Service) -> int | None:
    return next((loc.area_id for loc in service.locations if loc.area_id), None)


def _station_client(session, worker: User, n: int) -> Client | None:
    """The n-th client the station recorded (in story order) that has no series of its own yet."""
    clients = session.scalars(select(Client).where(Client.organization_id == worker.organization_id)
                              .order_by(*story_order())).all()
    free = [c for c in clients if followups.pending_person_follow_up(c) is None]
    return free[n] if n < len(free) else None


def _at(plan: str, word: str) -> int | None:
    for part in plan.split():
        if part.startswith(word + "@"):
            return int(part.split("@")[1])
    return None


def _follow(rng: random.Random, user: User, follow_up: FollowUp, plan: str, n: int, counts: dict,
            person: bool = False) -> None:
    """Record the follow-ups that fell due, the story's way; the series ends or is left waiting."""
    drop, crisis, gap = _at(plan, "drop"), _at(plan, "crisis"), _at(plan, "gap")
    for k in range(1, 40):
        if follow_up.due_on > today() or (gap is not None and k >= gap):
            return
        # "sparse": each one done about three months late, so only two or so a year
        late = 90 if "sparse" in plan else 0
        done_on = min(follow_up.due_on + timedelta(days=rng.randint(-3, 6) + late), today())
        findings = _findings(rng, k, drop, crisis, n, person)
        outcome = "lost_contact" if findings.in_treatment is False else (
            "relapse_risk" if findings.relapse else "stable")
        nxt = followups.record_follow_up(user, follow_up, outcome, done_on, "演示随访 / demo follow-up", None, findings)
        counts["recorded"] += 1
        if findings.in_treatment is False:
            counts["drop_outs"] += 1
            if "+end" in plan:
                followups.end_follow_ups(user, nxt, END_REASONS[n % len(END_REASONS)],
                                         on=min(done_on + timedelta(days=7), today()))
                counts["ended"] += 1
            return
        follow_up = nxt


def _findings(rng: random.Random, k: int, drop: int | None, crisis: int | None, n: int,
              person: bool) -> followups.Findings:
    if person:  # the station's own contacts: medication and how the person is, not a treatment's retention
        return followups.Findings(medication_adherence=rng.choice(("regular", "regular", "irregular")),
                                  side_effects=rng.random() < 0.2, relapse=False, crisis=False)
    if drop is not None and k == drop:
        return followups.Findings(in_treatment=False, medication_adherence="stopped", relapse=rng.random() < 0.5,
                                  crisis=False, barrier=BARRIERS[n % len(BARRIERS)])
    in_crisis = crisis is not None and k == crisis
    return followups.Findings(in_treatment=True, medication_adherence="regular" if rng.random() < 0.8 else "irregular",
                              side_effects=rng.random() < 0.25, relapse=in_crisis, crisis=in_crisis,
                              stay_reasons=list(STAY[(n + k) % len(STAY)]))
