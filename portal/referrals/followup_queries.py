"""Reads of follow-ups, with their row rules.

- An organisation's list: its own clients' person follow-ups, and the follow-ups of referrals it sent
  or received.
- The coordinator board: overdue follow-ups and people below the yearly minimum, in the
  coordinator's area (a follow-up's area is its referral's, else the client's; the same area rule as
  the referrals on the board, ``queries.coordinator_area_clause``). Coordinators see codes, dates,
  counts and organisations, never what a follow-up found.

The overdue and yearly-count conditions are the hybrids on ``FollowUp`` (one rule: followup_rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..common import today
from ..extensions import db
from .followup_rule import YEARLY_MINIMUM, below_minimum
from .models import Client, FollowUp, Referral
from .queries import coordinator_area_clause

FOLLOW_UP_AREA = func.coalesce(Referral.area_id, Client.area_id)


def _with_client_and_referral():
    # The client's case record comes along: its level sets each row's proposed next date.
    return (select(FollowUp).join(Client, FollowUp.client_id == Client.id)
            .outerjoin(Referral, FollowUp.referral_id == Referral.id)
            .options(joinedload(FollowUp.client).joinedload(Client.case_record), joinedload(FollowUp.referral)))


def _of_organization(organization_id: str):
    return or_(and_(FollowUp.referral_id.is_(None), Client.organization_id == organization_id),
               Referral.from_organization_id == organization_id, Referral.to_organization_id == organization_id)


def due_for_organization(organization_id: str, limit: int = 300) -> list[FollowUp]:
    """Waiting follow-ups the organisation may record, soonest first."""
    query = _with_client_and_referral().where(FollowUp.is_pending(), _of_organization(organization_id))
    return list(db.session.scalars(query.order_by(FollowUp.due_on, FollowUp.id).limit(limit)).unique())


def of_client(client: Client) -> list[FollowUp]:
    """Every follow-up of the person, newest due date first (the client page: recording organisation only)."""
    query = _with_client_and_referral().where(FollowUp.client_id == client.id)
    return list(db.session.scalars(query.order_by(FollowUp.due_on.desc(), FollowUp.id.desc())).unique())


def yearly_counts(client_ids, on: date | None = None) -> dict[str, int]:
    """Client id -> follow-ups done in the last 12 months (followup_rule.year_window)."""
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    on = on or today()
    done = func.sum(case((FollowUp.done_in_last_year(on), 1), else_=0))
    rows = db.session.execute(select(FollowUp.client_id, done).where(FollowUp.client_id.in_(ids))
                              .group_by(FollowUp.client_id))
    counts = {client_id: int(n or 0) for client_id, n in rows}
    return {client_id: counts.get(client_id, 0) for client_id in ids}


# --- the coordinator board -------------------------------------------------------------------------

@dataclass(frozen=True)
class BelowMinimum:
    client: Client
    done: int  # follow-ups done in the last 12 months


def _in_area(query, user):
    clause = coordinator_area_clause(user, FOLLOW_UP_AREA)
    return query if clause is None else query.where(clause)


def overdue_for_board(user, on: date | None = None, limit: int = 200) -> tuple[int, list[FollowUp]]:
    """(how many, the oldest first up to ``limit``) overdue follow-ups in the user's area."""
    on = on or today()
    query = _in_area(_with_client_and_referral().where(FollowUp.is_overdue(on)), user)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.order_by(FollowUp.due_on, FollowUp.id).limit(limit)).unique())
    return total, rows


def below_minimum_for_board(user, on: date | None = None, limit: int = 200) -> tuple[int, list[BelowMinimum]]:
    """People still followed up (a waiting follow-up in the user's area) who had fewer than
    ``YEARLY_MINIMUM`` follow-ups in the last 12 months; fewest first."""
    on = on or today()
    followed = _in_area(select(FollowUp.client_id).join(Client, FollowUp.client_id == Client.id)
                        .outerjoin(Referral, FollowUp.referral_id == Referral.id)
                        .where(FollowUp.is_pending()), user)
    done = func.sum(case((FollowUp.done_in_last_year(on), 1), else_=0)).label("done")
    counted = (select(FollowUp.client_id.label("client_id"), done).where(FollowUp.client_id.in_(followed))
               .group_by(FollowUp.client_id).having(done < YEARLY_MINIMUM).subquery())
    total = db.session.scalar(select(func.count()).select_from(counted))
    rows = db.session.execute(select(Client, counted.c.done).join(counted, counted.c.client_id == Client.id)
                              .options(joinedload(Client.organization))
                              .order_by(counted.c.done, Client.code).limit(limit))
    return total, [BelowMinimum(client, int(n or 0)) for client, n in rows]


@dataclass(frozen=True)
class ClientSummary:
    done: int  # follow-ups done in the last 12 months
    minimum: int
    next_due: FollowUp | None  # the earliest waiting follow-up

    @property
    def below_minimum(self) -> bool:
        return below_minimum(self.done)


def client_summary(client: Client, on: date | None = None) -> ClientSummary:
    """What the client page shows of the person's follow-ups (the recording organisation's page)."""
    nxt = db.session.scalar(select(FollowUp).where(FollowUp.client_id == client.id, FollowUp.is_pending())
                            .order_by(FollowUp.due_on, FollowUp.id).limit(1))
    return ClientSummary(yearly_counts([client.id], on)[client.id], YEARLY_MINIMUM, nxt)


@dataclass(frozen=True)
class BoardSummary:
    overdue_total: int
    overdue: list[FollowUp]
    below_total: int
    below: list[BelowMinimum]
    minimum: int


def board_summary(user, on: date | None = None) -> BoardSummary:
    """The coordinator board's follow-up lists, in the user's area."""
    on = on or today()
    overdue_total, overdue = overdue_for_board(user, on)
    below_total, below = below_minimum_for_board(user, on)
    return BoardSummary(overdue_total, overdue, below_total, below, YEARLY_MINIMUM)
