"""The case record's code lists. Pure: no Flask, no database. Words for each code: ``labels.py``."""
from __future__ import annotations

# The individual plan's domains (the community mental-health plan: housing, education, employment,
# finances; the treatment brief adds family; health for the person's own care goals).
PLAN_DOMAINS = ("housing", "education", "employment", "finances", "family", "health")

# Where a domain of the plan stands after an entry.
PLAN_STATUSES = ("goal_set", "in_progress", "achieved", "on_hold", "not_needed")

# The caregiver's or guardian's relationship to the person.
CAREGIVER_RELATIONSHIPS = ("parent", "spouse", "child", "sibling", "other_relative", "friend", "other")
