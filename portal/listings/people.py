"""Peer supporters and volunteers, managed by their own organisation (the listings row rule:
``operations.can_manage``) and by administrators. Functions check, change models and ``flush()``;
never commit.

Minimum data on purpose: a display name or initials, the kind of role, the training status with
its date, and the services the person works in. Names stay with the organisation and the admin; the
service page shows staff the counts only (``people.queries.counts_for_service``).
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..common import today
from ..directory.models import Service
from ..extensions import db
from ..people.models import MAX_DISPLAY_NAME, PEOPLE_KINDS, TRAINING_STATUSES, PeerSupporter
from ..people.queries import people_of
from .operations import can_manage


class PersonRefused(ValueError):
    """A person's record breaks a rule; ``field`` names the form field, ``message`` is in the
    reader's language."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def people_for(user, organization_id: str | None) -> list[PeerSupporter]:
    """The organisation's people, or nothing for a user who may not manage it."""
    return people_of(organization_id) if can_manage(user, organization_id) else []


def person_for(user, person_id: int) -> PeerSupporter | None:
    person = db.session.get(PeerSupporter, person_id)
    return person if person is not None and can_manage(user, person.organization_id) else None


def check_person(organization_id: str | None, display_name: str | None, kind: str | None,
                 training_status: str | None, training_date: date | None, service_ids) -> None:
    """The rules of one record, for every entry point (listings form, admin). Raises ``PersonRefused``."""
    name = (display_name or "").strip()
    if not name or len(name) > MAX_DISPLAY_NAME:
        raise PersonRefused("display_name", _l("Enter a name or initials (at most 40 characters)."))
    if kind not in PEOPLE_KINDS:
        raise PersonRefused("kind", _l("Choose peer supporter or volunteer."))
    if training_status not in TRAINING_STATUSES:
        raise PersonRefused("training_status", _l("Choose a training status."))
    if training_status == "trained" and training_date is None:
        raise PersonRefused("training_date", _l("Enter the date the training was completed."))
    if training_date is not None and training_date > today():
        raise PersonRefused("training_date", _l("The training date must not be in the future."))
    wanted = set(service_ids)
    if wanted:
        with db.session.no_autoflush:
            owned = set(db.session.scalars(select(Service.id).where(
                Service.id.in_(wanted), Service.organization_id == organization_id)))
        if wanted - owned:
            raise PersonRefused("services", _l("A person can only work in their own organisation's services."))


def save_person(person: PeerSupporter, display_name: str, kind: str, training_status: str,
                training_date: date | None, service_ids) -> PeerSupporter:
    """Create or change a record (``person.organization_id`` set by the caller); nothing changes
    when a rule refuses it."""
    service_ids = sorted(set(service_ids or ()))
    check_person(person.organization_id, display_name, kind, training_status, training_date, service_ids)
    person.display_name = display_name.strip()
    person.kind = kind
    person.training_status = training_status
    person.training_date = training_date if training_status != "not_trained" else None
    person.services = list(db.session.scalars(select(Service).where(Service.id.in_(service_ids)))) \
        if service_ids else []
    if person.id is None:
        db.session.add(person)
    db.session.flush()
    return person


def delete_person(person: PeerSupporter) -> None:
    db.session.delete(person)
    db.session.flush()
