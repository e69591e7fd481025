"""What a follow-up records, as codes (labels live in ``labels.py``). Pure.

The retention study on methadone maintenance names why people leave (fear of methadone as another
harmful drug, feeling dependent on it, a poor relationship with staff) and why they stay (a
heroin-free life, family): recorded as codes, they can be counted per service and stage.
"""
from __future__ import annotations

MEDICATION_ADHERENCE = ("regular", "irregular", "stopped", "not_applicable")

# Why a person stopped attending (or is at risk of stopping).
DROPOUT_BARRIERS = (
    "fear_methadone_harmful",
    "feels_dependent",
    "poor_staff_relationship",
    "side_effects",
    "cost",
    "distance_or_time",
    "work_conflict",
    "stigma",
    "detained",
    "moved_away",
    "relapse",
    "other",
)

# Why a person keeps coming.
STAY_REASONS = (
    "heroin_free_life",
    "family",
    "health",
    "work",
    "staff_support",
    "peer_support",
    "other",
)

# Why a follow-up series ends (the explicit "end follow-up" action; a series never stops silently).
FOLLOW_UP_END_REASONS = (
    "completed_treatment",
    "moved_away",
    "died",
    "declined_contact",
    "transferred",
    "other",
)
