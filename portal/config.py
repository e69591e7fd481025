"""Settings, read from the environment.

Defaults give the embedded set-up: SQLite and a Whoosh index inside ``instance/``. A production start
(``PORTAL_ENV=production``) refuses to run without a real ``SECRET_KEY``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# The shipped defaults live beside their rules (pure modules, no app needed); configuration only
# overrides the values.
from .directory.freshness import DEFAULT_STALE_AFTER_DAYS
from .referrals.duetimes import DEFAULT_DUE_HOURS, DEFAULT_DUE_WORKING_DAYS, DEFAULT_FOLLOW_UP_MONTHS, FOLLOW_UP_MONTHS
from .privacy.retention import (
    DEFAULT_ACCESS_LOG_DAYS,
    DEFAULT_CLOSED_REFERRAL_DAYS,
    DEFAULT_INACTIVE_CLIENT_DAYS,
    DEFAULT_NOTIFICATION_DAYS,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _refuse_test_shortcuts_in_production() -> None:
    if os.environ.get("PORTAL_ENV", "development") == "production" and \
            os.environ.get("PORTAL_FAST_PASSWORD_HASHES") == "1":
        raise RuntimeError("PORTAL_FAST_PASSWORD_HASHES is for the test suite only: unset it for PORTAL_ENV=production")


def _secret_key() -> str:
    _refuse_test_shortcuts_in_production()
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if os.environ.get("PORTAL_ENV", "development") == "production":
        raise RuntimeError("SECRET_KEY must be set when PORTAL_ENV=production")
    # Development: a key kept in the instance folder, so sessions survive restarts but no secret
    # is ever committed.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Built per app so environment changes (tests) take effect."""

    def __init__(self) -> None:
        # One flat list of settings (long on purpose): a maintainer finds every variable in one place.
        self.ENV_NAME = os.environ.get("PORTAL_ENV", "development")
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
        )
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "index"))
        # hide_parameters: a database error (logged with its traceback) never carries the values that
        # were being written, which may be client details.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)

        # Sessions: HttpOnly always, Secure when served over HTTPS (production), short lifetime.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
        self.REMEMBER_COOKIE_DURATION = _int("REMEMBER_COOKIE_SECONDS", 7 * 24 * 3600)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_SAMESITE = "Lax"

        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock

        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai")
        self.PORTAL_TIMEZONE = self.BABEL_DEFAULT_TIMEZONE
        # ISO 3166-1 country of the deployment: phone numbers and addresses that name no country.
        self.PORTAL_DEFAULT_COUNTRY = os.environ.get("PORTAL_DEFAULT_COUNTRY", "CN").strip().upper() or "CN"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.LANGUAGES = ("zh_CN", "en")

        # Login throttling: after N failures the account is locked for M minutes.
        self.LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none). Behind a
        # proxy, set it, or every visitor has the proxy's address (one problem-report limit for all).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self.API_TOKEN_DAYS = _int("API_TOKEN_DAYS", 90)

        # A listing not confirmed for this many days is shown as stale.
        self.STALE_AFTER_DAYS = _int("STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS)
        # Retention (portal/privacy/retention.py, `flask privacy purge`): days before each kind of
        # personal data is erased. Closed referrals' free text 730, inactive clients' contact details
        # 1095, notifications and sent mail 180, the person in access-log audit rows 365.
        self.RETENTION_CLOSED_REFERRAL_DAYS = _int("RETENTION_CLOSED_REFERRAL_DAYS", DEFAULT_CLOSED_REFERRAL_DAYS)
        self.RETENTION_INACTIVE_CLIENT_DAYS = _int("RETENTION_INACTIVE_CLIENT_DAYS", DEFAULT_INACTIVE_CLIENT_DAYS)
        self.RETENTION_NOTIFICATION_DAYS = _int("RETENTION_NOTIFICATION_DAYS", DEFAULT_NOTIFICATION_DAYS)
        self.RETENTION_ACCESS_LOG_DAYS = _int("RETENTION_ACCESS_LOG_DAYS", DEFAULT_ACCESS_LOG_DAYS)
        # Search change feed (portal/search/feed.py, which holds the same defaults for an index used
        # without an app): rows kept this many days for every host's index copy; a sequence number
        # missing below a copy's position is looked for again for this many seconds.
        self.SEARCH_FEED_RETENTION_DAYS = _int("SEARCH_FEED_RETENTION_DAYS", 7)
        self.SEARCH_FEED_GAP_SECONDS = _int("SEARCH_FEED_GAP_SECONDS", 3600)
        # A submitted match profile is kept on the server this long (matching/stored.py), then deleted.
        self.MATCH_PROFILE_MINUTES = _int("MATCH_PROFILE_MINUTES", 240)
        # A resource list shared as a link works this many days, then is deleted (directory/shared_lists.py).
        self.SHARED_LIST_DAYS = _int("SHARED_LIST_DAYS", 30)
        # Absolute address of the portal, for links in mail (reminder digests); no trailing slash.
        self.PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://localhost:5000").rstrip("/")

        # Mail: "log" (default: one line per message, no personal data) or "smtp".
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "log")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "portal@localhost")
        self.SMTP_HOST = os.environ.get("SMTP_HOST")
        self.SMTP_PORT = _int("SMTP_PORT", 587)
        self.SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
        self.SMTP_TLS = _bool("SMTP_TLS", True)

        self.FLASK_ADMIN_SWATCH = "cerulean"

        # Referrals: working days per step (acknowledge/respond/connect) by urgency; grace before an
        # unanswered overdue referral expires; months between follow-ups after connection.
        self.REFERRAL_DUE_WORKING_DAYS = os.environ.get("REFERRAL_DUE_WORKING_DAYS", DEFAULT_DUE_WORKING_DAYS)
        # Emergency referrals: clock hours per step (a crisis does not wait for Monday).
        self.REFERRAL_DUE_HOURS = os.environ.get("REFERRAL_DUE_HOURS", DEFAULT_DUE_HOURS)
        self.REFERRAL_EXPIRE_GRACE_WORKING_DAYS = _int("REFERRAL_EXPIRE_GRACE_WORKING_DAYS", 5)
        self.REFERRAL_FOLLOW_UP_MONTHS = _int("REFERRAL_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS)
        # Days in a care stage after which a person counts as stuck ("stage=days,…" overrides the
        # shipped table in portal/transfer/stages.py).
        self.STAGE_STUCK_DAYS = os.environ.get("STAGE_STUCK_DAYS")
        if self.REFERRAL_FOLLOW_UP_MONTHS not in FOLLOW_UP_MONTHS:
            # Refuse at start-up: otherwise every referral without its own choice would be refused.
            raise RuntimeError(f"REFERRAL_FOLLOW_UP_MONTHS must be one of {FOLLOW_UP_MONTHS}, "
                               f"not {self.REFERRAL_FOLLOW_UP_MONTHS}")


class TestConfig(Config):
    def __init__(self, database_url: str, index_dir: str) -> None:
        super().__init__()
        self.TESTING = True
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SEARCH_INDEX_DIR = index_dir
