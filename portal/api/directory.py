"""Public read API of the directory in the Open Referral HSDS 3.0 shape.

No token: this is the same public directory the website shows (hospital discharge systems and
2-1-1 style lines read it). Staff-only details — named intake contacts, capacity notes — are never
included. The list of services (``GET /services`` with search and filters) lives with search.
"""
from __future__ import annotations

import uuid

from flask import abort, jsonify, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..directory import models as m
from ..extensions import db
from ..hsds.serialize import (
    organization_to_hsds,
    page_object,
    service_to_hsds,
    taxonomy_term_to_hsds,
)
from .views import API_VERSION, HSDS_VERSION, bp

MAX_PER_PAGE = 100
MAX_PAGE = 10**6
DEFAULT_PER_PAGE = 20


def paging() -> tuple[int, int]:
    """``page`` (1-based) and ``per_page`` (1..100) from the query; nonsense gives a 400, not a 500."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        abort(400)
    if not 1 <= page <= MAX_PAGE or per_page < 1:  # past MAX_PAGE the offset overflows database integers
        abort(400)
    return page, min(per_page, MAX_PER_PAGE)


def _flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in ("1", "true", "yes")


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _search_term() -> str | None:
    text = (request.args.get("search") or request.args.get("q") or "").strip()
    return text[:200] or None


def _like(column, text: str):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _page(query, count_query, serialize):
    page, per_page = paging()
    total = db.session.scalar(count_query) or 0
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(page_object([serialize(x) for x in items], total, page, per_page))


@bp.route("/organizations")
def organizations():
    query = select(m.Organization)
    text = _search_term()
    if text:
        query = query.where(or_(_like(m.Organization.name_zh, text), _like(m.Organization.name_en, text),
                                _like(m.Organization.alternate_name, text)))
    full = _flag("full")
    if full:
        query = query.options(selectinload(m.Organization.phones), selectinload(m.Organization.services),
                              selectinload(m.Organization.locations).selectinload(m.Location.area),
                              selectinload(m.Organization.attributes).selectinload(m.Attribute.taxonomy_term))
    count = select(func.count()).select_from(query.order_by(None).subquery())
    return _page(query.order_by(m.Organization.name_zh, m.Organization.id), count,
                 lambda org: organization_to_hsds(org, full=full))


@bp.route("/organizations/<organization_id>")
def organization(organization_id: str):
    org = db.session.get(m.Organization, _uuid_or_404(organization_id))
    if org is None:
        abort(404)
    return jsonify(organization_to_hsds(org, full=True))


@bp.route("/services/<service_id>")
def service(service_id: str):
    found = db.session.get(m.Service, _uuid_or_404(service_id))
    if found is None:
        abort(404)
    return jsonify(service_to_hsds(found))


@bp.route("/taxonomy_terms")
def taxonomy_terms():
    query = select(m.TaxonomyTerm).join(m.Taxonomy).options(selectinload(m.TaxonomyTerm.taxonomy))
    text = _search_term()
    if text:
        query = query.where(or_(_like(m.TaxonomyTerm.name_zh, text), _like(m.TaxonomyTerm.name_en, text),
                                _like(m.TaxonomyTerm.code, text)))
    taxonomy_id = request.args.get("taxonomy_id")
    if taxonomy_id:
        query = query.where(m.TaxonomyTerm.taxonomy_id == taxonomy_id)
    vocabulary = request.args.get("taxonomy") or request.args.get("vocabulary")
    if vocabulary:
        query = query.where(m.Taxonomy.name == vocabulary)
    parent_id = request.args.get("parent_id")
    if parent_id:
        query = query.where(m.TaxonomyTerm.parent_id == parent_id)
    if _flag("top_only"):
        query = query.where(m.TaxonomyTerm.parent_id.is_(None))
    count = select(func.count()).select_from(query.order_by(None).subquery())
    query = query.order_by(m.Taxonomy.name, m.TaxonomyTerm.position, m.TaxonomyTerm.code)
    return _page(query, count, taxonomy_term_to_hsds)


@bp.route("/openapi.json")
def openapi():
    from .contract import components
    from .openapi import openapi_document

    return jsonify(openapi_document(url_for("api.root", _external=True).rstrip("/"), API_VERSION, HSDS_VERSION,
                                    components()))
