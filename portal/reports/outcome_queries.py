"""Rows for the retention, drop-out and outcome reports and the upward export, limited to what the
user may see (``referrals.queries.visibility_clause``: a coordinator's area, everything for an
admin) and to the chosen department and network level of the *receiving* organisation.

Plain dicts come out (see ``retention.py`` for their shape); the figures are computed there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..common import as_aware, today
from ..directory.models import Area, Attribute, Organization, Service, Taxonomy, TaxonomyTerm
from ..extensions import db
from ..referrals.models import Client, FollowUp, Referral
from ..referrals.followup_queries import FOLLOW_UP_AREA
from ..referrals.queries import coordinator_area_clause, visibility_clause
from . import retention
from .queries import _bounds



@dataclass(frozen=True)
class Filters:
    """The receiving organisation's department (a ``department`` term code) and network level
    (``AREA_LEVELS``); None = all."""

    department: str | None = None
    network_level: str | None = None


def _conditions(user, filters: Filters) -> list:
    """Referral conditions: visible to the user, sent, not void, receiving organisation filtered.
    Queries using them join ``Organization`` on ``Referral.to_organization_id``."""
    conditions = [Referral.sent_at.is_not(None), Referral.status != "entered_in_error"]
    clause = visibility_clause(user)
    if clause is not None:
        conditions.append(clause)
    if filters.department:
        conditions.append(Organization.department == filters.department)
    if filters.network_level:
        conditions.append(Organization.network_level == filters.network_level)
    return conditions


def _referrals(user, filters: Filters):
    return (select(Referral).join(Organization, Referral.to_organization_id == Organization.id)
            .where(*_conditions(user, filters)))


def stage_positions() -> dict[str, int]:
    """Care stage code -> its place in the continuum."""
    rows = db.session.execute(select(TaxonomyTerm.code, TaxonomyTerm.position).join(Taxonomy)
                              .where(Taxonomy.name == "care_stage"))
    return {code: position for code, position in rows}


def _service_terms(service_ids) -> dict[str, dict[str, list[str]]]:
    """Per service: its care stages in continuum order and its categories."""
    out: dict[str, dict[str, list[str]]] = {}
    if not service_ids:
        return out
    rows = db.session.execute(
        select(Attribute.service_id, Taxonomy.name, TaxonomyTerm.code)
        .join(TaxonomyTerm, Attribute.taxonomy_term_id == TaxonomyTerm.id).join(Taxonomy)
        .where(Attribute.service_id.in_(list(service_ids)), Taxonomy.name.in_(("care_stage", "category")))
        .order_by(TaxonomyTerm.position, TaxonomyTerm.code))
    for service_id, vocabulary, code in rows:
        out.setdefault(service_id, {"care_stage": [], "category": []})[vocabulary].append(code)
    return out


def district_codes() -> dict[int, str]:
    """Area id -> the code of the district it lies in (areas above district level have none)."""
    areas = {a.id: a for a in db.session.execute(select(Area.id, Area.parent_id, Area.level, Area.code))}
    out = {}
    for area_id in areas:
        node = areas.get(area_id)
        while node is not None and node.level != "district":
            node = areas.get(node.parent_id)
        if node is not None:
            out[area_id] = node.code
    return out


def _in(moment, low, high) -> bool:
    moment = as_aware(moment)
    return moment is not None and low <= moment < high


def _row(referral: Referral, service: Service, org: Organization, terms: dict, districts: dict) -> dict:
    facts = terms.get(referral.service_id, {"care_stage": [], "category": []})
    return {
        "referral_id": referral.id, "client_id": referral.client_id, "status": referral.status,
        "service_id": referral.service_id, "service": f"{service.t('name')} · {org.t('name')}",
        "stage": retention.care_stage(referral.to_stage, facts["care_stage"]),
        "from_stage": referral.from_stage, "to_stage": referral.to_stage,
        "employment": retention.is_employment(referral.to_stage, facts["care_stage"], facts["category"]),
        "department": org.department, "network_level": org.network_level,
        "district": districts.get(referral.area_id) if referral.area_id is not None else None,
        "first_attended_on": referral.first_attended_on, "connected_at": as_aware(referral.connected_at),
    }


def _rows(query) -> list[tuple[Referral, dict]]:
    query = query.add_columns(Service, Organization).join(Service, Referral.service_id == Service.id)
    found = db.session.execute(query).all()
    terms = _service_terms({r.service_id for r, _s, _o in found})
    districts = district_codes()
    return [(r, _row(r, s, o, terms, districts)) for r, s, o in found]


def cohort_rows(user, start: date, end: date, filters: Filters = Filters()) -> list[dict]:
    """The retention cohort: connected referrals whose first attendance falls in the period, each
    with ``answers`` — the (done on, in treatment) pairs of its follow-ups that recorded it."""
    query = (_referrals(user, filters)
             .where(Referral.connected_at.is_not(None), Referral.first_attended_on.is_not(None),
                    Referral.first_attended_on >= start, Referral.first_attended_on <= end)
             .options(selectinload(Referral.follow_ups)).order_by(Referral.first_attended_on, Referral.id))
    out = []
    for referral, row in _rows(query):
        row["answers"] = [(f.done_on, f.in_treatment) for f in referral.follow_ups
                          if f.done_on is not None and f.in_treatment is not None]
        out.append(row)
    return out


def activity_rows(user, start: date, end: date, filters: Filters = Filters()) -> list[dict]:
    """Referrals sent, connected or closed in the period, flagged with which of these happened in
    it (``sent_in_period``, ``connected_in_period``, ``closed_in_period``)."""
    low, high = _bounds(start, end)
    query = _referrals(user, filters).where(or_(
        and_(Referral.sent_at >= low, Referral.sent_at < high),
        and_(Referral.connected_at >= low, Referral.connected_at < high),
        and_(Referral.closed_at >= low, Referral.closed_at < high))).order_by(Referral.sent_at, Referral.id)
    out = []
    for referral, row in _rows(query):
        row.update(sent_in_period=_in(referral.sent_at, low, high),
                   connected_in_period=_in(referral.connected_at, low, high),
                   closed_in_period=_in(referral.closed_at, low, high))
        out.append(row)
    return out


def answered_follow_ups(user, start: date, end: date, filters: Filters = Filters()) -> list[dict]:
    """Follow-ups of visible referrals that recorded whether the person is in treatment: every
    "out of treatment" up to ``end`` (a drop-out is the first one, which may precede the period)
    and every "in treatment" within the period (for the reasons to stay)."""
    query = (select(FollowUp, Referral, Service, Organization)
             .join(Referral, FollowUp.referral_id == Referral.id)
             .join(Organization, Referral.to_organization_id == Organization.id)
             .join(Service, Referral.service_id == Service.id)
             .where(*_conditions(user, filters), FollowUp.done_on.is_not(None), FollowUp.done_on <= end,
                    FollowUp.in_treatment.is_not(None),
                    or_(FollowUp.in_treatment.is_(False), FollowUp.done_on >= start))
             .order_by(FollowUp.done_on, FollowUp.id))
    found = db.session.execute(query).all()
    terms = _service_terms({r.service_id for _f, r, _s, _o in found})
    districts = district_codes()
    out = []
    for follow_up, referral, service, org in found:
        row = _row(referral, service, org, terms, districts)
        row.update(id=follow_up.id, done_on=follow_up.done_on, in_treatment=follow_up.in_treatment,
                   barrier=follow_up.barrier,
                   stay_reasons=[r for r in (follow_up.stay_reasons or "").split(",") if r])
        out.append(row)
    return out


def follow_up_rows(user, start: date, end: date) -> list[dict]:
    """Follow-ups done in the period or due in it, for the export's counts: ``done_in_period``,
    ``overdue`` (the follow-up rule, as of today), ``district`` and ``department``. Placed like the
    coordinator board places them (``followup_queries.FOLLOW_UP_AREA``: the referral's area, else
    the person's); counted for the referral's receiving organisation, or, for a follow-up of the
    person only, for the organisation that recorded the person."""
    on = today()
    districts = district_codes()
    receiver, recorder = aliased(Organization), aliased(Organization)
    query = (select(FollowUp, FOLLOW_UP_AREA, func.coalesce(receiver.department, recorder.department))
             .join(Client, FollowUp.client_id == Client.id)
             .join(recorder, Client.organization_id == recorder.id)
             .outerjoin(Referral, FollowUp.referral_id == Referral.id)
             .outerjoin(receiver, Referral.to_organization_id == receiver.id)
             .where(or_(FollowUp.referral_id.is_(None), Referral.status != "entered_in_error"),
                    or_(and_(FollowUp.done_on >= start, FollowUp.done_on <= end),
                        and_(FollowUp.due_on >= start, FollowUp.due_on <= end))))
    clause = coordinator_area_clause(user, FOLLOW_UP_AREA)
    if clause is not None:
        query = query.where(clause)
    out = []
    for follow_up, area_id, department in db.session.execute(query):
        out.append({"district": districts.get(area_id) if area_id is not None else None,
                    "department": department,
                    "done_in_period": follow_up.done_on is not None and start <= follow_up.done_on <= end,
                    "overdue": start <= follow_up.due_on <= end and follow_up.is_overdue(on)})
    return out
