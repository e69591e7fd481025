"""What the session listeners (search outbox, audit trail, matching catalogue) know about a unit of
work beyond its rows: one typed object per SQLAlchemy session instead of loose ``session.info`` keys.

Two kinds of field:

- **set by the caller** for the work it starts: ``actor_id`` (who, outside a request: CLI, importer),
  ``audit_reason`` (why, stored with each audit event, e.g. ``"hsds_import"``), ``skip_outbox``
  (bulk work that brings the search index in step itself). Set them with ``using(session, ...)``,
  which puts the previous values back afterwards, so nothing leaks into later, unrelated changes.
- **kept by the listeners** between a flush and the end of its transaction: ``index_pending``,
  ``audit_pending``/``audit_actor``, ``catalog_stale``. They are cleared here, in one place, when the
  transaction rolls back.

``context_of(session)`` accepts a ``Session`` or Flask-SQLAlchemy's scoped ``db.session``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "portal.session_context"  # the one key this module owns in Session.info


@dataclass
class SessionContext:
    # set by callers for the work they start
    actor_id: int | None = None
    audit_reason: str | None = None
    skip_outbox: bool = False
    # kept by listeners for the current transaction
    index_pending: bool = False
    audit_pending: list = field(default_factory=list)
    audit_actor: int | None = None
    catalog_stale: bool = False
    catalog_service_ids: set = field(default_factory=set)  # services to re-read into the catalogue
    catalog_full: bool = False  # a change the catalogue cannot take service by service (terms, areas)
    # kept for the flush under way: (flush, the service ids it alters), worked out once for the
    # search outbox and the matching catalogue (search/outbox.py changed_service_ids)
    flush_services: tuple | None = None

    def forget_transaction(self) -> None:
        """A rollback: nothing flushed in the transaction happened, so nothing is pending."""
        self.index_pending = False
        self.audit_pending = []
        self.audit_actor = None
        self.catalog_stale = False
        self.catalog_service_ids = set()
        self.catalog_full = False


CALLER_FIELDS = ("actor_id", "audit_reason", "skip_outbox")


def context_of(session) -> SessionContext:
    info = session.info
    context = info.get(_KEY)
    if context is None:
        context = info[_KEY] = SessionContext()
    return context


@contextmanager
def using(session, **values) -> Iterator[SessionContext]:
    """Set caller fields (``actor_id``, ``audit_reason``, ``skip_outbox``) for the block, then put
    back what was there before."""
    unknown = set(values) - set(CALLER_FIELDS)
    if unknown:
        raise TypeError(f"not a caller field of SessionContext: {', '.join(sorted(unknown))}")
    context = context_of(session)
    saved = {name: getattr(context, name) for name in values}
    for name, value in values.items():
        setattr(context, name, value)
    try:
        yield context
    finally:
        for name, value in saved.items():
            setattr(context, name, value)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_work(session: Session) -> None:
    context = session.info.get(_KEY)
    if context is not None:
        context.forget_transaction()
