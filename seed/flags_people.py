"""Demo access facts, peer supporters and the organisations' place in the care network (issue 16,
items 7-8), so the service page, the search filters, matching's "voluntary only" rule and the staff
counts of peer supporters show something on a fresh demo.

Facts follow what the demo services are (``seed/service_templates.py``): most services are
voluntary; community drug treatment and rehabilitation (社区戒毒社区康复) is a measure ordered by
the public security organ under the Anti-Drug Law, so its case management is compulsory and
reports violations to the police; HIV testing, harm reduction and the hotlines can be used
anonymously and do not share information with the police; methadone clinics register clients with
their ID (and in practice with the public security organ); the children's clinic needs a guardian.
The demo has no compulsory isolation service (the justice rehabilitation centre lists only its
voluntary and aftercare services), so none is invented. Facts nobody would know stay unstated.

Deterministic and idempotent: a fact or level already set is left alone, a person already there
(same organisation and display name) is not added again. Everything goes through the operations
(``listings.operations.set_access_facts``, ``listings.people.save_person``); the network level has
no operation of its own (the admin edits it on the organisation), so it is set on the row.
Runs after ``seed.history.load_history``.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.common import today
from portal.directory.models import Organization, Service
from portal.listings import operations as listing_ops
from portal.listings import people as people_ops
from portal.people.models import PeerSupporter

from .loader import seed_id

VOLUNTARY = {"access_mode": "voluntary"}
ANONYMOUS = {"access_mode": "voluntary", "anonymous_access": True, "reports_to_police": False}
# Service template -> facts (the rest of the active services: voluntary, nothing else stated).
FACTS_BY_TEMPLATE = {
    "cm_community_treatment": {"access_mode": "compulsory", "anonymous_access": False, "reports_to_police": True},
    "mmt": {"access_mode": "voluntary", "anonymous_access": False, "reports_to_police": True},
    "mmt_intake": {"access_mode": "voluntary", "anonymous_access": False, "reports_to_police": True},
    "vct": ANONYMOUS,
    "testing_outreach": ANONYMOUS,
    "needle_exchange": ANONYMOUS,
    "crisis_line": ANONYMOUS,
    "drug_hotline": ANONYMOUS,
    "youth_line": {**ANONYMOUS, "guardian_consent_required": False},
    "online_counselling": ANONYMOUS,
    "youth_psych": {"access_mode": "voluntary", "guardian_consent_required": True},
    "respite_smi": {"access_mode": "voluntary", "guardian_consent_required": True},
    "voluntary_rehab_stay": {"access_mode": "voluntary", "anonymous_access": False},
    # Admission may be involuntary under the Mental Health Law in some cases: not stated as either.
    "psych_inpatient": {},
}
# Peer supporters and volunteers: (organisation key, display name, kind, training status, days since
# the status began, templates of the services they work in).
PEOPLE = (
    ("mmt-jiangbin", "L.Y.", "peer_supporter", "trained", 200, ("mmt_peer", "mmt")),
    ("mmt-jiangbin", "W.Q.", "peer_supporter", "trained", 120, ("mmt_peer",)),
    ("mmt-jiangbin", "Z.H.", "peer_supporter", "in_training", 20, ("mmt_peer",)),
    ("ngo-xinqiao", "C.M.", "peer_supporter", "trained", 300, ("peer_mh",)),
    ("ngo-xinqiao", "H.J.", "volunteer", "not_trained", None, ("peer_mh",)),
    ("ngo-lvzhou", "X.F.", "peer_supporter", "trained", 90, ("hiv_peer", "vct")),
    ("dpf-respite-city", "S.L.", "peer_supporter", "trained", 60, ("respite_dpf",)),
    ("dpf-respite-city", "G.P.", "volunteer", "in_training", 10, ("respite_dpf",)),
    ("welfare-mh-city", "T.Y.", "peer_supporter", "in_training", 30, ("respite_smi",)),
)
# Organisation kinds -> network level; "-city" organisations are city level. NGOs and enterprises
# are not part of the government network: left unstated.
LEVEL_BY_KIND = {
    "mmt": "district", "dpf_rehab_station": "district", "drug_sw_station": "district", "job_centre": "district",
    "psych_hospital": "district", "legal_aid_centre": "district", "public_legal": "district",
    "chc": "street", "street_sw_station": "street", "elderly_centre": "street", "gig_station": "street",
}


def _data(name: str) -> list[dict]:
    from .loader import read_data

    return read_data(name)[name.split(".")[0]]


def _set_facts(session) -> int:
    changed = 0
    for row in _data("services.json"):
        service = session.get(Service, seed_id("service", row["key"]))
        if service is None or service.status == "defunct":
            continue
        wanted = FACTS_BY_TEMPLATE.get(row["template"], VOLUNTARY)
        missing = {k: v for k, v in wanted.items() if getattr(service, k) is None}
        if missing:
            listing_ops.set_access_facts(service, **missing)
            changed += 1
    return changed


def _set_levels(session) -> int:
    changed = 0
    for row in _data("organizations.json"):
        org = session.get(Organization, seed_id("organization", row["key"]))
        level = "city" if row["key"].endswith("-city") else LEVEL_BY_KIND.get(row["kind"])
        if org is not None and level is not None and org.network_level is None:
            org.network_level = level
            changed += 1
    session.flush()
    return changed


def _add_people(session) -> int:
    added = 0
    for org_key, name, kind, status, days, templates in PEOPLE:
        org_id = seed_id("organization", org_key)
        if session.get(Organization, org_id) is None:
            continue
        if session.scalar(select(PeerSupporter.id).where(PeerSupporter.organization_id == org_id,
                                                         PeerSupporter.display_name == name)):
            continue
        services = [sid for t in templates
                    if session.get(Service, sid := seed_id("service", f"{org_key}/{t}")) is not None]
        people_ops.save_person(PeerSupporter(organization_id=org_id), name, kind, status,
                               today() - timedelta(days=days) if days is not None else None, services)
        added += 1
    return added


def load(session) -> dict[str, int]:
    """Add the demo facts, levels and people; returns how many of each were set."""
    return {"services_with_facts": _set_facts(session), "organizations_with_level": _set_levels(session),
            "peer_supporters": _add_people(session)}
