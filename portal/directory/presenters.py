"""Directory records in plain words, for every page that shows a service: cost, capacity,
freshness, area, distance, languages, weekdays. (Search result cards and filter groups are built
from these in portal/search/presenters.py.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..i18n_fields import BilingualMixin
from ..punctuation import clause_sep, list_comma, parens_text
from . import hours as hours_mod
from . import resource_list as rlist
from .freshness import configured_stale_after_days, is_stale_after
from .visibility import is_running

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
SHORT_WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


# --- small texts ----------------------------------------------------------------------------

def cost_text(cost) -> str:
    label = str(COST_LABELS.get(cost.kind, cost.kind))
    if cost.kind == "fixed_fee" and cost.amount is not None:
        label = _("%(amount)s yuan", amount=f"{cost.amount:g}")
    # A cost row is not a BilingualMixin model, but its description comes in the same pair.
    detail = str(BilingualMixin.t(cost, "description"))
    return label + parens_text(detail)


def capacity_text(service) -> str:
    # A paused or closed service takes nobody, whatever its last capacity update said.
    if service.status == "temporarily_closed":
        return _("Not taking new clients while paused")
    if not is_running(service.status):
        return _("Not taking new clients")
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


# --- hours, map links -------------------------------------------------------------------------

def hour_words() -> hours_mod.HourWords:
    return hours_mod.HourWords(
        short_days=tuple(str(d) for d in SHORT_WEEKDAYS),
        # Translators: a range of weekdays, "Mon–Fri" / "周一至周五".
        day_range=_("{first}–{last}"),
        day_pair=_("{first}, {second}"),
        every_day=_("Every day"),
        all_day=_("24 hours"),
        always=_("Open 24 hours"),
        closed=_("closed"),
        window_sep=list_comma(), note=parens_text("{notes}"), note_sep=clause_sep(),
    )


def hours_lines(days) -> list[str]:
    """The week as "Mon–Fri 08:30–17:00" lines in the reader's language."""
    return hours_mod.week_lines(list(days), hour_words())


@dataclass(frozen=True)
class MapLinks:
    geo: str  # opens the phone's map app
    web: str  # the coordinates as a plain web address, for computers without a map app


def map_links(location) -> MapLinks | None:
    """Links to a location's own coordinates (not its area's centre: that would send people to the
    wrong street). No third-party script, only links."""
    if location is None or location.latitude is None or location.longitude is None:
        return None
    lat, lon = f"{float(location.latitude):.6f}", f"{float(location.longitude):.6f}"
    label = str(location.t("name") or location.t("address") or "")
    query = f"{lat},{lon}" + (f"({quote(label)})" if label else "")
    return MapLinks(geo=f"geo:{lat},{lon}?q={query}",
                    web=f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")


def short_address(location, lang: str) -> str:
    """The address in a few characters for a text message ("江滨区文昌路252号")."""
    if location is None:
        return ""
    lineage = location.area.lineage() if location.area is not None else []
    names = [n for a in lineage for n in (a.name_zh, a.name_en) if n]
    district = next((a for a in lineage if a.level == "district"), None)
    address = location.t("address", lang)
    # The district in the address's own language (an address only in Chinese keeps "江滨区").
    return rlist.short_address(str(address), names,
                               str(district.t("name", address.lang)) if district is not None else None)


def organization_place(organization) -> list[str]:
    """Where an organisation sits in the care network, in words: its department (a term of the
    ``department`` vocabulary) and its network level (city, district, street, community). Empty
    when neither is stated."""
    from .labels import NETWORK_LEVEL, label
    from .queries import department_term

    out = []
    if organization.department:
        term = department_term(organization.department)
        out.append(str(term.t("name")) if term is not None else organization.department)
    if organization.network_level:
        out.append(label(NETWORK_LEVEL, organization.network_level))
    return out


# --- typed places (places.py) -------------------------------------------------------------------

def place_not_found(text: str) -> str:
    return _("No district, street, community or address in the directory matches “%(text)s”. "
             "Try a district or street name, or part of an address.", text=text[:60])


def place_ambiguous(text: str) -> str:
    return _("“%(text)s” matches several places. Choose one:", text=text[:60])
