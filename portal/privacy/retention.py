"""The retention rule, once: how long each kind of personal data is kept, and from which moment a
record is old enough to lose it. Pure (no Flask, no database); ``portal/config.py`` holds only the
numbers, the purge (``operations.py``) and its tests call this.

A record's age is counted in whole days of UTC dates: with a period of N days, a record whose date
is N days before today is kept, one of N+1 days is purged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

# The shipped defaults (documented in docs/privacy.md#retention and docs/deploy.md).
DEFAULT_CLOSED_REFERRAL_DAYS = 730  # 2 years after a referral closed: its free text and care plan go
DEFAULT_INACTIVE_CLIENT_DAYS = 1095  # 3 years without activity: a client's contact details go
DEFAULT_NOTIFICATION_DAYS = 180  # in-app notifications and sent mail are deleted
DEFAULT_ACCESS_LOG_DAYS = 365  # who read or signed in: the person is removed from the audit row

# Audit actions that are an access log (a person reading client data or signing in): after the
# period the row stays (counts, dates) but no longer names who it was.
ACCESS_LOG_ACTIONS = (
    "referral_viewed", "client_contact_viewed", "case_record_viewed", "referrals_exported", "access_refused",
    "login", "logout", "login_failed", "login_refused_locked", "login_refused_inactive",
    "account_locked",
)


@dataclass(frozen=True)
class RetentionPolicy:
    closed_referral_days: int = DEFAULT_CLOSED_REFERRAL_DAYS
    inactive_client_days: int = DEFAULT_INACTIVE_CLIENT_DAYS
    notification_days: int = DEFAULT_NOTIFICATION_DAYS
    access_log_days: int = DEFAULT_ACCESS_LOG_DAYS

    def __post_init__(self) -> None:
        for name in ("closed_referral_days", "inactive_client_days", "notification_days", "access_log_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"retention {name} must be at least 1 day")

    @classmethod
    def from_config(cls, config) -> RetentionPolicy:
        return cls(
            closed_referral_days=int(config.get("RETENTION_CLOSED_REFERRAL_DAYS", DEFAULT_CLOSED_REFERRAL_DAYS)),
            inactive_client_days=int(config.get("RETENTION_INACTIVE_CLIENT_DAYS", DEFAULT_INACTIVE_CLIENT_DAYS)),
            notification_days=int(config.get("RETENTION_NOTIFICATION_DAYS", DEFAULT_NOTIFICATION_DAYS)),
            access_log_days=int(config.get("RETENTION_ACCESS_LOG_DAYS", DEFAULT_ACCESS_LOG_DAYS)),
        )


def cutoff(today: date, days: int) -> datetime:
    """Records stamped before this moment are older than ``days`` days (and are purged); anything
    on the day ``days`` days ago or later is kept."""
    return datetime.combine(today - timedelta(days=days), time.min, tzinfo=timezone.utc)


def is_expired(stamp: datetime, today: date, days: int) -> bool:
    """The same rule for one value (naive datetimes are UTC, as the database returns them on SQLite)."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp < cutoff(today, days)
