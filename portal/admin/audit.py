"""The audit trail in the admin: read-only, filterable by record, user and date."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .base import PortalModelView


def _changes(view, context, model, name):
    """Field-level changes as an escaped, readable list (values are escaped before any markup)."""
    changes = model.changes or {}
    if not isinstance(changes, dict):
        return escape(json.dumps(changes, ensure_ascii=False))
    items = []
    for field, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            before, after = (json.dumps(v, ensure_ascii=False) for v in value)
            items.append(Markup("<li><code>{}</code>: {} → {}</li>").format(field, before, after))
        else:
            items.append(Markup("<li><code>{}</code>: {}</li>").format(field, json.dumps(value, ensure_ascii=False)))
    return Markup("<ul class='list-unstyled mb-0'>{}</ul>").format(Markup("").join(items))


class AuditEventAdmin(PortalModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = ("at", "user", "action", "record_type", "record_id", "changes")
    column_details_list = ("at", "user", "action", "record_type", "record_id", "changes")
    column_default_sort = ("at", True)
    column_searchable_list = ("record_id",)
    column_filters = ("at", "action", "record_type", "record_id", "user.email")
    column_labels = {"at": _l("When"), "user": _l("Who"), "action": _l("Action"), "record_type": _l("Record type"),
                     "record_id": _l("Record id"), "changes": _l("Changes"), "user.email": _l("User email")}
    column_formatters = {"changes": _changes}
    column_formatters_detail = {"changes": _changes}
