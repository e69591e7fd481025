"""Keeps the index in step with the database.

Before each flush, every change that alters what a service's search document says (the service, its
organisation, locations, terms, costs, languages, areas) adds the affected service ids to
``index_outbox`` — in the same transaction, so a commit without its outbox rows cannot happen. After
the commit this host's index follows the feed on a separate connection (see feed.py: the rows are a
change feed that every host's index copy follows from its own position). If that cannot happen now
(the index is busy, the process dies first) the rows are still there, and the next follow, ``flask
index sync`` or the ``flask index follow`` worker applies them.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app, has_app_context
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from ..common import UUIDMixin, new_uuid, utcnow
from ..directory import models as m
from ..session_context import context_of, using
from .models import IndexOutbox

log = logging.getLogger(__name__)


def _service_ids_for(session: Session, obj) -> set[str]:
    if isinstance(obj, m.Service):
        return {obj.id}
    if isinstance(obj, m.Organization):
        if obj.id is None:
            return set()
        return set(session.scalars(select(m.Service.id).where(m.Service.organization_id == obj.id)))
    if isinstance(obj, m.Location):
        if obj.id is None:
            return set()
        return set(session.scalars(
            select(m.ServiceAtLocation.service_id).where(m.ServiceAtLocation.location_id == obj.id)))
    if isinstance(obj, m.Schedule) and not obj.service_id:
        # Hours of one service at one location.
        link = obj.service_at_location
        if link is not None:
            return {link.service_id or (link.service.id if link.service else None)} - {None}
        if obj.service_at_location_id:
            return set(session.scalars(select(m.ServiceAtLocation.service_id).where(
                m.ServiceAtLocation.id == obj.service_at_location_id)))
        return set()
    if isinstance(obj, (m.ServiceAtLocation, m.CostOption, m.Language, m.ServiceArea, m.Schedule)):
        sid = obj.service_id or (obj.service.id if getattr(obj, "service", None) else None)
        return {sid} if sid else set()
    if isinstance(obj, m.Attribute):
        if obj.service_id:
            return {obj.service_id}
        if obj.organization_id:
            return set(session.scalars(
                select(m.Service.id).where(m.Service.organization_id == obj.organization_id)))
        return set()
    if isinstance(obj, (m.TaxonomyTerm, m.Area)):
        # Renamed labels: rewrite every service that carries them (rare; admin-only edits).
        if obj.id is None:
            return set()
        if isinstance(obj, m.TaxonomyTerm):
            return set(session.scalars(select(m.Attribute.service_id).where(
                m.Attribute.taxonomy_term_id == obj.id, m.Attribute.service_id.is_not(None))))
        return set(session.scalars(
            select(m.ServiceAtLocation.service_id).join(m.Location).where(m.Location.area_id == obj.id)))
    return set()


def changed_service_ids(session: Session, flush_context) -> set[str]:
    """The services whose documents the flush under way alters: what the search outbox enqueues and
    what the matching catalogue re-reads. Worked out once per flush (it may query the database),
    whichever of the two listeners asks first."""
    context = context_of(session)
    if context.flush_services is not None and context.flush_services[0] is flush_context:
        return context.flush_services[1]
    # New rows get their UUID at INSERT time, which is after this hook: give it to them now so the
    # outbox can name them (a service created without an explicit id would otherwise be missed).
    for obj in session.new:
        if isinstance(obj, UUIDMixin) and obj.id is None:
            obj.id = new_uuid()
    ids: set[str] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        with session.no_autoflush:
            ids |= _service_ids_for(session, obj)
    ids.discard(None)
    context.flush_services = (flush_context, ids)
    return ids


@event.listens_for(Session, "after_flush_postexec")
def _forget_flush(session: Session, flush_context) -> None:
    context_of(session).flush_services = None  # do not keep the finished flush alive


@event.listens_for(Session, "before_flush")
def _enqueue(session: Session, flush_context, instances) -> None:
    context = context_of(session)
    if context.skip_outbox:
        return
    ids = changed_service_ids(session, flush_context)
    if ids:
        now = utcnow()
        session.add_all(IndexOutbox(service_id=sid, enqueued_at=now) for sid in sorted(ids))
        context.index_pending = True


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    context = context_of(session)
    pending, context.index_pending = context.index_pending, False
    if not pending or not has_app_context():
        return
    if not current_app.config.get("SEARCH_APPLY_AFTER_COMMIT", True):
        return
    apply_pending()


def enqueue_services(session: Session, service_ids, chunk: int = 1000) -> None:
    """Outbox rows for many services at once, in the caller's transaction (bulk work that sets
    ``skip_outbox`` and names the affected services itself: the HSDS import, the crosswalk)."""
    now = utcnow()
    ids = sorted(set(service_ids))
    for start in range(0, len(ids), chunk):
        session.execute(insert(IndexOutbox), [{"service_id": sid, "enqueued_at": now}
                                              for sid in ids[start:start + chunk]])


def apply_pending(busy_level: int = logging.WARNING) -> int:
    """Bring this host's index up to the feed if its writer lock is free at once (a write never
    waits for the index). The change is in the feed already, so a busy index (a rebuild, another
    process following) costs only a little delay: the next follow (the next commit here, the
    ``flask index follow`` worker, ``flask index sync``) applies it. A busy lock is expected: one
    warning line. Anything else is an error with its traceback. Never raises: the caller's data
    is committed whatever happens to the index."""
    from ..extensions import db
    from .index import REQUEST_WRITE_TIMEOUT, IndexBusyError
    from .service import get_index

    try:
        # A fresh session: the committed one cannot emit SQL in its after_commit hook.
        with Session(db.engine) as fresh, using(fresh, skip_outbox=True):
            return get_index().sync(fresh, timeout=REQUEST_WRITE_TIMEOUT)
    except IndexBusyError:
        log.log(busy_level, "search index busy; the change stays in the feed for the next follow")
    except Exception:  # the feed keeps the work; the next follow recovers it
        log.exception("search index update failed; the change stays in the feed for the next follow")
    return 0


def follow_every(seconds: float, stop: threading.Event | None = None, rounds: int | None = None) -> int:
    """The follower of one host (``flask index follow``): apply the feed every ``seconds`` until
    ``stop`` is set (or after ``rounds`` rounds); a busy index just waits for the next round.
    Needs an app context. Returns how many rows it applied."""
    stop = stop or threading.Event()
    applied, done = 0, 0
    while not stop.is_set() and (rounds is None or done < rounds):
        # Busy here means another process of this host is applying: nothing to report.
        applied += apply_pending(busy_level=logging.DEBUG)
        done += 1
        stop.wait(seconds)
    return applied
