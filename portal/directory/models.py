"""The directory: organisations, locations, services and their details, aligned with Open Referral
HSDS 3.0. Table and field names follow HSDS where HSDS has the concept; our additions are
bilingual fields (``*_zh`` / ``*_en``), areas, capacity, freshness and optimistic locking.

Invariants live here as database constraints so that no path (form, admin, import, API) can break
them: age ranges, coordinates, enumerations, one parent per child row, unique taxonomy codes.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common import TimestampMixin, UUIDMixin, as_aware, today
from ..extensions import db
from ..i18n_fields import BilingualMixin
from . import freshness

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily_closed")
CAPACITY_STATUSES = ("accepting", "waitlist", "full", "unknown")
COST_KINDS = ("free", "sliding_scale", "insurance", "subsidy", "fixed_fee")
AREA_LEVELS = ("city", "district", "street", "community")
GENDER_ELIGIBILITY = ("all", "female", "male")
PHONE_TYPES = ("voice", "hotline", "text", "fax", "cell")
ATTRIBUTE_VALUES = ("serves", "only")  # "only": eligibility is restricted to this term
# Where a link came from. NULL: stated (entered by staff, or the dataset linked our own term);
# "mapped": a crosswalk row mapped an imported term onto ours; "inferred": proposed from the term
# names and the service's own text (shown as such until the agency or an admin confirms it);
# "confirmed": an inferred or mapped link a person confirmed.
ATTRIBUTE_ORIGINS = ("mapped", "inferred", "confirmed")
# Service facts that decide whether people come (unknown is NULL, never "no").
ACCESS_MODES = ("voluntary", "compulsory")
VOCABULARIES = ("category", "care_stage", "population", "condition", "delivery_mode", "department")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _lat_lon_checks() -> tuple[CheckConstraint, CheckConstraint]:
    return (
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
    )


def _one_parent(*columns: str) -> CheckConstraint:
    """Exactly one of the given foreign keys is set (child rows hang on one parent)."""
    expr = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns)
    return CheckConstraint(f"{expr} = 1", name="one_parent")


def lineage_of(area) -> list:
    """An area and its ancestors, nearest first (for an Area, or any object with ``parent``, such as
    the search index's row views)."""
    chain, node = [], area
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def location_point(latitude, longitude, area) -> tuple[float, float] | None:
    """Where a location is on the map: its own coordinates, else its area's centroid, else unknown."""
    if latitude is not None and longitude is not None:
        return (latitude, longitude)
    if area is not None and area.latitude is not None:
        return (area.latitude, area.longitude)
    return None


class Area(db.Model, BilingualMixin):
    """City → district → street → community, with a centroid used for distances."""

    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint(_in("level", AREA_LEVELS), name="level_known"),
        *_lat_lon_checks(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name_zh: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent")

    def __str__(self) -> str:
        return str(self.t("name"))

    def lineage(self) -> list[Area]:
        """This area and its ancestors, nearest first."""
        return lineage_of(self)

    def district(self) -> Area | None:
        return next((a for a in self.lineage() if a.level == "district"), None)


class Taxonomy(UUIDMixin, db.Model):
    """A vocabulary: category, care_stage, population, condition, delivery_mode, department, or an
    imported one."""

    __tablename__ = "taxonomy"

    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[str | None] = mapped_column(String(40))

    terms: Mapped[list[TaxonomyTerm]] = relationship(back_populates="taxonomy")

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(UUIDMixin, BilingualMixin, db.Model):
    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="uq_taxonomy_term_taxonomy_code"),)

    code: Mapped[str] = mapped_column(String(80), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    taxonomy_id: Mapped[str] = mapped_column(ForeignKey("taxonomy.id", ondelete="CASCADE"), nullable=False, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_term.id", ondelete="SET NULL"), index=True)
    # Order within the vocabulary; for care_stage it is the position in the continuum of care.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    taxonomy: Mapped[Taxonomy] = relationship(back_populates="terms")
    parent: Mapped[TaxonomyTerm | None] = relationship(remote_side="TaxonomyTerm.id")

    @property
    def vocabulary(self) -> str:
        return self.taxonomy.name

    def __str__(self) -> str:
        return f"{self.t('name')}"


class Organization(UUIDMixin, TimestampMixin, BilingualMixin, db.Model):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("network_level IS NULL OR " + _in("network_level", AREA_LEVELS), name="network_level_known"),
    )

    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    alternate_name: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    legal_status: Mapped[str | None] = mapped_column(String(120))
    # Code of a term in the ``department`` vocabulary (health, civil affairs, DPF, justice, …).
    department: Mapped[str | None] = mapped_column(String(40), index=True)
    # Where the organisation sits in the city -> district -> street -> community network (AREA_LEVELS).
    network_level: Mapped[str | None] = mapped_column(String(12), index=True)
    verified_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    locations: Mapped[list[Location]] = relationship(back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)
    services: Mapped[list[Service]] = relationship(back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)
    phones: Mapped[list[Phone]] = relationship(back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)
    contacts: Mapped[list[Contact]] = relationship(back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)
    attributes: Mapped[list[Attribute]] = relationship(back_populates="organization", cascade="all, delete-orphan", passive_deletes=True)

    def __str__(self) -> str:
        return str(self.t("name"))


class Location(UUIDMixin, TimestampMixin, BilingualMixin, db.Model):
    __tablename__ = "location"
    __table_args__ = (
        *_lat_lon_checks(),
        CheckConstraint(_in("location_type", ("physical", "virtual", "postal")), name="type_known"),
    )

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True)
    location_type: Mapped[str] = mapped_column(String(12), nullable=False, default="physical")
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    address_zh: Mapped[str | None] = mapped_column(String(300))
    address_en: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    transportation_zh: Mapped[str | None] = mapped_column(Text)
    transportation_en: Mapped[str | None] = mapped_column(Text)
    accessibility_zh: Mapped[str | None] = mapped_column(Text)
    accessibility_en: Mapped[str | None] = mapped_column(Text)
    # The address's own state/province and ISO 3166-1 alpha-2 country (imports from abroad keep theirs;
    # empty = the deployment's PORTAL_DEFAULT_COUNTRY).
    state_province: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization] = relationship(back_populates="locations")
    area: Mapped[Area | None] = relationship()
    service_links: Mapped[list[ServiceAtLocation]] = relationship(back_populates="location", cascade="all, delete-orphan", passive_deletes=True)
    phones: Mapped[list[Phone]] = relationship(back_populates="location", cascade="all, delete-orphan", passive_deletes=True)

    def __str__(self) -> str:
        return str(self.t("name") or self.t("address"))

    def point(self) -> tuple[float, float] | None:
        return location_point(self.latitude, self.longitude, self.area)


class Service(UUIDMixin, TimestampMixin, BilingualMixin, db.Model):
    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint(_in("status", SERVICE_STATUSES), name="status_known"),
        CheckConstraint(_in("capacity_status", CAPACITY_STATUSES), name="capacity_known"),
        CheckConstraint("gender_eligibility IS NULL OR " + _in("gender_eligibility", GENDER_ELIGIBILITY), name="gender_known"),
        CheckConstraint("minimum_age IS NULL OR (minimum_age >= 0 AND minimum_age <= 130)", name="minimum_age_range"),
        CheckConstraint("maximum_age IS NULL OR (maximum_age >= 0 AND maximum_age <= 130)", name="maximum_age_range"),
        CheckConstraint(
            "minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age", name="age_order"
        ),
        CheckConstraint("wait_weeks IS NULL OR wait_weeks >= 0", name="wait_weeks_positive"),
        CheckConstraint(
            "capacity_available IS NULL OR capacity_available >= 0", name="capacity_available_positive"
        ),
        CheckConstraint("capacity_maximum IS NULL OR capacity_maximum >= 0", name="capacity_maximum_positive"),
        CheckConstraint("access_mode IS NULL OR " + _in("access_mode", ACCESS_MODES), name="access_mode_known"),
        Index("ix_service_status_verified", "status", "verified_on"),
    )

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    alternate_name: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    reopens_on: Mapped[date | None] = mapped_column(Date)
    application_process_zh: Mapped[str | None] = mapped_column(Text)
    application_process_en: Mapped[str | None] = mapped_column(Text)
    fees_description_zh: Mapped[str | None] = mapped_column(Text)
    fees_description_en: Mapped[str | None] = mapped_column(Text)
    eligibility_description_zh: Mapped[str | None] = mapped_column(Text)
    eligibility_description_en: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    # NULL means "not stated": matching must not exclude on unknown, only flag it.
    gender_eligibility: Mapped[str | None] = mapped_column(String(10))
    residency_required: Mapped[bool | None] = mapped_column(Boolean)
    interpretation_services: Mapped[str | None] = mapped_column(String(300))
    capacity_status: Mapped[str] = mapped_column(String(12), nullable=False, default="unknown")
    wait_weeks: Mapped[int | None] = mapped_column(Integer)
    capacity_available: Mapped[int | None] = mapped_column(Integer)
    capacity_maximum: Mapped[int | None] = mapped_column(Integer)
    capacity_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    capacity_notes: Mapped[str | None] = mapped_column(Text)  # staff only
    accepts_referrals: Mapped[bool | None] = mapped_column(Boolean)
    verified_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Opening hours as the source wrote them ("Mon-Fri 8:30AM-5:30PM", "24 Hours", "by appointment"),
    # kept whether or not structured schedule rows could be made from them; shown when none could.
    hours_text: Mapped[str | None] = mapped_column(Text)
    # Facts a person asks before coming (NULL: not known). A compulsory programme is never offered
    # to a client who asked for voluntary services only.
    access_mode: Mapped[str | None] = mapped_column(String(12))
    anonymous_access: Mapped[bool | None] = mapped_column(Boolean)
    reports_to_police: Mapped[bool | None] = mapped_column(Boolean)
    guardian_consent_required: Mapped[bool | None] = mapped_column(Boolean)
    # Who answers outside opening hours (a crisis line, a duty phone); shown to staff and the public.
    after_hours_phone: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization] = relationship(back_populates="services")
    location_links: Mapped[list[ServiceAtLocation]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    schedules: Mapped[list[Schedule]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    phones: Mapped[list[Phone]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    contacts: Mapped[list[Contact]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    languages: Mapped[list[Language]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    cost_options: Mapped[list[CostOption]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    required_documents: Mapped[list[RequiredDocument]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    service_areas: Mapped[list[ServiceArea]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)
    attributes: Mapped[list[Attribute]] = relationship(back_populates="service", cascade="all, delete-orphan", passive_deletes=True)

    def __str__(self) -> str:
        return str(self.t("name"))

    @property
    def locations(self) -> list[Location]:
        return [link.location for link in self.location_links]

    def terms(self, vocabulary: str | None = None) -> list[TaxonomyTerm]:
        return [
            a.taxonomy_term
            for a in self.attributes
            if vocabulary is None or a.taxonomy_term.taxonomy.name == vocabulary
        ]

    def days_since_verified(self, on: date | None = None) -> int | None:
        return freshness.days_since(self.verified_on, on or today())

    def is_stale(self, stale_after_days: int | None = None, on: date | None = None) -> bool:
        """The freshness rule (``directory/freshness.py``); the configured threshold by default."""
        if stale_after_days is None:
            stale_after_days = freshness.configured_stale_after_days()
        return freshness.is_stale(self.verified_on, on or today(), stale_after_days)

    @property
    def capacity_updated(self) -> datetime | None:
        return as_aware(self.capacity_updated_at)


class ServiceAtLocation(UUIDMixin, db.Model):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id", name="uq_service_at_location_pair"),)

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True)
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="location_links")
    location: Mapped[Location] = relationship(back_populates="service_links")
    schedules: Mapped[list[Schedule]] = relationship(back_populates="service_at_location", cascade="all, delete-orphan", passive_deletes=True)


class Schedule(UUIDMixin, db.Model):
    """Opening hours: one row per weekday and opening window (ISO weekday, 1 = Monday)."""

    __tablename__ = "schedule"
    __table_args__ = (
        _one_parent("service_id", "service_at_location_id"),
        CheckConstraint("weekday >= 1 AND weekday <= 7", name="weekday_range"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
    )

    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(ForeignKey("service_at_location.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer, nullable=False)
    opens_at: Mapped[time] = mapped_column(Time, nullable=False)
    closes_at: Mapped[time] = mapped_column(Time, nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(String(300))

    service: Mapped[Service | None] = relationship(back_populates="schedules")
    service_at_location: Mapped[ServiceAtLocation | None] = relationship(back_populates="schedules")


class Phone(UUIDMixin, db.Model):
    __tablename__ = "phone"
    __table_args__ = (
        _one_parent("organization_id", "service_id", "location_id", "contact_id"),
        CheckConstraint(_in("type", PHONE_TYPES), name="type_known"),
    )

    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    extension: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(10), nullable=False, default="voice")
    description: Mapped[str | None] = mapped_column(String(300))

    organization: Mapped[Organization | None] = relationship(back_populates="phones")
    service: Mapped[Service | None] = relationship(back_populates="phones")
    location: Mapped[Location | None] = relationship(back_populates="phones")
    contact: Mapped[Contact | None] = relationship(back_populates="phones")


class Contact(UUIDMixin, db.Model):
    """A named person, typically the service's intake person (shown to staff only)."""

    __tablename__ = "contact"
    __table_args__ = (_one_parent("organization_id", "service_id"),)

    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))

    organization: Mapped[Organization | None] = relationship(back_populates="contacts")
    service: Mapped[Service | None] = relationship(back_populates="contacts")
    phones: Mapped[list[Phone]] = relationship(back_populates="contact", cascade="all, delete-orphan", passive_deletes=True)


class Language(UUIDMixin, db.Model):
    __tablename__ = "language"
    __table_args__ = (UniqueConstraint("service_id", "code", name="uq_language_service_code"),)

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(20), nullable=False)  # BCP 47: zh, en, yue, ug, bo …
    name: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(300))

    service: Mapped[Service] = relationship(back_populates="languages")


class CostOption(UUIDMixin, db.Model):
    __tablename__ = "cost_option"
    __table_args__ = (
        CheckConstraint(_in("kind", COST_KINDS), name="kind_known"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_positive"),
    )

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    currency: Mapped[str | None] = mapped_column(String(3), default="CNY")
    description_zh: Mapped[str | None] = mapped_column(String(300))
    description_en: Mapped[str | None] = mapped_column(String(300))

    service: Mapped[Service] = relationship(back_populates="cost_options")


class RequiredDocument(UUIDMixin, BilingualMixin, db.Model):
    __tablename__ = "required_document"

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    document_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    document_en: Mapped[str | None] = mapped_column(String(300))

    service: Mapped[Service] = relationship(back_populates="required_documents")


class ServiceArea(UUIDMixin, db.Model):
    """An area a service covers beyond the surroundings of its locations (e.g. a whole district)."""

    __tablename__ = "service_area"
    __table_args__ = (UniqueConstraint("service_id", "area_id", name="uq_service_area_pair"),)

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="service_areas")
    area: Mapped[Area | None] = relationship()


class Attribute(UUIDMixin, db.Model):
    """Links a taxonomy term to a service, organisation or location (HSDS ``attribute``).

    ``value`` says how: ``serves`` (the service is for / gives priority to) or ``only`` (eligibility
    is restricted to this term, e.g. women only)."""

    __tablename__ = "attribute"
    __table_args__ = (
        _one_parent("service_id", "organization_id", "location_id"),
        CheckConstraint(_in("value", ATTRIBUTE_VALUES), name="value_known"),
        CheckConstraint("origin IS NULL OR " + _in("origin", ATTRIBUTE_ORIGINS), name="origin_known"),
    )

    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id", ondelete="CASCADE"), nullable=False, index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(10), nullable=False, default="serves")
    origin: Mapped[str | None] = mapped_column(String(10))  # see ATTRIBUTE_ORIGINS
    # Why a mapped or inferred link was made ("term 'Detox' (open_eligibility)", "words: 戒毒, detox").
    origin_note: Mapped[str | None] = mapped_column(String(300))

    taxonomy_term: Mapped[TaxonomyTerm] = relationship()
    service: Mapped[Service | None] = relationship(back_populates="attributes")
    organization: Mapped[Organization | None] = relationship(back_populates="attributes")


class SharedResourceList(db.Model):
    """A resource list shared as a link (``/list/shared/<id>``): service ids only, never anything
    about the person it was made for, and deleted once ``expires_at`` has passed
    (``directory/shared_lists.py``)."""

    __tablename__ = "shared_resource_list"

    # Random and unguessable (secrets.token_urlsafe): the id is the only key to the list.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_ids: Mapped[str] = mapped_column(Text, nullable=False)  # comma-separated, in list order
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
