"""Row-level access: who may see which referral and client, and the lists built on that rule.

A referral (and, through it, its client) is visible to the sending organisation, the receiving
organisation once it was sent, the coordinators of its area once it was sent, and admins. Every view
that takes an id goes through ``visible_referral`` / ``visible_client`` and answers 404 otherwise, so
a user cannot even learn that a record exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, false, or_, select

from ..common import utcnow
from ..directory.models import Area
from ..extensions import db
from .models import Client, Referral, ReferralNeed
from .statemachine import ADMIN, OPEN_STATUSES, PENDING_STATUSES, RECEIVER, SENDER

ORG_ROLES = ("worker", "agency")


def _org_member(user) -> str | None:
    """The organisation a worker/agency user acts for (None for other roles)."""
    if user.organization_id and user.has_role(*ORG_ROLES):
        return user.organization_id
    return None


def coordinator_area_ids(user) -> set[int] | None:
    """Area ids a coordinator looks after (their area and everything below it); None = whole city."""
    return None if user.area_id is None else _areas_under(user.area_id)


def _areas_under(area_id: int) -> set[int]:
    """The area and every area below it."""
    children: dict[int | None, list[int]] = {}
    for child, parent in db.session.execute(select(Area.id, Area.parent_id)):
        children.setdefault(parent, []).append(child)
    found, stack = set(), [area_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def _coordinator_covers_unplaced(user) -> bool:
    # Referrals with no area at all belong to the city-wide coordinators.
    if user.area_id is None:
        return True
    area = db.session.get(Area, user.area_id)
    return area is not None and area.parent_id is None


def coordinator_area_clause(user, area_column):
    """The coordinators' area rule for rows placed by ``area_column`` (a referral's or a follow-up's
    area): None when the user sees every area (admins, city-wide coordinators), else a SQL condition."""
    if user.has_role("admin"):
        return None
    if not user.has_role("coordinator"):
        return false()
    area_ids = coordinator_area_ids(user)
    if area_ids is None:
        return None
    clause = area_column.in_(area_ids)
    return or_(clause, area_column.is_(None)) if _coordinator_covers_unplaced(user) else clause


def visibility_clause(user):
    """A SQL condition selecting the referrals this user may see."""
    if user.has_role("admin"):
        return None
    clauses = []
    org = _org_member(user)
    if org:
        clauses.append(Referral.from_organization_id == org)
        clauses.append(and_(Referral.to_organization_id == org, Referral.sent_at.is_not(None)))
    if user.has_role("coordinator"):
        area_ids = coordinator_area_ids(user)
        if area_ids is None:
            clauses.append(Referral.sent_at.is_not(None))
        else:
            area_clause = Referral.area_id.in_(area_ids)
            if _coordinator_covers_unplaced(user):
                area_clause = or_(area_clause, Referral.area_id.is_(None))
            clauses.append(and_(Referral.sent_at.is_not(None), area_clause))
    return or_(*clauses) if clauses else false()


def coordinates(user, referral: Referral) -> bool:
    """Whether the user may act as a coordinator on this referral: an admin, or a coordinator whose
    area covers the referral's (the same area rule as what coordinators see)."""
    if user.has_role("admin"):
        return True
    if not user.has_role("coordinator") or referral.sent_at is None:
        return False
    area_ids = coordinator_area_ids(user)
    if area_ids is None:
        return True
    if referral.area_id is None:
        return _coordinator_covers_unplaced(user)
    return referral.area_id in area_ids


def visible_referrals(user):
    query = select(Referral)
    clause = visibility_clause(user)
    return query if clause is None else query.where(clause)


def visible_referral(user, referral_id: str) -> Referral | None:
    if not referral_id or len(referral_id) > 36:
        return None
    return db.session.scalar(visible_referrals(user).where(Referral.id == referral_id))


def sides(user, referral: Referral) -> set[str]:
    """What the user may act as on this referral (see statemachine)."""
    result = set()
    org = _org_member(user)
    if org and org == referral.from_organization_id:
        result.add(SENDER)
    if org and org == referral.to_organization_id and referral.sent_at is not None:
        result.add(RECEIVER)
    if user.has_role("admin"):
        result.add(ADMIN)
    return result


def visible_client(user, client_id: str) -> Client | None:
    """The client page (consents, disclosures, contact) is for the recording organisation and admins;
    receivers and coordinators see the pseudonymous client on the referral page."""
    if not client_id or len(client_id) > 36:
        return None
    client = db.session.get(Client, client_id)
    if client is None:
        return None
    if user.has_role("admin") or (_org_member(user) and client.organization_id == _org_member(user)):
        return client
    return None


def clients_of_organization(organization_id: str) -> list[Client]:
    return list(db.session.scalars(select(Client).where(Client.organization_id == organization_id)
                                   .order_by(Client.created_at.desc()).limit(500)))


def _overdue_first(query, now: datetime):
    """Emergencies first (a crisis does not queue behind the week's work), then overdue, then newest."""
    return query.order_by(case((Referral.urgency == "emergency", 0), else_=1), case((Referral.is_overdue(now), 0), else_=1), Referral.sent_at.desc().nulls_last(),
                          Referral.created_at.desc())


def sent_by(organization_id: str, status: str | None = None, limit: int = 300) -> list[Referral]:
    query = select(Referral).where(Referral.from_organization_id == organization_id)
    if status:
        query = query.where(Referral.status == status)
    return list(db.session.scalars(_overdue_first(query, utcnow()).limit(limit)))


def inbox(organization_id: str, show: str = "open", limit: int = 300) -> list[Referral]:
    """Referrals sent to the organisation: overdue first, then newest. ``open``: only those still
    waiting for the agency (``PENDING_STATUSES``; connected ones have left the list)."""
    query = select(Referral).where(Referral.to_organization_id == organization_id, Referral.sent_at.is_not(None))
    if show == "open":
        query = query.where(Referral.status.in_(PENDING_STATUSES))
    return list(db.session.scalars(_overdue_first(query, utcnow()).limit(limit)))


@dataclass(frozen=True)
class BoardFilter:
    """The board's filters; None or empty means "any"."""

    status: str | None = None
    service_id: str | None = None
    category: str | None = None
    overdue_only: bool = False
    district_id: int | None = None  # the referral's area lies in this district (or is it)
    organization_id: str | None = None  # sending or receiving
    urgency: str | None = None
    sent_from: date | None = None  # sent on or after this day (UTC)
    sent_to: date | None = None  # sent on or before this day
    at_risk_only: bool = False  # referrals carrying the risk flag (risk.py)


def board(user, filters: BoardFilter | None = None, limit: int = 500) -> list[Referral]:
    """Sent referrals the coordinator (or admin) may see, with the board's filters (open ones unless a
    status is chosen)."""
    f = filters or BoardFilter()
    now = utcnow()
    query = visible_referrals(user).where(Referral.sent_at.is_not(None))
    query = query.where(Referral.status == f.status) if f.status else query.where(Referral.status.in_(OPEN_STATUSES))
    if f.service_id:
        query = query.where(Referral.service_id == f.service_id)
    if f.category:
        query = query.where(Referral.id.in_(select(ReferralNeed.referral_id)
                                            .where(ReferralNeed.category_code == f.category)))
    if f.overdue_only:
        query = query.where(Referral.is_overdue(now))
    if f.district_id is not None:
        query = query.where(Referral.area_id.in_(_areas_under(f.district_id)))
    if f.organization_id:
        query = query.where(or_(Referral.from_organization_id == f.organization_id,
                                Referral.to_organization_id == f.organization_id))
    if f.urgency:
        query = query.where(Referral.urgency == f.urgency)
    if f.at_risk_only:
        query = query.where(Referral.at_risk.is_(True))
    if f.sent_from is not None:
        query = query.where(Referral.sent_at >= datetime.combine(f.sent_from, time.min, timezone.utc))
    if f.sent_to is not None:
        query = query.where(Referral.sent_at < datetime.combine(f.sent_to + timedelta(days=1), time.min, timezone.utc))
    return list(db.session.scalars(_overdue_first(query, now).limit(limit)))
