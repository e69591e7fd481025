"""Concurrent edits: nothing is overwritten silently.

Organisations, services and locations carry a ``version`` (SQLAlchemy's ``version_id_col``: every
UPDATE checks and bumps it). Edit forms carry the version they were opened at; on save it is compared
with the stored one, and a mismatch refuses the save with a message naming who changed the record and
when (from the audit trail). A change committed between that check and the write is still caught:
the UPDATE finds no row with the old version and SQLAlchemy raises ``StaleDataError``.
"""
from __future__ import annotations

from flask import flash, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from ..common import as_aware
from .queries import last_change


class VersionConflict(Exception):
    def __init__(self, obj) -> None:
        super().__init__(f"{obj.__tablename__} {obj.id} was changed by someone else")
        self.record_type = obj.__tablename__
        self.record_id = str(obj.id)


def parse_version(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def check_version(obj, expected) -> None:
    """Raise VersionConflict unless the form was opened at the record's current version (a missing or
    garbled version counts as a conflict: we cannot tell what the editor saw)."""
    if parse_version(expected) != obj.version:
        raise VersionConflict(obj)


def conflict_message(record_type: str, record_id: str) -> str:
    event = last_change(record_type, record_id)
    if event is None:
        return _("Someone else changed this record after you opened it. Your changes were not saved: "
                 "the form now shows the current values; please make your changes again.")
    who = (event.user.name if event.user is not None else _("the system"))
    if event.user is not None and event.user.email:
        who = f"{who} ({event.user.email})"
    return _("%(who)s changed this record at %(when)s, after you opened it. Your changes were not saved: "
             "the form now shows the current values; please make your changes again.",
             who=who, when=format_datetime(as_aware(event.at), "medium"))


class VersionCheckedAdminMixin:
    """For Flask-Admin model views of versioned models: the edit form carries the version it was
    opened at, and a stale save is refused with the conflict message (Flask-Admin has no protection
    of its own)."""

    def scaffold_form(self):
        # Added here rather than through form_extra_fields, which Flask-Admin ignores when the view
        # lists its form_columns.
        form_class = super().scaffold_form()
        form_class.expected_version = HiddenField()
        return form_class

    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        # Only when the form is first opened: after a failed POST the field keeps what was posted, so
        # a re-submit still compares against the version the editor originally saw.
        if request.method == "GET":
            model = self.get_one(id)
            if model is not None:
                form.expected_version.data = model.version

    def update_model(self, form, model) -> bool:
        expected = form.expected_version.data
        del form["expected_version"]  # not a model attribute: keep it out of populate_obj
        try:
            check_version(model, expected)
        except VersionConflict as conflict:
            flash(conflict_message(conflict.record_type, conflict.record_id), "error")
            return False
        return super().update_model(form, model)

    def create_model(self, form):
        del form["expected_version"]
        return super().create_model(form)

    def handle_view_exception(self, exc) -> bool:
        if isinstance(exc, StaleDataError):
            # Someone committed between our check and our write. Roll back first so the trail can be read
            # (Flask-Admin's own rollback afterwards is then a no-op).
            from ..extensions import db

            db.session.rollback()
            model_id = request.args.get("id")
            flash(conflict_message(self.model.__tablename__, model_id) if model_id else
                  _("Someone else changed this record at the same time. Your changes were not saved."), "error")
            return True
        return super().handle_view_exception(exc)
