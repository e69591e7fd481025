"""JSON Schema (2020-12, as OpenAPI 3.1 uses it) of ``POST /api/v1/match``: the request, the answer
and the error, with every code list and its labels in both languages (``x-labels``: code ->
{"zh", "en"}). Built from the same names the code uses (``profile.ACCEPTED``, ``scoring.WEIGHTS``,
``explain.MESSAGES``), so the document cannot drift from what the endpoint does; a test validates
live answers against it."""
from __future__ import annotations

from ..matching.engine import GENDERS, MAX_NEEDS, PAYMENT_KINDS, PROFILE_URGENCIES, RELAXABLE, WEIGHTS
from ..matching.explain import LANGUAGES, MESSAGES, WORDS
from ..matching.profile import MAX_AGE, MAX_TRAVEL_KM

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
REACHES = ("distance", "remote", "comes", "unknown")
# Flags the presenter adds from the catalogue (imported directories), beside the engine's.
CATALOG_FLAGS = {"category_inferred": "inferred from its description, not confirmed: %(needs)s",
                 "eligibility_in_words": "eligibility stated only in words: check"}


REACH_WORDS = {"distance": MESSAGES["km"], "remote": MESSAGES["remote"], "comes": MESSAGES["comes"],
               "unknown": MESSAGES["distance_unknown"]}
RULE_WORDS = {"distance": "How far the client can travel (km)", "remote": "Online or phone is fine",
              "payment": "What the client can pay with", "urgency": "Urgency"}


def _labelled(pairs, *, enum: bool = True, description: str = "") -> dict:
    """A string with a code list: ``pairs`` is [(code, zh, en)]."""
    schema = {"type": "string", "x-labels": {code: {"zh": zh, "en": en} for code, zh, en in pairs}}
    if enum:
        schema["enum"] = [code for code, _zh, _en in pairs]
    if description:
        schema["description"] = description
    return schema


def _list(item: dict, description: str) -> dict:
    return {"description": description, "oneOf": [
        {"type": "array", "items": item, "uniqueItems": False},
        {"type": "string", "description": "Comma-separated."}]}


def match_schemas(terms: dict[str, list[tuple[str, str, str]]], areas: list[tuple[str, str, str]],
                  _zh=lambda text: text) -> dict:
    """The components of the match endpoint. ``terms``: vocabulary -> [(code, zh, en)]; ``areas``:
    [(code, zh, en)] of the districts and streets a client may live in; ``_zh`` translates a
    message id into Chinese. Long on purpose: it is one declarative JSON Schema document, read
    top to bottom like the contract it publishes; splitting it would scatter the contract."""
    def vocab(name, what):
        return _labelled(terms.get(name, []), enum=False,
                         description=f"A {what} code, or its label in Chinese or English (see x-labels).")

    words = lambda codes, table: [(c, _zh(table[c]), table[c]) for c in codes]  # noqa: E731
    message_codes = [(k, _zh(v), v) for k, v in MESSAGES.items()] + \
        [(k, _zh(v), v) for k, v in CATALOG_FLAGS.items()]
    need = {"type": "object", "additionalProperties": False, "required": ["code", "name"], "properties": {
        "code": _labelled(terms.get("category", [])), "name": {"type": "string"}}}
    service = {"type": "object", "additionalProperties": False,
               "required": ["id", "name", "organization_id", "organization"], "properties": {
                   "id": {"type": "string"}, "name": {"type": "string"},
                   "organization_id": {"type": "string"}, "organization": {"type": "string"}}}
    coded = {"type": "object", "additionalProperties": False, "required": ["code", "text"], "properties": {
        "code": _labelled(message_codes), "text": {"type": "string", "description": "In the reader's language."}}}
    suggestion_properties = {
        "rank": {"type": "integer", "minimum": 1,
                 "description": "Position among every eligible service (plan steps may rank beyond the list)."},
        "service": {"$ref": "#/components/schemas/MatchService"},
        "covers": {"type": "array", "items": {"$ref": "#/components/schemas/MatchNeed"}},
        "score": {"type": "number", "minimum": 0, "maximum": 100},
        "breakdown": {"type": "object", "additionalProperties": False, "required": list(WEIGHTS),
                      "properties": {k: {"type": "number", "minimum": 0, "maximum": 1,
                                         "description": f"weight {v:g}"} for k, v in WEIGHTS.items()}},
        "distance_km": {"type": ["number", "null"]},
        "reach": _labelled([(r, _zh(REACH_WORDS[r]), REACH_WORDS[r]) for r in REACHES]),
        "explanation": {"type": "string"},
        "flags": {"type": "array", "items": {"$ref": "#/components/schemas/MatchCoded"}},
    }
    suggestion = {"type": "object", "additionalProperties": False, "required": list(suggestion_properties),
                  "properties": suggestion_properties}
    step = {"type": "object", "additionalProperties": False, "required": [*suggestion_properties, "for_needs"],
            "properties": {**suggestion_properties,
                           "for_needs": {"type": "array", "items": {"$ref": "#/components/schemas/MatchNeed"}}}}
    request = {
        "type": "object", "additionalProperties": False, "required": ["needs"],
        "description": "Unknown fields are refused (400, naming them). Give `area` or a point "
                       "(`latitude` + `longitude`, or `point`).",
        "properties": {
            "needs": {**_list(vocab("category", "need (category)"), f"1 to {MAX_NEEDS} needs."),
                      "x-labels": {c: {"zh": zh, "en": en} for c, zh, en in terms.get("category", [])}},
            "area": {"anyOf": [_labelled(areas, description="District or street code."), {"type": "null"}]},
            "latitude": {"type": ["number", "string"], "minimum": -90, "maximum": 90},
            "longitude": {"type": ["number", "string"], "minimum": -180, "maximum": 180},
            "point": {"type": "object", "additionalProperties": False,
                      "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                     "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
            "max_km": {"type": ["number", "string", "null"], "exclusiveMinimum": 0, "maximum": MAX_TRAVEL_KM,
                       "description": "How far the client can travel; empty or absent: no limit."},
            "travel_km": {"type": ["number", "string", "null"], "exclusiveMinimum": 0, "maximum": MAX_TRAVEL_KM,
                          "description": "Same as max_km (older name)."},
            "remote_ok": {"type": ["boolean", "string"], "description": "Online or phone help is fine. "
                          "Hotlines reach every client whatever this says."},
            "age": {"type": ["integer", "string", "null"], "minimum": 0, "maximum": MAX_AGE},
            "gender": {"oneOf": [_labelled(words(GENDERS, WORDS)), {"type": "null"}]},
            "conditions": _list(vocab("condition", "condition"), "The client's conditions."),
            "populations": _list(vocab("population", "population"), "Groups the client belongs to."),
            "payment": _list(_labelled(words(PAYMENT_KINDS, WORDS)),
                             "What the client can pay with (free always counts); empty: cost does not matter."),
            "languages": _list(_labelled([(c, _zh(v), v) for c, v in LANGUAGES.items()], enum=False,
                                         description="BCP 47 code."), "Languages the client speaks."),
            "languages_only": {"type": ["boolean", "string"],
                               "description": "The client speaks only these: services that do not are excluded."},
            "urgency": _labelled([(u, _zh(w), w) for u, w in zip(PROFILE_URGENCIES, (
                "Normal", "Urgent: needs help within days"))]),
            "care_stage": {"oneOf": [vocab("care_stage", "care stage"), {"type": "null"}]},
            "at_risk": {"type": ["boolean", "string"],
                        "description": "The client is at risk now: a crisis line joins the needs, and crisis "
                                       "lines and services open 24 hours come first (also when urgency is high)."},
            "accepts_compulsory": {"type": ["boolean", "string"], "default": False,
                                   "description": "The client accepts compulsory programmes. Absent or false: "
                                                  "compulsory programmes are excluded (reason `compulsory`)."},
            "needs_anonymous": {"type": ["boolean", "string"], "default": False,
                                "description": "The client needs anonymous access: services that need a name "
                                               "are excluded (reason `not_anonymous`), those that do not say "
                                               "are flagged (`anonymous_unknown`)."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT,
                      "description": "How many suggestions to return (the plan looks at every eligible one)."},
        },
    }
    response_properties = {
        "needs": {"type": "array", "items": {"$ref": "#/components/schemas/MatchNeed"}},
        "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/MatchSuggestion"}},
        "suggestions_total": {"type": "integer", "minimum": 0},
        "plan": {"type": "object", "additionalProperties": False,
                 "required": ["organizations", "travel_km", "steps", "unmet"], "properties": {
                     "organizations": {"type": "integer", "minimum": 0},
                     "travel_km": {"type": "number", "minimum": 0},
                     "steps": {"type": "array", "items": {"$ref": "#/components/schemas/MatchPlanStep"}},
                     "unmet": {"type": "array", "items": {
                         "type": "object", "additionalProperties": False,
                         "required": ["need", "nearest", "nearest_km"], "properties": {
                             "need": {"$ref": "#/components/schemas/MatchNeed"},
                             "nearest": {"oneOf": [{"$ref": "#/components/schemas/MatchService"}, {"type": "null"}]},
                             "nearest_km": {"type": ["number", "null"]}}}}}},
        "excluded": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["service", "covers", "distance_km", "reasons"], "properties": {
                "service": {"$ref": "#/components/schemas/MatchService"},
                "covers": {"type": "array", "items": {"$ref": "#/components/schemas/MatchNeed"}},
                "distance_km": {"type": ["number", "null"]},
                "reasons": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/MatchCoded"}}}}},
        "excluded_total": {"type": "integer", "minimum": 0},
        "relax": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["rule", "adds", "travel_km"],
            "properties": {"rule": _labelled([(r, _zh(RULE_WORDS[r]), RULE_WORDS[r]) for r in RELAXABLE]),
                           "adds": {"type": "integer", "minimum": 0},
                           "travel_km": {"type": ["number", "null"]}}}},
    }
    response = {"type": "object", "additionalProperties": False, "required": list(response_properties),
                "properties": response_properties}
    error = {
        "type": "object", "additionalProperties": False, "required": ["error", "status", "errors"],
        "properties": {
            "error": {"const": "Bad Request"}, "status": {"const": 400},
            "errors": {"type": "object", "description": "Field name -> messages in the reader's language "
                       "(`body` for the request as a whole; an unknown field is named as its own key).",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
            "valid": {"type": "object", "description": "With an unknown need: every need code with its label.",
                      "properties": {"needs": {"type": "array", "items": {"$ref": "#/components/schemas/MatchNeed"}}}},
        },
    }
    return {"MatchRequest": request, "MatchResponse": response, "MatchError": error, "MatchNeed": need,
            "MatchService": service, "MatchCoded": coded, "MatchSuggestion": suggestion, "MatchPlanStep": step}
