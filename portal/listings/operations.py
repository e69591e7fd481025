"""The rules of keeping listings current. Functions check, change models and ``flush()``; never commit.

Row-level rule: an agency user manages the records of their own organisation only; administrators
manage every organisation's. Every lookup by id goes through a ``*_for(user, id)`` function that
returns None for records the user may not manage, and views answer those with 404.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.throttle import keyed_hash
from ..common import today, utcnow
from ..directory import freshness
from ..directory.models import (
    ACCESS_MODES,
    Attribute,
    Contact,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from ..extensions import db
from ..validators import normalise_url
from .models import ProblemReport

# Vocabularies an agency may link its services to ('serves'), and those that can restrict
# eligibility ('only', e.g. women only, people on methadone only).
SERVES_VOCABULARIES = ("category", "care_stage", "population", "condition", "delivery_mode")
ONLY_VOCABULARIES = ("population", "condition")
MAX_WAIT_WEEKS = 104
# What a phone number may hold (the listing forms, the admin, the after-hours phone).
PHONE_PATTERN = r"^[0-9+()\- ]{3,40}$"
# Problem reports: per signed-in user or anonymous client address, and per service from anonymous
# visitors (counted in the database, so the limits hold across sessions, logins and processes).
REPORTS_PER_HOUR = 5
ANONYMOUS_REPORTS_PER_SERVICE_PER_HOUR = 10


class ForeignLocation(PermissionError):
    """A service was to be delivered at a location of another organisation. ``message`` is in the
    reader's language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class BadPhone(ValueError):
    """A phone number with characters a phone cannot dial."""


class TooManyReports(Exception):
    """A problem report over the hourly limits."""


# --- who may manage what ------------------------------------------------------------------------

def can_manage(user, organization_id: str | None) -> bool:
    """Admins manage everything; agency users their own organisation (workers never edit listings)."""
    if user is None or not user.is_authenticated or organization_id is None:
        return False
    if user.has_role("admin"):
        return True
    return user.has_role("agency") and user.organization_id == organization_id


def managed_organization_ids(user) -> list[str] | None:
    """None means every organisation (admins)."""
    if user.has_role("admin"):
        return None
    return [user.organization_id] if user.has_role("agency") and user.organization_id else []


def services_for(user, organization_id: str | None = None) -> list[Service]:
    query = (select(Service).options(selectinload(Service.organization))
             .order_by(Service.organization_id, Service.name_zh))
    scope = managed_organization_ids(user)
    if scope is not None:
        query = query.where(Service.organization_id.in_(scope))
    if organization_id:
        query = query.where(Service.organization_id == organization_id)
    return list(db.session.scalars(query))


def service_for(user, service_id: str) -> Service | None:
    service = db.session.get(Service, service_id)
    return service if service is not None and can_manage(user, service.organization_id) else None


def organization_for(user, organization_id: str | None) -> Organization | None:
    org = db.session.get(Organization, organization_id) if organization_id else None
    return org if org is not None and can_manage(user, org.id) else None


def locations_for(user, organization_id: str) -> list[Location]:
    if not can_manage(user, organization_id):
        return []
    return list(db.session.scalars(select(Location).where(Location.organization_id == organization_id)
                                   .order_by(Location.name_zh)))


def location_for(user, location_id: str) -> Location | None:
    location = db.session.get(Location, location_id)
    return location if location is not None and can_manage(user, location.organization_id) else None


def schedule_for(user, schedule_id: str) -> Schedule | None:
    schedule = db.session.get(Schedule, schedule_id)
    if schedule is None:
        return None
    service = schedule.service or (schedule.service_at_location.service if schedule.service_at_location else None)
    return schedule if service is not None and can_manage(user, service.organization_id) else None


def contact_for(user, contact_id: str) -> Contact | None:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        return None
    org_id = contact.organization_id or (contact.service.organization_id if contact.service else None)
    return contact if can_manage(user, org_id) else None


def phone_for(user, phone_id: str) -> Phone | None:
    phone = db.session.get(Phone, phone_id)
    if phone is None or phone.service is None:  # only service phones are edited here
        return None
    return phone if can_manage(user, phone.service.organization_id) else None


# --- one-click status updates -------------------------------------------------------------------

def _checked_by_agency(service: Service, now: datetime | None = None) -> datetime:
    """The agency just looked at this listing: a capacity or status update, like "still correct",
    counts as verifying it (otherwise "waiting list: 2 weeks" would sit next to "not verified for
    361 days"). The one place that says which updates verify a listing."""
    now = now or utcnow()
    service.verified_on = now.date()
    return now


def set_capacity(service: Service, status: str, wait_weeks: int | None = None,
                 now: datetime | None = None) -> None:
    if status not in ("accepting", "waitlist", "full"):
        raise ValueError(f"unknown capacity status {status!r}")
    if status == "waitlist" and (wait_weeks is None or not 0 < wait_weeks <= MAX_WAIT_WEEKS):
        raise ValueError("a waitlist needs a number of weeks")
    service.capacity_status = status
    service.wait_weeks = wait_weeks if status == "waitlist" else None
    service.capacity_updated_at = _checked_by_agency(service, now)
    db.session.flush()


def close_temporarily(service: Service, reopens_on: date | None) -> None:
    service.status = "temporarily_closed"
    service.reopens_on = reopens_on
    _checked_by_agency(service)
    db.session.flush()


def reopen(service: Service) -> None:
    service.status = "active"
    service.reopens_on = None
    _checked_by_agency(service)
    db.session.flush()


def confirm_current(service: Service, now: datetime | None = None) -> None:
    """"Still correct": the listing, capacity included, was checked by a person today."""
    service.capacity_updated_at = _checked_by_agency(service, now)
    db.session.flush()


# --- editing ------------------------------------------------------------------------------------

SERVICE_FIELDS = (
    "name_zh", "name_en", "alternate_name", "description_zh", "description_en", "url", "email",
    "application_process_zh", "application_process_en", "fees_description_zh", "fees_description_en",
    "eligibility_description_zh", "eligibility_description_en", "minimum_age", "maximum_age",
    "gender_eligibility", "residency_required", "interpretation_services", "accepts_referrals",
)
# The access facts (voluntary or compulsory, anonymous, police, guardian's consent): NULL is "not stated".
SERVICE_FIELDS += ("access_mode", "anonymous_access", "reports_to_police", "guardian_consent_required")  # ACCESS_FIELDS
# Who answers outside opening hours (the crisis path).
SERVICE_FIELDS += ("after_hours_phone",)
LOCATION_FIELDS = (
    "location_type", "name_zh", "name_en", "address_zh", "address_en", "city", "postal_code", "area_id",
    "latitude", "longitude", "transportation_zh", "transportation_en", "accessibility_zh", "accessibility_en",
)


def vocabulary_terms(vocabularies) -> dict[str, list[TaxonomyTerm]]:
    rows = db.session.scalars(select(TaxonomyTerm).join(Taxonomy).where(Taxonomy.name.in_(vocabularies))
                              .order_by(Taxonomy.name, TaxonomyTerm.position, TaxonomyTerm.code))
    grouped: dict[str, list[TaxonomyTerm]] = {v: [] for v in vocabularies}
    for term in rows:
        grouped[term.taxonomy.name].append(term)
    return grouped


def current_terms(service: Service) -> tuple[set[str], set[str]]:
    """(ids of terms the service serves, ids of terms its eligibility is restricted to)."""
    serves = {a.taxonomy_term_id for a in service.attributes if a.value == "serves"}
    only = {a.taxonomy_term_id for a in service.attributes if a.value == "only"}
    return serves, only


def require_own_locations(organization_id: str | None, location_ids) -> None:
    """The ownership rule: a service is delivered only at its own organisation's locations. Raises
    ``ForeignLocation`` (the listing form answers 403: its choices offer nothing else, so this is
    tampering; the admin shows the message)."""
    wanted = set(location_ids)
    if not wanted:
        return
    with db.session.no_autoflush:  # a new service is not in the session yet: nothing to write before asking
        owned = set(db.session.scalars(select(Location.id).where(Location.id.in_(wanted),
                                                                 Location.organization_id == organization_id)))
    if wanted - owned:
        raise ForeignLocation(_l("A service can only be delivered at its own organisation's locations."))


def require_location_serves_own(location: Location) -> None:
    """The same rule seen from a location (e.g. moved to another organisation in the admin): every
    service delivered there belongs to the location's organisation."""
    if location.id is None:
        return
    owners = set(db.session.scalars(select(Service.organization_id).join(ServiceAtLocation)
                                    .where(ServiceAtLocation.location_id == location.id)))
    if owners - {location.organization_id}:
        raise ForeignLocation(_l("Services of another organisation are delivered at this location."))


def save_service(service: Service, data: dict, location_ids: list[str], serves: set[str],
                 only: set[str]) -> Service:
    """Apply the edit form. Every location must belong to the service's organisation
    (``require_own_locations``); nothing is changed otherwise."""
    require_own_locations(service.organization_id, location_ids)
    if data.get("url"):  # the link rule holds whoever calls (the form reports it next to the field)
        data = {**data, "url": normalise_url(data["url"])}
    for field in SERVICE_FIELDS:
        if field in data:
            setattr(service, field, data[field])
    if service.id is None:
        db.session.add(service)
        db.session.flush()
    _set_locations(service, location_ids)
    _set_terms(service, serves, only)
    db.session.flush()
    return service


ACCESS_FIELDS = ("access_mode", "anonymous_access", "reports_to_police", "guardian_consent_required")


def set_access_facts(service: Service, **facts) -> Service:
    """Set some of the access facts (None: not stated). Only the facts named change; an unknown
    access mode is refused before anything changes."""
    unknown = set(facts) - set(ACCESS_FIELDS)
    if unknown:
        raise ValueError(f"not an access fact: {', '.join(sorted(unknown))}")
    if facts.get("access_mode") not in (None, *ACCESS_MODES):
        raise ValueError(f"unknown access mode {facts['access_mode']!r}")
    for field, value in facts.items():
        setattr(service, field, value)
    db.session.flush()
    return service


def _set_locations(service: Service, location_ids: list[str]) -> None:
    wanted = set(location_ids)
    for link in list(service.location_links):
        if link.location_id not in wanted:
            service.location_links.remove(link)
    have = {link.location_id for link in service.location_links}
    for location_id in sorted(wanted - have):
        service.location_links.append(ServiceAtLocation(location_id=location_id))


def _set_terms(service: Service, serves: set[str], only: set[str]) -> None:
    wanted = {(tid, "serves") for tid in serves} | {(tid, "only") for tid in only}
    editable = {term.id for terms in vocabulary_terms(SERVES_VOCABULARIES).values() for term in terms}
    # Links to terms outside the editable vocabularies (e.g. an imported one) are left alone.
    for attribute in list(service.attributes):
        if attribute.taxonomy_term_id in editable and (attribute.taxonomy_term_id, attribute.value) not in wanted:
            service.attributes.remove(attribute)
    have = {(a.taxonomy_term_id, a.value) for a in service.attributes}
    for term_id, value in sorted(wanted - have):
        service.attributes.append(Attribute(taxonomy_term_id=term_id, value=value))


def new_service(organization: Organization) -> Service:
    return Service(organization_id=organization.id, organization=organization, status="active",
                   capacity_status="unknown", verified_on=today())


def save_location(location: Location, data: dict) -> Location:
    for field in LOCATION_FIELDS:
        if field in data:
            setattr(location, field, data[field])
    if location.id is None:
        db.session.add(location)
    db.session.flush()
    return location


def add_schedule(service: Service, weekday: int, opens_at, closes_at, notes: str | None) -> Schedule:
    schedule = Schedule(service_id=service.id, weekday=weekday, opens_at=opens_at, closes_at=closes_at,
                        notes=notes or None)
    db.session.add(schedule)
    db.session.flush()
    return schedule


def delete_record(obj) -> None:
    db.session.delete(obj)
    db.session.flush()


def save_contact(contact: Contact, name: str, title: str | None, email: str | None,
                 phone_number: str | None) -> Contact:
    contact.name, contact.title, contact.email = name, title or None, email or None
    if contact.id is None:
        db.session.add(contact)
        db.session.flush()
    phone = contact.phones[0] if contact.phones else None
    if phone_number and phone is None:
        contact.phones.append(Phone(number=phone_number, type="voice"))
    elif phone_number:
        phone.number = phone_number
    elif phone is not None:
        contact.phones.remove(phone)
    db.session.flush()
    return contact


def contact_fingerprint(contact: Contact) -> str:
    """Contacts have no version column: the edit form carries this instead, so that a save over a
    change made meanwhile is refused, not silently overwritten."""
    import hashlib

    phone = contact.phones[0].number if contact.phones else ""
    raw = "\x1f".join(str(v or "") for v in (contact.name, contact.title, contact.email, phone))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def add_phone(service: Service, number: str, extension: str | None, kind: str, description: str | None) -> Phone:
    phone = Phone(service_id=service.id, number=number, extension=extension or None, type=kind,
                  description=description or None)
    db.session.add(phone)
    db.session.flush()
    return phone


# --- freshness ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaleListing:
    service_id: str
    name_zh: str
    name_en: str | None
    days: int | None  # None: never verified


def stale_listings(stale_after_days: int, on: date | None = None) -> dict[str, list[StaleListing]]:
    """Per organisation id, its listings not verified for more than ``stale_after_days`` (defunct ones
    are left out: nobody needs to confirm a service that no longer exists)."""
    on = on or today()
    rows = db.session.execute(
        select(Service.id, Service.organization_id, Service.name_zh, Service.name_en, Service.verified_on)
        .where(Service.status != "defunct", freshness.stale_clause(Service.verified_on, on, stale_after_days))
        .order_by(Service.organization_id, Service.verified_on.is_(None).desc(), Service.verified_on, Service.name_zh)
    )
    grouped: dict[str, list[StaleListing]] = {}
    for sid, org_id, name_zh, name_en, verified in rows:
        days = freshness.days_since(verified, on)
        grouped.setdefault(org_id, []).append(StaleListing(sid, name_zh, name_en, days))
    return grouped


# --- problem reports ----------------------------------------------------------------------------

def report_problem(service: Service, kind: str, text: str | None, reporter=None, client_address: str | None = None,
                   now: datetime | None = None) -> ProblemReport:
    """Anyone may report a problem, within limits counted in the database (so they hold across
    sessions, logins and worker processes): ``REPORTS_PER_HOUR`` per signed-in user, or per client
    address for anonymous visitors (kept as a keyed hash, never the address), and
    ``ANONYMOUS_REPORTS_PER_SERVICE_PER_HOUR`` anonymous reports per service. Raises
    ``TooManyReports``."""
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    anonymous = reporter is None or not reporter.is_authenticated
    sender_key = keyed_hash("problem-report", client_address or "unknown") if anonymous else None
    if anonymous:
        over = (_reports_since(ProblemReport.reporter_key == sender_key, hour_ago) >= REPORTS_PER_HOUR
                or recent_anonymous_reports(service.id, hour_ago) >= ANONYMOUS_REPORTS_PER_SERVICE_PER_HOUR)
    else:
        over = _reports_since(ProblemReport.reporter_id == reporter.id, hour_ago) >= REPORTS_PER_HOUR
    if over:
        raise TooManyReports()
    report = ProblemReport(service_id=service.id, kind=kind, text=(text or "").strip() or None,
                           reporter_id=None if anonymous else reporter.id, reporter_key=sender_key, created_at=now)
    db.session.add(report)
    db.session.flush()
    return report


def _reports_since(sender, since: datetime) -> int:
    return db.session.scalar(select(func.count(ProblemReport.id)).where(
        sender, ProblemReport.created_at >= since)) or 0


def recent_anonymous_reports(service_id: str, since: datetime) -> int:
    return db.session.scalar(select(func.count(ProblemReport.id)).where(
        ProblemReport.service_id == service_id, ProblemReport.reporter_id.is_(None),
        ProblemReport.created_at >= since)) or 0


def reports_for(user, status: str | None = "open") -> list[ProblemReport]:
    query = (select(ProblemReport).join(Service).options(selectinload(ProblemReport.service))
             .order_by(ProblemReport.created_at.desc()).limit(500))
    scope = managed_organization_ids(user)
    if scope is not None:
        query = query.where(Service.organization_id.in_(scope))
    if status:
        query = query.where(ProblemReport.status == status)
    return list(db.session.scalars(query))


def report_for(user, report_id: int) -> ProblemReport | None:
    report = db.session.get(ProblemReport, report_id)
    return report if report is not None and can_manage(user, report.service.organization_id) else None


def close_report(report: ProblemReport, user, outcome: str, note: str) -> ProblemReport:
    if outcome not in ("resolved", "rejected"):
        raise ValueError(f"unknown outcome {outcome!r}")
    if report.status != "open":
        raise ValueError("report already closed")
    report.status = outcome
    report.resolution_note = note.strip()
    report.resolved_by_id = user.id
    report.resolved_at = utcnow()
    db.session.flush()
    return report


def reports_by(user) -> list[ProblemReport]:
    return list(db.session.scalars(select(ProblemReport).where(ProblemReport.reporter_id == user.id)
                                   .options(selectinload(ProblemReport.service))
                                   .order_by(ProblemReport.created_at.desc()).limit(200)))


# --- the after-hours phone (crisis path) ---------------------------------------------------------

def set_after_hours_phone(service: Service, number: str | None) -> None:
    """Who answers outside the service's opening hours, on its own (the listing form saves it with
    the other fields, through ``save_service``); empty clears it. Raises ``BadPhone``."""
    number = (number or "").strip() or None
    if number is not None and not re.match(PHONE_PATTERN, number):
        raise BadPhone(number)
    service.after_hours_phone = number
    db.session.flush()
