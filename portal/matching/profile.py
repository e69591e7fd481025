"""Checking what a worker entered and turning it into a :class:`~.engine.Profile`.

One set of rules for the intake form and the JSON API: both hand a plain mapping to
:func:`parse_profile` and get back either a profile or errors per field (message ids with
parameters, translated by the caller). No Flask inside.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine import CRISIS_NEEDS, GENDERS, MAX_NEEDS, PAYMENT_KINDS, PROFILE_URGENCIES, Part, Profile
from .explain import LANGUAGES, N_

MAX_TRAVEL_KM = 500
(CRISIS_NEED,) = CRISIS_NEEDS
MAX_AGE = 130

FIELDS = ("needs", "area", "latitude", "longitude", "travel_km", "remote_ok", "age", "gender",
          "conditions", "populations", "payment", "languages", "urgency", "care_stage", "languages_only", "at_risk",
          "accepts_compulsory", "needs_anonymous")
# Other names a profile's fields go by: the API documents the travel limit as ``max_km``.
ALIASES = {"max_km": "travel_km"}
# Everything a mapping handed to parse_profile may hold (``point``: {"lat", "lon"} instead of
# latitude/longitude).
ACCEPTED = frozenset(FIELDS) | frozenset(ALIASES) | {"point"}


@dataclass(frozen=True)
class Vocabulary:
    """The codes a profile may use, from the directory's taxonomies and areas."""

    categories: frozenset[str]
    care_stages: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset(LANGUAGES)
    area_ids: Mapping[str, int] = field(default_factory=dict)  # area code -> id (districts, streets…)
    # Per vocabulary ("category", "condition", "population", "care_stage"): label in either language,
    # lower-cased with spaces collapsed -> code. Needs and the other choices may be given by label.
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def label_key(text: str) -> str:
    return " ".join(text.lower().split())


def _resolve(code: str, allowed: frozenset[str], labels: Mapping[str, str] | None) -> str:
    """A code as given, or the code whose label (Chinese or English) it is."""
    if code in allowed or not labels:
        return code
    return labels.get(label_key(code), code)


def _error(message: str, **params) -> Part:
    return Part(message, tuple(sorted(params.items())))


def render_error(error: Part, translate=lambda s: s) -> str:
    text = translate(error.key)
    return text % error.kwargs if error.params else text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, errors: list[Part], *, integer: bool = False) -> float | int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        errors.append(_error(N_("Enter a number.")))
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        errors.append(_error(N_("Enter a whole number.") if integer else N_("Enter a number.")))
        return None
    if not math.isfinite(number):
        errors.append(_error(N_("Enter a number.")))
        return None
    if integer:
        if not number.is_integer():
            errors.append(_error(N_("Enter a whole number.")))
            return None
        return int(number)
    return number


def _codes(value: Any, allowed: frozenset[str], errors: list[Part],
           labels: Mapping[str, str] | None = None) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, (list, tuple)):
        errors.append(_error(N_("Give a list of codes.")))
        return ()
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            errors.append(_error(N_("Give a list of codes.")))
            return ()
        code = _resolve(item.strip(), allowed, labels)
        if not code:
            continue
        if code not in allowed:
            errors.append(_error(N_("Unknown choice: %(code)s."), code=code[:40]))
            continue
        if code not in out:
            out.append(code)
    return tuple(out)


def _choice(value: Any, allowed, errors: list[Part], labels: Mapping[str, str] | None = None) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        errors.append(_error(N_("Unknown choice: %(code)s."), code=str(value)[:40]))
        return None
    code = _resolve(value.strip(), frozenset(allowed), labels) if isinstance(value, str) else value
    if not isinstance(code, str) or code not in allowed:
        errors.append(_error(N_("Unknown choice: %(code)s."), code=str(value)[:40]))
        return None
    return code


def _flag(value: Any, errors: list[Part]) -> bool:
    if value in (None, "", False, "false", "0", "n", "no", "off"):
        return False
    if value in (True, "true", "1", "y", "yes", "on"):
        return True
    errors.append(_error(N_("Answer yes or no.")))
    return False


def _parse_needs(raw: Mapping[str, Any], vocab: Vocabulary, errors: list[Part]) -> tuple[str, ...]:
    needs = _codes(raw.get("needs"), vocab.categories, errors, vocab.labels.get("category"))
    if errors:
        # Say what would have been understood: every valid code (the API answers with them too).
        errors.append(_error(N_("Valid needs: %(codes)s."), codes=", ".join(sorted(vocab.categories))))
    if not needs and not errors:
        errors.append(_error(N_("Choose at least one need.")))
    if len(needs) > MAX_NEEDS:
        errors.append(_error(N_("Choose at most %(max)d needs."), max=MAX_NEEDS))
    return needs


def _parse_area(raw: Mapping[str, Any], vocab: Vocabulary, errors: list[Part]) -> str | None:
    area = raw.get("area")
    if _blank(area):
        return None
    if not isinstance(area, str) or area.strip() not in vocab.area_ids:
        errors.append(_error(N_("Unknown district or street.")))
        return None
    return vocab.area_ids[area.strip()]


def _parse_point(raw: Mapping[str, Any], errors: dict[str, list[Part]]) -> tuple[float, float] | None:
    point_raw = raw.get("point")
    lat_raw, lon_raw = raw.get("latitude"), raw.get("longitude")
    if isinstance(point_raw, Mapping):
        lat_raw, lon_raw = point_raw.get("lat", lat_raw), point_raw.get("lon", lon_raw)
    lat = _number(lat_raw, errors["latitude"])
    lon = _number(lon_raw, errors["longitude"])
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"].append(_error(N_("Latitude must be between -90 and 90.")))
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"].append(_error(N_("Longitude must be between -180 and 180.")))
    if (lat is None) != (lon is None) and not errors["latitude"] and not errors["longitude"]:
        errors["latitude" if lat is None else "longitude"].append(_error(N_("Enter both latitude and longitude.")))
    return (lat, lon) if lat is not None and lon is not None else None


def _parse_place(raw: Mapping[str, Any], vocab: Vocabulary, errors: dict[str, list[Part]]
                 ) -> tuple[str | None, tuple[float, float] | None]:
    area_id = _parse_area(raw, vocab, errors["area"])
    point = _parse_point(raw, errors)
    if area_id is None and point is None and not any(errors[k] for k in ("area", "latitude", "longitude")):
        errors["area"].append(_error(N_("Say where the client lives: a district or street, or a point.")))
    return area_id, point


def with_place(raw: Mapping[str, Any], area_lineage: tuple[str, ...], point: tuple[float, float],
               area_codes: Mapping[str, int]) -> dict[str, Any]:
    """The values with the place of a typed address or landmark (directory/places.py) instead of the
    area and point the form held: its most specific area that matching knows, and its point."""
    out = dict(raw)
    out["area"] = next((code for code in area_lineage if code in area_codes), "")
    out["latitude"], out["longitude"] = f"{point[0]:.6f}", f"{point[1]:.6f}"
    return out


def _parse_travel(raw: Mapping[str, Any], errors: dict[str, list[Part]]) -> float | int | None:
    # Errors go under whichever name the caller used, so forms and the API can point at their own field.
    travel_key = "max_km" if not _blank(raw.get("max_km")) else "travel_km"
    travel_errors = errors.setdefault(travel_key, [])
    travel = _number(raw.get(travel_key), travel_errors)
    if travel is not None and not 0 < travel <= MAX_TRAVEL_KM:
        travel_errors.append(_error(N_("The travel limit must be more than 0 and at most %(max)d km."),
                                    max=MAX_TRAVEL_KM))
    return travel


def _parse_age(raw: Mapping[str, Any], errors: list[Part]) -> int | None:
    age = _number(raw.get("age"), errors, integer=True)
    if age is not None and not 0 <= age <= MAX_AGE:
        errors.append(_error(N_("Age must be between 0 and 130.")))
    return age


def _parse_preferences(raw: Mapping[str, Any], vocab: Vocabulary, errors: dict[str, list[Part]]) -> dict[str, Any]:
    return dict(
        remote_ok=_flag(raw.get("remote_ok"), errors["remote_ok"]),
        gender=_choice(raw.get("gender"), GENDERS, errors["gender"]),
        conditions=frozenset(_codes(raw.get("conditions"), vocab.conditions, errors["conditions"],
                                    vocab.labels.get("condition"))),
        populations=frozenset(_codes(raw.get("populations"), vocab.populations, errors["populations"],
                                     vocab.labels.get("population"))),
        payment=frozenset(_codes(raw.get("payment"), frozenset(PAYMENT_KINDS), errors["payment"])),
        languages=frozenset(_codes(raw.get("languages"), vocab.languages, errors["languages"])),
        languages_only=_flag(raw.get("languages_only"), errors["languages_only"]),
        urgency=_choice(raw.get("urgency"), PROFILE_URGENCIES, errors["urgency"]) or "normal",
        care_stage=_choice(raw.get("care_stage"), vocab.care_stages, errors["care_stage"],
                           vocab.labels.get("care_stage")),
        at_risk=_flag(raw.get("at_risk"), errors["at_risk"]),
        accepts_compulsory=_flag(raw.get("accepts_compulsory"), errors["accepts_compulsory"]),
        needs_anonymous=_flag(raw.get("needs_anonymous"), errors["needs_anonymous"]),
    )


def _with_crisis_line(needs: tuple[str, ...], at_risk: bool, vocab: Vocabulary) -> tuple[str, ...]:
    """A person at risk needs a crisis line whatever else they need: it joins the needs (when the
    directory knows the category and there is room), so hotlines are found, ranked first and planned."""
    if not at_risk or CRISIS_NEED not in vocab.categories or CRISIS_NEED in needs or len(needs) >= MAX_NEEDS:
        return needs
    return (*needs, CRISIS_NEED)


def parse_profile(raw: Mapping[str, Any], vocab: Vocabulary) -> tuple[Profile | None, dict[str, list[Part]]]:
    """A profile, or ``(None, {field: [errors]})``. Unknown keys are ignored by the caller's choice."""
    errors: dict[str, list[Part]] = {name: [] for name in FIELDS}
    needs = _parse_needs(raw, vocab, errors["needs"])
    area_id, point = _parse_place(raw, vocab, errors)
    travel = _parse_travel(raw, errors)
    age = _parse_age(raw, errors["age"])
    profile_fields = _parse_preferences(raw, vocab, errors)
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        return None, errors
    needs = _with_crisis_line(needs, profile_fields["at_risk"], vocab)
    return Profile(needs=needs, area_id=area_id, point=point, travel_km=travel, age=age,
                   **profile_fields), {}
