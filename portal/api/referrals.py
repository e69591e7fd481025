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
from datetime import date, datetime

from flask import g, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..common import as_aware, today
from ..directory.models import Area
from ..extensions import db
from ..referrals import labels, operations, queries
from ..referrals.models import CONSENT_ITEMS, CONTACT_PREFERENCES, GENDERS, Referral
from ..referrals.statemachine import STATUSES, URGENCIES, Refusal, available_actions
from .auth import token_required
from .views import bp

STAFF = ("worker", "agency", "coordinator", "admin")
MAX_PER_PAGE = 100


def _error(status: int, message: str, fields: dict | None = None):
    body = {"error": message, "status": status}
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
        "last_modified": _iso(referral.updated_at),
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
    referral = queries.visible_referral(user, referral_id)
    if referral is None:
        return _error(404, "No such referral.")
    return jsonify(referral_json(user, referral, detail=True))


def _date(value, field: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append("must be a date YYYY-MM-DD")
        return None


def _parse_client(body: dict, user, errors: dict[str, list[str]]):
    """(existing client, data for a new client): exactly one is set unless the input is invalid."""
    if body.get("client_id"):
        client = queries.visible_client(user, str(body["client_id"]))
        if client is None or client.organization_id != user.organization_id:
            errors["client_id"] = ["no such client of your organisation"]
        return client, None
    return None, _parse_new_client(body.get("client") or {}, errors)


def _parse_new_client(raw, errors: dict[str, list[str]]):
    if not isinstance(raw, dict):
        raw = {}
        errors["client"] = ["must be an object"]
    gender = raw.get("gender", "unknown")
    if gender not in GENDERS:
        errors["client.gender"] = [f"one of {', '.join(GENDERS)}"]
    preference = raw.get("contact_preference", "via_worker")
    if preference not in CONTACT_PREFERENCES:
        errors["client.contact_preference"] = [f"one of {', '.join(CONTACT_PREFERENCES)}"]
    birth_year = raw.get("birth_year")
    if birth_year is not None and not isinstance(birth_year, int):
        errors["client.birth_year"] = ["must be a whole number"]
    area_id = None
    if raw.get("area_code"):
        area = db.session.scalar(select(Area).where(Area.code == str(raw["area_code"])))
        if area is None:
            errors["client.area_code"] = ["unknown area code"]
        else:
            area_id = area.id
    return operations.ClientData(
        birth_year=birth_year, gender=gender, area_id=area_id, language=str(raw.get("language") or "zh")[:20],
        contact_preference=preference, contact_phone=raw.get("contact_phone"),
        contact_note=raw.get("contact_note"), contact_consent=bool(raw.get("contact_consent")))


def _parse_referral(body: dict, errors: dict[str, list[str]]):
    needs = body.get("needs") or []
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        errors["needs"] = ["must be a list of category codes"]
        needs = []
    urgency = body.get("urgency", "routine")
    if urgency not in URGENCIES:
        errors["urgency"] = [f"one of {', '.join(URGENCIES)}"]
    return operations.ReferralData(
        service_id=str(body.get("service_id") or ""), needs=needs, urgency=urgency, reason=body.get("reason"),
        from_stage=body.get("from_stage"), to_stage=body.get("to_stage"),
        transfer_criterion=body.get("transfer_criterion"), care_plan_notes=body.get("care_plan_notes"),
        # Checked (1 or 3; absent = the configured default) by the operation, as for the web form.
        follow_up_months=body.get("follow_up_months"), sender_handoff_id=body.get("sender_handoff_id"))


def _parse_consent(raw_consent, errors: dict[str, list[str]]):
    if not raw_consent:
        return None
    if not isinstance(raw_consent, dict):
        errors["consent"] = ["must be an object"]
        return None
    items = raw_consent.get("items") or ["referral"]
    if not isinstance(items, list) or not set(items) <= set(CONSENT_ITEMS):
        errors["consent.items"] = [f"a list of {', '.join(CONSENT_ITEMS)}"]
        items = ["referral"]
    scope = raw_consent.get("scope", "referral")
    if scope not in ("referral", "organization"):
        errors["consent.scope"] = ["referral or organization"]
    given_on = _date(raw_consent.get("given_on"), "consent.given_on", errors) or today()
    expires_on = _date(raw_consent.get("expires_on"), "consent.expires_on", errors)
    if expires_on is None:
        errors.setdefault("consent.expires_on", []).append("required")
    return operations.ConsentData(scope=scope, items=items, purpose=str(raw_consent.get("purpose") or ""),
                                  given_on=given_on, expires_on=expires_on)


def _parse_create(body: dict, user):
    errors: dict[str, list[str]] = {}
    # Order matters: errors are reported in the order the fields are checked.
    client, client_data = _parse_client(body, user, errors)
    data = _parse_referral(body, errors)
    consent = _parse_consent(body.get("consent"), errors)
    return client, client_data, data, consent, errors


@bp.route("/referrals", methods=["POST"])
@token_required("worker", "agency")
def create_referral():
    user = g.api_user
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "Send a JSON object.")
    client, client_data, data, consent, errors = _parse_create(body, user)
    if errors:
        return _error(400, "Some fields are not valid.", errors)
    try:
        referral = operations.start_referral(user, client, client_data, data, consent, send=body.get("send", True) is not False)
    except operations.ReferralError as error:
        db.session.rollback()
        return _error(422, str(error.message), {error.field: [str(error.message)]} if error.field else None)
    response = jsonify(referral_json(user, referral, detail=True))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/referrals/{referral.id}"
    return response


@bp.route("/referrals/<referral_id>/transitions", methods=["POST"])
@token_required(*STAFF)
def post_transition(referral_id):
    user = g.api_user
    referral = queries.visible_referral(user, referral_id)
    if referral is None:
        return _error(404, "No such referral.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        return _error(400, "Send a JSON object with an action.")
    values = {"note": body.get("note"), "reason": body.get("reason"), "declined_by": body.get("declined_by"),
              "first_attended_on": body.get("first_attended_on"), "receiver_handoff_id": body.get("receiver_handoff_id")}
    try:
        operations.transition(user, referral, body["action"], values)
        db.session.flush()  # a concurrent change (StaleDataError) shows here, as a 409
    except Refusal as refusal:
        db.session.rollback()
        return _error(409, labels.refusal_message(refusal))
    except operations.ReferralError as error:
        db.session.rollback()
        return _error(422, str(error.message), {error.field: [str(error.message)]} if error.field else None)
    except StaleDataError:
        db.session.rollback()
        return _error(409, "The referral was changed at the same time; read it again.")
    return jsonify(referral_json(user, referral, detail=True))
