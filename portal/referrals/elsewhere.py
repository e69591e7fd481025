""""Refer elsewhere" after a decline: match the same needs again, leaving the declined service out.

The match starts from the stored match profile the referral was made from, while it is still kept
(``matching.stored``: only its author may open it, and it expires); otherwise from what the referral
itself says (needs, the client's age, gender and area, urgency, care stage). The result is stored as a
new profile, so "Refer" on a suggestion opens the referral form pre-filled through ``matching.handover``
like any match.
"""
from __future__ import annotations

from typing import Any

from ..common import today
from ..extensions import db
from ..matching.handover import URGENCY_FROM_REFERRAL
from ..matching.stored import load_profile
from .models import Referral
from .statemachine import SENDER


def can_refer_elsewhere(referral: Referral, sides: set[str]) -> bool:
    """The sending side, once the service declined."""
    return SENDER in sides and referral.status == "declined"


def profile_for(user, referral: Referral) -> dict[str, Any]:
    """The intake form's values to match again: the stored profile when it is still there, else the
    referral's own facts."""
    stored = load_profile(db.session, user.id, referral.match_profile_id) if referral.match_profile_id else None
    # The client's risk as it stands now (set or cleared since the first match) decides crisis-first.
    at_risk = bool(referral.client.at_risk)
    if stored is not None and stored.data.get("raw"):
        return {**stored.data["raw"], "at_risk": at_risk}
    client = referral.client
    area = client.area or referral.area
    raw: dict[str, Any] = {"needs": list(referral.needs), "area": area.code if area is not None else "",
                           "urgency": URGENCY_FROM_REFERRAL.get(referral.urgency, "normal"),
                           "care_stage": referral.from_stage or "", "at_risk": at_risk}
    if client.birth_year:
        raw["age"] = str(today().year - client.birth_year)
    if client.gender in ("female", "male"):
        raw["gender"] = client.gender
    return raw
