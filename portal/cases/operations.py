"""Case record operations: open one (only with consent), edit it, add to the individual plan, remove
it when consent is withdrawn. Each checks the row rule (``access``), changes models, records the audit
entry (ids and field names only, never the health data itself) and flushes; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import User
from ..audit.models import record
from ..common import today, utcnow
from ..directory.models import Taxonomy, TaxonomyTerm
from ..extensions import db
from ..referrals.errors import ReferralError
from ..referrals.models import CONSENT_GIVERS, Client
from . import access, guardian
from .levels import MANAGEMENT_LEVELS
from .models import CaseCondition, CasePlanEntry, CaseRecord
from .vocab import CAREGIVER_RELATIONSHIPS, PLAN_DOMAINS, PLAN_STATUSES


class CaseError(ReferralError):
    """A case record rule was broken; ``field`` names the form field (as for referrals)."""


@dataclass
class CaseData:
    """What the case manager enters; nothing but the consent is required."""

    consent_on: date | None
    consent_given_by: str | None
    conditions: list[str] = field(default_factory=list)
    management_level: str | None = None
    medication: str | None = None
    case_manager_id: int | None = None
    caregiver_name: str | None = None
    caregiver_relationship: str | None = None
    caregiver_phone: str | None = None
    caregiver_is_guardian: bool | None = None


def _clean(text: str | None, limit: int) -> str | None:
    text = (text or "").strip()
    return text[:limit] or None


def condition_codes() -> set[str]:
    return set(db.session.scalars(select(TaxonomyTerm.code).join(Taxonomy).where(Taxonomy.name == "condition")))


def _checked(client: Client, data: CaseData) -> CaseData:
    """The record's rules, in the order the form shows the fields."""
    if data.consent_on is None:
        raise CaseError(_l("A case record is kept only with consent: enter the date it was given."), "consent_on")
    if data.consent_on > today():
        raise CaseError(_l("The date consent was given cannot be in the future."), "consent_on")
    if data.consent_given_by not in CONSENT_GIVERS:
        raise CaseError(_l("Say who gave the consent: the client or a guardian."), "consent_given_by")
    if data.consent_given_by != "guardian" and guardian.is_minor(client.birth_year, today().year):
        raise CaseError(_l("The client is under 18: the consent to keep a case record must be given by a guardian."),
                        "consent_given_by")
    known = condition_codes()
    conditions = list(dict.fromkeys(c for c in data.conditions if c))
    if any(c not in known for c in conditions):
        raise CaseError(_l("Choose conditions from the list."), "conditions")
    if data.management_level and data.management_level not in MANAGEMENT_LEVELS:
        raise CaseError(_l("Choose a management level from the list."), "management_level")
    if data.case_manager_id is not None:
        manager = db.session.get(User, data.case_manager_id)
        if manager is None or not manager.active or manager.organization_id != client.organization_id:
            raise CaseError(_l("Choose a case manager from your organisation."), "case_manager_id")
    if data.caregiver_relationship and data.caregiver_relationship not in CAREGIVER_RELATIONSHIPS:
        raise CaseError(_l("Choose the relationship from the list."), "caregiver_relationship")
    name, phone = _clean(data.caregiver_name, 100), _clean(data.caregiver_phone, 40)
    if data.caregiver_is_guardian and not name:
        raise CaseError(_l("Enter the guardian's name."), "caregiver_name")
    return CaseData(consent_on=data.consent_on, consent_given_by=data.consent_given_by, conditions=conditions,
                    management_level=data.management_level or None, medication=_clean(data.medication, 200),
                    case_manager_id=data.case_manager_id, caregiver_name=name,
                    caregiver_relationship=data.caregiver_relationship or None, caregiver_phone=phone,
                    caregiver_is_guardian=bool(data.caregiver_is_guardian) if (name or phone) else None)


_FIELDS = ("consent_on", "consent_given_by", "management_level", "medication", "case_manager_id", "caregiver_name",
           "caregiver_relationship", "caregiver_phone", "caregiver_is_guardian")


def _apply(case: CaseRecord, data: CaseData) -> list[str]:
    """Set the fields; returns the names of those that changed (for the audit, never the values)."""
    changed = [name for name in _FIELDS if getattr(case, name) != getattr(data, name)]
    for name in _FIELDS:
        setattr(case, name, getattr(data, name))
    if case.conditions != sorted(data.conditions):
        changed.append("conditions")
        wanted = set(data.conditions)
        case.condition_rows[:] = [row for row in case.condition_rows if row.condition_code in wanted]
        have = set(case.conditions)
        case.condition_rows.extend(CaseCondition(condition_code=c) for c in sorted(wanted - have))
    return changed


def open_case_record(user, client: Client, data: CaseData) -> CaseRecord:
    """A case record for ``client``, by staff of the recording organisation, with consent."""
    if not access.may_edit(user, client):
        raise CaseError(_l("Only staff of the organisation that recorded the client can keep a case record."))
    if client.case_record is not None:
        raise CaseError(_l("This client already has a case record."))
    data = _checked(client, data)
    case = CaseRecord(client=client)  # through the relationship, so client.case_record is it at once
    _apply(case, data)
    db.session.add(case)
    db.session.flush()
    record("case_record_opened", user_id=user.id, record_type="client", record_id=client.id,
           changes={"case_record_id": case.id, "consent_given_by": case.consent_given_by})
    return case


def update_case_record(user, case: CaseRecord, data: CaseData) -> list[str]:
    """Change the record; returns the names of the fields that changed."""
    if not access.may_edit(user, case.client):
        raise CaseError(_l("Only staff of the organisation that recorded the client can keep a case record."))
    changed = _apply(case, _checked(case.client, data))
    if changed:
        db.session.flush()
        record("case_record_updated", user_id=user.id, record_type="client", record_id=case.client_id,
               changes={"case_record_id": case.id, "fields": changed})
    return changed


def add_plan_entry(user, case: CaseRecord, domain: str, status: str, text: str | None) -> CasePlanEntry:
    """A new entry for one domain of the plan; earlier entries stay as its history."""
    if not access.may_edit(user, case.client):
        raise CaseError(_l("Only staff of the organisation that recorded the client can keep a case record."))
    if domain not in PLAN_DOMAINS:
        raise CaseError(_l("Choose a domain of the plan."), "domain")
    if status not in PLAN_STATUSES:
        raise CaseError(_l("Choose where this part of the plan stands."), "status")
    entry = CasePlanEntry(case_record_id=case.id, domain=domain, status=status, text=_clean(text, 1000),
                          recorded_by_id=user.id)
    db.session.add(entry)
    case.updated_at = utcnow()  # a plan update is activity on the record (the retention purge reads it)
    db.session.flush()
    record("case_plan_entry_added", user_id=user.id, record_type="client", record_id=case.client_id,
           changes={"case_record_id": case.id, "entry_id": entry.id, "domain": domain, "status": status})
    return entry


def remove_case_record(user, case: CaseRecord) -> None:
    """Consent to keep the record was withdrawn: the record, its conditions and plan go. Plan entries
    are append-only in the ORM; removing the whole record is the one exception, written as
    statements (as the referral erasure does for events)."""
    if not access.may_edit(user, case.client):
        raise CaseError(_l("Only staff of the organisation that recorded the client can keep a case record."))
    client_id, case_id = case.client_id, case.id
    erase_case_records([client_id])
    record("case_record_removed", user_id=user.id, record_type="client", record_id=client_id,
           changes={"case_record_id": case_id})


def erase_case_records(client_ids) -> int:
    """Delete the case records of these clients (their conditions and plan with them); no audit here,
    the caller records why (withdrawn consent, erasure on request). Returns how many went."""
    db.session.flush()
    ids = sorted(set(client_ids))
    if not ids:
        return 0
    case_ids = select(CaseRecord.id).where(CaseRecord.client_id.in_(ids)).scalar_subquery()
    db.session.execute(delete(CasePlanEntry).where(CasePlanEntry.case_record_id.in_(case_ids)),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(CaseCondition).where(CaseCondition.case_record_id.in_(case_ids)),
                       execution_options={"synchronize_session": False})
    gone = db.session.execute(delete(CaseRecord).where(CaseRecord.client_id.in_(ids)),
                              execution_options={"synchronize_session": False}).rowcount
    db.session.expire_all()
    return gone or 0


# --- reading ------------------------------------------------------------------------------------------

def current_plan(case: CaseRecord) -> list[CasePlanEntry]:
    """The newest entry of each domain, in the domains' order."""
    newest: dict[str, CasePlanEntry] = {}
    for entry in case.plan_entries:  # ordered by id: later entries replace earlier ones
        newest[entry.domain] = entry
    return [newest[d] for d in PLAN_DOMAINS if d in newest]


def plan_history(case: CaseRecord) -> list[CasePlanEntry]:
    """Every entry, newest first."""
    return sorted(case.plan_entries, key=lambda e: e.id, reverse=True)
