"""Demo rows for closing the loop and transfer criteria (``load``, after ``seed.history.load_history``):
a refer-back pair and a referral made on that the first sender is told about, care plans edited by
both sides, stage transitions with ticked criteria, and people who have been in a stage for a while
(some past its threshold, so the "time in current stage" report has someone stuck).

Everything goes through the operations (create, consent, send, transitions, care plan, criteria),
dated back with their ``now`` argument as the history is. Deterministic; loads once (a second call
finds the refer-back pair and adds nothing).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.common import today, utcnow
from portal.directory.models import Service
from portal.referrals import loop
from portal.referrals import operations as ops
from portal.referrals.errors import ReferralError
from portal.referrals.models import Referral
from portal.transfer import operations as transfer_ops
from portal.transfer.models import TransferCriterion

from .history import connect_backdated, first_admitted
from .loader import seed_id

WORKER, MMT, REHAB = "worker@demo.local", "agency@demo.local", "agency2@demo.local"
# (receiver, from_stage, to_stage, days in the stage, criteria ticked): the stage stories. A threshold
# of portal/transfer/stages.py decides who is stuck: home-based rehab after 180 days, detox after 30.
STAGE_STORIES = (
    (REHAB, "hospital_discharge", "home_based_rehab", 240, 3),
    (REHAB, "hospital_discharge", "home_based_rehab", 200, 2),
    (REHAB, "hospital_discharge", "home_based_rehab", 60, 3),
    (REHAB, "home_based_rehab", "community_integration", 40, 3),
    (MMT, "detox_stabilisation", "maintenance_treatment", 120, 3),
    (MMT, "screening_assessment", "detox_stabilisation", 45, 0),
    (MMT, "maintenance_treatment", "relapse_prevention_reintegration", 20, 2),
)


def load(session, now: datetime | None = None) -> dict[str, int]:
    """Returns counts of what it made (all zero when it ran before)."""
    counts = {"referred_back": 0, "referred_on": 0, "care_plan_edits": 0, "criteria_ticked": 0, "in_stage": 0}
    if session.scalar(select(func.count()).select_from(Referral).where(Referral.parent_referral_id.is_not(None))):
        return counts
    now = now or utcnow()
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_((WORKER, MMT, REHAB))))}
    if len(users) < 3:
        raise ReferralError("load the demo data first (flask seed demo): demo users are missing")
    worker = users[WORKER]
    made: list[Referral] = []
    for n, (receiver_email, from_stage, to_stage, days, ticks) in enumerate(STAGE_STORIES):
        referral = _stage_story(session, worker, users[receiver_email], from_stage, to_stage, now, days, n)
        if referral is None:
            continue
        made.append(referral)
        counts["in_stage"] += 1
        criteria = session.scalars(select(TransferCriterion.id).where(
            TransferCriterion.from_stage == from_stage, TransferCriterion.to_stage == to_stage,
            TransferCriterion.active.is_(True)).order_by(TransferCriterion.position)).all()
        if criteria and ticks:
            counts["criteria_ticked"] += transfer_ops.set_met(worker, referral, criteria[:ticks])[0]
    if made:
        counts["care_plan_edits"] += _care_plan_edits(worker, users[REHAB], made[0])
        counts["care_plan_edits"] += _care_plan_edits(worker, users[MMT], made[4] if len(made) > 4 else made[-1])
    back, on = _refer_back(session, worker, users, made)
    counts["referred_back"], counts["referred_on"] = back, on
    session.flush()
    return counts


def _services(session, organization_id: str) -> list[Service]:
    return [s for s in session.scalars(select(Service).where(Service.organization_id == organization_id,
                                                               Service.status == "active").order_by(Service.id))
            if s.accepts_referrals is not False and s.terms("category")]


def _consent(items=("referral", "care_plan")) -> ops.ConsentData:
    return ops.ConsentData(scope="referral", items=list(items), purpose="转介与阶段转衔 / referral and stage transition",
                           given_on=today(), expires_on=today() + timedelta(days=365))


def _stage_story(session, worker: User, receiver: User, from_stage: str, to_stage: str, now: datetime,
                 days: int, n: int) -> Referral | None:
    """A client moved from one stage to the next: referred, sent, accepted and connected ``days`` ago."""
    start = (now - timedelta(days=days + 3)).replace(hour=9, minute=10 + n, second=0, microsecond=0)

    def make(service) -> Referral:
        client = ops.create_client(worker, ops.ClientData(birth_year=today().year - 30 - n, gender="male",
                                                          area_id=None, language="zh"))
        return ops.start_referral(worker, client, None, ops.ReferralData(
            service_id=service.id, needs=[t.code for t in service.terms("category")][:1],
            reason="演示数据：阶段转衔 / demo stage transition", from_stage=from_stage, to_stage=to_stage,
            transfer_criterion="见转衔标准 / see the criteria", care_plan_notes="每周家访一次 / a home visit every week"),
            _consent(), send=False)

    found = first_admitted(session, _services(session, receiver.organization_id), make)
    if found is None:
        return None
    referral = found[1]
    connect_backdated(session, worker, receiver, referral, start, accepted=start + timedelta(days=1),
                      connected=now - timedelta(days=days, hours=-10), attended_on=(now - timedelta(days=days)).date())
    return referral


def _care_plan_edits(sender: User, receiver: User, referral: Referral) -> int:
    loop.update_care_plan(sender, referral, "每周家访一次；下月起参加小组活动 / weekly home visit; group activities "
                                            "from next month", None)
    loop.update_care_plan(receiver, referral, "每周家访一次；每周二参加康复小组；家属每月参加一次家属课堂 / weekly home "
                                              "visit; rehab group every Tuesday; family class once a month", None)
    return 2


def _refer_back(session, worker: User, users: dict[str, User], made: list[Referral]) -> tuple[int, int]:
    """The rehab station refers one person back to the social worker's station (or, when it takes no
    referrals, on to the methadone clinic with the client's agreement that the worker is told)."""
    parent = next((r for r in made if r.to_organization_id == users[REHAB].organization_id
                   and r.status in ("connected", "completed")), None)
    if parent is None:
        return 0, 0
    rehab = users[REHAB]
    back = _services(session, parent.from_organization_id)
    on = _services(session, users[MMT].organization_id) or _services(session, seed_id("organization", "mmt-jiangbin"))
    referred_back = referred_on = 0
    for service in back:
        try:
            with session.begin_nested():
                loop.refer_back(rehab, parent, ops.ReferralData(
                    service_id=service.id, needs=[t.code for t in service.terms("category")][:1],
                    reason="康复站回转：需要社工跟进就业 / back to the social worker for employment support"),
                    _consent(("referral",)), send=True)
            referred_back = 1
            break
        except ReferralError:
            continue
    for service in on:
        try:
            with session.begin_nested():
                child = loop.refer_back(rehab, parent, ops.ReferralData(
                    service_id=service.id, needs=[t.code for t in service.terms("category")][:1],
                    reason="康复站转介：美沙酮维持治疗 / on to methadone maintenance"),
                    _consent(("referral",)), send=True, tell_first_sender=True, given_on=today(),
                    expires_on=today() + timedelta(days=365))
            ops.transition(users[MMT], child, "accept")
            referred_on = 1
            break
        except ReferralError:
            continue
    return referred_back, referred_on
