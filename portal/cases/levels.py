"""Management levels and how often a person is followed up at each. Pure: no Flask, no database.

The community mental-health plan asks for at least four follow-ups a year, monthly for people who
are not yet stable, and closer contact for someone at risk. The level is set on the case record by
the case manager; the interval below is the one rule every follow-up schedule uses.
"""
from __future__ import annotations

# Closest contact first.
MANAGEMENT_LEVELS = ("intensive", "standard", "maintenance")

# (unit, count) per level: "weeks" or "months". Intensive: every two weeks; standard: monthly;
# maintenance: quarterly (four a year, the plan's minimum).
FOLLOW_UP_EVERY: dict[str, tuple[str, int]] = {
    "intensive": ("weeks", 2),
    "standard": ("months", 1),
    "maintenance": ("months", 3),
}

# A person with no case record (or no level yet) is followed up quarterly: never less than the
# plan's minimum.
DEFAULT_LEVEL = "maintenance"
