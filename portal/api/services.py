"""``GET /api/v1/services``: the directory search as JSON, in the shape of the Open Referral HSDS 3.0
API. Public like the directory itself (no token); staff-only fields are never included.

Parameters: ``q`` (or HSDS ``search``), the search page's filters (``category``, ``stage``, ``area``,
``population``, ``condition``, ``cost``, ``language``, ``mode``, ``open_now``, ``accepting``; the access
facts ``access`` = voluntary|compulsory, ``anonymous`` / ``police`` / ``guardian`` = yes|no; the
organisation's ``department`` and network ``level``),
``sort`` / ``near`` / ``lat`` / ``lon``, HSDS's ``taxonomy_term_id``, ``organization_id`` and
``modified_after`` (ISO date or date-time), ``page`` and ``per_page`` (default 20, at most 100).
Answer: the HSDS page object ``{total_items, total_pages, page_number, size, first_page, last_page,
empty, contents}`` plus ``links`` (self/next/prev) and ``notices`` (e.g. a corrected query).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from flask import jsonify, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..directory.models import Service, TaxonomyTerm
from ..directory.queries import services_by_ids
from ..extensions import db
from ..hsds.serialize import page_object, service_to_hsds
from ..search.query import MULTI_FILTERS, SearchParams
from ..search.service import run_search
from .views import bp

DEFAULT_PER_PAGE = 20  # as the other HSDS list endpoints (at most 100)
# taxonomy name -> the search filter that holds its codes
_FILTER_OF_VOCABULARY = {field: name for name, field in MULTI_FILTERS.items()}


def _error(message: str, status: int = 400):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def _modified_after(value: str) -> datetime | None:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@bp.route("/services")
def list_services():
    args = MultiDict(request.args)
    if "search" in args and "q" not in args:
        args["q"] = args["search"]
    # taxonomy_term_id (HSDS) becomes the matching filter of our search (category, stage, …).
    for term_id in args.getlist("taxonomy_term_id")[:20]:
        term = db.session.get(TaxonomyTerm, term_id[:36])
        if term is None:
            return _error(f"Unknown taxonomy_term_id: {term_id[:36]}")
        name = _FILTER_OF_VOCABULARY.get(term.taxonomy.name)
        if name is None:
            return _error(f"taxonomy_term_id of vocabulary '{term.taxonomy.name}' cannot filter services")
        args.add(name, term.code)
    if "per_page" not in args:
        args["per_page"] = str(DEFAULT_PER_PAGE)
    params = SearchParams.from_args(args)
    restrict = None
    if args.get("modified_after"):
        try:
            since = _modified_after(args["modified_after"])
        except ValueError:
            return _error("modified_after must be an ISO 8601 date or date-time")
        restrict = frozenset(db.session.scalars(select(Service.id).where(Service.updated_at > since)))
    if restrict is not None:
        params = replace(params, restrict=restrict)
    result = run_search(params)
    if not result.index_ready:
        return _error("The search index is not ready; try again shortly.", 503)
    params = result.params
    services = services_by_ids([h.service_id for h in result.hits])
    distance = {h.service_id: h.distance_km for h in result.hits}
    contents = []
    for service in services:
        item = service_to_hsds(service)
        if distance.get(service.id) is not None:
            item["distance_km"] = distance[service.id]  # extension: only with an origin
        contents.append(item)
    body = page_object(contents, result.total, params.page, params.per_page)
    links = {"self": url_for("api.list_services", _external=True, **params.to_args())}
    if params.page < result.pages:
        links["next"] = url_for("api.list_services", _external=True, **params.to_args(page=params.page + 1))
    if params.page > 1:
        links["prev"] = url_for("api.list_services", _external=True, **params.to_args(page=params.page - 1))
    body["links"] = links
    if result.corrected_query:
        body["corrected_query"] = result.corrected_query
    if result.suggested_query:  # "did you mean": the results are still the query's own
        body["suggested_query"] = result.suggested_query
    body["notices"] = [code for code, _data in result.notices]
    return jsonify(body)
