"""Applying the crosswalk to services, installing the shipped mappings, confirming inferred links.

``apply_crosswalk(session, service_ids)`` is what an import calls at its end: for each service,
every imported term (a vocabulary that is not one of ours) that a mapping row covers gives a link
to our term, marked ``origin="mapped"``; a service that still has no category gets categories
proposed from its words (``infer.py``), marked ``origin="inferred"``. Links people stated or
confirmed are never touched; mapped and inferred links are derived data and are recomputed on each
run (a mapping an admin removed takes its links with it on the next import or ``flask vocab
apply``). Flushes, never commits.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..bulk import among, insert_rows
from ..directory import models as m
from ..search.outbox import enqueue_services
from ..stable_ids import IMPORT_NAMESPACE, uuid5
from ..vocab.install import vocabulary_names
from .infer import category_words, propose, service_texts
from .models import ANY_VOCABULARY, TARGET_VOCABULARIES, CrosswalkMapping, CrosswalkRejection, normalise_name

DATA_DIR = Path(__file__).parent / "data"
SHIPPED = ("open-eligibility", "hsds-3-example")
DERIVED = ("mapped", "inferred")


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- shipped mappings ------------------------------------------------------------------------------

def shipped_rows(name: str) -> list[dict]:
    """One shipped file as rows: source_vocabulary, source_code, source_name, target (vocab, code)."""
    data = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    rows = []
    for item in data["mappings"]:
        for target in item["targets"]:
            vocabulary, _, code = target.partition(":")
            rows.append({"source_vocabulary": item.get("source_vocabulary") or data.get("source_vocabulary") or ANY_VOCABULARY,
                         "source_code": item.get("code"), "source_name": item.get("name"),
                         "target": (vocabulary, code), "value": item.get("value", "serves"),
                         "note": ("Open Eligibility ids " + ", ".join(item["oe_ids"])) if item.get("oe_ids") else None})
    return rows


def install_shipped_mappings(session, names: tuple[str, ...] = SHIPPED) -> dict[str, int]:
    """Add the shipped rows that are missing (found by source and target). Rows an administrator
    made or edited are left alone; a shipped row an administrator deleted comes back only if it is
    missing, which is the point of shipping it."""
    terms = {(vocab, code): tid for tid, vocab, code in session.execute(
        select(m.TaxonomyTerm.id, m.Taxonomy.name, m.TaxonomyTerm.code).join(m.Taxonomy))}
    existing = {(r.source_vocabulary, r.source_code, normalise_name(r.source_name) or None, r.target_term_id)
                for r in session.scalars(select(CrosswalkMapping))}
    added = 0
    for name in names:
        for row in shipped_rows(name):
            target = terms.get(row["target"])
            if target is None:
                raise ValueError(f"crosswalk {name}: no such term {row['target'][0]}:{row['target'][1]}")
            key = (row["source_vocabulary"], row["source_code"], normalise_name(row["source_name"]) or None, target)
            if key in existing:
                continue
            existing.add(key)
            session.add(CrosswalkMapping(source_vocabulary=row["source_vocabulary"], source_code=row["source_code"],
                                         source_name=row["source_name"], target_term_id=target,
                                         value=row["value"], shipped_in=name, note=row["note"]))
            added += 1
    session.flush()
    return {"crosswalk rows added": added}


# --- applying it ------------------------------------------------------------------------------------

@dataclass
class CrosswalkSummary:
    """What the crosswalk did for one import (or one ``apply`` run)."""

    services: int = 0
    with_category: int = 0
    by_origin: Counter = field(default_factory=Counter)  # services whose categories are stated/mapped/inferred
    links_added: Counter = field(default_factory=Counter)  # origin -> links
    unmapped_terms: Counter = field(default_factory=Counter)  # "vocabulary: name" -> services

    @property
    def coverage(self) -> float:
        return self.with_category / self.services if self.services else 0.0

    def lines(self, top: int = 20) -> list[str]:
        out = [f"category coverage: {self.with_category} of {self.services} services "
               f"({self.coverage:.0%}; stated {self.by_origin['stated']}, mapped {self.by_origin['mapped']}, "
               f"inferred {self.by_origin['inferred']}, none {self.services - self.with_category})"]
        if self.unmapped_terms:
            out.append(f"unmapped source terms: {len(self.unmapped_terms)} (by services; map them in "
                       "the admin under Taxonomy → Crosswalk)")
            for term, count in self.unmapped_terms.most_common(top):
                out.append(f"  {count:6}  {term}")
            if len(self.unmapped_terms) > top:
                out.append(f"  … {len(self.unmapped_terms) - top} more")
        return out


class _Mappings:
    def __init__(self, rows) -> None:
        self.by_code: dict[tuple[str, str], list] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list] = defaultdict(list)
        self.any_name: dict[str, list] = defaultdict(list)
        for row in rows:
            target = (row.target_term_id, row.value)
            if row.source_code and row.source_vocabulary != ANY_VOCABULARY:
                self.by_code[(row.source_vocabulary, row.source_code)].append(target)
            key = row.source_name_key or normalise_name(row.source_name)
            if key:
                if row.source_vocabulary == ANY_VOCABULARY:
                    self.any_name[key].append(target)
                else:
                    self.by_name[(row.source_vocabulary, key)].append(target)

    def targets(self, vocabulary: str, code: str, name_zh: str | None, name_en: str | None) -> list:
        found = self.by_code.get((vocabulary, code))
        if found:
            return found
        for name in (name_en, name_zh):
            key = normalise_name(name)
            if key and (vocabulary, key) in self.by_name:
                return self.by_name[(vocabulary, key)]
        for name in (name_en, name_zh):
            key = normalise_name(name)
            if key and key in self.any_name:
                return self.any_name[key]
        return []


@dataclass
class _Vocabularies:
    """Everything ``apply_crosswalk`` looks up per attribute, read once per run."""

    ours: set[str]
    vocab_of: dict[str, str]
    term_info: dict[str, tuple[str, str, str | None, str | None]]
    categories: dict[str, str]
    words: list
    mappings: _Mappings
    target_vocab_ok: set[str]

    def is_category(self, term_id: str) -> bool:
        return self.vocab_of.get(term_id) == "category"


@dataclass
class _LinkChanges:
    """Derived-link writes gathered over all chunks, so ``_write_links`` runs once."""

    changed: set[str] = field(default_factory=set)
    new_rows: list[dict] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


_ATTRIBUTE_COLUMNS = ("id", "taxonomy_term_id", "service_id", "organization_id", "value", "origin", "origin_note")


def category_words_of(session) -> list:
    """The category vocabulary as inference reads it: the very list ``apply_crosswalk`` will use
    while the terms are the same (``infer.category_words`` keeps it), which texts read ahead need."""
    return category_words(tuple(row) for row in session.execute(
        select(m.TaxonomyTerm.code, m.TaxonomyTerm.name_zh, m.TaxonomyTerm.name_en)
        .join(m.Taxonomy).where(m.Taxonomy.name == "category")))


def _load_vocabularies(session, infer: bool) -> _Vocabularies:
    vocab_of: dict[str, str] = {}
    term_info: dict[str, tuple[str, str, str | None, str | None]] = {}
    for tid, code, zh, en, vocab in session.execute(
            select(m.TaxonomyTerm.id, m.TaxonomyTerm.code, m.TaxonomyTerm.name_zh, m.TaxonomyTerm.name_en,
                   m.Taxonomy.name).join(m.Taxonomy)):
        vocab_of[tid] = vocab
        term_info[tid] = (vocab, code, zh, en)
    categories = {code: tid for tid, (vocab, code, _zh, _en) in term_info.items() if vocab == "category"}
    words = category_words_of(session) if infer else []  # the list read ahead for (one definition)
    mappings = _Mappings(session.scalars(select(CrosswalkMapping)).all())
    return _Vocabularies(ours=set(vocabulary_names()), vocab_of=vocab_of, term_info=term_info,
                         categories=categories, words=words, mappings=mappings,
                         target_vocab_ok=set(TARGET_VOCABULARIES))


def _read_chunk(session, chunk: list[str]):
    """The chunk's own attributes, texts, organisation attributes and rejections, as plain rows."""
    A = m.Attribute.__table__.c
    columns = tuple(getattr(A, name) for name in _ATTRIBUTE_COLUMNS)
    attrs: dict[str, list] = defaultdict(list)
    for attr in session.execute(select(*columns).where(among(session, A.service_id, chunk))):
        attrs[attr.service_id].append(attr)
    texts = {row.id: row for row in session.execute(
        select(m.Service.id, m.Service.organization_id, m.Service.name_zh, m.Service.name_en,
               m.Service.description_zh, m.Service.description_en).where(among(session, m.Service.id, chunk)))}
    org_attrs: dict[str, list] = defaultdict(list)
    for attr in session.execute(select(*columns).where(
            among(session, A.organization_id, {row.organization_id for row in texts.values()}))):
        org_attrs[attr.organization_id].append(attr)
    rejected = set(session.execute(select(CrosswalkRejection.service_id, CrosswalkRejection.taxonomy_term_id)
                                   .where(among(session, CrosswalkRejection.service_id, chunk))).all())
    return attrs, texts, org_attrs, rejected


def _mapped_links(vocabs: _Vocabularies, sid: str, source_attrs: list, have: set[str], rejected: set,
                  summary: CrosswalkSummary, wanted: dict) -> list[str]:
    """Adds mapped links to ``wanted``; returns the imported terms' names, which inference reads."""
    source_names: list[str] = []
    for attr in source_attrs:
        vocab = vocabs.vocab_of.get(attr.taxonomy_term_id)
        if vocab is None or vocab in vocabs.ours:
            continue
        _v, code, zh, en = vocabs.term_info[attr.taxonomy_term_id]
        source_names.append(en or zh or code)
        targets = [(t, v) for t, v in vocabs.mappings.targets(vocab, code, zh, en)
                   if vocabs.vocab_of.get(t) in vocabs.target_vocab_ok]
        if not targets:
            summary.unmapped_terms[f"{vocab}: {en or zh or code}"] += 1
        for target, value in targets:
            if target not in have and (sid, target) not in rejected:
                wanted.setdefault((target, value), ("mapped", f"{vocab}: {en or zh or code}"[:300]))
    return source_names


def _inferred_links(vocabs: _Vocabularies, sid: str, row, source_names: list[str], rejected: set,
                    wanted: dict) -> None:
    name, description = service_texts(row.name_zh, row.name_en, row.description_zh, row.description_en)
    for proposal in propose(source_names, name, description, vocabs.words):
        target = vocabs.categories[proposal.code]
        if (sid, target) in rejected:
            continue  # a person said no: not proposed again
        note = "words: " + ", ".join(proposal.words)
        wanted.setdefault((target, "serves"), ("inferred", note[:300]))


def _count_category(vocabs: _Vocabularies, summary: CrosswalkSummary, has_category: bool,
                    mapped_category: bool, wanted: dict) -> None:
    wanted_category = any(vocabs.is_category(t) for t, _v in wanted)
    if has_category:
        summary.by_origin["stated"] += 1
    elif mapped_category:
        summary.by_origin["mapped"] += 1
    elif wanted_category:
        summary.by_origin["inferred"] += 1
    if has_category or wanted_category:
        summary.with_category += 1


def _record_changes(sid: str, derived: dict, wanted: dict, summary: CrosswalkSummary,
                    changes: _LinkChanges) -> None:
    """Recompute: drop derived links no longer wanted, add missing ones, update notes."""
    for key, attr in derived.items():
        want = wanted.pop(key, None)
        if want is None:
            changes.gone.append(attr.id)
            changes.changed.add(sid)
        elif (attr.origin, attr.origin_note) != want:
            changes.notes.append({"id": attr.id, "origin": want[0], "origin_note": want[1]})
            changes.changed.add(sid)
    for (target, value), (origin, note) in wanted.items():
        changes.new_rows.append({"id": _attribute_id(sid, target), "taxonomy_term_id": target, "service_id": sid,
                                 "value": value, "origin": origin, "origin_note": note})
        summary.links_added[origin] += 1
        changes.changed.add(sid)


def _crosswalk_service(vocabs: _Vocabularies, sid: str, own: list, org_own: list, row, rejected: set,
                       infer: bool, summary: CrosswalkSummary, changes: _LinkChanges) -> None:
    kept = [a for a in own if a.origin not in DERIVED]
    derived = {(a.taxonomy_term_id, a.value): a for a in own if a.origin in DERIVED}
    have = {a.taxonomy_term_id for a in kept}
    wanted: dict[tuple[str, str], tuple[str, str]] = {}  # (term, value) -> (origin, note)
    source_names = _mapped_links(vocabs, sid, [*own, *org_own], have, rejected, summary, wanted)
    has_category = any(vocabs.is_category(t) for t in have)
    # Taken before inference adds to ``wanted``: it decides whether inference runs and how it counts.
    mapped_category = any(vocabs.is_category(t) for t, _v in wanted)
    if infer and not has_category and not mapped_category and row is not None:
        _inferred_links(vocabs, sid, row, source_names, rejected, wanted)
    _count_category(vocabs, summary, has_category, mapped_category, wanted)
    _record_changes(sid, derived, wanted, summary, changes)


def apply_crosswalk(session, service_ids, *, infer: bool = True,
                    enqueue: bool = True) -> tuple[CrosswalkSummary, set[str]]:
    """Recompute the mapped and inferred links of these services. Returns the summary and the ids
    of services whose links changed (their search documents must be rewritten: ``enqueue`` adds
    their outbox rows here; an import passes False and adds them to its own, one row per service).
    A link a person rejected (``CrosswalkRejection``) is never made again for that service.
    Reads plain rows, one query per kind and chunk; new links are inserted in bulk."""
    service_ids = sorted(set(service_ids))
    summary = CrosswalkSummary(services=len(service_ids))
    vocabs = _load_vocabularies(session, infer)
    session.flush()  # the reads below are plain rows: pending ORM changes must be in the database

    changes = _LinkChanges()
    for chunk in _chunks(service_ids):
        attrs, texts, org_attrs, rejected = _read_chunk(session, chunk)
        for sid in chunk:
            row = texts.get(sid)
            org_own = org_attrs.get(row.organization_id if row else None, [])
            _crosswalk_service(vocabs, sid, attrs.get(sid, []), org_own, row, rejected, infer, summary, changes)
    _write_links(session, changes.gone, changes.notes, changes.new_rows)
    if changes.changed and enqueue:
        enqueue_services(session, changes.changed)
    return summary, changes.changed


def _write_links(session, gone: list[str], notes: list[dict], new_rows: list[dict]) -> None:
    """Derived links are few to change and many to add: changes and removals through the ORM (the
    audit listener sees them), additions in bulk (derived data, recomputed on every run)."""
    from ..session_context import context_of

    for chunk in _chunks(gone):
        for attr in session.scalars(select(m.Attribute).where(among(session, m.Attribute.id, chunk))):
            session.delete(attr)
    for row in notes:
        attr = session.get(m.Attribute, row["id"])
        attr.origin, attr.origin_note = row["origin"], row["origin_note"]
    session.flush()
    insert_rows(session, m.Attribute.__table__, new_rows)  # COPY on PostgreSQL for a large import
    if new_rows:
        context_of(session).catalog_stale = True  # the catalogue's listener does not see Core inserts


def _attribute_id(service_id: str, term_id: str) -> str:
    return uuid5(IMPORT_NAMESPACE, f"crosswalk:{service_id}:{term_id}")


def confirm_link(session, attribute: m.Attribute) -> None:
    """A person confirmed an inferred or mapped link: it becomes stated, and stays on re-import."""
    if attribute.origin in DERIVED:
        attribute.origin = "confirmed"
        session.flush()


def reject_link(session, attribute: m.Attribute) -> None:
    """A person said an inferred link is wrong: it goes, and a ``CrosswalkRejection`` row remembers
    it, so neither a re-import nor ``flask vocab crosswalk`` proposes it for this service again."""
    if attribute.origin == "inferred":
        known = session.scalar(select(CrosswalkRejection).where(
            CrosswalkRejection.service_id == attribute.service_id,
            CrosswalkRejection.taxonomy_term_id == attribute.taxonomy_term_id))
        if known is None:
            session.add(CrosswalkRejection(service_id=attribute.service_id,
                                           taxonomy_term_id=attribute.taxonomy_term_id,
                                           note=attribute.origin_note))
        session.delete(attribute)
        session.flush()


def withdraw_rejection(session, rejection: CrosswalkRejection) -> set[str]:
    """An administrator takes back a rejection: the row goes and the service's derived links are
    recomputed at once (not only on the next import), so the inference the words support comes
    back now. Returns the services whose links changed (their index rows are queued)."""
    service_id = rejection.service_id
    session.delete(rejection)
    session.flush()
    _summary, changed = apply_crosswalk(session, [service_id])
    return changed
