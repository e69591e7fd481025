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
from . import throttle
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


def set_active(user: User, active: bool) -> bool:
    """Deactivate or reactivate a user. A deactivated user cannot sign in, their API tokens stop
    working (``user_for_token``) and every session they have ends at its next request (the session
    version moves on). Returns whether anything changed. The admin and ``flask users
    deactivate/reactivate`` both come here."""
    if user.active == active:
        return False
    user.active = active
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()
    record("user_reactivated" if active else "user_deactivated", record_type="user", record_id=str(user.id))
    return True


def reset_password(user: User) -> str:
    """Give the user a new random password and return it, to be handed over once (it is neither
    stored nor logged; only its hash is). Their other sessions end, as with ``set_password``, and a
    sign-in lock on their address is lifted so the new password works at once."""
    password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
    set_password(user, password)
    throttle.clear(throttle.throttle_key(user.email))
    db.session.flush()
    record("password_reset", record_type="user", record_id=str(user.id))
    return password


@dataclass
class LoginResult:
    user: User | None
    error: str | None  # "invalid" | "locked" | "inactive"
    locked_until: datetime | None = None


def authenticate(email: str, password: str, max_failures: int, lock_minutes: int,
                 now: datetime | None = None) -> LoginResult:
    """Check a password. After ``max_failures`` wrong passwords in a row for an address the address
    is locked for ``lock_minutes``; while locked, even the right password is refused, before any
    password hashing. Unknown addresses get the same answers, the same lock and the same time as
    known ones (``throttle.py``), so sign-in does not reveal which accounts exist."""
    now = now or utcnow()
    email = normalise_email(email)
    key = throttle.throttle_key(email)
    claim = throttle.claim_attempt(key, max_failures, lock_minutes, now)
    user = db.session.scalar(select(User).where(User.email == email))
    user_id = user.id if user is not None else None
    if not claim.allowed:
        record("login_refused_locked", user_id=user_id)
        return LoginResult(None, "locked", claim.locked_until)
    # The dummy hash costs an unknown address the same time as a known one.
    right = verify_password(user.password_hash if user is not None else DUMMY_HASH, password)
    if user is None or not right:
        if claim.locks:
            record("account_locked", user_id=user_id)
            return LoginResult(None, "locked", claim.locked_until)
        record("login_failed", user_id=user_id, changes=None if user else {"reason": "unknown_account"})
        return LoginResult(None, "invalid")
    throttle.clear(key)
    if not user.active:
        record("login_refused_inactive", user_id=user.id)
        return LoginResult(None, "inactive")
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
