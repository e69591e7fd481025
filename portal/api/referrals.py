"""Referrals over the API, for other systems (e.g. a hospital sending a discharge referral and reading
its status). Bearer tokens of staff users; everything is scoped to the token user's organisation
by the same row-level rules as the pages (``portal.referrals.queries``).

    GET  /api/v1/referrals                     referrals the token may see (page object)
    POST /api/v1/referrals                     create (and by default send) a referral
    GET  /api/v1/referrals/<id>                one referral (contact details only where allowed; audited)
    POST /api/v1/referrals/<id>/transitions    {"action": "acknowledge" | "accept" | …, "note": …,
                                                "receiver_handoff_id": <user id> (receiver only)}
"""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..common import as_aware, today
from ..directory.models import Area
from ..extensions import db
from ..referrals import labels, operations, queries
from ..referrals.models import Referral
from ..referrals.statemachine import STATUSES, Refusal, available_actions
from .auth import token_required
from .contract import BadBody, read_json, validate
from .views import bp

STAFF = ("worker", "agency", "coordinator", "admin")
MAX_PER_PAGE = 100


def _error(status: int, message: str, fields: dict | None = None, **extra):
    body = {"error": message, "status": status, **extra}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_aware(value).isoformat()
    return value.isoformat()


def referral_json(user, referral: Referral, detail: bool = False) -> dict:
    client = referral.client
    side = queries.sides(user, referral)
    data = {
        "id": referral.id, "status": referral.status, "urgency": referral.urgency, "needs": referral.needs,
        "client": {"code": client.code, "birth_year": client.birth_year, "gender": client.gender,
                   "language": client.language, "contact_preference": client.contact_preference},
        "service_id": referral.service_id, "from_organization_id": referral.from_organization_id,
        "to_organization_id": referral.to_organization_id, "due_at": _iso(referral.due_at),
        "overdue": referral.is_overdue(), "sent_at": _iso(referral.sent_at),
        "acknowledged_at": _iso(referral.acknowledged_at), "accepted_at": _iso(referral.accepted_at),
        "connected_at": _iso(referral.connected_at), "closed_at": _iso(referral.closed_at),
        "first_attended_on": _iso(referral.first_attended_on), "decline_reason": referral.decline_reason,
        "declined_by": referral.declined_by, "not_connected_reason": referral.not_connected_reason,
        "last_modified": _iso(referral.updated_at), "at_risk": referral.at_risk,
    }
    if detail:
        data["allowed_actions"] = available_actions(referral.status, side)
        data["events"] = [{"at": _iso(e.at), "action": e.action, "from_status": e.from_status,
                           "to_status": e.to_status} for e in referral.events]
        if operations.can_see_reason(user, referral):
            data.update(reason=referral.reason, from_stage=referral.from_stage, to_stage=referral.to_stage,
                        transfer_criterion=referral.transfer_criterion)
        if operations.can_see_care_plan(user, referral):
            data["care_plan_notes"] = referral.care_plan_notes
        if operations.can_see_contact(user, referral):
            data["client"]["contact"] = operations.contact_details(user, client, referral)
    return data


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except (TypeError, ValueError):
        return default


@bp.route("/referrals", methods=["GET"])
@token_required(*STAFF)
def list_referrals():
    user = g.api_user
    query = queries.visible_referrals(user)
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            return _error(400, "Unknown status.", {"status": [f"one of {', '.join(STATUSES)}"]})
        query = query.where(Referral.status == status)
    modified_after = request.args.get("modified_after")
    if modified_after:
        try:
            moment = as_aware(datetime.fromisoformat(modified_after))
        except ValueError:
            return _error(400, "modified_after must be an ISO 8601 date-time.")
        query = query.where(Referral.updated_at > moment)
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Referral.created_at.desc(), Referral.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    pages = max(1, math.ceil(total / per_page))
    return jsonify({"total_items": total, "total_pages": pages, "page_number": page, "size": len(rows),
                    "first_page": page == 1, "last_page": page >= pages, "empty": not rows,
                    "contents": [referral_json(user, r) for r in rows]})


@bp.route("/referrals/<referral_id>", methods=["GET"])
@token_required(*STAFF)
def get_referral(referral_id):
    user = g.api_user
    referral = queries.visible_referral(user, referral_id) if _is_uuid(referral_id) else None
    if referral is None:
        return _error(404, "No such referral.")
    return jsonify(referral_json(user, referral, detail=True))


# The body has passed its schema (types, codes, ranges, date formats: ``contract.validate``); what is
# left here is what only the database knows (the client, the area) and turning values into the
# operations' data classes.

def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _parse_client(body: dict, user, errors: dict[str, list[str]]):
    """(existing client, data for a new client): exactly one is set unless the input is invalid."""
    if body.get("client_id"):
        client = queries.visible_client(user, body["client_id"])
        if client is None or client.organization_id != user.organization_id:
            errors["client_id"] = [_("No such client of your organisation.")]
        return client, None
    return None, _parse_new_client(body.get("client") or {}, errors)


def _parse_new_client(raw: dict, errors: dict[str, list[str]]):
    area_id = None
    if raw.get("area_code"):
        area_id = db.session.scalar(select(Area.id).where(Area.code == raw["area_code"]))
        if area_id is None:
            errors["client.area_code"] = [_("Unknown code: %(value)s.", value=raw["area_code"])]
    return operations.ClientData(
        birth_year=raw.get("birth_year"), gender=raw.get("gender", "unknown"), area_id=area_id,
        language=raw.get("language", "zh"), contact_preference=raw.get("contact_preference", "via_worker"),
        contact_phone=raw.get("contact_phone"), contact_note=raw.get("contact_note"),
        contact_consent=raw.get("contact_consent", False))


def _parse_referral(body: dict):
    return operations.ReferralData(
        service_id=body["service_id"], needs=body["needs"], urgency=body.get("urgency", "routine"),
        reason=body.get("reason"), from_stage=body.get("from_stage"), to_stage=body.get("to_stage"),
        transfer_criterion=body.get("transfer_criterion"), care_plan_notes=body.get("care_plan_notes"),
        # Checked (1 or 3; absent = the configured default) by the operation, as for the web form.
        follow_up_months=body.get("follow_up_months"), sender_handoff_id=body.get("sender_handoff_id"),
        override_reason=body.get("override_reason"))


def _parse_consent(raw: dict | None):
    if not raw:
        return None
    return operations.ConsentData(scope=raw.get("scope", "referral"), items=raw.get("items") or ["referral"],
                                  purpose=raw["purpose"], given_on=_date(raw.get("given_on")) or today(),
                                  expires_on=_date(raw["expires_on"]), given_by=raw.get("given_by", "client"))


def _parse_create(body: dict, user):
    errors: dict[str, list[str]] = {}
    # Order matters: errors are reported in the order the fields are checked.
    client, client_data = _parse_client(body, user, errors)
    data = _parse_referral(body)
    consent = _parse_consent(body.get("consent"))
    return client, client_data, data, consent, errors


def _json_body(schema: str):
    """(body, None) or (None, the 400 response): the body checked against its published schema."""
    try:
        body = read_json()
    except BadBody as bad:
        return None, _error(400, str(bad), {"body": [str(bad)]})
    errors = validate(schema, body)
    if errors:
        return None, _error(400, _("Some fields are not valid."), errors)
    return body, None


def _refused(error: operations.ReferralError):
    """A rule of the operation said no: 409 when the service's rules exclude the client (the caller
    can retry with an override_reason), 422 for the other rules."""
    if isinstance(error, operations.ExcludedByRules):
        return _error(409, str(error.message), {"override_reason": [str(error.message)]}, rules=list(error.rules))
    return _error(422, str(error.message), {error.field: [str(error.message)]} if error.field else None)


@bp.route("/referrals", methods=["POST"])
@token_required("worker", "agency")
def create_referral():
    user = g.api_user
    body, refusal = _json_body("ReferralCreate")
    if refusal is not None:
        return refusal
    client, client_data, data, consent, errors = _parse_create(body, user)
    if errors:
        return _error(400, _("Some fields are not valid."), errors)
    try:
        referral = operations.start_referral(user, client, client_data, data, consent, send=body.get("send", True))
    except operations.ReferralError as error:
        db.session.rollback()
        return _refused(error)
    response = jsonify(referral_json(user, referral, detail=True))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/referrals/{referral.id}"
    return response


@bp.route("/referrals/<referral_id>/transitions", methods=["POST"])
@token_required(*STAFF)
def post_transition(referral_id):
    user = g.api_user
    referral = queries.visible_referral(user, referral_id) if _is_uuid(referral_id) else None
    if referral is None:
        return _error(404, "No such referral.")
    body, refusal = _json_body("TransitionRequest")
    if refusal is not None:
        return refusal
    values = {name: body.get(name) for name in ("note", "reason", "declined_by", "first_attended_on",
                                                 "receiver_handoff_id")}
    try:
        operations.transition(user, referral, body["action"], values)
        db.session.flush()  # a concurrent change (StaleDataError) shows here, as a 409
    except Refusal as refusal:
        db.session.rollback()
        return _error(409, labels.refusal_message(refusal))
    except operations.ReferralError as error:
        db.session.rollback()
        return _refused(error)
    except StaleDataError:
        db.session.rollback()
        return _error(409, "The referral was changed at the same time; read it again.")
    return jsonify(referral_json(user, referral, detail=True))
