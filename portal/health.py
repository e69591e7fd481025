"""``GET /healthz``: is the database reachable, is the index there, how much is waiting for it."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import func, select, text

from .directory.models import Organization, Service
from .extensions import db
from .search.service import get_index

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    body: dict = {"status": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        body["db"] = "ok"
        body["organizations"] = db.session.scalar(select(func.count(Organization.id)))
        body["services"] = db.session.scalar(select(func.count(Service.id)))
        # Rows of the change feed this host's index copy has not applied yet.
        body["outbox_backlog"] = get_index().backlog(db.session)
    except Exception:  # report, never raise: this endpoint is what monitoring reads
        db.session.rollback()
        body.update(db="error", status="error")
    try:
        count = get_index().doc_count()
        body["index"] = "ok" if count is not None else "missing"
        body["index_documents"] = count or 0
        if count is None:
            body["status"] = "degraded" if body["status"] == "ok" else body["status"]
    except Exception:
        body.update(index="error", index_documents=0, status="error")
    return jsonify(body), (200 if body["status"] != "error" else 503)
