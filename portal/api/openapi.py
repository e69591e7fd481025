"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``: the public HSDS read endpoints
(including the service list that search provides), whose bodies refer to the official HSDS 3.0
schemas as the HSDS API reference does, and the staff endpoints, whose bodies and answers are the
components ``portal/api/contract.py`` builds (and validates every request body against)."""
from __future__ import annotations

from ..referrals.statemachine import STATUSES
from ..search.query import SORTS

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _param(name, description, schema_type="string", **extra):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": schema_type, **extra}}


PAGE_PARAMS = [_param("page", "Page number (1-based).", "integer", minimum=1, maximum=10**6, default=1),
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


PAGE_SCHEMA = {"type": "object", "required": [
    "total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
    "properties": {"total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                   "page_number": {"type": "integer"}, "size": {"type": "integer", "description": "Items on this page."},
                   "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"}, "empty": {"type": "boolean"},
                   "contents": {"type": "array"}}}
_TOKEN = [{"bearerAuth": []}]
REF = "#/components/schemas/"
_ERROR_BODY = {"content": {"application/json": {"schema": {"$ref": REF + "ApiError"}}}}


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + ref}}}}


def _err(description: str) -> dict:
    return {"description": description, **_ERROR_BODY}


_STAFF_ERRORS = {"401": _err("Missing, expired or revoked token"),
                 "403": _err("The token's user may not use this endpoint")}
_BAD_BODY = _err("Invalid body: not a JSON object, nested too deeply, wrong types, unknown fields or codes, "
                 "values out of range. `fields` names each field (dotted path) with its messages.")
_NOT_FOUND = _err("No such referral, or one the token's organisation may not know about")
_REFERRAL_ID = {"name": "referral_id", "in": "path", "required": True, "description": "The referral's UUID.",
                "schema": {"type": "string", "format": "uuid"}}
_REFERRAL_FILTERS = [
    _param("status", "Only referrals in this status.", enum=list(STATUSES)),
    _param("modified_after", "Only referrals changed after this date-time (ISO 8601).", format="date-time"),
    _param("page", "Page number (1-based).", "integer", minimum=1, maximum=10**6, default=1),
    _param("per_page", "Items per page (at most 100).", "integer", minimum=1, maximum=100, default=50)]


def _body(ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": REF + ref}}}}


# Staff endpoints (bearer tokens): bodies and answers are ours, described by the components that
# portal/api/contract.py builds and validates every body against.
STAFF_PATHS = {
    "/me": {"get": {"summary": "Who this token acts as", "security": _TOKEN,
                    "description": "email, roles and organisation of the token's user.",
                    "responses": {"200": _json("Me", "The token's user"), **_STAFF_ERRORS}}},
    "/match": {"post": {
        "summary": "Suggest services for one client's needs",
        "description": (
            "Same fields as the /match form (MatchRequest: needs, area or latitude/longitude, max_km, remote_ok, "
            "age, gender, conditions, populations, payment, languages, languages_only, urgency, care_stage, at_risk, "
            "accepts_compulsory, needs_anonymous; plus "
            "limit). Returns the ranked suggestions with explanations and score breakdowns, the care plan, "
            "unmet needs with the nearest option, the exclusions with reasons and the rules that could be "
            "loosened (MatchResponse). Texts are in the language of `?lang=` or Accept-Language (Chinese by "
            "default); every code list carries its labels in both languages (`x-labels`). Errors use "
            "`errors` (not `fields`) for the per-field messages."),
        "security": _TOKEN, "parameters": [],
        "requestBody": _body("MatchRequest"),
        "responses": {
            "200": _json("MatchResponse", "The match"),
            "400": _json("MatchError", "Invalid input: not JSON, nested too deeply, unknown fields, wrong types "
                                       "or values, per field"),
            **_STAFF_ERRORS}}},
    "/referrals": {
        "get": {"summary": "Referrals the token's organisation may see", "security": _TOKEN,
                "description": "Page object of referrals, newest first (pseudonymous client codes only).",
                "parameters": _REFERRAL_FILTERS,
                "responses": {"200": _json("ReferralPage", "A page of referrals"),
                              "400": _err("Unknown status or invalid modified_after"), **_STAFF_ERRORS}},
        "post": {"summary": "Create and send a referral", "security": _TOKEN,
                 "description": "Creates the client (or uses `client_id`), the referral and the consent, and "
                                "sends it unless `send` is false. All or nothing.",
                 "requestBody": _body("ReferralCreate"),
                 "responses": {
                     "201": {**_json("ReferralDetail", "The referral as created"),
                             "headers": {"Location": {"schema": {"type": "string"}}}},
                     "400": _BAD_BODY,
                     "409": _err("The service's rules exclude this client and no `override_reason` was given: "
                                 "`fields.override_reason` names the rules"),
                     "422": _err("A referral rule refused it (no valid consent covering the receiver, inactive "
                                 "service, unknown client…); `fields` names the field where there is one"),
                     **_STAFF_ERRORS}}},
    "/referrals/{referral_id}": {"get": {
        "summary": "One referral with its history", "security": _TOKEN, "parameters": [_REFERRAL_ID],
        "description": "Contact details only where consent allows; every view is audited.",
        "responses": {"200": _json("ReferralDetail", "The referral"), "404": _NOT_FOUND, **_STAFF_ERRORS}}},
    "/referrals/{referral_id}/transitions": {"post": {
        "summary": "Move a referral through its life cycle", "security": _TOKEN, "parameters": [_REFERRAL_ID],
        "description": "`reason` is a decline reason with decline, a not-connected reason with not_connect. "
                       "An action the current state or the token's organisation does not allow is refused "
                       "with 409.",
        "requestBody": _body("TransitionRequest"),
        "responses": {"200": _json("ReferralDetail", "The referral after the transition"), "400": _BAD_BODY,
                      "404": _NOT_FOUND,
                      "409": _err("Not allowed from this state or for this side, or changed at the same time"),
                      "422": _err("A required value is missing or invalid (e.g. first_attended_on)"),
                      **_STAFF_ERRORS}}},
    "/referrals/{referral_id}/care-plan": {"put": {
        "summary": "Replace a referral's care plan (recorded in its history)", "security": _TOKEN,
        "parameters": [_REFERRAL_ID],
        "description": "The sending side, or the receiving side with the client's consent to the care plan. "
                       "Each edit is a `care_plan_updated` event. Send the `last_modified` you read: an edit "
                       "made on an older copy is refused with 409.",
        "requestBody": _body("CarePlanUpdate"),
        "responses": {"200": _json("ReferralDetail", "The referral with the new care plan"), "400": _BAD_BODY,
                      "404": _NOT_FOUND,
                      "409": _err("The referral changed since `last_modified`: read it again"),
                      "422": _err("Unchanged, or too long"), **_STAFF_ERRORS}}},
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
                    _param("taxonomy_term_id", "Only services linked to this term (UUID; category, care-stage, "
                           "population, condition, cost, language or delivery-mode terms)."),
                    _param("organization_id", "Only services of this organisation (UUID)."),
                    _param("modified_after", "Only services changed on or after this date or date-time.",
                           format="date-time"),
                    _param("category", "Category term code (repeatable)."),
                    _param("stage", "Care-stage term code (repeatable)."),
                    _param("population", "Population term code (repeatable)."),
                    _param("condition", "Condition term code (repeatable)."),
                    _param("cost", "Cost kind (repeatable)."), _param("language", "Language code (BCP 47)."),
                    _param("mode", "Delivery-mode term code (repeatable)."), _param("area", "Area code."),
                    _param("open_now", "Only services open now.", "boolean"),
                    _param("accepting", "Only services accepting referrals.", "boolean"),
                    _param("sort", "Order of the results.", enum=list(SORTS)),
                    _param("near", "Area code to measure distances from."),
                    _param("lat", "Latitude to measure distances from.", "number", minimum=-90, maximum=90),
                    _param("lon", "Longitude to measure distances from.", "number", minimum=-180, maximum=180),
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
            "schemas": {"Page": PAGE_SCHEMA,
                **(schemas or {})},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": (
                "A staff token from `flask tokens create --email EMAIL`; it acts as that user and sees only "
                "what that user's organisation may see.")}},
            "responses": {"NotFound": _err("No such record"),
                          "BadRequest": _err("Invalid page, per_page or filter value")},
        },
    }
