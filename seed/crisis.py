"""Demo rows for the crisis path (``load``, after ``seed.history.load_history``): two clients marked
at risk by the demo worker, each with an emergency referral to the methadone clinic (one acknowledged
within its two hours, one still unanswered past them, so the inbox and the board lead with an overdue
emergency), and after-hours phones on the demo's hotlines, 24-hour line and the clinic.

Everything goes through the operations (create client, risk flag, consent, create, send,
acknowledge, after-hours phone), dated back with their ``now`` argument as the history is.
Deterministic; loads once (a second call finds an emergency referral and adds nothing).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.common import today, utcnow
from portal.directory.models import Service
from portal.listings import operations as listing_ops
from portal.referrals import operations as ops
from portal.referrals import risk
from portal.referrals.errors import ReferralError
from portal.referrals.models import Referral

from .history import backdate_creation, first_admitted
from .loader import seed_id

WORKER, MMT = "worker@demo.local", "agency@demo.local"
CLINIC = "mmt-jiangbin"
# Service key -> the number that answers outside its opening hours (invented, demo-only numbers).
AFTER_HOURS = {
    "narcotics-city/drug_hotline": "027-8500 1100",  # an evening line: the night goes to the duty phone
    "mhc-city/crisis_line": "027-8500 1200",
    "ngo-xinyu/crisis_line": "027-8500 1300",
    "mhc-city/psych_inpatient": "027-8500 1400",  # the ward's 24-hour nurses' station
    "mmt-jiangbin/mmt": "027-8500 1500",  # the clinic's duty doctor
}
# (hours since sending, hours until acknowledged or None): one answered in time (its response is due
# in four hours more), one unanswered three hours past its two.
STORIES = ((3, 1), (5, None))


def load(session, now: datetime | None = None) -> dict[str, int]:
    """Returns counts of what it made (all zero when it ran before)."""
    counts = {"after_hours_phones": 0, "clients_at_risk": 0, "emergency_referrals": 0}
    if session.scalar(select(func.count()).select_from(Referral).where(Referral.urgency == "emergency")):
        return counts
    now = now or utcnow()
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_((WORKER, MMT))))}
    if len(users) < 2:
        raise ReferralError("load the demo data first (flask seed demo): demo users are missing")
    for key, number in AFTER_HOURS.items():
        service = session.get(Service, seed_id("service", key))
        if service is not None and service.after_hours_phone != number:
            listing_ops.set_after_hours_phone(service, number)
            counts["after_hours_phones"] += 1
    services = _clinic_services(session)
    for n, (hours_ago, answered_after) in enumerate(STORIES):
        referral = _story(session, users[WORKER], users[MMT], services, now - timedelta(hours=hours_ago),
                          answered_after, n)
        if referral is not None:
            counts["clients_at_risk"] += 1
            counts["emergency_referrals"] += 1
    session.flush()
    return counts


def _clinic_services(session) -> list[Service]:
    return [s for s in session.scalars(select(Service).where(Service.organization_id == seed_id("organization", CLINIC),
                                                              Service.status == "active").order_by(Service.id))
            if s.accepts_referrals is not False and s.terms("category")]


def _story(session, worker: User, receiver: User, services: list[Service], sent: datetime,
           answered_after: int | None, n: int) -> Referral | None:
    """A client marked at risk, then an emergency referral sent at ``sent`` (to the first clinic
    service whose rules admit the client), acknowledged ``answered_after`` hours later or not at all."""
    area_id = next((loc.area_id for s in services for loc in s.locations if loc.area_id), None)
    client = ops.create_client(worker, ops.ClientData(birth_year=today().year - (29 + 7 * n),
                                                      gender=("male", "female")[n % 2], area_id=area_id,
                                                      language="zh"))
    ops.set_client_risk(worker, client, True)
    # The demo's own audit row, dated to the story once, as the history dates its create events.
    session.execute(update(AuditEvent).where(AuditEvent.record_id == client.id, AuditEvent.action == risk.AUDIT_SET)
                    .values(at=sent - timedelta(minutes=20)))
    found = first_admitted(session, services, lambda service: ops.create_referral(worker, client, ops.ReferralData(
        service_id=service.id, needs=[t.code for t in service.terms("category")][:1], urgency="emergency",
        reason="演示数据：危机转介 / demo crisis referral")))
    if found is None:
        return None
    service, referral = found
    ops.record_consent(worker, client, service.organization_id, ["referral", "contact"],
                       "危机转介 / crisis referral", sent.date(), today() + timedelta(days=90))
    backdate_creation(session, referral, sent)
    ops.transition(worker, referral, "send", now=sent)
    if answered_after is not None:
        ops.transition(receiver, referral, "acknowledge", now=sent + timedelta(hours=answered_after))
    return referral
