"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``: the public HSDS read endpoints
(including the service list that search provides). Response bodies refer to the official HSDS 3.0
schemas, as the HSDS API reference does."""
from __future__ import annotations

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _param(name, description, schema_type="string", **extra):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": schema_type, **extra}}


PAGE_PARAMS = [_param("page", "Page number (1-based).", "integer", minimum=1, default=1),
               _param("per_page", "Items per page (at most 100).", "integer", minimum=1, maximum=100, default=20)]
SEARCH = [_param("search", "Full-text search (Chinese and English)."), _param("q", "Same as search.")]


def _page_of(ref: str, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": {
        "allOf": [{"$ref": "#/components/schemas/Page"}],
        "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMA_BASE + ref}}}}}}},
        "400": {"$ref": "#/components/responses/BadRequest"}}


def _one(ref: str, description: str) -> dict:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": {"$ref": SCHEMA_BASE + ref}}}},
            "404": {"$ref": "#/components/responses/NotFound"}}


def _id_param(what: str) -> dict:
    return {"name": "id", "in": "path", "required": True, "description": f"The {what}'s UUID.",
            "schema": {"type": "string", "format": "uuid"}}


_TOKEN = [{"bearerAuth": []}]
_ERROR = {"type": "object", "required": ["error", "status", "errors"], "properties": {
    "error": {"type": "string"}, "status": {"type": "integer"},
    "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
_JSON_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}
_STAFF_ERRORS = {"401": {"description": "Missing, expired or revoked token"},
                 "403": {"description": "The token's user may not use this endpoint"}}


def _staff(summary: str, description: str, ok: str = "200", body: bool = False, params=()) -> dict:
    operation = {"summary": summary, "description": description, "security": _TOKEN,
                 "parameters": list(params),
                 "responses": {ok: {"description": "OK", **_JSON_OBJECT},
                               "400": {"description": "Invalid input; `errors` lists the problems per field",
                                       "content": {"application/json": {"schema": _ERROR}}},
                               **_STAFF_ERRORS}}
    if body:
        operation["requestBody"] = {"required": True, **_JSON_OBJECT}
    return operation


_REFERRAL_ID = {"name": "referral_id", "in": "path", "required": True, "schema": {"type": "string"}}

# Staff endpoints (bearer tokens). Bodies are described in words: they are ours, not HSDS.
STAFF_PATHS = {
    "/me": {"get": _staff("Who this token acts as", "email, roles and organisation of the token's user.")},
    "/match": {"post": {
        "summary": "Suggest services for one client's needs",
        "description": (
            "Same fields as the /match form (MatchRequest: needs, area or latitude/longitude, max_km, remote_ok, "
            "age, gender, conditions, populations, payment, languages, languages_only, urgency, care_stage; plus "
            "limit). Returns the ranked suggestions with explanations and score breakdowns, the care plan, "
            "unmet needs with the nearest option, the exclusions with reasons and the rules that could be "
            "loosened (MatchResponse). Texts are in the language of `?lang=` or Accept-Language (Chinese by "
            "default); every code list carries its labels in both languages (`x-labels`)."),
        "security": _TOKEN, "parameters": [],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/MatchRequest"}}}},
        "responses": {
            "200": {"description": "The match", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/MatchResponse"}}}},
            "400": {"description": "Invalid input: unknown fields, wrong types or values, per field",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchError"}}}},
            **_STAFF_ERRORS}}},
    "/referrals": {
        "get": _staff("Referrals the token's organisation may see",
                      "Page object of referrals (pseudonymous client codes only).", params=PAGE_PARAMS),
        "post": _staff("Create and send a referral",
                       "client (new, pseudonymous) or client_id, service_id, needs, urgency, "
                       "sender_handoff_id (a user of your organisation; default: the token's user), "
                       "follow_up_months (1 or 3; default: the portal's setting), consent (scope, items, "
                       "purpose, given_on, expires_on). Refused without valid consent covering the receiving "
                       "organisation.", ok="201", body=True)},
    "/referrals/{referral_id}": {"get": _staff(
        "One referral with its history", "Contact details only where consent allows; every view is audited.",
        params=[_REFERRAL_ID])},
    "/referrals/{referral_id}/transitions": {"post": _staff(
        "Move a referral through its life cycle",
        '{"action": "acknowledge" | "accept" | "waitlist" | "decline" | "connect" | "complete" | '
        '"not_connected" | "cancel" | …, "note", "reason", "declined_by", "first_attended_on", '
        '"receiver_handoff_id"} (the receiver\'s handoff person: a user of the receiving organisation). '
        "An action the current state or the token's organisation does not allow is refused with 409.",
        body=True, params=[_REFERRAL_ID])},
}


def openapi_document(server: str, api_version: str, hsds_version: str, schemas: dict | None = None) -> dict:
    """``schemas``: further components (the match endpoint's, built from the live vocabularies).
    Long on purpose: one declarative document, kept whole so it reads like the API it describes."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Community-care referral portal: directory API",
            "version": api_version,
            "summary": f"Open Referral HSDS {hsds_version} read API of the community-care service directory.",
            "description": (
                "Public directory data, no token needed. Text fields hold the Chinese value (English when "
                "there is none); extension fields name_zh/name_en, description_zh/description_en … carry both "
                "languages. Extensions also carry capacity (capacity_status, wait_weeks, accepts_referrals, "
                "HSDS 3.1-style capacities), freshness (assured_date = date last verified) and area codes. "
                "Staff-only details (named contacts, capacity notes) are not published."),
        },
        "servers": [{"url": server}],
        "paths": {
            "/": {"get": {"summary": "API version and the URL of this document", "responses": {"200": {
                "description": "version, hsds_version, openapi_url",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "version": {"type": "string"}, "hsds_version": {"type": "string"},
                    "openapi_url": {"type": "string", "format": "uri"}}}}}}}}},
            "/services": {"get": {
                "summary": "Search services",
                "parameters": SEARCH + PAGE_PARAMS + [
                    _param("taxonomy_term_id", "Only services linked to this term (UUID)."),
                    _param("taxonomy_id", "Only services with a term of this taxonomy (UUID)."),
                    _param("organization_id", "Only services of this organisation (UUID)."),
                    _param("modified_after", "Only services changed on or after this date-time.",
                           format="date-time"),
                    _param("category", "Category term code."), _param("care_stage", "Care-stage term code."),
                    _param("population", "Population term code."), _param("area", "Area code."),
                    _param("language", "Language code (BCP 47)."), _param("cost", "Cost kind."),
                    _param("delivery_mode", "Delivery-mode term code."),
                    _param("accepting", "Only services accepting referrals.", "boolean"),
                ],
                "responses": _page_of("compiled/service_list.json", "A page of services (list shape)."),
            }},
            "/services/{id}": {"get": {
                "summary": "One service, fully nested", "parameters": [_id_param("service")],
                "responses": _one("service.json", "The service with its organisation, locations, "
                                  "schedules, phones, languages, costs, documents, areas and terms.")}},
            "/organizations": {"get": {
                "summary": "List organisations",
                "parameters": SEARCH + PAGE_PARAMS + [_param("full", "Nest phones, locations and terms.", "boolean")],
                "responses": _page_of("compiled/organization_list.json", "A page of organisations.")}},
            "/organizations/{id}": {"get": {
                "summary": "One organisation, with its locations and the ids of its services",
                "parameters": [_id_param("organization")],
                "responses": _one("organization.json", "The organisation.")}},
            "/taxonomy_terms": {"get": {
                "summary": "List taxonomy terms (categories, care stages, populations …)",
                "parameters": SEARCH + PAGE_PARAMS + [
                    _param("taxonomy_id", "Only terms of this taxonomy (UUID)."),
                    _param("taxonomy", "Only terms of this vocabulary (e.g. category)."),
                    _param("parent_id", "Only children of this term (UUID)."),
                    _param("top_only", "Only terms without a parent.", "boolean")],
                "responses": _page_of("taxonomy_term.json", "A page of taxonomy terms.")}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1 document"}}}},
            **STAFF_PATHS,
        },
        "components": {
            "schemas": {"Page": {"type": "object", "required": [
                "total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
                "properties": {
                    "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                    "page_number": {"type": "integer"}, "size": {"type": "integer",
                                                                 "description": "Items on this page."},
                    "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
                    "empty": {"type": "boolean"}, "contents": {"type": "array"}}},
                **(schemas or {})},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": (
                "A staff token from `flask tokens create --email EMAIL`; it acts as that user and sees only "
                "what that user's organisation may see.")}},
            "responses": {
                "NotFound": {"description": "No such record", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}}}},
                "BadRequest": {"description": "Invalid page or per_page"},
            },
        },
    }
