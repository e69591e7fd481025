"""Turning search results into what the search page shows: result cards, filter groups with labels
and counts, snippets with the searched words marked, the chips of the filters in use and notices.
Record texts (cost, capacity, freshness, area) come from portal/directory/presenters.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..directory.presenters import (
    COST_LABELS,
    LANGUAGE_LABELS,
    Freshness,
    area_text,
    capacity_text,
    distance_text,
    freshness,
)
from ..directory.labels import ACCESS_MODE, NETWORK_LEVEL
from ..punctuation import as_label
from .analyzers import BilingualAnalyzer
from .query import SearchParams
from .searching import SearchResult

FACET_TITLES = {
    "category": _l("Kind of help"),
    "stage": _l("Care stage"),
    "area": _l("District"),
    "street": _l("Street"),
    "population": _l("For whom"),
    "condition": _l("Condition"),
    "cost": _l("Cost"),
    "language": _l("Language"),
    "mode": _l("How it is delivered"),
    "access_facts": _l("Access"),
    "access": _l("Voluntary or compulsory"),
    "anonymous": _l("Anonymous access"),
    "police": _l("Sharing with the police"),
    "guardian": _l("Guardian's consent"),
    "department": _l("Department"),
    "level": _l("Network level"),
}
# The "Access" group: one option per fact a person may look for, as (URL filter, value, label).
# Options from different filters narrow the result together; facts a service never stated match
# none of them (unknown is not no, and not yes either).
ACCESS_OPTIONS = (
    ("access", "voluntary", _l("Voluntary")),
    ("access", "compulsory", _l("Compulsory programme")),
    ("anonymous", "yes", _l("Can be used anonymously")),
    ("police", "no", _l("Does not share information with the police")),
    ("guardian", "no", _l("No guardian's consent needed")),
)
_ACCESS_LABEL = {(name, value): label for name, value, label in ACCESS_OPTIONS}
_ACCESS_VALUE_WORDS = {"yes": _l("yes"), "no": _l("no")}
VOCABULARY_OF = {"category": "category", "stage": "care_stage", "population": "population",
                 "condition": "condition", "mode": "delivery_mode"}
SORT_LABELS = {"relevance": _l("Best match"), "distance": _l("Nearest first"),
               "verified": _l("Recently verified")}


# --- snippets -------------------------------------------------------------------------------

_ANALYZER = None


def _analyzer():
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = BilingualAnalyzer()
    return _ANALYZER


def highlight(text: str, words: set[str], width: int = 150) -> Markup:
    """A window of ``text`` around the first searched word, with every searched word in <mark>.
    Words are compared as the index sees them (segmented, lower-cased, stemmed)."""
    text = (text or "").strip()
    if not text:
        return Markup("")
    spans = []
    if words:
        for token in _analyzer()(text, chars=True, removestops=False):
            if token.text in words:
                spans.append((token.startchar, token.endchar))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    begin = 0
    if merged and merged[0][0] > width // 3:
        begin = merged[0][0] - width // 3
    end = min(len(text), begin + width)
    out = [Markup("…")] if begin else []
    cursor = begin
    for start, stop in merged:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        out.append(escape(text[cursor:start]))
        out.append(Markup("<mark>") + escape(text[start:stop]) + Markup("</mark>"))
        cursor = stop
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


# --- cards ------------------------------------------------------------------------------------

@dataclass
class Card:
    service: object
    name: object
    organization: object
    snippet: Markup
    area: str
    distance: str
    costs: list[str]
    capacity: str
    freshness: Freshness
    status: str
    in_list: bool = False


def card(service, hit, words: set[str], in_list: bool = False) -> Card:
    locations = service.locations
    description = service.t("description")
    snippet = highlight(str(description), words)
    if words and "<mark>" not in snippet:
        # The match may be in the other language's text or in the eligibility: show where it is.
        for text in (service.t("eligibility_description"), service.description_zh, service.description_en):
            candidate = highlight(str(text or ""), words)
            if "<mark>" in candidate:
                snippet = candidate
                break
    return Card(
        service=service, name=service.t("name"), organization=service.organization.t("name"),
        snippet=snippet, area=area_text(locations[0] if locations else None),
        distance=distance_text(hit.distance_km if hit else None),
        costs=[str(COST_LABELS.get(c.kind, c.kind)) for c in service.cost_options],
        capacity=capacity_text(service), freshness=freshness(service), status=service.status,
        in_list=in_list,
    )


# --- filter groups ------------------------------------------------------------------------

@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class FacetGroup:
    name: str
    title: str
    options: list[Option] = field(default_factory=list)


def _toggle_url(params: SearchParams, name: str, value: str, selected: bool) -> str:
    changed = params.without(name, value) if selected else params.with_value(name, value)
    return url_for("search.search", **changed.to_args())


def _access_group(result: SearchResult) -> FacetGroup:
    params = result.params
    group = FacetGroup("access_facts", str(FACET_TITLES["access_facts"]))
    for name, value, label in ACCESS_OPTIONS:
        count = result.facets.get(name, {}).get(value, 0)
        selected = value in getattr(params, name)
        if count or selected:
            group.options.append(Option(f"{name}:{value}", str(label), count, selected,
                                        _toggle_url(params, name, value, selected)))
    return group


def _network_groups(result: SearchResult, terms) -> list[FacetGroup]:
    """Department (the ``department`` vocabulary's terms) and network level of the organisation."""
    params = result.params
    department = FacetGroup("department", str(FACET_TITLES["department"]))
    counts = result.facets.get("department", {})
    for code, term in terms.get("department", {}).items():
        if code in counts:
            selected = code in params.department
            department.options.append(Option(code, str(term.t("name")), counts[code], selected,
                                             _toggle_url(params, "department", code, selected)))
    level = FacetGroup("level", str(FACET_TITLES["level"]))
    counts = result.facets.get("level", {})
    for code, label in NETWORK_LEVEL.items():
        if code in counts:
            selected = code in params.level
            level.options.append(Option(code, str(label), counts[code], selected,
                                        _toggle_url(params, "level", code, selected)))
    return [g for g in (department, level) if g.options]


def facet_groups(result: SearchResult, terms, areas, language_names) -> list[FacetGroup]:
    params = result.params
    groups = []
    order = ("category", "stage", "area", "street", "population", "condition", "mode", "cost", "language")
    for name in order:
        group = FacetGroup(name, str(FACET_TITLES[name]))
        if name in VOCABULARY_OF:
            counts = result.facets.get(name, {})
            vocabulary = terms.get(VOCABULARY_OF[name], {})
            for code, term in vocabulary.items():
                if code in counts:
                    selected = code in getattr(params, name)
                    group.options.append(Option(code, str(term.t("name")), counts[code], selected,
                                                _toggle_url(params, name, code, selected)))
        elif name in ("area", "street"):
            counts = result.facets.get("area", {})
            selected_area = areas.get(params.area) if params.area else None
            if name == "area":
                wanted = [a for a in areas.values() if a.level == "district"]
            else:
                district = selected_area.district() if selected_area else None
                wanted = [a for a in areas.values() if a.level == "street" and district is not None
                          and a.parent_id == district.id]
            for area in wanted:
                selected = params.area == area.code
                if area.code in counts or selected:
                    if selected:
                        url = url_for("search.search", **params.without("area").to_args())
                    elif name == "street" and selected_area is not None:
                        url = url_for("search.search", **params.with_value("area", area.code).to_args())
                    else:
                        url = url_for("search.search", **params.with_value("area", area.code).to_args())
                    group.options.append(Option(area.code, str(area.t("name")), counts.get(area.code, 0),
                                                selected or (name == "area" and selected_area is not None
                                                             and selected_area.district() is area), url))
        else:
            counts = result.facets.get(name, {})
            labels = COST_LABELS if name == "cost" else {}
            for value in sorted(counts, key=lambda v: (-counts[v], v)):
                selected = value in getattr(params, name)
                if name == "language":
                    label = str(LANGUAGE_LABELS.get(value) or language_names.get(value) or value)
                else:
                    label = str(labels.get(value, value))
                group.options.append(Option(value, label, counts[value], selected,
                                            _toggle_url(params, name, value, selected)))
        if group.options:
            groups.append(group)
    access = _access_group(result)
    if access.options:
        groups.append(access)
    return groups + _network_groups(result, terms)


def filter_label(name: str, value: str | None, terms, areas, language_names) -> str:
    """A filter in use, as the chips above the results and the "drop this filter" offer say it."""
    if name in VOCABULARY_OF and value:
        term = terms.get(VOCABULARY_OF[name], {}).get(value)
        return str(term.t("name")) if term else value
    if name == "area" and value:
        area = areas.get(value)
        return str(area.t("name")) if area else value
    if name == "cost" and value:
        return str(COST_LABELS.get(value, value))
    if name == "language" and value:
        return str(LANGUAGE_LABELS.get(value) or language_names.get(value) or value)
    if (name, value) in _ACCESS_LABEL:
        return str(_ACCESS_LABEL[name, value])
    if name in ("access", "anonymous", "police", "guardian") and value:
        words = ACCESS_MODE if name == "access" else _ACCESS_VALUE_WORDS
        return as_label(FACET_TITLES[name]) + str(words[value]) if value in words else value
    if name == "department" and value:
        term = terms.get("department", {}).get(value)
        return str(term.t("name")) if term else value
    if name == "level" and value:
        return str(NETWORK_LEVEL.get(value, value))
    if name == "open_now":
        return _("Open now")
    if name == "accepting":
        return _("Accepting referrals")
    if name in FACET_TITLES and value is None:
        return str(FACET_TITLES[name])
    return value or name


def active_chips(params: SearchParams, terms, areas, language_names) -> list[tuple[str, str]]:
    """``[(label, url without it), ...]`` for every filter in use."""
    return [(filter_label(name, value, terms, areas, language_names),
             url_for("search.search", **params.without(name, value).to_args()))
            for name, value in params.active_filters()]


def notice_text(code: str, data: dict) -> str | None:
    if code == "query_shortened":
        return _("Your search was very long; only its first %(chars)s characters were used.", chars=data["chars"])
    if code == "too_many_words":
        return _("Only the first %(max)s words of your search were used.", max=data["max"])
    if code == "only_stop_words":
        return _("Your search only had very common words, so all services are listed. Try a more specific word.")
    if code == "no_searchable_words":
        return _("Your search had no letters or characters to look for, so all services are listed.")
    if code == "matched_some_words":
        return _("No service matches all of your words; showing services that match some of them.")
    if code == "open_now_unavailable":
        return _("Opening hours could not be checked right now.")
    if code == "distance_needs_origin":
        return _("Choose a district (or share a location) to sort by distance.")
    if code == "index_missing":
        return _("Search is being prepared; please try again in a minute.")
    return None


# --- the place distances are measured from -----------------------------------------------------

@dataclass(frozen=True)
class PlaceView:
    used: str | None = None  # the place distances are measured from, in words
    clear_url: str | None = None
    error: str | None = None  # nothing matched the typed text
    ambiguous: str | None = None  # several places matched: the sentence before the choices
    choices: tuple[tuple[str, str], ...] = ()  # (place in words, search URL with that place chosen)
    more: bool = False


def place_view(resolution, params: SearchParams, lang: str) -> PlaceView | None:
    """What the place row says: the place used, the choices when the text named several places, or
    that nothing matched. ``resolution``: directory.places.Resolution or None (no text typed)."""
    from ..directory.places import label
    from ..directory.presenters import place_ambiguous, place_not_found

    clear_url = url_for("search.search", **params.to_args(place="", place_ref=None, lat=None, lon=None,
                                                          sort="relevance", page=1))
    if resolution is None:
        if params.lat is not None and params.lon is not None:
            return PlaceView(used=_("your location"), clear_url=clear_url)
        return None
    if resolution.place is not None:
        return PlaceView(used=label(resolution.place, lang), clear_url=clear_url)
    text = params.place
    if resolution.candidates:
        return PlaceView(
            ambiguous=place_ambiguous(text),
            choices=tuple((label(c, lang), url_for("search.search", **params.to_args(place_ref=c.ref, page=1)))
                          for c in resolution.candidates), more=resolution.more)
    return PlaceView(error=place_not_found(text))
