"""``POST /api/v1/match``: the matching engine for other systems, with a staff bearer token.

Takes the intake form's fields as JSON (``needs``, ``area`` (area code) or ``latitude``/``longitude``,
``max_km`` (``travel_km`` is the older name), ``remote_ok``, ``age``, ``gender``, ``conditions``, ``populations``, ``payment``,
``languages``, ``languages_only``, ``urgency``, ``care_stage``, ``at_risk``, ``accepts_compulsory``,
``needs_anonymous``; plus ``limit`` for the number of suggestions; the schema is ``MatchRequest`` in
/api/v1/openapi.json, and unknown fields are a 400) and answers with the ranked suggestions, the care
plan with unmet needs, the exclusions and the relaxations.
Needs (and conditions, populations, care stage) are codes or labels in either language (``"detox"``,
``"脱毒治疗"``, ``"Detoxification"``). Invalid fields give 400 with the errors per field; an unknown need
also gets ``valid.needs``, every code with its label. Texts are in the language asked for with
``?lang=`` or ``Accept-Language`` (Chinese by default)."""
from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _

from ..extensions import db
from ..i18n_fields import current_lang
from ..matching.operations import record_unmet_needs, run_match
from ..matching.present import Presenter
from ..matching.catalog import get_catalog
from ..matching.profile import parse_profile, render_error
from .auth import token_required
from .contract import BadBody, checked, read_json
from .match_schema import DEFAULT_LIMIT
from .views import bp


def _bad_request(errors: dict[str, list[str]], valid: dict | None = None):
    body = {"error": "Bad Request", "status": 400, "errors": errors}
    if valid:
        body["valid"] = valid
    response = jsonify(body)
    response.status_code = 400
    return response


def _domain_errors(catalog, errors, earlier: dict | None = None):
    valid = None
    if "needs" in errors:  # the codes that would have been understood, with their labels
        lang = current_lang()
        valid = {"needs": [{"code": t.code, "name": t.label(lang)} for t in catalog.terms.get("category", ())]}
    found = {k: [render_error(e, _) for e in v] for k, v in errors.items()}
    return _bad_request({**found, **(earlier or {})}, valid)


def _all_errors(data: dict, schema_errors: dict, value_only: set[str]):
    """Schema errors, with the profile rules' own words for the fields whose types are right (an
    unknown district, an age out of range) and what those rules say about the other fields the
    schema accepted: one answer names every field to fix. Fields of the wrong type never reach the
    parser."""
    wrong_type = {f.split(".")[0] for f in schema_errors} - value_only
    readable = {k: v for k, v in data.items() if k not in wrong_type}
    catalog = get_catalog(db.session)
    _profile, errors = parse_profile(readable, catalog.vocabulary)
    errors = {k: v for k, v in errors.items() if k in readable}  # not "needs is missing" for a refused need list
    kept = {k: v for k, v in schema_errors.items() if k.split(".")[0] not in errors}
    return _domain_errors(catalog, errors, kept)


@bp.route("/match", methods=["POST"])
@token_required("worker", "coordinator", "admin", "agency")
def match():
    try:
        data = read_json()
    except BadBody as bad:
        return _bad_request({"body": [str(bad)]})
    if not isinstance(data, dict):
        return _bad_request({"body": [_("Send a JSON object.")]})
    errors, value_only = checked("MatchRequest", data)
    if errors:
        return _all_errors(data, errors, value_only)
    limit = data.get("limit", DEFAULT_LIMIT)
    outcome = run_match(db.session, data)
    if outcome.errors:
        return _domain_errors(outcome.catalog, outcome.errors)
    record_unmet_needs(db.session, outcome, g.api_user.organization_id, worker=g.api_user.id)
    body = Presenter(outcome.catalog, _, current_lang()).result(outcome.result, limit=limit)
    return jsonify(body)
