"""The directory as plain data for the engine, loaded once per process and kept until it changes.

Loading reads a handful of flat queries (no ORM objects: far cheaper than walking relationships;
its time at 100k services is not measured yet). The cached copy is rebuilt when:
- this process commits a change to any directory record (a session listener bumps a generation), or
- another process did: a cheap signature (row counts and latest ``updated_at`` of the directory
  tables) is compared at most every ``CHECK_SECONDS``;
- it is older than ``MAX_AGE_SECONDS`` (edits the signature cannot see).
"""
from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field

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
                     m.CostOption, m.Language, m.ServiceArea, m.TaxonomyTerm, m.Taxonomy, m.Area)


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


def _bump() -> None:
    global _generation
    with _lock:
        _generation += 1


@event.listens_for(Session, "before_flush")
def _note_directory_change(session: Session, flush_context, instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _DIRECTORY_MODELS):
            context_of(session).catalog_stale = True
            return


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # (a rollback clears the flag in portal/session_context.py)
    context = context_of(session)
    if context.catalog_stale:
        context.catalog_stale = False
        _bump()


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


def load_catalog(session: Session) -> Catalog:
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
    broader = _broader_categories(term_vocab, parents)
    ordered = {
        vocab: tuple(Term(code, zh or "", en or "", pos) for pos, code, zh, en in sorted(items, key=lambda t: (t[0], t[1])))
        for vocab, items in terms.items()
    }

    orgs = {row.id: (row.name_zh, row.name_en or "") for row in
            session.execute(select(m.Organization.id, m.Organization.name_zh, m.Organization.name_en))}

    # Per service: vocabulary -> (served codes, only codes).
    tags: dict[str, dict[str, tuple[set, set]]] = {}
    org_tags: dict[str, dict[str, tuple[set, set]]] = {}
    inferred: dict[str, set] = {}
    for row in session.execute(select(m.Attribute.service_id, m.Attribute.organization_id,
                                      m.Attribute.taxonomy_term_id, m.Attribute.value, m.Attribute.origin)):
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

    def lineage(area_id):
        chain, node, seen = [], areas.get(area_id), set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = areas.get(node.parent_id)
        return chain

    points: dict[str, set] = {}
    districts: dict[str, set] = {}
    placed = session.execute(
        select(m.ServiceAtLocation.service_id, m.Location.latitude, m.Location.longitude, m.Location.area_id,
               m.Location.postal_code)
        .join(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
    ).all()
    postal = postal_centroids(
        session.execute(select(m.Location.postal_code, m.Location.latitude, m.Location.longitude)
                        .where(m.Location.postal_code.is_not(None), m.Location.latitude.is_not(None),
                               m.Location.longitude.is_not(None))))
    for row in placed:
        chain = lineage(row.area_id)
        if row.latitude is not None and row.longitude is not None:
            points.setdefault(row.service_id, set()).add((row.latitude, row.longitude))
        else:  # the area's centroid (like Location.point()), else the postal code's; else unknown
            centroid = next(((a.latitude, a.longitude) for a in chain if a.latitude is not None and a.longitude is not None), None)
            if centroid is None and row.postal_code:
                centroid = postal.get(postal_key(row.postal_code))
            if centroid:
                points.setdefault(row.service_id, set()).add(centroid)
        district = next((a.id for a in chain if a.level == "district"), None)
        if district is not None:
            districts.setdefault(row.service_id, set()).add(district)

    costs: dict[str, set] = {}
    for sid, kind in session.execute(select(m.CostOption.service_id, m.CostOption.kind)):
        costs.setdefault(sid, set()).add(kind)
    languages: dict[str, set] = {}
    for sid, code in session.execute(select(m.Language.service_id, m.Language.code)):
        languages.setdefault(sid, set()).add(code)
    served_areas: dict[str, set] = {}
    for sid, area_id in session.execute(select(m.ServiceArea.service_id, m.ServiceArea.area_id)):
        if area_id is not None:
            served_areas.setdefault(sid, set()).add(area_id)

    services = []
    in_words: set[str] = set()
    for row in session.execute(
        select(m.Service.id, m.Service.organization_id, m.Service.name_zh, m.Service.name_en, m.Service.status,
               m.Service.minimum_age, m.Service.maximum_age, m.Service.gender_eligibility,
               m.Service.residency_required, m.Service.capacity_status, m.Service.wait_weeks,
               m.Service.accepts_referrals, m.Service.verified_on, m.Service.interpretation_services,
               (m.Service.eligibility_description_zh.is_not(None) | m.Service.eligibility_description_en.is_not(None))
               .label("eligibility_words"))
        .order_by(m.Service.id)
    ):
        own = tags.get(row.id, {})
        inherited = org_tags.get(row.organization_id, {})
        if row.eligibility_words and row.minimum_age is None and row.maximum_age is None \
                and row.gender_eligibility is None and not (own.get("population", (set(), set()))[1]
                                                            or own.get("condition", (set(), set()))[1]):
            in_words.add(row.id)

        def served(vocab):
            return frozenset(own.get(vocab, (set(), set()))[0] | inherited.get(vocab, (set(), set()))[0])

        def only(vocab):
            return frozenset(own.get(vocab, (set(), set()))[1] | inherited.get(vocab, (set(), set()))[1])

        org_zh, org_en = orgs.get(row.organization_id, ("", ""))
        services.append(ServiceFacts(
            id=row.id, organization_id=row.organization_id,
            name_zh=row.name_zh or "", name_en=row.name_en or "",
            organization_name_zh=org_zh or "", organization_name_en=org_en or "",
            status=row.status,
            # A term linked as "only" still says what the service is (e.g. a category).
            categories=_with_broader(served("category") | only("category"), broader),
            care_stages=served("care_stage") | only("care_stage"),
            populations_only=only("population"), conditions_only=only("condition"),
            populations_served=served("population"),
            delivery_modes=served("delivery_mode") | only("delivery_mode"),
            minimum_age=row.minimum_age, maximum_age=row.maximum_age,
            gender_eligibility=row.gender_eligibility, residency_required=row.residency_required,
            service_area_ids=frozenset(served_areas.get(row.id, ())),
            location_district_ids=frozenset(districts.get(row.id, ())),
            points=tuple(sorted(points.get(row.id, ()))),
            capacity_status=row.capacity_status, wait_weeks=row.wait_weeks,
            accepts_referrals=row.accepts_referrals,
            cost_kinds=frozenset(costs.get(row.id, ())), languages=frozenset(languages.get(row.id, ())),
            interpretation=bool(row.interpretation_services), verified_on=row.verified_on,
        ))

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
        languages=frozenset(LANGUAGES) | {code for codes in languages.values() for code in codes},
        area_ids={a.code: a.id for a in areas.values() if a.level in ("district", "street", "community")},
        labels=label_index(ordered),
    )
    if len(services) >= FREEZE_ABOVE:
        # A large catalog is a million long-lived objects: keep them out of the cyclic collector,
        # whose full passes over them otherwise pause requests for half a second (bench/match.py).
        # They are still freed by reference counting when the catalog is replaced.
        gc.freeze()
    return Catalog(directory, vocabulary, ordered, {a.id: a.code for a in areas.values()},
                   inferred={sid: frozenset(codes) for sid, codes in inferred.items()},
                   eligibility_in_words=frozenset(in_words))


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
