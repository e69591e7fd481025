"""The directory as plain data for the engine, loaded once per process and kept until it changes.

Loading reads a handful of flat queries (no ORM objects: far cheaper than walking relationships;
about 12 s at 100k services). The cached copy is brought up to date when:
- this process commits a change to directory records: a session listener notes the services the
  change touches (the search outbox's ``changed_service_ids``) and the next use re-reads only those
  (``refresh_catalog`` + ``Directory.updated``: milliseconds); terms, taxonomies, areas and bulk
  flushes (imports) load it again in full;
- another process did: a cheap signature (row counts and latest ``updated_at`` of the directory
  tables) is compared at most every ``CHECK_SECONDS``;
- it is older than ``MAX_AGE_SECONDS`` (edits the signature cannot see).
"""
from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import time as dt_time

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..directory import models as m
from ..session_context import context_of
from .engine import AreaFacts, Directory, ServiceFacts
from .profile import Vocabulary, label_key

CHECK_SECONDS = 5.0
# Reload at least this often: another process's edit of a child row (an attribute's value, a cost's
# kind) changes neither a count nor an updated_at, so the signature alone could miss it.
MAX_AGE_SECONDS = 600.0
FREEZE_ABOVE = 20_000
# Care-stage codes that end a pathway of the continuum (seed/data/taxonomies.json).
PATHWAY_ENDS = frozenset({"aftercare"})
_DIRECTORY_MODELS = (m.Service, m.Organization, m.Location, m.ServiceAtLocation, m.Attribute,
                     m.CostOption, m.Language, m.ServiceArea, m.Schedule, m.TaxonomyTerm, m.Taxonomy, m.Area)


@dataclass(frozen=True)
class Term:
    code: str
    name_zh: str
    name_en: str
    position: int

    def label(self, lang: str) -> str:
        return (self.name_en or self.name_zh) if lang == "en" else (self.name_zh or self.name_en)


@dataclass
class Catalog:
    directory: Directory
    vocabulary: Vocabulary
    terms: dict[str, tuple[Term, ...]]  # vocabulary name -> terms in order
    area_codes: dict[int, str] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.monotonic)
    # Service id -> categories linked only by inference from its words (imports; see portal/crosswalk):
    # matching uses them and says so, until the agency or an admin confirms them.
    inferred: dict[str, frozenset[str]] = field(default_factory=dict)
    # Services whose eligibility is stated only in words (no age, gender or term): "check", never "no".
    eligibility_in_words: frozenset[str] = frozenset()
    base: _Base | None = None  # what the facts were read against (for refresh_catalog)

    def term(self, vocabulary: str, code: str) -> Term | None:
        return next((t for t in self.terms.get(vocabulary, ()) if t.code == code), None)

    def label(self, vocabulary: str, code: str, lang: str) -> str:
        term = self.term(vocabulary, code)
        return term.label(lang) if term else code

    def eligibility_label(self, code: str, lang: str) -> str:
        """Populations and conditions share exclusion messages: look the code up in both."""
        term = self.term("population", code) or self.term("condition", code)
        return term.label(lang) if term else code

    def area_name(self, area_id: int | None, lang: str) -> str:
        area = self.directory.areas.get(area_id) if area_id is not None else None
        if area is None:
            return ""
        return (area.name_en or area.name_zh) if lang == "en" else (area.name_zh or area.name_en)

    def districts(self) -> list[tuple[AreaFacts, list[AreaFacts]]]:
        """Districts with their streets, for the area choice (ordered by code)."""
        areas = self.directory.areas.values()
        districts = sorted((a for a in areas if a.level == "district"), key=lambda a: a.code)
        streets: dict[int, list[AreaFacts]] = {}
        for a in areas:
            if a.level == "street" and a.parent_id is not None:
                streets.setdefault(a.parent_id, []).append(a)
        return [(d, sorted(streets.get(d.id, []), key=lambda a: a.code)) for d in districts]


# --- cache ------------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, int, float, Catalog]] = {}  # engine url -> (signature, generation, checked, catalog)
_generation = 0
# What each generation changed: (generation, engine url, service ids, or None for "load it all again").
_changes: list[tuple[int, str, frozenset | None]] = []
_MAX_CHANGES = 1000
# A flush touching more directory rows than this (an import) makes the catalogue load again in full.
INCREMENTAL_UP_TO = 2000
_WHOLE = (m.TaxonomyTerm, m.Taxonomy, m.Area)


def _bump(url: str = "", service_ids: frozenset | None = None) -> None:
    global _generation
    with _lock:
        _generation += 1
        _changes.append((_generation, url, service_ids))
        del _changes[:-_MAX_CHANGES]


@event.listens_for(Session, "before_flush")
def _note_directory_change(session: Session, flush_context, instances) -> None:
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, _DIRECTORY_MODELS)]
    if not changed:
        return
    context = context_of(session)
    context.catalog_stale = True
    if context.catalog_full:
        return
    if len(changed) > INCREMENTAL_UP_TO or any(isinstance(obj, _WHOLE) for obj in changed):
        context.catalog_full = True
        return
    from ..search.outbox import changed_service_ids  # the index's own answer, computed once per flush

    context.catalog_service_ids |= changed_service_ids(session, flush_context)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # (a rollback clears the flags in portal/session_context.py)
    context = context_of(session)
    if context.catalog_stale:
        ids = None if context.catalog_full else frozenset(context.catalog_service_ids)
        context.catalog_stale, context.catalog_full, context.catalog_service_ids = False, False, set()
        try:
            url = str(session.get_bind().url)
        except Exception:  # noqa: BLE001 - a session without one bind: reload every catalogue
            url, ids = "", None
        _bump(url, ids)


def _changed_since(generation: int, url: str) -> frozenset | None:
    """Service ids changed in this process after ``generation`` (None: load again in full)."""
    with _lock:
        if not _changes or _changes[0][0] > generation + 1:
            return None  # the record of changes does not reach back that far
        ids: set = set()
        for gen, where, changed in _changes:
            if gen <= generation or (where and where != url):
                continue
            if changed is None:
                return None
            ids |= changed
    return frozenset(ids)


def signature(session: Session) -> tuple:
    """Counts and latest changes of the tables the catalog reads: equal signatures, same data
    (edits that touch only a child row without changing counts also bump the parent's updated_at
    through the forms; the process-local generation covers the rest)."""
    parts = [
        select(func.count(m.Service.id)).scalar_subquery(),
        select(func.max(m.Service.updated_at)).scalar_subquery(),
        select(func.max(m.Organization.updated_at)).scalar_subquery(),
        select(func.max(m.Location.updated_at)).scalar_subquery(),
        select(func.count(m.Location.id)).scalar_subquery(),
        select(func.count(m.Attribute.id)).scalar_subquery(),
        select(func.count(m.CostOption.id)).scalar_subquery(),
        select(func.count(m.Language.id)).scalar_subquery(),
        select(func.count(m.ServiceArea.id)).scalar_subquery(),
        select(func.count(m.ServiceAtLocation.id)).scalar_subquery(),
        select(func.count(m.TaxonomyTerm.id)).scalar_subquery(),
        select(func.count(m.Area.id)).scalar_subquery(),
    ]
    return tuple(str(v) for v in session.execute(select(*parts)).one())


def get_catalog(session: Session) -> Catalog:
    """The cached catalog for the session's database, reloaded when the directory changed."""
    key = str(session.get_bind().url)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
        generation = _generation
    if cached is not None and cached[1] == generation and now - cached[2] < CHECK_SECONDS:
        return cached[3]
    sig = signature(session)
    fresh_enough = cached is not None and now - cached[3].loaded_at < MAX_AGE_SECONDS
    if cached is not None and cached[0] == sig and cached[1] == generation and fresh_enough:
        with _lock:
            _cache[key] = (sig, generation, now, cached[3])
        return cached[3]
    if cached is not None and cached[1] != generation and fresh_enough:
        # This process changed the directory: re-read only the services it changed. (Another
        # process's edit shows only in the signature, and loads the catalogue again in full.)
        ids = _changed_since(cached[1], key)
        if ids is not None:
            catalog = refresh_catalog(session, cached[3], ids)
            catalog.loaded_at = cached[3].loaded_at
            with _lock:
                _cache[key] = (sig, generation, now, catalog)
            return catalog
    catalog = load_catalog(session)
    with _lock:
        _cache[key] = (sig, generation, now, catalog)
    return catalog


def clear_cache() -> None:
    with _lock:
        _cache.clear()


# --- loading ----------------------------------------------------------------------------------

def _broader_categories(term_vocab: dict, parents: dict) -> dict[str, frozenset]:
    """Category code -> the codes of every broader category above it (same vocabulary only)."""
    out: dict[str, frozenset] = {}
    for term_id, (vocab, code) in term_vocab.items():
        if vocab != "category":
            continue
        chain, node, seen = [], parents.get(term_id), {term_id}
        while node and node not in seen and term_vocab.get(node, (None,))[0] == "category":
            seen.add(node)
            chain.append(term_vocab[node][1])
            node = parents.get(node)
        if chain:
            out[code] = frozenset(chain)
    return out


def _with_broader(codes: frozenset, broader: dict[str, frozenset]) -> frozenset:
    """A service of a narrower category also meets the broader need (detox -> substance use)."""
    extra = [broader[c] for c in codes if c in broader]
    return codes.union(*extra) if extra else codes


@dataclass
class _Base:
    """What every service's facts are read against: areas, terms, organisation names, postal
    centroids. Kept with the catalogue so that a few changed services can be re-read alone."""

    areas: dict[int, AreaFacts]
    ordered: dict[str, tuple[Term, ...]]
    term_vocab: dict[str, tuple[str, str]]
    broader: dict[str, frozenset]
    postal: dict[str, tuple[float, float]]

    def lineage(self, area_id) -> list[AreaFacts]:
        chain, node, seen = [], self.areas.get(area_id), set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = self.areas.get(node.parent_id)
        return chain


def _load_base(session: Session) -> _Base:
    areas = {
        row.id: AreaFacts(row.id, row.code, row.level, row.parent_id, row.latitude, row.longitude,
                          row.name_zh or "", row.name_en or "")
        for row in session.execute(select(m.Area.id, m.Area.code, m.Area.level, m.Area.parent_id,
                                          m.Area.latitude, m.Area.longitude, m.Area.name_zh, m.Area.name_en))
    }
    terms: dict[str, list[tuple]] = {}
    term_vocab: dict[str, tuple[str, str]] = {}
    parents: dict[str, str] = {}
    for row in session.execute(
        select(m.TaxonomyTerm.id, m.TaxonomyTerm.code, m.TaxonomyTerm.name_zh, m.TaxonomyTerm.name_en,
               m.TaxonomyTerm.position, m.TaxonomyTerm.parent_id, m.Taxonomy.name).join(m.Taxonomy)
    ):
        terms.setdefault(row.name, []).append((row.position, row.code, row.name_zh, row.name_en))
        term_vocab[row.id] = (row.name, row.code)
        if row.parent_id:
            parents[row.id] = row.parent_id
    ordered = {
        vocab: tuple(Term(code, zh or "", en or "", pos) for pos, code, zh, en in sorted(items, key=lambda t: (t[0], t[1])))
        for vocab, items in terms.items()
    }
    postal = postal_centroids(
        session.execute(select(m.Location.postal_code, m.Location.latitude, m.Location.longitude)
                        .where(m.Location.postal_code.is_not(None), m.Location.latitude.is_not(None),
                               m.Location.longitude.is_not(None))))
    return _Base(areas, ordered, term_vocab, _broader_categories(term_vocab, parents), postal)


def _only(query, column, ids):
    """``query`` limited to rows whose ``column`` is in ``ids`` (None: every row)."""
    return query if ids is None else query.where(column.in_(ids))


# Hours text that says "around the clock" (imports keep the source's words in Service.hours_text).
_ALWAYS_WORDS = ("24 hour", "24-hour", "24h", "24/7", "24小时", "全天")
_MIDNIGHT, _LAST_MINUTE = dt_time(0, 0), dt_time(23, 59)


def _always_open(windows: dict[int, list[tuple[dt_time, dt_time]]]) -> bool:
    return len(windows) == 7 and all(
        any(o <= _MIDNIGHT and c >= _LAST_MINUTE for o, c in day) for day in windows.values())


_Tags = dict[str, dict[str, tuple[set, set]]]
_NO_TAGS: tuple[set, set] = (set(), set())


def _service_rows(session: Session, ids: list[str] | None) -> list:
    return session.execute(_only(
        select(m.Service.id, m.Service.organization_id, m.Service.name_zh, m.Service.name_en, m.Service.status,
               m.Service.minimum_age, m.Service.maximum_age, m.Service.gender_eligibility,
               m.Service.residency_required, m.Service.capacity_status, m.Service.wait_weeks,
               m.Service.accepts_referrals, m.Service.verified_on, m.Service.interpretation_services,
               m.Service.hours_text, m.Service.access_mode, m.Service.anonymous_access,
               (m.Service.eligibility_description_zh.is_not(None) | m.Service.eligibility_description_en.is_not(None))
               .label("eligibility_words")), m.Service.id, ids).order_by(m.Service.id)).all()


def _organization_names(session: Session, org_ids: list[str] | None) -> dict[str, tuple[str, str]]:
    return {row.id: (row.name_zh, row.name_en or "") for row in session.execute(
        _only(select(m.Organization.id, m.Organization.name_zh, m.Organization.name_en), m.Organization.id, org_ids))}


def _attribute_tags(session: Session, term_vocab: dict, ids: list[str] | None, org_ids: list[str] | None
                    ) -> tuple[_Tags, _Tags, dict[str, set]]:
    """Per service and per organization: vocabulary -> (served codes, only codes); with the
    categories known only by inference."""
    tags: _Tags = {}
    org_tags: _Tags = {}
    inferred: dict[str, set] = {}
    attribute = select(m.Attribute.service_id, m.Attribute.organization_id, m.Attribute.taxonomy_term_id,
                       m.Attribute.value, m.Attribute.origin)
    if ids is not None:
        # Organization-level tags are inherited by the services, so they are needed too.
        attribute = attribute.where(m.Attribute.service_id.in_(ids) | m.Attribute.organization_id.in_(org_ids))
    for row in session.execute(attribute):
        vocab, code = term_vocab.get(row.taxonomy_term_id, (None, None))
        if vocab is None:
            continue
        if row.origin == "inferred" and vocab == "category" and row.service_id:
            inferred.setdefault(row.service_id, set()).add(code)
        target = tags.setdefault(row.service_id, {}) if row.service_id else (
            org_tags.setdefault(row.organization_id, {}) if row.organization_id else None)
        if target is None:
            continue
        served, only = target.setdefault(vocab, (set(), set()))
        (only if row.value == "only" else served).add(code)
    return tags, org_tags, inferred


def _located_point(base: _Base, row, chain) -> tuple[float, float] | None:
    if row.latitude is not None and row.longitude is not None:
        return (row.latitude, row.longitude)
    # The area's centroid (like Location.point()), else the postal code's; else unknown.
    centroid = next(((a.latitude, a.longitude) for a in chain if a.latitude is not None and a.longitude is not None), None)
    if centroid is None and row.postal_code:
        centroid = base.postal.get(postal_key(row.postal_code))
    return centroid


def _placements(session: Session, base: _Base, ids: list[str] | None) -> tuple[dict[str, set], dict[str, set]]:
    """Per service: the points it is delivered at, and the districts of its locations."""
    points: dict[str, set] = {}
    districts: dict[str, set] = {}
    placed = session.execute(_only(
        select(m.ServiceAtLocation.service_id, m.Location.latitude, m.Location.longitude, m.Location.area_id,
               m.Location.postal_code)
        .join(m.Location, m.Location.id == m.ServiceAtLocation.location_id), m.ServiceAtLocation.service_id, ids)
    ).all()
    for row in placed:
        chain = base.lineage(row.area_id)
        point = _located_point(base, row, chain)
        if point:
            points.setdefault(row.service_id, set()).add(point)
        district = next((a.id for a in chain if a.level == "district"), None)
        if district is not None:
            districts.setdefault(row.service_id, set()).add(district)
    return points, districts


def _grouped(session: Session, key_column, value_column, ids: list[str] | None, *,
             skip_none: bool = False) -> dict[str, set]:
    groups: dict[str, set] = {}
    for key, value in session.execute(_only(select(key_column, value_column), key_column, ids)):
        if not (skip_none and value is None):
            groups.setdefault(key, set()).add(value)
    return groups


def _opening_windows(session: Session, ids: list[str] | None) -> dict[str, dict[int, list]]:
    """Service-wide opening windows (per weekday), to know what is open around the clock."""
    windows: dict[str, dict[int, list]] = {}
    for sid, weekday, opens, closes in session.execute(_only(
            select(m.Schedule.service_id, m.Schedule.weekday, m.Schedule.opens_at, m.Schedule.closes_at)
            .where(m.Schedule.service_id.is_not(None), m.Schedule.valid_to.is_(None)), m.Schedule.service_id, ids)):
        windows.setdefault(sid, {}).setdefault(weekday, []).append((opens, closes))
    return windows


def _eligibility_only_in_words(row, own: dict[str, tuple[set, set]]) -> bool:
    return bool(row.eligibility_words and row.minimum_age is None and row.maximum_age is None
                and row.gender_eligibility is None and not (own.get("population", _NO_TAGS)[1]
                                                            or own.get("condition", _NO_TAGS)[1]))


@dataclass(frozen=True)
class _Details:
    """Per-service lookups gathered in bulk, keyed by service id."""
    points: dict[str, set]
    districts: dict[str, set]
    costs: dict[str, set]
    languages: dict[str, set]
    served_areas: dict[str, set]
    windows: dict[str, dict[int, list]]


def _load_details(session: Session, base: _Base, ids: list[str] | None) -> _Details:
    points, districts = _placements(session, base, ids)
    costs = _grouped(session, m.CostOption.service_id, m.CostOption.kind, ids)
    languages = _grouped(session, m.Language.service_id, m.Language.code, ids)
    served_areas = _grouped(session, m.ServiceArea.service_id, m.ServiceArea.area_id, ids, skip_none=True)
    return _Details(points, districts, costs, languages, served_areas, _opening_windows(session, ids))


def _service_fact(row, base: _Base, orgs: dict[str, tuple[str, str]], own: dict[str, tuple[set, set]],
                  inherited: dict[str, tuple[set, set]], details: _Details) -> ServiceFacts:
    def served(vocab):
        return frozenset(own.get(vocab, _NO_TAGS)[0] | inherited.get(vocab, _NO_TAGS)[0])

    def only(vocab):
        return frozenset(own.get(vocab, _NO_TAGS)[1] | inherited.get(vocab, _NO_TAGS)[1])

    hours = (row.hours_text or "").lower()
    org_zh, org_en = orgs.get(row.organization_id, ("", ""))
    return ServiceFacts(
        id=row.id, organization_id=row.organization_id,
        name_zh=row.name_zh or "", name_en=row.name_en or "",
        organization_name_zh=org_zh or "", organization_name_en=org_en or "",
        status=row.status,
        # A term linked as "only" still says what the service is (e.g. a category).
        categories=_with_broader(served("category") | only("category"), base.broader),
        care_stages=served("care_stage") | only("care_stage"),
        populations_only=only("population"), conditions_only=only("condition"),
        populations_served=served("population"), conditions_served=served("condition"),
        delivery_modes=served("delivery_mode") | only("delivery_mode"),
        minimum_age=row.minimum_age, maximum_age=row.maximum_age,
        gender_eligibility=row.gender_eligibility, residency_required=row.residency_required,
        service_area_ids=frozenset(details.served_areas.get(row.id, ())),
        location_district_ids=frozenset(details.districts.get(row.id, ())),
        points=tuple(sorted(details.points.get(row.id, ()))),
        capacity_status=row.capacity_status, wait_weeks=row.wait_weeks,
        accepts_referrals=row.accepts_referrals,
        cost_kinds=frozenset(details.costs.get(row.id, ())),
        languages=frozenset(details.languages.get(row.id, ())),
        interpretation=bool(row.interpretation_services), verified_on=row.verified_on,
        always_open=_always_open(details.windows.get(row.id, {})) or any(w in hours for w in _ALWAYS_WORDS),
        access_mode=row.access_mode, anonymous_access=row.anonymous_access,
    )


def _service_facts(session: Session, base: _Base, ids: list[str] | None
                   ) -> tuple[list[ServiceFacts], dict[str, frozenset], set[str]]:
    """Facts of the services ``ids`` (every service when None), in id order; with the categories
    known only by inference and the services whose eligibility is stated only in words."""
    service_rows = _service_rows(session, ids)
    org_ids = None if ids is None else sorted({row.organization_id for row in service_rows})
    orgs = _organization_names(session, org_ids)
    tags, org_tags, inferred = _attribute_tags(session, base.term_vocab, ids, org_ids)
    details = _load_details(session, base, ids)

    services = []
    in_words: set[str] = set()
    for row in service_rows:
        own = tags.get(row.id, {})
        if _eligibility_only_in_words(row, own):
            in_words.add(row.id)
        services.append(_service_fact(row, base, orgs, own, org_tags.get(row.organization_id, {}), details))
    return services, {sid: frozenset(codes) for sid, codes in inferred.items()}, in_words


def load_catalog(session: Session) -> Catalog:
    base = _load_base(session)
    services, inferred, in_words = _service_facts(session, base, None)
    ordered = base.ordered
    areas = base.areas
    stages = ordered.get("care_stage", ())
    positions, step = {}, 0
    for term in stages:
        positions[term.code] = step
        # The vocabulary holds two pathways one after the other (substance use, then psychiatric
        # rehabilitation); a gap after the first one's last stage keeps "next step" within a pathway.
        step += 2 if term.code in PATHWAY_ENDS else 1
    directory = Directory(tuple(services), areas, positions)
    from .explain import LANGUAGES

    vocabulary = Vocabulary(
        categories=frozenset(t.code for t in ordered.get("category", ())),
        care_stages=frozenset(t.code for t in stages),
        conditions=frozenset(t.code for t in ordered.get("condition", ())),
        populations=frozenset(t.code for t in ordered.get("population", ())),
        languages=frozenset(LANGUAGES) | {code for s in services for code in s.languages},
        area_ids={a.code: a.id for a in areas.values() if a.level in ("district", "street", "community")},
        labels=label_index(ordered),
    )
    if len(services) >= FREEZE_ABOVE:
        # A large catalog is a million long-lived objects: keep them out of the cyclic collector,
        # whose full passes over them otherwise pause requests for half a second (bench/match.py).
        # They are still freed by reference counting when the catalog is replaced.
        gc.freeze()
    return Catalog(directory, vocabulary, ordered, {a.id: a.code for a in areas.values()},
                   inferred=inferred, eligibility_in_words=frozenset(in_words), base=base)


def refresh_catalog(session: Session, catalog: Catalog, service_ids) -> Catalog:
    """A new catalogue with only ``service_ids`` read again (changed, added or deleted services);
    everything else is shared with ``catalog``. Milliseconds, where a full load takes seconds."""
    ids = sorted(set(service_ids))
    if catalog.base is None:
        return load_catalog(session)
    if not ids:
        return catalog
    facts, inferred_now, in_words_now = [], {}, set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        got, inf, words = _service_facts(session, catalog.base, chunk)
        facts += got
        inferred_now.update(inf)
        in_words_now |= words
    found = {f.id for f in facts}
    directory = catalog.directory.updated(facts, [sid for sid in ids if sid not in found])
    inferred = {k: v for k, v in catalog.inferred.items() if k not in set(ids)}
    inferred.update(inferred_now)
    in_words = (catalog.eligibility_in_words - set(ids)) | in_words_now
    new_languages = {code for f in facts for code in f.languages} - catalog.vocabulary.languages
    vocabulary = replace(catalog.vocabulary, languages=catalog.vocabulary.languages | new_languages) \
        if new_languages else catalog.vocabulary
    return Catalog(directory, vocabulary, catalog.terms, catalog.area_codes, inferred=inferred,
                   eligibility_in_words=frozenset(in_words), base=catalog.base)


def label_index(ordered: dict[str, tuple[Term, ...]]) -> dict[str, dict[str, str]]:
    """Per vocabulary a matching profile may use: every label (either language) and code -> code."""
    out: dict[str, dict[str, str]] = {}
    for vocab in ("category", "condition", "population", "care_stage"):
        index: dict[str, str] = {}
        for term in ordered.get(vocab, ()):
            for label in (term.name_zh, term.name_en):
                if label:
                    index.setdefault(label_key(label), term.code)
        for term in ordered.get(vocab, ()):
            index[label_key(term.code)] = term.code
        out[vocab] = index
    return out


def postal_key(code: str) -> str:
    return "".join(code.split()).upper()


def postal_centroids(rows) -> dict[str, tuple[float, float]]:
    """Postal code -> the mean of the geocoded locations that share it: where a location without
    coordinates or an area most likely is."""
    sums: dict[str, list[float]] = {}
    for code, lat, lon in rows:
        key = postal_key(code or "")
        if key:
            acc = sums.setdefault(key, [0.0, 0.0, 0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
    return {k: (round(a / n, 6), round(b / n, 6)) for k, (a, b, n) in sums.items()}
