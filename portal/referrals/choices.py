"""Choices for the referral forms and filters, read from the directory (areas, services, terms)."""
from __future__ import annotations

from sqlalchemy import select

from ..directory.models import Area, Organization, Service, Taxonomy, TaxonomyTerm
from ..extensions import db


def terms(vocabulary: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(TaxonomyTerm).join(Taxonomy).where(Taxonomy.name == vocabulary)
                              .order_by(TaxonomyTerm.position, TaxonomyTerm.code))
    return [(t.code, str(t.t("name"))) for t in rows]


def term_labels(vocabulary: str) -> dict[str, str]:
    return dict(terms(vocabulary))


def areas() -> list[tuple[str, str]]:
    """Districts and streets, indented under their district (communities are finer than needed)."""
    rows = db.session.scalars(select(Area).where(Area.level.in_(("city", "district", "street")))
                              .order_by(Area.code)).all()
    out = [("", "—")]
    for area in rows:
        indent = {"city": "", "district": "　", "street": "　　"}[area.level]
        out.append((str(area.id), indent + str(area.t("name"))))
    return out


def districts() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Area).where(Area.level == "district").order_by(Area.code))
    return [("", "—")] + [(str(a.id), str(a.t("name"))) for a in rows]


def services_accepting_referrals() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Service, Organization).join(Organization)
                              .where(Service.status == "active", Service.accepts_referrals.is_not(False))
                              .order_by(Organization.name_zh, Service.name_zh)).all()
    return [("", "—")] + [(s.id, f"{o.t('name')} · {s.t('name')}") for s, o in rows]


def organizations() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Organization).order_by(Organization.name_zh))
    return [("", "—")] + [(o.id, str(o.t("name"))) for o in rows]


def staff_of(organization_id: str) -> list[tuple[str, str]]:
    """Who may be named as the organisation's handoff person (the rule is ``handoff.candidates``)."""
    from .handoff import candidates

    return [(str(u.id), u.name) for u in candidates(organization_id)]
