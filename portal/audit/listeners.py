"""Audits every create, update and delete of directory records, whatever path made it (admin, the
listings forms, the HSDS importer, the API, a shell).

A ``before_flush`` listener takes a snapshot of what is about to change (field-level before/after; the
values before a delete), and ``after_flush`` writes the events with a Core insert on the flush's own
connection — same transaction, so a change cannot commit without its audit rows, and nothing is added
to the session while it flushes.

Who: the signed-in user when inside a request, else the session context's ``actor_id`` (CLI,
importer; see portal/session_context.py). Why: its ``audit_reason`` (e.g. ``"hsds_import"``) is
stored with each event. Bulk imports
(reason ``hsds_import``) are summarised per flush: one event per record type and action, with counts
and ids, instead of one row per field of thousands of records.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from ..common import utcnow
from ..directory import models as m
from ..session_context import context_of
from .models import AuditEvent

AUDITED = (m.Organization, m.Service, m.Location, m.ServiceAtLocation, m.Schedule, m.Phone, m.Contact,
           m.Language, m.CostOption, m.RequiredDocument, m.ServiceArea, m.Attribute, m.Taxonomy,
           m.TaxonomyTerm, m.Area)

# Bookkeeping columns: they change on every write and say nothing a reader needs.
IGNORED_FIELDS = {"version", "created_at", "updated_at"}
# A contact is a named member of staff: the trail notes that these changed, not their values.
REDACTED_FIELDS = {"contact": {"name", "email"}}
REDACTED = "(changed)"
# Descriptions may be long (imports have seen 5 MB ones); the trail keeps the start.
MAX_VALUE_CHARS = 1000
BULK_REASONS = {"hsds_import", "seed", "seed_demo"}
MAX_SUMMARY_IDS = 500


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _value(table: str, field: str, value):
    if value is not None and field in REDACTED_FIELDS.get(table, ()):
        return REDACTED
    return _jsonable(value)


def _columns(obj):
    return [attr for attr in inspect(obj).mapper.column_attrs if attr.key not in IGNORED_FIELDS]


def _snapshot(obj) -> dict:
    """Every column's current value (for creates and deletes), nulls left out."""
    table = obj.__tablename__
    values = {}
    for attr in _columns(obj):
        value = getattr(obj, attr.key)
        if value is not None:
            values[attr.key] = _value(table, attr.key, value)
    return values


def _diff(obj) -> dict:  # noqa: C901  (columns, then parents set through relationships)
    """Field-level ``{field: [before, after]}`` of the columns changed in this flush."""
    state, table = inspect(obj), obj.__tablename__
    changes = {}
    for attr in _columns(obj):
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[attr.key] = [_value(table, attr.key, before), _value(table, attr.key, after)]
    # A parent set through a relationship (e.g. the admin's "organization" select) reaches the foreign
    # key column only during the flush: read it from the relationship instead.
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE" or len(rel.local_columns) != 1:
            continue
        fk = next(iter(rel.local_columns)).key
        history = state.attrs[rel.key].history
        if fk in changes or not history.has_changes() or not history.added:
            continue
        # Until the flush, the column still holds the old parent's id.
        before = getattr(history.deleted[0], "id", None) if history.deleted and history.deleted[0] is not None \
            else state.attrs[fk].value
        after = getattr(history.added[0], "id", None) if history.added[0] is not None else None
        if before != after and fk not in IGNORED_FIELDS:
            changes[fk] = [_jsonable(before), _jsonable(after)]
    return changes


def _actor(session: Session) -> int | None:
    if has_request_context():
        # The user already loaded for this request (Flask-Login's, or the API token's); never a
        # fresh query mid-flush.
        for user in (g.get("api_user"), g.get("_login_user")):
            if user is not None and getattr(user, "is_authenticated", False):
                return user.id
    return context_of(session).actor_id


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    context = context_of(session)
    pending = context.audit_pending = []
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, AUDITED):
                pending.append(("create", obj, None))
        for obj in session.dirty:
            if isinstance(obj, AUDITED) and session.is_modified(obj, include_collections=False):
                changes = _diff(obj)
                if changes:
                    pending.append(("update", obj, changes))
        for obj in session.deleted:
            if isinstance(obj, AUDITED):
                pending.append(("delete", obj, {k: [v, None] for k, v in _snapshot(obj).items()}))
        _forbid_rewriting_history(session)
    if pending:
        context.audit_actor = _actor(session)


def _forbid_rewriting_history(session: Session) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit events are append-only")


@event.listens_for(Session, "after_flush")
def _write(session: Session, flush_context) -> None:
    context = context_of(session)
    pending, actor = context.audit_pending, context.audit_actor
    context.audit_pending, context.audit_actor = [], None
    if not pending:
        return
    reason = context.audit_reason
    now = utcnow()
    if reason in BULK_REASONS:
        rows = _summary_rows(pending, actor, reason, now)
    else:
        rows = []
        for action, obj, changes in pending:
            if action == "create":
                changes = {k: [None, v] for k, v in _snapshot(obj).items()}
            if reason:
                changes = {**changes, "_reason": reason}
            rows.append({"at": now, "user_id": actor, "action": action, "record_type": obj.__tablename__,
                         "record_id": _record_id(obj),
                         "changes": changes})
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def _record_id(obj) -> str:
    identity = inspect(obj).identity  # set once the row exists (also for integer ids, e.g. areas)
    return str(identity[0]) if identity else str(obj.id)


def _summary_rows(pending, actor, reason, now) -> list[dict]:
    groups: dict[tuple[str, str], list[str]] = {}
    for action, obj, _changes in pending:
        groups.setdefault((action, obj.__tablename__), []).append(_record_id(obj))
    return [{"at": now, "user_id": actor, "action": f"bulk_{action}", "record_type": table, "record_id": None,
             "changes": {"_reason": reason, "count": len(ids), "ids": ids[:MAX_SUMMARY_IDS]}}
            for (action, table), ids in sorted(groups.items())]

