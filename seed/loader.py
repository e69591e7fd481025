"""Load the demo data in seed/data/ into the database.

``load_demo(session)`` loads vocabularies, areas, organisations, services and the demo users;
``load_taxonomies(session)`` makes sure the portal's own vocabularies (``portal/vocab``) are there.

Rules:
- Idempotent: every row has a deterministic id (uuid5 over a fixed namespace and a stable key; areas
  and taxonomy terms are found by their codes, users by email), so a second run finds the rows of
  the first instead of adding copies.
- Two modes. By default it *tops up*: whatever is missing is created, whatever is present is left
  exactly as it is, so ``make run`` can load it on every start without undoing what people changed
  in the demo. The unit is a record with its details: a service already present keeps its edited
  hours and its deleted phones stay deleted. With ``refresh=True`` it *resets*: seeded rows are
  brought back to the data files, child rows of seeded services that the files do not list are
  removed and the demo users get their demo roles and passwords back. Rows the seed never created
  are never touched.
- Dates in the files are relative ("verified 40 days ago") and resolved against ``today`` when a
  row is written, so the share of stale listings is realistic on the day the demo is loaded.
- It flushes, never commits: the caller (``flask seed demo``, a test) commits once.
- It never touches the search index (no outbox rows either): run ``flask index rebuild`` (or
  ``flask index ensure``) afterwards.
"""
from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.operations import create_user, set_password
from portal.accounts.passwords import verify_password
from portal.common import as_aware
from portal.common import today as utc_today
from portal.directory.models import (
    Area,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from portal.session_context import using

DATA_DIR = Path(__file__).parent / "data"

# Fixed namespace for the demo's uuid5 ids. Never change it: ids would change and a second load
# would duplicate everything instead of finding it.
SEED_NAMESPACE = uuid.UUID("5b6c3f0e-8a61-4d1e-9c1a-6a1f0d2c7e42")

# Local time of the fictional city (China has no daylight saving time).
CITY_TZ = timezone(timedelta(hours=8))


class DemoUser(NamedTuple):
    """A demo login. A tuple so scripts can print ``u[0]``, ``u[1]``, ``u[3]`` (email, password,
    description) without importing anything else."""

    email: str
    password: str  # demo only: printed by ``flask seed demo``, ``make run`` and the README
    roles: tuple[str, ...]
    description: str
    name: str
    organization: str | None = None  # organisation key in seed/data/organizations.json
    area: str | None = None  # area code in seed/data/areas.json


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@demo.local", "demo-admin-2026", ("admin",),
             "系统管理员 / administrator", "林思远"),
    DemoUser("coordinator@demo.local", "demo-coordinator-2026", ("coordinator",),
             "全市协调员 / coordinator for the whole city (江澜市)", "周晓岚", area="JL"),
    DemoUser("coordinator2@demo.local", "demo-coordinator-2026", ("coordinator",),
             "凤岭区协调员 / coordinator for 凤岭区 (no methadone clinic in the district)", "孙浩然", area="JL-11"),
    DemoUser("worker@demo.local", "demo-worker-2026", ("worker",),
             "禁毒社工 / drug social worker, 江澜市江滨区禁毒社会工作服务站", "陈静怡", organization="drug-sw-jiangbin"),
    DemoUser("agency@demo.local", "demo-agency-2026", ("agency",),
             "机构人员 / agency staff, 江滨区疾病预防控制中心美沙酮维持治疗门诊", "何明哲", organization="mmt-jiangbin"),
    DemoUser("agency2@demo.local", "demo-agency-2026", ("agency",),
             "机构人员 / agency staff, 民乐街道精神障碍社区康复站", "许雅婷", organization="dpf-rehab-jiangbin"),
)


def seed_id(kind: str, key: str) -> str:
    """The deterministic id of a seeded row."""
    return str(uuid.uuid5(SEED_NAMESPACE, f"{kind}:{key}"))


@lru_cache(maxsize=None)
def read_data(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


# --- entry points ----------------------------------------------------------------------------------


def load_demo(session, today: date | None = None, refresh: bool = False) -> dict[str, int]:
    """Load the demo (top up; ``refresh=True``: reset seeded rows). Returns the number of seeded
    rows per kind, the same on every run.

    ``session`` must be ``db.session``: users are created through ``create_user``, which uses it."""
    with _seeding(session):
        return _load_demo(session, today or utc_today(), refresh)


@contextmanager
def _seeding(session):
    """Mark the session's flushes as seeding while loading: no search outbox rows (the index is
    rebuilt afterwards, in one pass, instead of being fed ~300 services one by one) and audit
    events carry the reason ``seed_demo``."""
    with using(session, skip_outbox=True, audit_reason="seed_demo"):
        yield


def _load_demo(session, today: date, refresh: bool) -> dict[str, int]:
    terms = load_taxonomies(session, refresh=refresh)
    areas = load_areas(session, refresh=refresh)
    counts = {
        "taxonomies": len(terms),
        "taxonomy_terms": sum(len(v) for v in terms.values()),
        "areas": len(areas),
    }
    counts.update(load_directory(session, areas, terms, today, refresh=refresh))
    counts["users"] = load_users(session, refresh=refresh)
    return counts


def load_taxonomies(session, refresh: bool = False) -> dict[str, dict[str, TaxonomyTerm]]:
    """The portal's vocabularies ({vocabulary: {code: term}}). They are part of the product
    (``portal/vocab``, installed by the migrations and ``flask vocab install``); the demo only makes
    sure they are there, with the same ids. Labels of existing terms change only with ``refresh``."""
    from portal.vocab.install import install_vocabularies

    return install_vocabularies(session, refresh=refresh)


def load_areas(session, refresh: bool = False) -> dict[str, Area]:
    """City, districts, streets and communities; returns {code: area}. Parents come first in the file."""
    rows = read_data("areas.json")["areas"]
    existing = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_([r["code"] for r in rows])))}
    for row in rows:
        fields = {"name_zh": row["name_zh"], "name_en": row["name_en"], "level": row["level"],
                  "parent": existing[row["parent"]] if row["parent"] else None,
                  "latitude": row["latitude"], "longitude": row["longitude"]}
        area = existing.get(row["code"])
        if area is None:
            existing[row["code"]] = area = Area(code=row["code"], **fields)
            session.add(area)
        elif refresh:
            _update(area, fields)
    session.flush()  # area ids are integers assigned by the database; locations need them
    return {r["code"]: existing[r["code"]] for r in rows}


def load_directory(session, areas: dict[str, Area], terms: dict[str, dict[str, TaxonomyTerm]],
                   today: date, refresh: bool = False) -> dict[str, int]:
    """Organisations, locations, services and every detail row. Returns counts per kind."""
    plan = _Plan()
    for org in read_data("organizations.json")["organizations"]:
        _plan_organization(plan, org, areas, today)
    for service in read_data("services.json")["services"]:
        _plan_service(plan, service, areas, terms, today)
    plan.apply(session, refresh)
    if refresh:
        _prune_service_children(session, plan)
        session.flush()
    return plan.counts()


def load_users(session, refresh: bool = False) -> int:
    """Create the missing demo users; with ``refresh``, also give existing ones back their demo
    roles, binding and password."""
    areas = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_([u.area for u in DEMO_USERS if u.area])))}
    for demo in DEMO_USERS:
        org_id = seed_id("organization", demo.organization) if demo.organization else None
        area_id = areas[demo.area].id if demo.area else None
        user = session.scalar(select(User).where(User.email == demo.email))
        if user is None:
            create_user(demo.email, demo.name, demo.password, demo.roles, organization_id=org_id, area_id=area_id)
        elif refresh:
            user.set_roles(demo.roles)
            _update(user, {"organization_id": org_id, "area_id": area_id, "active": True, "name": demo.name})
            if not verify_password(user.password_hash, demo.password):
                set_password(user, demo.password)
    session.flush()
    return len(DEMO_USERS)


# --- planning rows ---------------------------------------------------------------------------------


class _Plan:
    """Rows to write, as (model, id, fields), grouped by model in insertion order.

    Each row belongs to a *unit*: an organisation (with its phones and locations) or a service (with
    its sites, hours, phones, contacts, …). A root row starts a unit; the rows added after it belong
    to it. Topping up works per unit: a unit already in the database is left as it is, whole."""

    ROOTS = (Organization, Service)

    def __init__(self):
        self.rows: dict[type, dict[str, tuple[str, dict]]] = {}
        self._unit: str | None = None

    def add(self, model: type, row_id: str, **fields) -> str:
        if model in self.ROOTS:
            self._unit = row_id
        self.rows.setdefault(model, {})[row_id] = (self._unit, fields)
        return row_id

    def ids(self, model: type) -> set[str]:
        return set(self.rows.get(model, {}))

    def apply(self, session, refresh: bool) -> None:
        # No autoflush while rows are added: a half-added plan (phones before their locations)
        # must not be flushed. The final flush orders inserts by foreign keys.
        with session.no_autoflush:
            if refresh:
                self._refresh(session)
            else:
                self._top_up(session)
        session.flush()

    def _refresh(self, session) -> None:
        """Create missing rows and bring existing ones back to the data files."""
        for model, rows in self.rows.items():
            existing = _fetch(session, model, list(rows))
            for row_id, (_unit, fields) in rows.items():
                obj = existing.get(row_id)
                if obj is None:
                    session.add(model(id=row_id, **fields))
                else:
                    _update(obj, fields)

    def _top_up(self, session) -> None:
        """Create the units that are missing; leave present ones (and whatever was edited or deleted
        in them since) alone."""
        present = {model: _existing_ids(session, model, list(rows)) for model, rows in self.rows.items()}
        kept_units = set().union(*(present.get(model, set()) for model in self.ROOTS))
        locations = present.get(Location, set()) | {
            row_id for row_id, (unit, _f) in self.rows.get(Location, {}).items() if unit not in kept_units}
        skipped_sites = set()
        for model, rows in self.rows.items():
            for row_id, (unit, fields) in rows.items():
                if unit in kept_units or row_id in present[model]:
                    continue
                # A new service may point at a location its organisation has deleted meanwhile.
                if model is ServiceAtLocation and fields["location_id"] not in locations:
                    skipped_sites.add(row_id)
                    continue
                if model is Schedule and fields["service_at_location_id"] in skipped_sites:
                    continue
                session.add(model(id=row_id, **fields))

    def counts(self) -> dict[str, int]:
        names = {Organization: "organizations", Location: "locations", Service: "services",
                 ServiceAtLocation: "service_at_locations", Schedule: "schedules", Phone: "phones",
                 Contact: "contacts", Language: "languages", CostOption: "cost_options",
                 RequiredDocument: "required_documents", ServiceArea: "service_areas", Attribute: "attributes"}
        return {name: len(self.rows.get(model, {})) for model, name in names.items()}


def _plan_organization(plan: _Plan, org: dict, areas: dict[str, Area], today: date) -> None:
    org_id = plan.add(
        Organization, seed_id("organization", org["key"]),
        name_zh=org["name_zh"], name_en=org["name_en"], alternate_name=org["alternate_name"],
        description_zh=org["description_zh"], description_en=org["description_en"],
        email=org["email"], website=org["website"], legal_status=org["legal_status"],
        department=org["department"], verified_on=today - timedelta(days=org["verified_days_ago"]),
    )
    for i, phone in enumerate(org["phones"]):
        plan.add(Phone, seed_id("phone", f"organization:{org['key']}:{i}"), organization_id=org_id,
                 number=phone["number"], type=phone["type"], description=phone["description"])
    for loc in org["locations"]:
        loc_id = plan.add(
            Location, seed_id("location", loc["key"]), organization_id=org_id, location_type=loc["type"],
            name_zh=loc["name_zh"], name_en=loc["name_en"], address_zh=loc["address_zh"],
            address_en=loc["address_en"], city="江澜市" if loc["area"] else None, postal_code=loc["postal_code"],
            area_id=areas[loc["area"]].id if loc["area"] else None,
            latitude=loc["latitude"], longitude=loc["longitude"],
            transportation_zh=loc["transportation_zh"], transportation_en=loc["transportation_en"],
            accessibility_zh=loc["accessibility_zh"], accessibility_en=loc["accessibility_en"],
        )
        for i, phone in enumerate(loc["phones"]):
            plan.add(Phone, seed_id("phone", f"location:{loc['key']}:{i}"), location_id=loc_id,
                     number=phone["number"], type=phone["type"], description=phone["description"])


def _plan_service(plan: _Plan, s: dict, areas: dict[str, Area], terms: dict[str, dict[str, TaxonomyTerm]],
                  today: date) -> None:
    key = s["key"]
    service_id = plan.add(Service, seed_id("service", key), **_service_fields(s, today))
    site_ids = {}
    for loc_key in s["locations"]:
        site_ids[loc_key] = plan.add(ServiceAtLocation, seed_id("service_at_location", f"{key}@{loc_key}"),
                                     service_id=service_id, location_id=seed_id("location", loc_key))
    for row in s["schedules"]:
        # Hours hang on the service, or on one site when the service runs at several.
        parent = ({"service_at_location_id": site_ids[row["location"]], "service_id": None} if row["location"]
                  else {"service_id": service_id, "service_at_location_id": None})
        for weekday in row["weekdays"]:
            plan.add(Schedule, seed_id("schedule", f"{key}:{row['location'] or '-'}:{weekday}:{row['opens']}"),
                     weekday=weekday, opens_at=time.fromisoformat(row["opens"]),
                     closes_at=time.fromisoformat(row["closes"]), notes=row["notes"], **parent)
    for i, phone in enumerate(s["phones"]):
        plan.add(Phone, seed_id("phone", f"service:{key}:{i}"), service_id=service_id,
                 number=phone["number"], type=phone["type"], description=phone["description"])
    for i, contact in enumerate(s["contacts"]):
        contact_id = plan.add(Contact, seed_id("contact", f"{key}:{i}"), service_id=service_id,
                              name=contact["name"], title=contact["title"], department=contact["department"],
                              email=contact["email"])
        for j, phone in enumerate(contact["phones"]):
            plan.add(Phone, seed_id("phone", f"contact:{key}:{i}:{j}"), contact_id=contact_id,
                     number=phone["number"], extension=phone["extension"], type="voice", description=None)
    for lang in s["languages"]:
        plan.add(Language, seed_id("language", f"{key}:{lang['code']}"), service_id=service_id,
                 code=lang["code"], name=lang["name"])
    for i, cost in enumerate(s["costs"]):
        plan.add(CostOption, seed_id("cost_option", f"{key}:{i}"), service_id=service_id, kind=cost["kind"],
                 amount=cost["amount"], currency="CNY", description_zh=cost["description_zh"],
                 description_en=cost["description_en"])
    for i, doc in enumerate(s["documents"]):
        plan.add(RequiredDocument, seed_id("required_document", f"{key}:{i}"), service_id=service_id,
                 document_zh=doc["zh"], document_en=doc["en"])
    for code in s["service_areas"]:
        area = areas[code]
        plan.add(ServiceArea, seed_id("service_area", f"{key}:{code}"), service_id=service_id,
                 area_id=area.id, name=area.name_zh)
    for vocabulary, codes in s["taxonomy"].items():
        # Lists mean "serves"; mappings give the value per term ("serves" or "only").
        values = codes if isinstance(codes, dict) else dict.fromkeys(codes, "serves")
        for code, value in values.items():
            plan.add(Attribute, seed_id("attribute", f"{key}:{vocabulary}:{code}"), service_id=service_id,
                     taxonomy_term_id=terms[vocabulary][code].id, value=value)


def _service_fields(s: dict, today: date) -> dict:
    fields = {name: s[name] for name in (
        "name_zh", "name_en", "description_zh", "description_en", "url", "email", "status",
        "application_process_zh", "application_process_en", "fees_description_zh", "fees_description_en",
        "eligibility_description_zh", "eligibility_description_en", "minimum_age", "maximum_age",
        "gender_eligibility", "residency_required", "interpretation_services", "capacity_status",
        "wait_weeks", "capacity_available", "capacity_maximum", "capacity_notes", "accepts_referrals",
    )}
    fields["organization_id"] = seed_id("organization", s["organization"])
    fields["verified_on"] = today - timedelta(days=s["verified_days_ago"])
    fields["reopens_on"] = today + timedelta(days=s["reopens_in_days"]) if s["reopens_in_days"] else None
    fields["capacity_updated_at"] = _capacity_time(s["capacity_updated"], today)
    return fields


def _capacity_time(updated: dict | None, today: date) -> datetime | None:
    """A local time some days ago, stored in UTC. days_ago >= 1 keeps it in the past at any hour."""
    if updated is None:
        return None
    local = datetime.combine(today - timedelta(days=updated["days_ago"]), time.fromisoformat(updated["time"]),
                             tzinfo=CITY_TZ)
    return local.astimezone(timezone.utc)


# --- database helpers ------------------------------------------------------------------------------

_CHUNK = 500  # ids per IN (…) query: well below SQLite's and PostgreSQL's parameter limits


def _existing_ids(session, model: type, ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(ids), _CHUNK):
        found.update(session.scalars(select(model.id).where(model.id.in_(ids[start:start + _CHUNK]))))
    return found


def _fetch(session, model: type, ids: list[str]) -> dict[str, object]:
    found = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update((obj.id, obj) for obj in session.scalars(select(model).where(model.id.in_(chunk))))
    return found


def _update(obj, fields: dict) -> None:
    """Set only what differs, so an unchanged row is not rewritten (and its version not bumped)."""
    for name, value in fields.items():
        current = getattr(obj, name)
        if isinstance(value, datetime) and isinstance(current, datetime):
            same = as_aware(current) == as_aware(value)
        else:
            same = current == value and (current is None) == (value is None)
        if not same:
            setattr(obj, name, value)


def _prune_service_children(session, plan: _Plan) -> None:
    """Delete detail rows of seeded services that the data files no longer list."""
    service_ids = list(plan.ids(Service))
    site_ids = list(plan.ids(ServiceAtLocation))
    owned = [
        (ServiceAtLocation, ServiceAtLocation.service_id, service_ids),
        (Schedule, Schedule.service_id, service_ids),
        (Schedule, Schedule.service_at_location_id, site_ids),
        (Phone, Phone.service_id, service_ids),
        (Contact, Contact.service_id, service_ids),
        (Language, Language.service_id, service_ids),
        (CostOption, CostOption.service_id, service_ids),
        (RequiredDocument, RequiredDocument.service_id, service_ids),
        (ServiceArea, ServiceArea.service_id, service_ids),
        (Attribute, Attribute.service_id, service_ids),
    ]
    for model, column, parent_ids in owned:
        keep = plan.ids(model)
        for start in range(0, len(parent_ids), _CHUNK):
            chunk = parent_ids[start:start + _CHUNK]
            for obj in session.scalars(select(model).where(column.in_(chunk))):
                if obj.id not in keep:
                    session.delete(obj)
