"""The words for the role codes (``models.ROLES``): the admin's user list and form show these, never
"worker" or "coordinator"."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import ROLES

ROLE_LABELS = {
    "worker": _l("Social worker"),
    "agency": _l("Agency staff"),
    "coordinator": _l("Referral coordinator"),
    "admin": _l("Administrator"),
}


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


def role_choices() -> list[tuple[str, object]]:
    """(code, label) for a select, in the order of ``ROLES``."""
    return [(code, ROLE_LABELS[code]) for code in ROLES]
