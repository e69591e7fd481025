"""The care plan over the API (portal/referrals/loop.py):

    PUT /api/v1/referrals/<id>/care-plan   {"care_plan_notes": "…", "last_modified": "<as read>"}
"""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..referrals import loop, operations, queries
from .auth import token_required
from .referrals import _error, _is_uuid, _iso, _json_body, _refused, referral_json
from .views import bp


@bp.route("/referrals/<referral_id>/care-plan", methods=["PUT"])
@token_required("worker", "agency")
def put_care_plan(referral_id):
    user = g.api_user
    referral = queries.visible_referral(user, referral_id) if _is_uuid(referral_id) else None
    if referral is None or not loop.may_edit_care_plan(user, referral):
        return _error(404, "No such referral.")
    body, refusal = _json_body("CarePlanUpdate")
    if refusal is not None:
        return refusal
    # The API's read marker is ``last_modified``; the operation's is the version: a different marker
    # means the copy the caller edited is not the stored one.
    read_version = referral.version if body["last_modified"] == _iso(referral.updated_at) else -1
    try:
        loop.update_care_plan(user, referral, body["care_plan_notes"], read_version)
    except loop.CarePlanConflict as conflict:
        db.session.rollback()
        return _error(409, str(conflict.message))
    except StaleDataError:
        db.session.rollback()
        return _error(409, str(loop.CarePlanConflict().message))
    except operations.ReferralError as error:
        db.session.rollback()
        return _refused(error)
    return jsonify(referral_json(user, referral, detail=True))
