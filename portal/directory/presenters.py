"""Directory records in plain words, for every page that shows a service: cost, capacity,
freshness, area, distance, languages, weekdays. (Search result cards and filter groups are built
from these in portal/search/presenters.py.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .freshness import configured_stale_after_days, is_stale_after

COST_LABELS = {
    "free": _l("Free"),
    "sliding_scale": _l("Sliding scale"),
    "insurance": _l("Insurance accepted"),
    "subsidy": _l("Subsidy available"),
    "fixed_fee": _l("Fixed fee"),
}
LANGUAGE_LABELS = {
    "zh": _l("Mandarin Chinese"),
    "en": _l("English"),
    "yue": _l("Cantonese"),
    "ug": _l("Uyghur"),
    "bo": _l("Tibetan"),
    "ii": _l("Yi"),
    "za": _l("Zhuang"),
    "mn": _l("Mongolian"),
    "csl": _l("Chinese Sign Language"),
    "zsl": _l("Chinese Sign Language"),
    "sgn": _l("Sign language"),
}
WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday"))


# --- small texts ----------------------------------------------------------------------------

def cost_text(cost) -> str:
    label = str(COST_LABELS.get(cost.kind, cost.kind))
    if cost.kind == "fixed_fee" and cost.amount is not None:
        label = _("%(amount)s yuan", amount=f"{cost.amount:g}")
    detail = cost.t("description") if hasattr(cost, "t") else None
    return label if not detail else f"{label} ({detail})"


def capacity_text(service) -> str:
    status = service.capacity_status
    if status == "accepting":
        return _("Accepting new clients")
    if status == "waitlist":
        if service.wait_weeks is not None:
            return ngettext("Waiting list: about %(num)d week", "Waiting list: about %(num)d weeks",
                            service.wait_weeks)
        return _("Waiting list")
    if status == "full":
        return _("Full at the moment")
    return _("Capacity not stated")


@dataclass(frozen=True)
class Freshness:
    days: int | None
    stale: bool
    text: str


def freshness(service, on: date | None = None) -> Freshness:
    """The "verified N days ago" badge; a warning when older than STALE_AFTER_DAYS (or never)."""
    days = service.days_since_verified(on)
    if days is None:
        return Freshness(None, True, _("Never verified: check before relying on it"))
    if is_stale_after(days, configured_stale_after_days()):
        return Freshness(days, True, ngettext(
            "Not verified for %(num)d day: check before relying on it",
            "Not verified for %(num)d days: check before relying on it", days))
    if days <= 0:
        return Freshness(0, False, _("Verified today"))
    return Freshness(days, False, ngettext("Verified %(num)d day ago", "Verified %(num)d days ago", days))


def area_text(location) -> str:
    if location is None or location.area is None:
        return ""
    lineage = [a for a in location.area.lineage() if a.level in ("district", "street")]
    return " · ".join(str(a.t("name")) for a in reversed(lineage))


def distance_text(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return _("%(metres)s m", metres=int(round(km * 1000, -1)))
    return _("%(km)s km", km=f"{km:.1f}")
