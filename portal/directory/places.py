"""Typed places ("江滨区", "古渡街道", "文昌路252号", "Jiangbin District", a clinic's name) matched
against the directory's own areas and location addresses: the rule that picks the best match, or
says the text is ambiguous or unknown. Pure: the rows come from ``place_queries.py``.

Matching compares normalised text: full-width letters and digits become half-width (NFKC),
Latin letters lower case, punctuation a space, and spaces between Chinese characters dropped
("古渡街道，文昌路" and "古渡街道 文昌路" are "古渡街道文昌路", as addresses are written);
Latin words stay separate words, each of which must be found. A match falls in one tier; the best tier wins; two
different places in the best tier make the text ambiguous and the reader chooses.

Tiers, best first:
- ``EXACT_AREA``: the full name of an area ("江滨区", "jiangbin district");
- ``EXACT``: an area's name without its level word ("江滨", "古渡", "jiangbin") or a location's
  exact name (a landmark: the clinic, the hospital);
- ``INSIDE_AREA``: an area named inside the text and the rest found in a location of that area
  ("江滨区文昌路252号": the address says 古渡街道 in between);
- ``CONTAINS``: a location whose name or address holds every word ("文昌路252号");
- ``AREA_PART``: an area whose name holds every word ("古渡街");
- ``AREA_ONLY``: only an area's name is in the text and the rest is unknown: that area.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

EXACT_AREA, EXACT, INSIDE_AREA, CONTAINS, AREA_PART, AREA_ONLY = 6, 5, 4, 3, 2, 1
MAX_CANDIDATES = 8
MAX_TEXT_CHARS = 120
LEVEL_RANK = {"community": 0, "street": 1, "district": 2, "city": 3}  # most specific first
# Level words dropped to make an area's short name ("江滨区" -> "江滨").
_ZH_LEVEL_WORDS = ("街道办事处", "街道", "社区", "新区", "区", "市", "县", "镇", "乡", "村")
_EN_LEVEL_WORDS = ("subdistrict", "district", "community", "street", "city", "county", "town", "village")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def normalise(text: str | None) -> str:
    """What two spellings of one place have in common ("江滨区 , 古渡" == "江滨区，古渡")."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_TEXT_CHARS].lower()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    return _CJK_GAP.sub("", " ".join(kept.split()))


def words(text: str | None) -> list[str]:
    """The separate words of the normalised text (for SQL ``LIKE``: every word must be found)."""
    return normalise(text).split()


def short_names(name: str | None) -> set[str]:
    """An area's name without its level word, if something of two or more characters is left."""
    norm = normalise(name)
    out = set()
    for word in _ZH_LEVEL_WORDS:
        if norm.endswith(word) and len(norm) - len(word) >= 2:
            out.add(norm[: -len(word)])
            break
    for word in _EN_LEVEL_WORDS:
        if norm.endswith(" " + word) and len(norm) - len(word) - 1 >= 3:
            out.add(norm[: -len(word) - 1])
            break
    return out


@dataclass(frozen=True)
class AreaRow:
    code: str
    level: str
    name_zh: str
    name_en: str | None
    point: tuple[float, float] | None
    lineage: tuple[str, ...] = ()  # the codes of this area and its ancestors, nearest first
    # (name_zh, name_en) of its district and street above it, for telling two places apart.
    context: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class LocationRow:
    id: str
    name_zh: str | None
    name_en: str | None
    address_zh: str | None
    address_en: str | None
    area_code: str | None
    point: tuple[float, float] | None  # its own coordinates, else its area's centre


@dataclass(frozen=True)
class Place:
    """What the text resolved to: an area and a point (a location's coordinates or the area's
    centre). ``ref`` names it in a URL or form ("area:JL-01", "location:<id>")."""

    ref: str
    tier: int
    area_code: str | None
    point: tuple[float, float]
    area: AreaRow | None = None
    location: LocationRow | None = None

    @property
    def sort_key(self) -> tuple:
        if self.area is not None and self.location is None:
            name = self.area.name_zh
            rank = LEVEL_RANK.get(self.area.level, 9)
        else:
            name = (self.location.name_zh or self.location.address_zh or self.location.name_en or "") if self.location else ""
            rank = -1
        return (-self.tier, rank, len(name), name, self.ref)


@dataclass(frozen=True)
class Resolution:
    text: str
    place: Place | None = None
    candidates: tuple[Place, ...] = ()  # when ambiguous: the places to choose from
    more: bool = False  # more candidates matched than are listed

    @property
    def found(self) -> bool:
        return self.place is not None

    @property
    def ambiguous(self) -> bool:
        return self.place is None and len(self.candidates) > 1


@dataclass
class _Match:
    places: dict[str, Place] = field(default_factory=dict)

    def add(self, place: Place | None) -> None:
        if place is None:
            return
        known = self.places.get(place.ref)
        if known is None or place.tier > known.tier:
            self.places[place.ref] = place


def area_place(area: AreaRow, tier: int) -> Place | None:
    if area.point is None:
        return None
    return Place(ref=f"area:{area.code}", tier=tier, area_code=area.code, point=area.point, area=area)


def location_place(location: LocationRow, tier: int, areas: dict[str, AreaRow]) -> Place | None:
    if location.point is None:
        return None
    return Place(ref=f"location:{location.id}", tier=tier, area_code=location.area_code,
                 point=location.point, area=areas.get(location.area_code or ""), location=location)


def _area_tier(area: AreaRow, text: str, text_words: list[str]) -> int | None:
    names = {normalise(area.name_zh), normalise(area.name_en)} - {""}
    if text in names:
        return EXACT_AREA
    if any(text in short_names(n) for n in (area.name_zh, area.name_en)):
        return EXACT
    if any(all(w in name for w in text_words) for name in names):
        return AREA_PART
    return None


def areas_named_in(text: str, areas: list[AreaRow]) -> list[tuple[AreaRow, str]]:
    """Areas whose full name appears inside the text, with the text that is left without it."""
    found = []
    for area in areas:
        for name in {normalise(area.name_zh), normalise(area.name_en)} - {""}:
            if name in text and name != text:
                found.append((area, " ".join(text.replace(name, " ").split())))
                break
    return found


def settled_by_areas(text: str, areas: list[AreaRow]) -> bool:
    """The text is an area's full name, or nothing but area names: no location can rank higher
    (the caller need not fetch any)."""
    names = {n for a in areas for n in (normalise(a.name_zh), normalise(a.name_en)) if n}
    if text in names:
        return True
    rest = text
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return rest != text and not rest.strip()


def _location_tier(location: LocationRow, text: str, text_words: list[str]) -> int | None:
    names = {normalise(location.name_zh), normalise(location.name_en)} - {""}
    if text in names:
        return EXACT
    fields = names | ({normalise(location.address_zh), normalise(location.address_en)} - {""})
    if any(all(w in f for w in text_words) for f in fields):
        return CONTAINS
    return None


def _inside(location: LocationRow, named: list[tuple[AreaRow, str]], areas: dict[str, AreaRow]) -> bool:
    """The location lies in an area named in the text and holds the rest of the text."""
    lineage = areas[location.area_code].lineage if location.area_code in areas else (location.area_code,)
    for area, rest in named:
        if area.code in lineage and rest and _location_tier(location, rest, rest.split()) is not None:
            return True
    return False


def choose(typed: str, areas: list[AreaRow], locations: list[LocationRow],
           known: list[AreaRow] = ()) -> Resolution:
    """The best place for ``typed`` among the candidate ``areas`` and ``locations`` (the caller
    fetched the likely ones; their order does not matter). ``known``: more areas, only to look up
    the locations' areas. Deterministic: ties are broken by level, name length and name."""
    text = normalise(typed)
    if not text:
        return Resolution(typed)
    text_words = text.split()
    by_code = {a.code: a for a in (*known, *areas)}
    named = areas_named_in(text, areas)
    match = _Match()
    rest = text
    for area, _rest in named:
        for name in (normalise(area.name_zh), normalise(area.name_en)):
            rest = rest.replace(name, " ") if name else rest
    if named and not rest.strip():
        # Nothing but area names ("江滨区古渡街道"): the most specific of them.
        specific = min((a for a, _r in named), key=lambda a: (LEVEL_RANK.get(a.level, 9), a.code))
        match.add(area_place(specific, EXACT_AREA))
    for area in areas:
        tier = _area_tier(area, text, text_words)
        if tier is not None:
            match.add(area_place(area, tier))
    for location in locations:
        tier = _location_tier(location, text, text_words)
        if tier is None and _inside(location, named, by_code):
            tier = INSIDE_AREA
        if tier is not None:
            match.add(location_place(location, tier, by_code))
    if not match.places and named:
        # Only the area is known: the most specific one named.
        for area, _rest in named:
            match.add(area_place(area, AREA_ONLY))
        best = min(match.places.values(), key=lambda p: p.sort_key, default=None)
        return Resolution(typed, place=best)
    ranked = sorted(match.places.values(), key=lambda p: p.sort_key)
    if not ranked:
        return Resolution(typed)
    top = [p for p in ranked if p.tier == ranked[0].tier]
    distinct = {(p.area_code, round(p.point[0], 4), round(p.point[1], 4)) for p in top}
    if len(distinct) == 1:
        return Resolution(typed, place=top[0])
    return Resolution(typed, candidates=tuple(top[:MAX_CANDIDATES]), more=len(top) > MAX_CANDIDATES)


def _pick(zh: str | None, en: str | None, lang: str) -> str:
    return (en or zh or "") if lang == "en" else (zh or en or "")


def label(place: Place, lang: str) -> str:
    """How a place is named to the reader: "古渡街道（江滨区）", "Gudu Subdistrict (Jiangbin
    District)", "美沙酮门诊（江滨区文昌路252号）"."""
    if place.location is not None:
        loc = place.location
        name = _pick(loc.name_zh, loc.name_en, lang)
        detail = _pick(loc.address_zh, loc.address_en, lang)
        if not name:
            name, detail = detail, ""
    else:
        area = place.area
        name = _pick(area.name_zh, area.name_en, lang) if area else ""
        names = [_pick(zh, en, lang) for zh, en in (area.context if area else ())]
        detail = ("" if lang == "zh" else ", ").join(n for n in names if n)
    if not detail or detail == name:
        return name
    return f"{name}（{detail}）" if lang == "zh" else f"{name} ({detail})"


def parse_ref(ref: str | None) -> tuple[str, str] | None:
    """("area", code) or ("location", id) from a chosen candidate's ``ref``; None when malformed."""
    kind, _, key = (ref or "").partition(":")
    if kind in ("area", "location") and re.fullmatch(r"[A-Za-z0-9_.\-]{1,80}", key or ""):
        return kind, key
    return None
