"""Consent revocation and client erasure over the API, for the systems of the recording
organisation (e.g. its case-management system forwarding a client's withdrawal). Bearer tokens;
the same row rules (``referrals.queries.visible_client``, ``referrals.clients.acts_for_client``)
and the same operations (``referrals.clients``) as the client page. A client or consent the token's
organisation may not know about answers 404.

    POST /api/v1/clients/<client_id>/consents/<consent_id>/revocation   revoke one consent
    POST /api/v1/clients/<client_id>/erasure                            erase the client's personal data
"""
from __future__ import annotations

import uuid

from flask import g, jsonify

from ..extensions import db
from ..referrals import queries
from ..referrals.clients import acts_for_client, erase_client, may_erase, revoke_consent
from ..referrals.errors import ReferralError
from ..referrals.models import Consent
from .auth import token_required
from .openapi import _STAFF_ERRORS, _TOKEN, STAFF_PATHS, _err
from .views import bp


def _error(status: int, message: str):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _client(client_id: str):
    return queries.visible_client(g.api_user, client_id) if _uuid(client_id) else None


@bp.route("/clients/<client_id>/consents/<consent_id>/revocation", methods=["POST"])
@token_required("worker", "agency")
def revoke_consent_api(client_id, consent_id):
    user = g.api_user
    client = _client(client_id)
    consent = db.session.get(Consent, consent_id) if client is not None and _uuid(consent_id) else None
    if consent is None or consent.client_id != client.id or not acts_for_client(user, client):
        return _error(404, "No such consent.")
    try:
        revoke_consent(user, consent)
    except ReferralError as error:
        db.session.rollback()
        return _error(409, str(error.message))
    return jsonify({"consent_id": consent.id, "client_code": client.code, "status": "revoked",
                    "revoked_at": consent.revoked_at.isoformat()})


@bp.route("/clients/<client_id>/erasure", methods=["POST"])
@token_required("worker", "agency", "admin")
def erase_client_api(client_id):
    user = g.api_user
    client = _client(client_id)
    if client is None or not may_erase(user, client):
        return _error(404, "No such client.")
    revoked = erase_client(user, client)
    return jsonify({"client_id": client.id, "client_code": client.code, "erased": True,
                    "consents_revoked": revoked})


# --- the OpenAPI description, in the same document as the other staff endpoints ---------------------

def _path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s UUID.",
            "schema": {"type": "string", "format": "uuid"}}


def _answer(description: str, properties: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": sorted(properties), "properties": properties}}}}


_NO_CLIENT = _err("No such client or consent, or one the token's organisation may not know about")
STAFF_PATHS.update({
    "/clients/{client_id}/consents/{consent_id}/revocation": {"post": {
        "summary": "Revoke one consent of a client", "security": _TOKEN,
        "description": "For staff (worker, agency) of the organisation that recorded the client. Takes effect "
                       "at once: the receiver can then only close the referral (docs/privacy.md). No body.",
        "parameters": [_path_id("client_id", "client"), _path_id("consent_id", "consent")],
        "responses": {"200": _answer("The consent, revoked", {
            "consent_id": {"type": "string", "format": "uuid"}, "client_code": {"type": "string"},
            "status": {"const": "revoked"}, "revoked_at": {"type": "string", "format": "date-time"}}),
            "404": _NO_CLIENT, "409": _err("This consent was already revoked"), **_STAFF_ERRORS}}},
    "/clients/{client_id}/erasure": {"post": {
        "summary": "Erase a client's personal data", "security": _TOKEN,
        "description": "For staff of the recording organisation and administrators. Revokes every consent and "
                       "erases contact details and the free text of every referral; the pseudonymous client "
                       "and the referrals' status and dates stay (reports, audit). Repeating it is harmless. "
                       "No body.",
        "parameters": [_path_id("client_id", "client")],
        "responses": {"200": _answer("The client, erased", {
            "client_id": {"type": "string", "format": "uuid"}, "client_code": {"type": "string"},
            "erased": {"const": True}, "consents_revoked": {"type": "integer", "minimum": 0}}),
            "404": _NO_CLIENT, **_STAFF_ERRORS}}},
})
