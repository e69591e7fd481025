"""JSON API, versioned under ``/api/v1``. Directory reads follow the Open Referral HSDS 3.0 API."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for

from .auth import token_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_VERSION = "1.0.0"
HSDS_VERSION = "3.0"


@bp.before_request
def refuse_nul_characters():
    """NUL cannot be stored or compared in PostgreSQL text: refuse it in the path and query up front
    (``contract.validate`` refuses it in bodies)."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return jsonify({"error": "Bad Request", "status": 400,
                        "fields": {"query": ["NUL characters are not allowed."]}}), 400
    return None


@bp.route("/")
def root():
    return jsonify({"version": API_VERSION, "hsds_version": HSDS_VERSION,
                    "openapi_url": url_for("api.root", _external=True) + "openapi.json"})


@bp.route("/me")
@token_required()
def me():
    """Who a token acts as: lets another system check its token before it relies on it."""
    user = g.api_user
    return jsonify({"email": user.email, "roles": sorted(user.roles), "organization_id": user.organization_id})
