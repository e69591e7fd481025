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
# Service access facts (Service.access_mode and the three yes/no facts). NULL is "not stated", never
# "no": the pages leave an unstated fact out, and the edit forms offer "Not stated" first.
ACCESS_MODE = {"voluntary": _l("Voluntary"), "compulsory": _l("Compulsory")}
# What each known fact says on the service page, as a plain statement: (when yes, when no).
ACCESS_FACTS = {
    "access_mode": {"voluntary": _l("Voluntary: people choose to come"),
                    "compulsory": _l("Compulsory programme (ordered by the authorities)")},
    "anonymous_access": {True: _l("Can be used anonymously"), False: _l("Not anonymous: you give your name")},
    "reports_to_police": {True: _l("Shares information with the police"),
                          False: _l("Does not share information with the police")},
    "guardian_consent_required": {True: _l("Needs a guardian's consent"),
                                  False: _l("No guardian's consent needed")},
}
# The field labels, for forms and the admin.
ACCESS_FIELD = {
    "access_mode": _l("Voluntary or compulsory"),
    "anonymous_access": _l("Can be used anonymously"),
    "reports_to_police": _l("Shares information with the police"),
    "guardian_consent_required": _l("Needs a guardian's consent"),
}
# What an unstated fact is about, for "Not stated: …" on the service page.
ACCESS_TOPIC = {
    "access_mode": _l("whether it is voluntary"),
    "anonymous_access": _l("whether it can be used anonymously"),
    "reports_to_police": _l("whether it shares information with the police"),
    "guardian_consent_required": _l("whether a guardian's consent is needed"),
}
# Where an organisation sits in the city -> district -> street -> community network.
NETWORK_LEVEL = {"city": _l("City level"), "district": _l("District level"), "street": _l("Street level"),
                 "community": _l("Community level")}


def label(table: dict, code: str | None) -> str:
    """The word for a code; an unknown code is shown as it is (imports may bring new ones)."""
    if code is None:
        return ""
    return str(table.get(code, code))


def access_facts(service) -> list[tuple[str, str]]:
    """``[(field, statement), ...]`` for each access fact the service states, in a fixed order;
    facts it never stated are left out (unknown is not no)."""
    out = []
    for field, words in ACCESS_FACTS.items():
        value = getattr(service, field)
        if value is not None and value in words:
            out.append((field, str(words[value])))
    return out


def unstated_access_facts(service) -> list[str]:
    """What the service never said, of the access facts (shown as "not stated", never as "no")."""
    return [str(ACCESS_TOPIC[field]) for field in ACCESS_FACTS if getattr(service, field) is None]


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
