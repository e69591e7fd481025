"""Matching's hard rules applied to a referral: does the chosen service's eligibility (age, gender,
residency, groups or conditions it is "only" for, urgent referrals it cannot take) exclude the client?

The rules themselves are the matching engine's (``matching.handover.exclusion_reasons`` runs
``matching.rules.reasons``); this module only says what a referral knows about its client. The
create operation calls it for every entry point (web form, API), so nobody has to pass the answer in;
the new-referral form calls it too, to warn before the worker sends.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from ..common import today
from ..extensions import db
from ..i18n_fields import current_lang
from ..matching import handover

ClientFacts = handover.ClientFacts


def facts(*, birth_year: int | None, gender: str | None, area_id: int | None, urgency: str | None,
          match_profile: Mapping[str, Any] | None = None) -> handover.ClientFacts:
    """What is known about the client: the referral's own values, plus the conditions and groups of
    the match the referral started from (they are not on the referral form)."""
    age = today().year - birth_year if isinstance(birth_year, int) else None
    return handover.ClientFacts.from_profile(db.session, match_profile or None, age=age, gender=gender,
                                             area_id=area_id, urgency=urgency or "routine")


def excluded_by(client: handover.ClientFacts, service_id: str, needs) -> list[str]:
    """Why the service's rules exclude the client, in the reader's language (empty: nothing known)."""
    if not service_id:
        return []
    parts = handover.exclusion_reasons(db.session, client, service_id, list(needs or ()), today=today())
    if not parts:
        return []
    return handover.reason_texts(db.session, parts, gettext, current_lang())
