"""Account rules: creating users, signing in with throttling, API tokens.

Operations change the session and flush; the caller (request or CLI command) commits once.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.models import record
from ..common import utcnow
from ..extensions import db
from .models import ORG_BOUND_ROLES, ROLES, ApiToken, User
from .passwords import DUMMY_HASH, MIN_LENGTH, hash_password, needs_rehash, verify_password


class AccountError(ValueError):
    """A rule was broken; safe to show to the person who asked. ``str()`` is English (CLI output),
    ``message`` is in the reader's language where a page shows it (the admin's user form)."""

    def __init__(self, text: str, message=None) -> None:
        super().__init__(text)
        self.message = message if message is not None else text


def check_password(password: str) -> None:
    """The password rule, for every way a password is set: at least ``MIN_LENGTH`` characters."""
    if len(password or "") < MIN_LENGTH:
        raise AccountError(f"The password must have at least {MIN_LENGTH} characters.",
                           _l("The password must have at least %(n)s characters.", n=MIN_LENGTH))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(email: str, name: str, password: str, roles, organization_id: str | None = None,
                area_id: int | None = None, locale: str | None = None) -> User:
    """Create a user. Worker and agency users must belong to an organisation."""
    email = normalise_email(email)
    roles = set(roles)
    if "@" not in email:
        raise AccountError("A valid email address is required.")
    if not roles or not roles <= set(ROLES):
        raise AccountError(f"Roles must be chosen from: {', '.join(ROLES)}.")
    if roles & set(ORG_BOUND_ROLES) and not organization_id:
        raise AccountError("Worker and agency users must belong to an organisation.")
    check_password(password)
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError(f"A user with the email {email} already exists.")
    user = User(email=email, name=name.strip() or email, password_hash=hash_password(password),
                organization_id=organization_id, area_id=area_id, locale=locale)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    record("user_created", record_type="user", record_id=str(user.id), changes={"roles": sorted(roles)})
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password (the password rule applies) and sign out every other session of the user.
    The admin's user form and ``flask users set-password`` both come here."""
    check_password(password)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1  # None on a user not yet flushed


@dataclass
class LoginResult:
    user: User | None
    error: str | None  # "invalid" | "locked" | "inactive"
    locked_until: datetime | None = None


def authenticate(email: str, password: str, max_failures: int, lock_minutes: int,
                 now: datetime | None = None) -> LoginResult:
    """Check a password. After ``max_failures`` wrong passwords in a row the account is locked for
    ``lock_minutes``; while locked, even the right password is refused. Unknown emails cost the same
    time as known ones."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        verify_password(DUMMY_HASH, password)
        record("login_failed", changes={"reason": "unknown_account"})
        return LoginResult(None, "invalid")
    if user.is_locked(now):
        record("login_refused_locked", user_id=user.id)
        return LoginResult(None, "locked", user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            record("account_locked", user_id=user.id)
            return LoginResult(None, "locked", user.locked_until)
        record("login_failed", user_id=user.id)
        return LoginResult(None, "invalid")
    if not user.active:
        record("login_refused_inactive", user_id=user.id)
        return LoginResult(None, "inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record("login", user_id=user.id)
    return LoginResult(user, None)


def end_session(user: User) -> None:
    """Logout: bump the session version so a copied session cookie stops working too."""
    user.session_version += 1
    record("logout", user_id=user.id)


def load_session_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


# --- API tokens --------------------------------------------------------------------------------

TOKEN_PREFIX = "ccp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, days: int, name: str | None = None) -> tuple[ApiToken, str]:
    """Returns the stored token row and the secret, which is shown once and never stored."""
    if days < 1 or days > 366:
        raise AccountError("A token lives between 1 and 366 days.")
    if not user.active:
        raise AccountError("Tokens can only be created for active users.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=secret[:10], token_hash=_digest(secret),
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record("token_created", user_id=user.id, record_type="api_token", record_id=str(token.id))
    return token, secret


def user_for_token(secret: str, now: datetime | None = None) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not token.is_valid(now) or not token.user.active:
        return None
    token.last_used_at = now or utcnow()
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token_revoked", user_id=token.user_id, record_type="api_token", record_id=str(token.id))
