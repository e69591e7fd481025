"""Small, explicit factories for the main entities, so a test builds exactly the world it talks
about instead of loading the demo city.

Each function takes the session's defaults for everything the test does not care about, adds the
rows, flushes (never commits: the test, or the ``world`` fixture, decides) and returns the model.
Use them inside an app context, usually through the ``world`` fixture of ``tests/conftest.py``::

    def test_agency_cannot_edit_another_organisations_service(world):
        own, other = world.organization("Ours"), world.organization("Theirs")
        agency = world.user("agency", org=own)
        service = world.service(other)
        page = world.sign_in(agency).get(f"/listings/services/{service.id}")
        assert page.status_code == 404

Names are unique per call (a counter), so several calls never collide on a unique column.
"""
from __future__ import annotations

import functools
import itertools
import uuid
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import ORG_BOUND_ROLES, User
from portal.accounts.passwords import hash_password
from portal.common import today, utcnow
from portal.directory.models import (
    Area,
    Attribute,
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from portal.extensions import db
from portal.referrals.models import Client, Consent, Referral, ReferralNeed

PASSWORD = "factory-password-2026"

_serial = itertools.count(1)


def _n() -> int:
    return next(_serial)


def area(level: str = "district", parent: Area | None = None, name: str | None = None,
         latitude: float | None = 30.55, longitude: float | None = 114.30) -> Area:
    """An area of the city → district → street → community ladder."""
    n = _n()
    row = Area(code=f"T-{level[:3].upper()}-{n}", name_zh=name or f"测试{level}{n}", name_en=name or f"Test {level} {n}",
               level=level, parent_id=parent.id if parent else None, latitude=latitude, longitude=longitude)
    db.session.add(row)
    db.session.flush()
    return row


def term(vocabulary: str, code: str) -> TaxonomyTerm:
    """The term ``code`` of ``vocabulary`` (``category``, ``population``…), created if missing."""
    taxonomy = db.session.scalar(select(Taxonomy).where(Taxonomy.name == vocabulary))
    if taxonomy is None:
        taxonomy = Taxonomy(name=vocabulary)
        db.session.add(taxonomy)
        db.session.flush()
    found = db.session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy.id,
                                                         TaxonomyTerm.code == code))
    if found is None:
        found = TaxonomyTerm(taxonomy_id=taxonomy.id, code=code, name_zh=code, name_en=code.replace("_", " "))
        db.session.add(found)
        db.session.flush()
    return found


def organization(name: str | None = None, **fields) -> Organization:
    n = _n()
    row = Organization(name_zh=name or f"测试机构{n}", name_en=name or f"Test organisation {n}",
                       verified_on=fields.pop("verified_on", today()), **fields)
    db.session.add(row)
    db.session.flush()
    return row


def location(org: Organization, area_: Area | None = None, latitude: float = 30.55, longitude: float = 114.30,
             **fields) -> Location:
    n = _n()
    row = Location(organization_id=org.id, name_zh=fields.pop("name_zh", f"测试地点{n}"),
                   area_id=area_.id if area_ else None, latitude=latitude, longitude=longitude, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def service(org: Organization, name: str | None = None, *, at: Location | None = None,
            categories: tuple[str, ...] = (), only: dict[str, tuple[str, ...]] | None = None,
            areas: tuple[Area, ...] = (), verified_on: date | None = None, **fields) -> Service:
    """A service of ``org``; ``at`` links it to a location, ``categories`` adds ``serves`` links to
    category terms, ``only`` restricts eligibility (``{"population": ("women",)}``), ``areas`` adds
    service-area rows. Verified today unless ``verified_on`` is given."""
    n = _n()
    row = Service(organization_id=org.id, name_zh=name or f"测试服务{n}", name_en=name or f"Test service {n}",
                  verified_on=verified_on if verified_on is not None else today(), **fields)
    db.session.add(row)
    db.session.flush()
    if at is not None:
        db.session.add(ServiceAtLocation(service_id=row.id, location_id=at.id))
    for code in categories:
        db.session.add(Attribute(service_id=row.id, taxonomy_term_id=term("category", code).id, value="serves"))
    for vocabulary, codes in (only or {}).items():
        for code in codes:
            db.session.add(Attribute(service_id=row.id, taxonomy_term_id=term(vocabulary, code).id, value="only"))
    for served in areas:
        db.session.add(ServiceArea(service_id=row.id, area_id=served.id))
    db.session.flush()
    return row


def user(*roles: str, org: Organization | None = None, area_: Area | None = None, email: str | None = None,
         password: str = PASSWORD) -> User:
    """A user holding ``roles`` (``worker`` if none); ``worker``/``agency`` users need ``org``.
    Signs in with ``password``. The hash is computed once per password (argon2 is slow on purpose)."""
    roles = roles or ("worker",)
    if set(roles) & set(ORG_BOUND_ROLES) and org is None:
        raise ValueError("worker and agency users belong to an organisation: pass org=")
    n = _n()
    made = User(email=email or f"user{n}-{uuid.uuid4().hex[:6]}@test.local", name=f"Test user {n}",
                password_hash=_hash(password), organization_id=org.id if org else None,
                area_id=area_.id if area_ else None)
    made.set_roles(roles)
    db.session.add(made)
    db.session.flush()
    return made


@functools.cache
def _hash(password: str) -> str:
    return hash_password(password)


def client(org: Organization, area_: Area | None = None, *, phone: str | None = None, **fields) -> Client:
    """A pseudonymous client recorded by ``org``; ``phone`` records contact details (with agreement)."""
    n = _n()
    row = Client(code=fields.pop("code", f"T{n:06d}"), organization_id=org.id, area_id=area_.id if area_ else None,
                 birth_year=fields.pop("birth_year", 1980), contact_phone=phone,
                 contact_consent_on=today() if phone else None, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def consent(client_: Client, to: Organization, items: tuple[str, ...] = ("referral",),
            referral_: Referral | None = None, days: int = 365) -> Consent:
    row = Consent(client_id=client_.id, organization_id=to.id, referral_id=referral_.id if referral_ else None,
                  items=",".join(items), purpose="test referral", given_on=today(),
                  expires_on=today() + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    return row


def referral(client_: Client, to: Service, by=None, *, status: str = "sent", needs: tuple[str, ...] = (),
             urgency: str = "routine", reason: str | None = "test reason", **fields) -> Referral:
    """A referral of ``client_`` to the service ``to``, in ``status`` (a sent one has ``sent_at``).
    Built directly, without the state machine: use the referral operations to test transitions."""
    fields.setdefault("sent_at", None if status == "draft" else utcnow())
    row = Referral(client_id=client_.id, from_organization_id=client_.organization_id,
                   from_user_id=by.id if by else None, sender_handoff_id=by.id if by else None,
                   service_id=to.id, to_organization_id=to.organization_id, area_id=client_.area_id,
                   status=status, urgency=urgency, reason=reason, **fields)
    db.session.add(row)
    db.session.flush()
    for code in needs:
        db.session.add(ReferralNeed(referral_id=row.id, category_code=code))
    db.session.flush()
    return row


class _OwnContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own. Without it a request
    would reuse the app context the ``world`` fixture keeps open for the factories, and with it
    that context's ``g`` (the signed-in user of the previous request) and database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class World:
    """The factories bound to one app: ``world.service(org)`` … inside the app context the
    ``world`` fixture keeps open. ``world.commit()`` makes the rows visible to the test client."""

    area = staticmethod(area)
    term = staticmethod(term)
    organization = staticmethod(organization)
    location = staticmethod(location)
    service = staticmethod(service)
    user = staticmethod(user)
    client = staticmethod(client)
    consent = staticmethod(consent)
    referral = staticmethod(referral)
    PASSWORD = PASSWORD

    def __init__(self, app) -> None:
        self.app = app

    @staticmethod
    def commit() -> None:
        db.session.commit()

    def sign_in(self, user_, password: str = PASSWORD):
        """A test client signed in as ``user_`` (commits first, so the request sees every row)."""
        from tests.conftest import login

        db.session.commit()
        http = _OwnContextClient(self.app, self.app.response_class, use_cookies=True)
        response = login(http, user_.email, password)
        assert response.status_code == 302, f"could not sign in as {user_.email}"
        return http
