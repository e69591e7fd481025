"""Demo case records (``load``, after ``seed.history.load_history``): clients of the demo worker's
and the methadone clinic's organisations get case records across the three management levels, with
conditions, a case manager, some with a caregiver, and an individual plan whose history shows
change over time; one client shares the care plan with the clinic (a receiver reads it, read-only);
and one new client, a 16-year-old, has a guardian: the case record and the referral to the youth
psychiatric clinic are both on the guardian's consent (the referral page shows "guardian consent
recorded").

Everything goes through the operations (case records, plan entries, clients, consent, referral,
send). Deterministic; loads once (a second call finds case records and adds nothing).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.cases import operations as case_ops
from portal.cases.models import CaseRecord
from portal.common import today
from portal.directory.models import Service
from portal.referrals import operations as ops
from portal.referrals.errors import ReferralError
from portal.referrals.models import Client, Referral

from .history import story_order
from .loader import seed_id

WORKER, CLINIC_AGENCY = "worker@demo.local", "agency@demo.local"
YOUTH_SERVICE = "mhc-city/youth_psych"

# (management level, conditions, medication, caregiver (name, relationship) or None, plan entries as
# (domain, status, text) oldest first)
RECORDS = (
    ("intensive", ("opioid_use", "depression"), "美沙酮 60mg/日", ("王秀兰", "parent"), (
        ("housing", "goal_set", "找到稳定住处 / find a stable place to live"),
        ("family", "goal_set", "每两周家访一次 / a home visit every two weeks"),
        ("housing", "in_progress", "已申请公租房 / applied for public housing"))),
    ("intensive", ("schizophrenia",), "利培酮 2mg/日", ("陈建国", "sibling"), (
        ("health", "in_progress", "按时服药，每月复诊 / medication on time, monthly check-up"),
        ("finances", "goal_set", "申请低保 / apply for minimum living allowance"))),
    ("standard", ("opioid_use",), "美沙酮 40mg/日", None, (
        ("employment", "goal_set", "参加职业技能培训 / vocational training"),
        ("employment", "in_progress", "已报名技能培训班 / enrolled in a skills course"),
        ("education", "not_needed", None))),
    ("standard", ("stimulant_use", "anxiety"), None, ("刘梅", "spouse"), (
        ("family", "in_progress", "家属参加家庭心理教育 / family joins psychoeducation"),)),
    ("maintenance", ("opioid_use",), "美沙酮 20mg/日", None, (
        ("employment", "goal_set", "找到稳定工作 / find steady work"),
        ("employment", "in_progress", "在庇护工场工作 / working at the sheltered workshop"),
        ("employment", "achieved", "已在物流公司就业 / employed at a logistics firm"))),
    ("maintenance", ("bipolar_disorder",), "碳酸锂 600mg/日", None, (
        ("housing", "achieved", "与家人同住，住房稳定 / lives with family, housing stable"),)),
)


def load(session) -> dict[str, int]:
    """Returns counts of what it made (all zero when it ran before)."""
    counts = {"case_records": 0, "plan_entries": 0, "guardian_referrals": 0, "care_plan_consents": 0}
    if session.scalar(select(func.count()).select_from(CaseRecord)):
        return counts
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_((WORKER, CLINIC_AGENCY))))}
    if len(users) < 2:
        raise ReferralError("load the demo data first (flask seed demo): demo users are missing")
    worker, clinic = users[WORKER], users[CLINIC_AGENCY]
    # The worker's organisation keeps four records, the clinic's (it sends to rehabilitation) two.
    chosen = _clients(session, worker, 4) + _clients(session, clinic, 2)
    for client, (level, conditions, medication, caregiver, plan) in zip(chosen, RECORDS):
        keeper = worker if client.organization_id == worker.organization_id else clinic
        case = case_ops.open_case_record(keeper, client, case_ops.CaseData(
            consent_on=today() - timedelta(days=60), consent_given_by="client", conditions=list(conditions),
            management_level=level, medication=medication, case_manager_id=keeper.id,
            caregiver_name=caregiver[0] if caregiver else None,
            caregiver_relationship=caregiver[1] if caregiver else None))
        counts["case_records"] += 1
        for domain, status, text in plan:
            case_ops.add_plan_entry(keeper, case, domain, status, text)
            counts["plan_entries"] += 1
    # The first record's client shares the care plan with the clinic it was referred to.
    first = chosen[0] if chosen else None
    sent = _sent_referral(session, first) if first is not None else None
    if sent is not None:
        ops.record_consent(worker, first, sent.to_organization_id, ["referral", "care_plan"],
                           "个案计划共享给接收机构 / share the care plan with the receiver", today(),
                           today() + timedelta(days=180))
        counts["care_plan_consents"] += 1
    counts["guardian_referrals"] += _minor_with_guardian(session, worker, counts)
    session.flush()
    return counts


def _clients(session, user: User, how_many: int) -> list[Client]:
    """Clients of the user's organisation with a sent referral, in story order (deterministic)."""
    rows = session.scalars(select(Client).where(
        Client.organization_id == user.organization_id,
        Client.id.in_(select(Referral.client_id).where(Referral.sent_at.is_not(None))))
        .order_by(*story_order())).all()
    return list(rows[:how_many])


def _sent_referral(session, client: Client) -> Referral | None:
    return session.scalar(select(Referral).where(Referral.client_id == client.id, Referral.sent_at.is_not(None),
                                                 Referral.status != "entered_in_error")
                          .order_by(Referral.sent_at.desc()))


def _minor_with_guardian(session, worker: User, counts: dict[str, int]) -> int:
    """A 16-year-old, the mother as guardian; the case record and the referral on her consent."""
    service = session.get(Service, seed_id("service", YOUTH_SERVICE))
    minor = ops.create_client(worker, ops.ClientData(birth_year=today().year - 16, gender="female", area_id=None,
                                                     language="zh"))
    case = case_ops.open_case_record(worker, minor, case_ops.CaseData(
        consent_on=today() - timedelta(days=7), consent_given_by="guardian", conditions=["depression"],
        management_level="intensive", case_manager_id=worker.id, caregiver_name="赵丽", caregiver_relationship="parent",
        caregiver_phone="13800005678", caregiver_is_guardian=True))
    counts["case_records"] += 1
    for domain, status, text in (("education", "goal_set", "回到学校上课 / back to school"),
                                 ("family", "in_progress", "母亲参加家庭心理教育 / mother joins psychoeducation")):
        case_ops.add_plan_entry(worker, case, domain, status, text)
        counts["plan_entries"] += 1
    if service is None or service.status != "active":
        return 0
    needs = [t.code for t in service.terms("category")][:1]
    ops.start_referral(worker, minor, None, ops.ReferralData(
        service_id=service.id, needs=needs, urgency="priority",
        reason="演示数据：青少年抑郁，监护人同意转介 / demo: adolescent depression, guardian consented"),
        ops.ConsentData(scope="referral", items=["referral", "care_plan"],
                        purpose="青少年心理门诊转介 / referral to youth psychiatry", given_on=today(),
                        expires_on=today() + timedelta(days=180), given_by="guardian"), send=True)
    return 1
