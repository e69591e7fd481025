"""Installing the shipped transfer criteria (``portal/vocab/data/transfer_criteria.json``), with the
vocabularies (``portal.vocab.install.install``; the migration installs the first set).

Idempotent: a criterion is found by (from_stage, to_stage, code); labels an administrator edited stay
unless ``refresh`` is asked for. Flushes, never commits.
"""
from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..stable_ids import uuid5

DATA = Path(__file__).resolve().parents[1] / "vocab" / "data" / "transfer_criteria.json"
# Never change: the ids of shipped criteria derive from it (the migration uses the same value).
CRITERION_NAMESPACE = uuid.UUID("0b1f5d8e-4c2a-4f7b-9e63-2d71a8c4b590")


@lru_cache(maxsize=1)
def criteria_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def criterion_id(from_stage: str, to_stage: str, code: str) -> str:
    return uuid5(CRITERION_NAMESPACE, f"{from_stage}:{to_stage}:{code}")


def install_transfer_criteria(session, refresh: bool = False) -> int:
    """Create the shipped criteria that are missing (with ``refresh``, put labels and order back).
    Returns how many criteria the file ships."""
    from .models import TransferCriterion

    existing = {(c.from_stage, c.to_stage, c.code): c for c in session.scalars(select(TransferCriterion))}
    count = 0
    for pair in criteria_data()["pairs"]:
        for position, item in enumerate(pair["criteria"], start=1):
            count += 1
            key = (pair["from_stage"], pair["to_stage"], item["code"])
            fields = {"name_zh": item["name_zh"], "name_en": item["name_en"], "position": position}
            row = existing.get(key)
            if row is None:
                session.add(TransferCriterion(id=criterion_id(*key), from_stage=key[0], to_stage=key[1],
                                              code=key[2], active=True, **fields))
            elif refresh:
                for name, value in fields.items():
                    if getattr(row, name) != value:
                        setattr(row, name, value)
    session.flush()
    return count
