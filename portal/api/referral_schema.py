"""JSON Schema (2020-12) of the referral endpoints and of the error body they share: the request
bodies the API validates before any operation runs (``contract.validate``) and the answers it
gives, with every code list and its labels in both languages (``x-labels``). Built from the
referral domain's own code tuples, so a new code appears here without a second list."""
from __future__ import annotations

from ..referrals.models import CONSENT_GIVERS, CONSENT_ITEMS, CONTACT_PREFERENCES, GENDERS
from ..referrals.statemachine import ACTIONS, DECLINE_REASONS, DECLINED_BY, NOT_CONNECTED_REASONS, STATUSES, URGENCIES
from .match_schema import _labelled

MAX_ID = 2**31 - 1  # user ids are 32-bit integer columns
MAX_NEEDS = 20
LONG_TEXT = 4000
REF = "#/components/schemas/"


def _text(max_length: int, description: str = "") -> dict:
    schema = {"type": ["string", "null"], "maxLength": max_length}
    return {**schema, "description": description} if description else schema


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _user_id(description: str) -> dict:
    return {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID, "description": description}


def _date(description: str) -> dict:
    return {"type": "string", "format": "date", "description": description}


def _request_schemas(code, terms) -> dict:
    """``code(name)``: a labelled enum of one referral code list; ``terms(vocabulary)``: the live
    [(code, zh, en)] of a directory vocabulary."""
    stage = _nullable(_labelled(terms("care_stage"), description="A care-stage code."))
    client = {"type": "object", "additionalProperties": False, "description": "A new, pseudonymous client.",
              "properties": {
                  "birth_year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2100},
                  "gender": code("gender"), "area_code": _text(40, "District or street code (/taxonomy_terms)."),
                  "language": code("language"), "contact_preference": code("contact_preference"),
                  "contact_phone": _text(40, "Kept only with contact_consent."),
                  "contact_note": _text(300, "Kept only with contact_consent."),
                  "contact_consent": {"type": "boolean", "description": "The client agreed to keep contact details."}}}
    consent = {"type": "object", "additionalProperties": False, "required": ["purpose", "expires_on"],
               "properties": {
        "scope": {**code("consent_scope"), "default": "referral"},
        "items": {"type": "array", "items": code("consent_item"), "uniqueItems": True, "maxItems": len(CONSENT_ITEMS),
                  "default": ["referral"]},
        "purpose": {"type": "string", "minLength": 1, "maxLength": 500,
                    "description": "What the client agreed the information is shared for."}, "given_on": {**_date("Default: today."), "type": ["string", "null"]},
        "expires_on": _date("When the consent ends."),
        "given_by": {**code("consent_giver"), "default": "client",
                     "description": "Who gave the consent. A client under 18 by birth year, or a service that "
                                    "requires it, needs consent given by a guardian: otherwise sending is "
                                    "refused with 422 on `consent_given_by`."}}}
    create = {
        "type": "object", "additionalProperties": False, "required": ["service_id", "needs"],
        "description": "Give `client_id` (a client of your organisation) or `client` (a new one). Unknown "
                       "fields, wrong types and unknown codes are refused with 400 naming the field.",
        "properties": {
            "client_id": _text(36, "A client recorded by your organisation."),
            "client": {"$ref": REF + "ReferralClientInput"},
            "service_id": {"type": "string", "maxLength": 36, "description": "The service referred to (UUID)."},
            "needs": {"type": "array", "minItems": 1, "maxItems": MAX_NEEDS,
                      "items": _labelled(terms("category"), description="A need (category) code.")},
            "urgency": {**code("urgency"), "default": "routine"},
            "reason": _text(LONG_TEXT, "Why the client is referred (minimum necessary)."),
            "from_stage": stage, "to_stage": stage,
            "transfer_criterion": _text(300, "Required with a stage: the criterion that was met."),
            "care_plan_notes": _text(LONG_TEXT),
            "follow_up_months": {"enum": [1, 3, None], "description": "Absent or null: the portal's setting."},
            "sender_handoff_id": _user_id("A user of your organisation; default: the token's user."),
            "override_reason": _text(2000, "Why to refer although the service's rules exclude the client. "
                                     "Required then: without it the referral is refused with 409 and "
                                     "`fields.override_reason` naming the rules."),
            "consent": {"anyOf": [{"$ref": REF + "ConsentInput"}, {"type": "null"}]},
            "send": {"type": "boolean", "default": True, "description": "false: keep the referral as a draft."}}}
    transition = {
        "type": "object", "additionalProperties": False, "required": ["action"], "properties": {
            "action": code("action"), "note": _text(2000, "Required to reopen or mark entered in error."),
            "reason": _nullable(code("reason")), "declined_by": _nullable(code("declined_by")),
            "first_attended_on": {**_date("With connect: between sending and today."), "type": ["string", "null"]},
            "receiver_handoff_id": _user_id("The receiver's handoff person: a user of the receiving organisation.")}}
    # PUT /referrals/<id>/care-plan (portal/api/loop.py, portal/referrals/loop.py).
    care_plan = {
        "type": "object", "additionalProperties": False, "required": ["care_plan_notes", "last_modified"],
        "properties": {
            "care_plan_notes": _text(5000, "The new care plan (null or empty: clear it)."),
            "last_modified": {"type": "string", "maxLength": 64,
                              "description": "The referral's `last_modified` as read: if it changed since, "
                                             "the edit is refused with 409 (read it again)."}}}
    return {"ReferralClientInput": client, "ConsentInput": consent, "ReferralCreate": create,
            "TransitionRequest": transition, "CarePlanUpdate": care_plan}


def _answer_schemas(code, terms) -> dict:
    moment = {"type": ["string", "null"], "format": "date-time"}
    contact = {"type": "object", "required": ["preference", "phone", "note"], "properties": {
        "preference": code("contact_preference"), "phone": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]}}}
    client = {"type": "object", "required": ["code", "birth_year", "gender", "language", "contact_preference"],
              "properties": {"code": {"type": "string", "description": "Pseudonymous client code."},
                             "birth_year": {"type": ["integer", "null"]}, "gender": code("gender"),
                             "language": {"type": "string"}, "contact_preference": code("contact_preference"),
                             "contact": contact}}
    summary = {
        "id": {"type": "string"}, "status": code("status"), "urgency": code("urgency"),
        "needs": {"type": "array", "items": _labelled(terms("category"), enum=False)}, "client": client,
        "service_id": {"type": "string"}, "from_organization_id": {"type": "string"},
        "to_organization_id": {"type": "string"}, "due_at": moment, "overdue": {"type": "boolean"},
        "sent_at": moment, "acknowledged_at": moment, "accepted_at": moment, "connected_at": moment,
        "closed_at": moment, "first_attended_on": {"type": ["string", "null"], "format": "date"},
        "decline_reason": _nullable(code("decline_reason")), "declined_by": _nullable(code("declined_by")),
        "not_connected_reason": _nullable(code("not_connected_reason")), "last_modified": moment,
        "at_risk": {"type": "boolean", "description": "The sending worker judged the person at risk now "
                    "(self-harm, violence, overdose): act first; see the crisis lines. Set and cleared on the client."}}
    detail = {
        "allowed_actions": {"type": "array", "items": code("action")},
        "events": {"type": "array", "items": {"type": "object", "required": ["at", "action", "from_status", "to_status"],
                                              "properties": {"at": moment, "action": {"type": "string"},
                                                             "from_status": {"type": ["string", "null"]},
                                                             "to_status": {"type": "string"}}}},
        "reason": {"type": ["string", "null"], "description": "Only where consent allows."},
        "from_stage": {"type": ["string", "null"]}, "to_stage": {"type": ["string", "null"]},
        "transfer_criterion": {"type": ["string", "null"]}, "care_plan_notes": {"type": ["string", "null"]}}
    return {
        "Referral": {"type": "object", "required": list(summary), "properties": summary},
        "ReferralDetail": {"type": "object", "required": [*summary, "allowed_actions", "events"],
                           "properties": {**summary, **detail}},
        "ReferralPage": {"allOf": [{"$ref": REF + "Page"}],
                         "properties": {"contents": {"type": "array", "items": {"$ref": REF + "Referral"}}}},
        "ApiError": {"type": "object", "required": ["error", "status"], "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"},
            "fields": {"type": "object", "description": "Field (dotted path, e.g. `client.gender`) -> messages in "
                       "the reader's language; `body` for the request as a whole.",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
            "rules": {"type": "array", "items": {"type": "string"},
                      "description": "With 409 on a new referral: the service's rules that exclude the client."}}},
        "Me": {"type": "object", "required": ["email", "roles", "organization_id"], "properties": {
            "email": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
            "organization_id": {"type": ["string", "null"]}}},
    }


CODE_LISTS = {  # name -> (codes, the table in referrals.labels that holds their words)
    "gender": (GENDERS, "GENDER"), "contact_preference": (CONTACT_PREFERENCES, "CONTACT_PREFERENCE"),
    "consent_item": (CONSENT_ITEMS, "CONSENT_ITEM"), "consent_giver": (CONSENT_GIVERS, "CONSENT_GIVER"),
    "urgency": (URGENCIES, "URGENCY"),
    "status": (STATUSES, "STATUS"), "decline_reason": (DECLINE_REASONS, "DECLINE_REASON"),
    "declined_by": (DECLINED_BY, "DECLINED_BY"), "not_connected_reason": (NOT_CONNECTED_REASONS, "NOT_CONNECTED_REASON"),
    "action": (tuple(a for a in ACTIONS if a != "expire"), "ACTION"), "language": (("zh", "yue", "en", "other"), "LANGUAGES"),
    # Decline and not-connected reasons travel in one field; the action says which list applies.
    "reason": (tuple(dict.fromkeys(DECLINE_REASONS + NOT_CONNECTED_REASONS)), None),
}


def referral_schemas(words, terms) -> dict:
    """``words(name)``: [(code, zh, en)] of a code list in ``CODE_LISTS`` (or ``consent_scope``);
    ``terms(vocabulary)``: [(code, zh, en)] of a live vocabulary."""
    def code(name):
        return _labelled(words(name))

    return {**_request_schemas(code, terms), **_answer_schemas(code, terms)}
