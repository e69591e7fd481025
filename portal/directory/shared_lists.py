"""Resource lists shared as a link: a worker turns the list in their browser into
``/list/shared/<id>`` and sends that instead of a long text message.

Rules: the row holds service ids and dates only (nothing about the person it is for, no user id);
its id is random and unguessable; it works for ``SHARED_LIST_DAYS`` days (default 30), after which
the request that finds it deletes it, and every new share first deletes all expired ones (so the
table stays small without a cron job). Flushes; the caller commits.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..common import live_row, utcnow
from .models import SharedResourceList
from .resource_list import MAX_ITEMS

DEFAULT_DAYS = 30
_ID_BYTES = 24  # 32 characters in the URL; guessing one is hopeless


def configured_days() -> int:
    from flask import current_app

    return int(current_app.config.get("SHARED_LIST_DAYS") or DEFAULT_DAYS)


def share(session: Session, service_ids: list[str], days: int | None = None,
          now: datetime | None = None) -> SharedResourceList:
    ids = [i for i in dict.fromkeys(service_ids) if isinstance(i, str) and 0 < len(i) <= 36][:MAX_ITEMS]
    if not ids:
        raise ValueError("an empty list cannot be shared")
    now = now or utcnow()
    days = configured_days() if days is None else days
    purge_expired(session, now)
    row = SharedResourceList(id=secrets.token_urlsafe(_ID_BYTES), service_ids=",".join(ids),
                             created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return row


def load(session: Session, list_id: str | None, now: datetime | None = None) -> SharedResourceList | None:
    """The shared list, or None when unknown or expired (an expired one is deleted here)."""
    return live_row(session, SharedResourceList, list_id, now)


def ids_of(row: SharedResourceList) -> list[str]:
    return [i for i in row.service_ids.split(",") if i]


def purge_expired(session: Session, now: datetime | None = None) -> int:
    result = session.execute(delete(SharedResourceList)
                             .where(SharedResourceList.expires_at <= (now or utcnow())))
    session.flush()
    return result.rowcount or 0
