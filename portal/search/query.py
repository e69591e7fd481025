"""What a search asks for: ``SearchParams`` (parsed from a URL, written back into one) and the
query plan (the words of the search box, expanded with synonyms). Pure: no Flask, no database.

The URL holds the whole search so that it can be bookmarked and shared. Anything odd in it (unknown
values, a page number of -3, a 10,000-character query) is cleaned up here, never turned into an
error page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..directory.freshness import DEFAULT_STALE_AFTER_DAYS
from .analyzers import REQUEST_WORDS, analysed_query
from .synonyms import normalise, table

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 10
MAX_VALUES = 20
MAX_PAGE = 500
MAX_PER_PAGE = 100
SORTS = ("relevance", "distance", "verified")

# URL name -> index field, for the multi-valued filters (OR within one, AND across them).
MULTI_FILTERS = {
    "category": "category",
    "stage": "care_stage",
    "population": "population",
    "condition": "condition",
    "cost": "cost",
    "language": "language",  # of the service; the interface language is ?lang=
    "mode": "delivery_mode",
    # Access facts: "access" is voluntary/compulsory; the others are "yes"/"no" (not stated: neither).
    "access": "access_mode",
    "anonymous": "anonymous",
    "police": "police",
    "guardian": "guardian",
    # The organisation's place in the care network.
    "department": "department",
    "level": "network_level",
}
FILTER_NAMES = tuple(MULTI_FILTERS) + ("area", "open_now", "accepting")
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
_PLACE_REF = re.compile(r"^(area|location):[A-Za-z0-9_.\-]{1,80}$")
MAX_PLACE_CHARS = 120
_QUOTES = "\"“”「」『』"
# Query syntax other engines use; here they are plain separators (no wildcards, ranges, fields).
_SYNTAX = re.compile(r"[*?~^:()\[\]{}<>+!\\/|&=,;，。；：！？、（）【】《》]+")
_STRAY_HYPHEN = re.compile(r"(?<![A-Za-z0-9])-|-(?![A-Za-z0-9])")


def _codes(values) -> tuple[str, ...]:
    clean = [v.strip() for v in values if isinstance(v, str) and _CODE.match(v.strip())]
    return tuple(dict.fromkeys(clean))[:MAX_VALUES]


def _int(value, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _float(value, low: float, high: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    population: tuple[str, ...] = ()
    condition: tuple[str, ...] = ()
    cost: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    mode: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    anonymous: tuple[str, ...] = ()
    police: tuple[str, ...] = ()
    guardian: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    area: str | None = None  # a district or street code (its whole subtree matches)
    open_now: bool = False
    accepting: bool = False
    sort: str = "relevance"
    near: str | None = None  # area code to measure distances from
    lat: float | None = None
    lon: float | None = None
    place: str = ""  # an address or landmark typed by the reader (directory/places.py resolves it)
    place_ref: str | None = None  # the candidate chosen when that text named several places
    page: int = 1
    per_page: int = 10
    organization_id: str | None = None
    # Filled in by the caller, not from the URL:
    origin: tuple[float, float] | None = None  # the point distances are measured from
    now: datetime | None = None  # local time, for "open now"
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    restrict: frozenset[str] | None = None  # only these service ids (e.g. the API's modified_after)
    staff: bool = False  # a staff reader also sees inactive services (directory/visibility.py)

    @classmethod
    def from_args(cls, args, **extra) -> SearchParams:
        """From a Werkzeug MultiDict (or any mapping with ``getlist``/``get``)."""
        getlist = getattr(args, "getlist", None) or (lambda k: [v for v in [args.get(k)] if v is not None])
        q = str(args.get("q") or "")
        values = {name: _codes(getlist(name)) for name in MULTI_FILTERS}
        area = _codes(getlist("area"))
        near = _codes(getlist("near"))
        sort = args.get("sort") if args.get("sort") in SORTS else "relevance"
        per_page = _int(args.get("per_page"), 10, 1, MAX_PER_PAGE)
        org = _codes(getlist("organization_id"))
        return cls(
            q=q, **values, area=area[0] if area else None, open_now=_flag(args.get("open_now")),
            accepting=_flag(args.get("accepting")), sort=sort, near=near[0] if near else None,
            lat=_float(args.get("lat"), -90, 90), lon=_float(args.get("lon"), -180, 180),
            place=" ".join(str(args.get("place") or "").split())[:MAX_PLACE_CHARS],
            place_ref=args.get("place_ref") if _PLACE_REF.match(str(args.get("place_ref") or "")) else None,
            page=_int(args.get("page"), 1, 1, MAX_PAGE), per_page=per_page,
            organization_id=org[0] if org else None, **extra,
        )

    def to_args(self, **changes) -> dict:
        """URL arguments (only what differs from the defaults), e.g. for ``url_for``."""
        params = replace(self, **changes) if changes else self
        out: dict = {}
        if params.q.strip():
            out["q"] = params.q.strip()[:MAX_QUERY_CHARS]
        for name in MULTI_FILTERS:
            if getattr(params, name):
                out[name] = list(getattr(params, name))
        for name in ("area", "near", "organization_id"):
            if getattr(params, name):
                out[name] = getattr(params, name)
        for name in ("open_now", "accepting"):
            if getattr(params, name):
                out[name] = 1
        if params.lat is not None and params.lon is not None:
            out["lat"], out["lon"] = params.lat, params.lon
        if params.place:
            out["place"] = params.place
            if params.place_ref:
                out["place_ref"] = params.place_ref
        if params.sort != "relevance":
            out["sort"] = params.sort
        if params.page != 1:
            out["page"] = params.page
        if params.per_page != 10:
            out["per_page"] = params.per_page
        return out

    def active_filters(self) -> list[tuple[str, str | None]]:
        """``[(name, value), ...]`` of every filter in use (value None for on/off filters)."""
        active: list[tuple[str, str | None]] = []
        for name in MULTI_FILTERS:
            active.extend((name, v) for v in getattr(self, name))
        if self.area:
            active.append(("area", self.area))
        if self.open_now:
            active.append(("open_now", None))
        if self.accepting:
            active.append(("accepting", None))
        return active

    def without(self, name: str, value: str | None = None) -> SearchParams:
        """The same search with one filter value removed (and back on page 1)."""
        if name in MULTI_FILTERS:
            kept = tuple(v for v in getattr(self, name) if value is not None and v != value)
            return replace(self, **{name: kept}, page=1)
        if name in ("area", "open_now", "accepting"):
            return replace(self, **{name: None if name == "area" else False}, page=1)
        return self

    def with_value(self, name: str, value: str) -> SearchParams:
        """The same search with one more filter value (and back on page 1)."""
        if name in MULTI_FILTERS:
            return replace(self, **{name: tuple(dict.fromkeys(getattr(self, name) + (value,)))}, page=1)
        if name == "area":
            return replace(self, area=value, page=1)
        return replace(self, **{name: True}, page=1)


# --- the query plan ---------------------------------------------------------------------------

Word = tuple[str, tuple[str, ...]]  # (word as indexed, its search-mode parts)


@dataclass(frozen=True)
class Clause:
    """One thing the user asked for. A document matches it if it matches any alternative; an
    alternative matches if the document holds all of its words (side by side, in order, for a
    quoted ``phrase``). The first alternative is what the user typed; the others are its form in
    the other Latin language (English or Spanish) and its synonyms."""

    label: str
    alternatives: tuple[tuple[Word, ...], ...]
    phrase: bool = False


@dataclass
class QueryPlan:
    text: str
    clauses: list[Clause] = field(default_factory=list)
    notices: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def words(self) -> set[str]:
        """Every word (and part) the plan may match: what snippets highlight."""
        found = set()
        for clause in self.clauses:
            for alternative in clause.alternatives:
                for word, parts in alternative:
                    found.add(word)
                    found.update(parts)
        return found


def _group_alternatives(phrases) -> list[tuple[Word, ...]]:
    """A synonym group's phrases in their own language's forms, then (where different) in the other
    Latin language's, as a typed word gets both (``analyzers.other_language_form``): "comida" in the
    group of "food" must find Spanish text, which holds it as "com". The other forms come last,
    being the ones scoring may leave out of a very long group (``searching.MAX_SCORED_ALTERNATIVES``)."""
    first, other = [], []
    for phrase in phrases:
        forms = _phrase_alternatives(phrase)
        first.append(forms[0])
        other.extend(forms[1:])
    return list(dict.fromkeys(first + other))


def _phrase_alternatives(phrase: str) -> list[tuple[Word, ...]]:
    """A quoted phrase as typed, and (if it differs) in the other Latin language's forms."""
    words = analysed_query(phrase)
    typed = tuple((word, parts) for _raw, word, parts, _other in words)
    other = tuple((other or word, parts) for _raw, word, parts, other in words)
    return [typed, other] if other != typed else [typed]


def plan(text: str) -> QueryPlan:
    """Turn what was typed into clauses. Never raises; odd input becomes a notice."""
    text = text or ""
    result = QueryPlan(text=text)
    typed = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        result.notices.append(("query_shortened", {"chars": MAX_QUERY_CHARS}))
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    quoted: list[str] = []
    # Balanced quotes make one clause of their words; a stray quote is dropped.
    for quote_open, quote_close in (('"', '"'), ("“", "”"), ("「", "」"), ("『", "』")):
        pattern = re.compile(re.escape(quote_open) + r"([^" + re.escape(quote_open + quote_close) + r"]+)"
                             + re.escape(quote_close))
        quoted.extend(m.group(1) for m in pattern.finditer(text))
        text = pattern.sub(" ", text)
    text = "".join(" " if ch in _QUOTES else ch for ch in text)
    text = _STRAY_HYPHEN.sub(" ", _SYNTAX.sub(" ", text))
    seen: set[tuple] = set()

    def add(label: str, alternatives, phrase: bool = False) -> None:
        alternatives = tuple(a for a in alternatives if a)
        phrase = phrase and len(alternatives[0]) > 1 if alternatives else False
        key = (tuple(sorted(alternatives)), phrase)
        if alternatives and key not in seen and len(result.clauses) < MAX_CLAUSES:
            seen.add(key)
            result.clauses.append(Clause(label, alternatives, phrase))

    for phrase in quoted:
        add(phrase.strip(), _phrase_alternatives(phrase), phrase=True)
    rest = normalise(text)
    synonyms = table()
    pieces, position = [], 0
    for start, end, phrase in synonyms.find_in(rest):
        pieces.append(rest[position:start])
        position = end
        add(phrase, _group_alternatives(synonyms.alternatives(phrase)))
    pieces.append(rest[position:])
    words = analysed_query(" ".join(pieces))
    content = [w for w in words if w[0].lower() not in REQUEST_WORDS]
    if content or result.clauses:  # "help" alone is searched; "help paying rent" is rent and paying
        words = content
    for surface, word, parts, other in words:
        add(surface, [((word, parts),)] + ([((other, ()),)] if other else []))
    if len(result.clauses) == MAX_CLAUSES:
        result.notices.append(("too_many_words", {"max": MAX_CLAUSES}))
    if not result.clauses and typed:
        if re.search(r"[^\W_]", text):
            result.notices.append(("only_stop_words", {}))
        else:
            result.notices.append(("no_searchable_words", {}))
    return result
