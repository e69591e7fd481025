"""When consent must come from a guardian. Pure: no Flask, no database; one rule for the referral
send (web form, draft page, API) and the case record.

A person is a minor when they are under ``ADULT_AGE`` by birth year: the portal keeps only the birth
year, so the age is the one the person reaches this calendar year (``this_year - birth_year``). So
17 needs a guardian and 18 does not, even before an 18th birthday later in the year; a worker who
knows the person is still 17 records the guardian's consent anyway.

An unknown birth year does not by itself need a guardian: a pseudonymous client may decline to give
it, and refusing every such referral would stop adults being referred. A service that says it needs a
guardian's consent (``Service.guardian_consent_required is True``) needs one whatever the age;
unknown (NULL) there means "not said", which does not.
"""
from __future__ import annotations

ADULT_AGE = 18

# Why a guardian is needed (words in labels.GUARDIAN_REASON).
MINOR = "minor"
SERVICE_REQUIRES = "service_requires"


def age_this_year(birth_year: int | None, this_year: int) -> int | None:
    return None if birth_year is None else this_year - birth_year


def is_minor(birth_year: int | None, this_year: int) -> bool:
    age = age_this_year(birth_year, this_year)
    return age is not None and age < ADULT_AGE


def guardian_reasons(birth_year: int | None, this_year: int, service_requires: bool | None = None) -> list[str]:
    """Why consent for this person (and this service, if any) must be given by a guardian; empty
    when the client's own consent is enough."""
    reasons = []
    if is_minor(birth_year, this_year):
        reasons.append(MINOR)
    if service_requires is True:
        reasons.append(SERVICE_REQUIRES)
    return reasons


def needs_guardian(birth_year: int | None, this_year: int, service_requires: bool | None = None) -> bool:
    return bool(guardian_reasons(birth_year, this_year, service_requires))
