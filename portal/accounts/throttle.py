"""Sign-in throttling: a counter per email address, claimed atomically before any password work.

Why a table of its own, keyed by a keyed hash of the normalised email:
- unknown addresses lock exactly like known ones (same messages, same count), so the lockout does
  not tell an attacker which accounts exist; the address itself is never stored;
- an attempt is *claimed* with one conditional ``UPDATE … RETURNING`` before the password is
  hashed, so thirty parallel attempts cannot all read "4 failures so far" and all go on to check a
  password: the database serialises the claims and only ``max_failures`` of them get through.

The claim runs in its own short transaction on its own connection, committed at once: parallel
requests must see it before the (slow, by design) password check ends, and a request that later
fails and rolls back must not give the attempt back. That is the one write outside the request's
unit of work, and it is on purpose.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import DateTime, and_, bindparam, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..common import as_aware
from ..extensions import db
from .models import LoginThrottle


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the app's secret, separated by ``purpose``: it identifies a
    repeated sender without storing who they are, and unlike a plain hash it cannot be matched
    against a list of known addresses without the secret."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def throttle_key(normalised_email: str) -> str:
    return keyed_hash("login", normalised_email)


@dataclass(frozen=True)
class Claim:
    allowed: bool  # False: locked, refuse without looking at the password
    locks: bool  # this attempt was the last one allowed: a wrong password now means "locked"
    locked_until: datetime | None


def _insert_missing(connection, key: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(LoginThrottle).values(key=key, failures=0)
                       .on_conflict_do_nothing(index_elements=["key"]))


def claim_attempt(key: str, max_failures: int, lock_minutes: int, now: datetime) -> Claim:
    """Count one more attempt for ``key`` unless it is locked. The count and the lock are decided
    in the database, in one statement, so concurrent claims cannot both take the last place."""
    table = LoginThrottle.__table__
    at = bindparam("now", now, type_=DateTime(timezone=True))
    until = bindparam("until", now + timedelta(minutes=lock_minutes), type_=DateTime(timezone=True))
    expired = and_(table.c.locked_until.is_not(None), table.c.locked_until <= at)
    # An expired lock starts a fresh count; otherwise one more.
    failures = case((expired, 1), else_=table.c.failures + 1)
    statement = (
        update(table)
        .where(table.c.key == key, or_(table.c.locked_until.is_(None), table.c.locked_until <= at))
        .values(failures=failures,
                locked_until=case((failures >= max_failures, until), else_=None))
        .returning(table.c.failures, table.c.locked_until)
    )
    with db.engine.begin() as connection:
        _insert_missing(connection, key)
        row = connection.execute(statement).first()
        if row is None:
            locked_until = connection.scalar(select(table.c.locked_until).where(table.c.key == key))
            return Claim(False, False, as_aware(locked_until))
    return Claim(True, row.failures >= max_failures, as_aware(row.locked_until))


def clear(key: str) -> None:
    """A right password: the count starts again from zero (saved with the sign-in itself)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
