"""Bearer-token authentication for the JSON API. The session cookie is never accepted here, which
is why the API is exempt from CSRF."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from ..accounts.operations import user_for_token
from ..audit.models import record


def _error(status: int, message: str):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_required(*roles: str):
    """Require a valid bearer token; with roles, the token's user must hold one of them."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return _error(401, "A valid bearer token is required.")
            if roles and not user.has_role(*roles):
                # Kept: the request boundary commits a handled 403 (portal/transaction.py).
                record("access_refused", user_id=user.id, record_type="path", record_id=request.path[:64])
                return _error(403, "This token may not use this endpoint.")
            # last_used_at is saved with the rest of the request, or not at all if it fails.
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator
