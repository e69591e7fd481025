"""Listing freshness: the one rule for when a listing counts as out of date.

A listing is *fresh* when a person confirmed it (``verified_on``) at most ``stale_after_days`` days
ago, and *stale* otherwise, including when it was never confirmed: verified 180 days ago is fresh,
181 days ago is stale (with the shipped 180). The service page badge, the listings pages and their
reminder digests, search ranking and the matching engine's score and explanation all ask here;
``STALE_AFTER_DAYS`` sets the number, never the rule. ``stale_clause`` is the same rule as SQL.

Pure (no Flask at import), so the matching engine can use it; only ``configured_stale_after_days``
reads the application's configuration.
"""
from __future__ import annotations

from datetime import date, timedelta

DEFAULT_STALE_AFTER_DAYS = 180


def configured_stale_after_days() -> int:
    """``STALE_AFTER_DAYS`` of the running application."""
    from flask import current_app

    return current_app.config.get("STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS)


def days_since(verified_on: date | None, on: date) -> int | None:
    """Whole days from the last confirmation to ``on``; None when never confirmed."""
    return None if verified_on is None else (on - verified_on).days


def fresh_since(on: date, stale_after_days: int) -> date:
    """The oldest confirmation date that is still fresh on ``on``."""
    return on - timedelta(days=stale_after_days)


def is_stale_after(days: int | None, stale_after_days: int) -> bool:
    """The rule on a number of days since confirmation (None: never confirmed)."""
    return days is None or days > stale_after_days


def is_stale(verified_on: date | None, on: date, stale_after_days: int) -> bool:
    return is_stale_after(days_since(verified_on, on), stale_after_days)


def stale_clause(column, on: date, stale_after_days: int):
    """The same rule as a SQL condition on a ``verified_on`` column."""
    return column.is_(None) | (column < fresh_since(on, stale_after_days))
