"""Rows for the coordinator reports, limited to what the user may see (their area)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common import as_aware
from ..directory.models import Area, Organization
from ..extensions import db
from ..matching.models import UnmetNeed
from ..referrals.models import Referral
from ..referrals.queries import coordinator_area_ids, visibility_clause


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, tzinfo=timezone.utc),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc))


def referral_rows(user, start: date, end: date, department: str | None = None,
                  network_level: str | None = None) -> list[dict]:
    """Referrals sent in the period; ``department`` and ``network_level`` keep those whose
    receiving organisation has that department code and network level."""
    low, high = _bounds(start, end)
    query = (select(Referral).join(Organization, Referral.to_organization_id == Organization.id)
             .where(Referral.sent_at.is_not(None), Referral.sent_at >= low, Referral.sent_at < high,
                    Referral.status != "entered_in_error")
             .options(selectinload(Referral.need_rows), selectinload(Referral.client))
             .order_by(Referral.sent_at))
    clause = visibility_clause(user)
    if clause is not None:
        query = query.where(clause)
    if department:
        query = query.where(Organization.department == department)
    if network_level:
        query = query.where(Organization.network_level == network_level)
    rows = []
    for r in db.session.scalars(query):
        district = r.area.district() if r.area is not None else None
        rows.append({
            "referral_id": r.id, "client_code": r.client.code,
            "district": str(district.t("name")) if district else "",
            "from_organization": str(r.from_organization.t("name")), "service_id": r.service_id,
            "service": str(r.service.t("name")), "organization": str(r.to_organization.t("name")),
            "needs": r.needs, "urgency": r.urgency, "status": r.status, "to_stage": r.to_stage,
            "sent_at": as_aware(r.sent_at), "acknowledged_at": as_aware(r.acknowledged_at),
            "accepted_at": as_aware(r.accepted_at), "connected_at": as_aware(r.connected_at),
            "closed_at": as_aware(r.closed_at), "decline_reason": r.decline_reason, "declined_by": r.declined_by,
            "not_connected_reason": r.not_connected_reason,
            "department": r.to_organization.department, "network_level": r.to_organization.network_level,
        })
    return rows


def unmet_need_rows(user, start: date, end: date) -> list[tuple[str, str]]:
    """(district name, category code) per unmet need recorded by matching in the period and area."""
    low, high = _bounds(start, end)
    query = select(UnmetNeed, Area).outerjoin(Area, UnmetNeed.area_id == Area.id).where(
        UnmetNeed.recorded_at >= low, UnmetNeed.recorded_at < high)
    if not user.has_role("admin"):
        area_ids = coordinator_area_ids(user)
        if area_ids is not None:
            query = query.where(UnmetNeed.area_id.in_(area_ids))
    return [(str(area.t("name")) if area else "—", need.category_code) for need, area in db.session.execute(query)]
