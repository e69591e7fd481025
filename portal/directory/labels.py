"""Words for the directory's codes (service status, capacity, area level, gender, location type),
in the reader's language: the admin, the listing pages and exports show these, never the code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SERVICE_STATUS = {
    "active": _l("Running"),
    "inactive": _l("Inactive"),
    "defunct": _l("Closed down"),
    "temporarily_closed": _l("Temporarily closed"),
}
CAPACITY_STATUS = {
    "accepting": _l("Accepting new clients"),
    "waitlist": _l("Waiting list"),
    "full": _l("Full at the moment"),
    "unknown": _l("Capacity not stated"),
}
AREA_LEVEL = {"city": _l("City"), "district": _l("District"), "street": _l("Street"), "community": _l("Community")}
GENDER_ELIGIBILITY = {"all": _l("Everyone"), "female": _l("Women only"), "male": _l("Men only")}
LOCATION_TYPE = {"physical": _l("A place people visit"), "virtual": _l("Online or phone only"),
                 "postal": _l("Postal address only")}


def label(table: dict, code: str | None) -> str:
    """The word for a code; an unknown code is shown as it is (imports may bring new ones)."""
    if code is None:
        return ""
    return str(table.get(code, code))


def choices(table: dict) -> list[tuple[str, str]]:
    """(code, word) pairs for a select field, in the table's order."""
    return list(table.items())


# The portal's own vocabularies (``directory.models.VOCABULARIES``); an imported taxonomy keeps its name.
VOCABULARY = {
    "category": _l("Service category"),
    "care_stage": _l("Care stage"),
    "population": _l("For whom"),
    "condition": _l("Condition"),
    "delivery_mode": _l("How it is delivered"),
    "department": _l("Department"),
}
