"""``POST /api/v1/match``: the matching engine for other systems, with a staff bearer token.

Takes the intake form's fields as JSON (``needs``, ``area`` (area code) or ``latitude``/``longitude``,
``max_km`` (``travel_km`` is the older name), ``remote_ok``, ``age``, ``gender``, ``conditions``, ``populations``, ``payment``,
``languages``, ``languages_only``, ``urgency``, ``care_stage``; plus ``limit`` for the number of
suggestions; the schema is ``MatchRequest`` in /api/v1/openapi.json, and unknown fields are a 400) and answers
with the ranked suggestions, the care plan with unmet needs, the exclusions and the relaxations.
Needs (and conditions, populations, care stage) are codes or labels in either language (``"detox"``,
``"脱毒治疗"``, ``"Detoxification"``). Invalid fields give 400 with the errors per field; an unknown need
also gets ``valid.needs``, every code with its label. Texts are in the language asked for with
``?lang=`` or ``Accept-Language`` (Chinese by default)."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..i18n_fields import current_lang
from ..matching.operations import record_unmet_needs, run_match
from ..matching.present import Presenter
from ..matching.profile import ACCEPTED, render_error
from .auth import token_required
from .match_schema import DEFAULT_LIMIT, MAX_LIMIT
from .views import bp


def _bad_request(errors: dict[str, list[str]], valid: dict | None = None):
    body = {"error": "Bad Request", "status": 400, "errors": errors}
    if valid:
        body["valid"] = valid
    response = jsonify(body)
    response.status_code = 400
    return response


@bp.route("/match", methods=["POST"])
@token_required("worker", "coordinator", "admin", "agency")
def match():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _bad_request({"body": [_("Send a JSON object.")]})
    unknown = sorted(str(k) for k in set(data) - ACCEPTED - {"limit"})
    if unknown:
        return _bad_request({name[:80]: [_("Unknown field: %(name)s.", name=name[:80])] for name in unknown[:20]})
    limit = data.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        return _bad_request({"limit": [_("Give a whole number from 1 to %(max)d.", max=MAX_LIMIT)]})
    outcome = run_match(db.session, data)
    if outcome.errors:
        valid = None
        if "needs" in outcome.errors:  # the codes that would have been understood, with their labels
            lang = current_lang()
            valid = {"needs": [{"code": t.code, "name": t.label(lang)}
                               for t in outcome.catalog.terms.get("category", ())]}
        return _bad_request({k: [render_error(e, _) for e in v] for k, v in outcome.errors.items()}, valid)
    record_unmet_needs(db.session, outcome, g.api_user.organization_id, worker=g.api_user.id)
    body = Presenter(outcome.catalog, _, current_lang()).result(outcome.result, limit=limit)
    return jsonify(body)
