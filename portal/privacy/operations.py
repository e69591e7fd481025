"""The retention purge: find what is older than its retention period (retention.py) and, when
asked, erase it. Counts only ever leave this module, never the data.

What goes, per record type (the periods are settings; defaults in retention.py):
- a referral closed longer than the period: its free text (reason, transfer criterion, care plan,
  event and follow-up notes). Status, dates, service, area, needs and coded reasons stay: the
  reports count those;
- a client without an open referral and without activity for the period (a case record edited or
  its plan updated counts as activity): contact details, the free text of its referrals, and its
  case record (deleted whole: conditions, caregiver, plan);
- in-app notifications and sent mail older than the period: deleted (they hold no client data,
  but name staff and their addresses);
- access-log audit rows (reads of client data, sign-ins) older than the period: the row stays,
  the person it names is removed;
- the search change feed older than its window (``SEARCH_FEED_RETENTION_DAYS``).

Flushes; the command commits once at its end.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import and_, delete, exists, func, or_, select, update

from ..audit.models import AuditEvent, record
from ..common import today as local_today
from ..extensions import db
from ..notifications.models import MailMessage, Notification
from ..referrals.clients import (
    client_has_contact,
    erase_client_contact,
    erase_referral_text,
    referral_has_text,
)
from ..referrals.models import Client, FollowUp, Referral
from ..referrals.statemachine import CLOSED_STATUSES, OPEN_STATUSES
from ..search import feed
from ..search.models import IndexOutbox
from .retention import ACCESS_LOG_ACTIONS, RetentionPolicy, cutoff

FINISHED_STATUSES = (*CLOSED_STATUSES, "entered_in_error")


@dataclass
class PurgeCounts:
    closed_referrals: int = 0
    inactive_clients: int = 0
    notifications: int = 0
    sent_mail: int = 0
    access_log_rows: int = 0
    feed_rows: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def closed_referral_ids(policy: RetentionPolicy, on: date) -> list[str]:
    cut = cutoff(on, policy.closed_referral_days)
    finished_at = func.coalesce(Referral.closed_at, Referral.updated_at)
    return list(db.session.scalars(select(Referral.id).where(
        Referral.status.in_(FINISHED_STATUSES), finished_at < cut, referral_has_text())))


def inactive_client_ids(policy: RetentionPolicy, on: date) -> list[str]:
    """Clients whose own record, case record, follow-ups and every referral are untouched for the
    period, none of them open or waiting, and who still have something to erase."""
    cut = cutoff(on, policy.inactive_client_days)
    from ..cases.models import CaseRecord

    recent_or_open = exists().where(Referral.client_id == Client.id,
                                    or_(Referral.status.in_(OPEN_STATUSES), Referral.updated_at >= cut))
    recent_case = exists().where(CaseRecord.client_id == Client.id, CaseRecord.updated_at >= cut)
    # Still followed up (a waiting follow-up), or followed up within the period, is activity too.
    recent_follow_up = exists().where(FollowUp.client_id == Client.id, or_(
        FollowUp.is_pending(), FollowUp.done_on >= cut.date(), FollowUp.ended_on >= cut.date()))
    with_text = exists().where(Referral.client_id == Client.id, referral_has_text())
    with_case = exists().where(CaseRecord.client_id == Client.id)
    return list(db.session.scalars(select(Client.id).where(
        Client.updated_at < cut, ~recent_or_open, ~recent_case, ~recent_follow_up, or_(client_has_contact(), with_text, with_case))))


def _notification_filters(policy: RetentionPolicy, on: date):
    cut = cutoff(on, policy.notification_days)
    return Notification.created_at < cut, and_(MailMessage.sent_at.is_not(None), MailMessage.sent_at < cut)


def _access_log_filter(policy: RetentionPolicy, on: date):
    return and_(AuditEvent.action.in_(ACCESS_LOG_ACTIONS), AuditEvent.user_id.is_not(None),
                AuditEvent.at < cutoff(on, policy.access_log_days))


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _feed_rows(feed_days: int | None, on: date) -> int:
    if feed_days is None:
        return 0
    newest = db.session.scalar(select(func.max(IndexOutbox.id)))
    return _count(IndexOutbox, and_(IndexOutbox.enqueued_at < cutoff(on, feed_days), IndexOutbox.id != newest))


def purge(policy: RetentionPolicy, *, apply: bool = False, on: date | None = None,
          feed_days: int | None = None, actor_id: int | None = None) -> PurgeCounts:
    """What the retention periods let go as of ``on`` (default today); erased only with ``apply``.
    ``feed_days``: also prune the search change feed to that window."""
    on = on or local_today()
    referrals = closed_referral_ids(policy, on)
    clients = inactive_client_ids(policy, on)
    notification_filter, mail_filter = _notification_filters(policy, on)
    counts = PurgeCounts(
        closed_referrals=len(referrals), inactive_clients=len(clients),
        notifications=_count(Notification, notification_filter), sent_mail=_count(MailMessage, mail_filter),
        access_log_rows=_count(AuditEvent, _access_log_filter(policy, on)), feed_rows=_feed_rows(feed_days, on))
    if not apply:
        return counts
    erase_referral_text(referrals)
    _erase_clients(clients, actor_id)
    db.session.execute(delete(Notification).where(notification_filter), execution_options={"synchronize_session": False})
    db.session.execute(delete(MailMessage).where(mail_filter), execution_options={"synchronize_session": False})
    # Audit rows are append-only for everyone else; retention removes only who it was.
    db.session.execute(update(AuditEvent).where(_access_log_filter(policy, on)).values(user_id=None),
                       execution_options={"synchronize_session": False})
    if feed_days is not None:
        counts.feed_rows = feed.prune(db.session, feed_days, now=cutoff(on, 0))
    record("retention_purge", user_id=actor_id, changes=counts.as_dict())
    db.session.flush()
    return counts


def _erase_clients(client_ids: list[str], actor_id: int | None) -> None:
    """Contact details and referral text of inactive clients; one audit row each ("a client record
    existed and its data was erased on …", ids only)."""
    if not client_ids:
        return
    referral_ids: list[str] = []
    for start in range(0, len(client_ids), 500):
        referral_ids += db.session.scalars(select(Referral.id).where(
            Referral.client_id.in_(client_ids[start:start + 500])))
    erase_referral_text(referral_ids)
    erase_client_contact(client_ids)
    from ..cases.operations import erase_case_records

    erase_case_records(client_ids)
    for client_id in client_ids:
        record("client_erased", user_id=actor_id, record_type="client", record_id=client_id,
               changes={"why": "retention"})
