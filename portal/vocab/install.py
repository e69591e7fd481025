"""Installing the portal's vocabularies and the shipped crosswalk mappings.

Idempotent: vocabularies are found by name and terms by (vocabulary, code), so rows created by
another path (an import, the demo seed, an earlier install) are completed, never duplicated. Labels
an administrator edited stay as they are unless ``refresh`` is asked for. Flushes, never commits:
the CLI command (or the migration) commits.

Ids are deterministic (uuid5 of the vocabulary and code) so that every database names the same term
with the same id, whichever path created it first.
"""
from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..stable_ids import uuid5

DATA = Path(__file__).parent / "data" / "vocabularies.json"
# Never change: the ids of installed vocabularies and terms are derived from it.
VOCAB_NAMESPACE = uuid.UUID("5b6c3f0e-8a61-4d1e-9c1a-6a1f0d2c7e42")  # the demo seed's: same ids as before


@lru_cache(maxsize=1)
def vocabulary_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def vocabulary_names() -> tuple[str, ...]:
    return tuple(v["name"] for v in vocabulary_data()["vocabularies"])


def taxonomy_id(name: str) -> str:
    return uuid5(VOCAB_NAMESPACE, f"taxonomy:{name}")


def term_id(vocabulary: str, code: str) -> str:
    return uuid5(VOCAB_NAMESPACE, f"taxonomy_term:{vocabulary}:{code}")


def install_vocabularies(session, refresh: bool = False) -> dict:
    """Create what is missing; with ``refresh`` bring labels, descriptions and order back to the
    data file. Returns ``{vocabulary: {code: TaxonomyTerm}}`` and, in ``session.info``, nothing."""
    from ..directory.models import Taxonomy, TaxonomyTerm

    result: dict[str, dict] = {}
    for vocab in vocabulary_data()["vocabularies"]:
        taxonomy = session.scalar(select(Taxonomy).where(Taxonomy.name == vocab["name"]))
        if taxonomy is None:
            taxonomy = Taxonomy(id=taxonomy_id(vocab["name"]), name=vocab["name"],
                                description=vocab["description"])
            session.add(taxonomy)
            session.flush()
        elif refresh and taxonomy.description != vocab["description"]:
            taxonomy.description = vocab["description"]
        existing = {t.code: t for t in session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy.id))}
        terms = {}
        for position, term in enumerate(vocab["terms"], start=1):
            # Position is the order in the file: for care_stage, the step in the continuum.
            fields = {"name_zh": term["name_zh"], "name_en": term["name_en"],
                      "description": term.get("description"), "position": position}
            # A narrower term names its broader one ("broader" in the file, parent_id here): a need
            # for the broader term is met by services of any narrower one (matching/catalog.py).
            parent_id = term_id(vocab["name"], term["broader"]) if term.get("broader") else None
            row = existing.get(term["code"])
            if row is not None and parent_id and row.parent_id is None:
                row.parent_id = parent_id  # topped up even without refresh: it is structure, not a label
            if row is None:
                fields["parent_id"] = parent_id
                row = TaxonomyTerm(id=term_id(vocab["name"], term["code"]), code=term["code"],
                                   taxonomy_id=taxonomy.id, **fields)
                session.add(row)
            elif refresh:
                for key, value in fields.items():
                    if getattr(row, key) != value:
                        setattr(row, key, value)
            terms[term["code"]] = row
        result[vocab["name"]] = terms
    session.flush()
    return result


def install(session, refresh: bool = False) -> dict[str, int]:
    """Vocabularies, then the shipped crosswalk mappings. Returns counts for the CLI."""
    from ..crosswalk.operations import install_shipped_mappings

    terms = install_vocabularies(session, refresh=refresh)
    counts = {"vocabularies": len(terms), "terms": sum(len(v) for v in terms.values())}
    counts.update(install_shipped_mappings(session))
    from ..transfer.install import install_transfer_criteria

    counts["transfer_criteria"] = install_transfer_criteria(session, refresh=refresh)
    return counts
