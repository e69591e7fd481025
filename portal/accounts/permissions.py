"""Role checks, reusable by views, admin views and the API.

``roles_required('coordinator', 'admin')`` lets in a user holding *any* of the roles. Anonymous users
are sent to the login page; signed-in users without the role get 403. Each refusal is audited.
Row-level rules (which organisation's records a user may see) live in each domain's queries; the
helpers here answer the common question "may this user act for this organisation?".
"""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from ..audit.models import record
from ..extensions import login_manager


def refuse(status: int = 403):
    """Audit a refused authorisation, then abort. The refusal is a handled 4xx response, so the
    request boundary (portal/transaction.py) commits the audit row."""
    if current_user.is_authenticated:
        record("access_refused", user_id=current_user.id, record_type="path", record_id=request.path[:64])
    abort(status)


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                refuse(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    """Any signed-in staff member (every role is staff)."""
    return roles_required("worker", "agency", "coordinator", "admin")(view)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role("admin"))


def can_act_for_organization(user, organization_id: str | None) -> bool:
    """Admins act for every organisation; agency and worker users for their own only."""
    if not user or not user.is_authenticated or organization_id is None:
        return False
    if user.has_role("admin"):
        return True
    return user.organization_id == organization_id and user.has_role("agency", "worker")
