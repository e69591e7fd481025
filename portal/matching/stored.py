"""Submitted match profiles kept on the server for a short while (``StoredProfile``): the intake form
is posted, stored under a random token and answered with a redirect to ``/match/results/<token>``, so
Back and reload show the results without a resubmit prompt, and "Refer" can pre-fill the referral
form from the token alone. The profile (age, gender, conditions…) never goes into the cookie or a URL.

Rules: a profile is visible to the user who made it, and only until it expires
(``MATCH_PROFILE_MINUTES``, default 240); an expired one is deleted by the request that finds it and
by ``flask matching purge-profiles``. Flushes; the caller commits.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..common import live_row, utcnow
from .models import StoredProfile

DEFAULT_MINUTES = 240


def configured_minutes() -> int:
    from flask import current_app

    return int(current_app.config.get("MATCH_PROFILE_MINUTES") or DEFAULT_MINUTES)


def store_profile(session: Session, user_id: int, raw: Mapping[str, Any], relaxed: str | None = None,
                  minutes: int | None = None, now: datetime | None = None) -> StoredProfile:
    now = now or utcnow()
    minutes = configured_minutes() if minutes is None else minutes
    row = StoredProfile(id=secrets.token_urlsafe(32), user_id=user_id,
                        data={"raw": dict(raw), "relaxed": relaxed}, created_at=now,
                        expires_at=now + timedelta(minutes=minutes))
    session.add(row)
    session.flush()
    return row


def load_profile(session: Session, user_id: int, token: str | None, now: datetime | None = None
                 ) -> StoredProfile | None:
    """The user's own profile under ``token``, or None (unknown, someone else's, or expired: an
    expired one is deleted here)."""
    row = live_row(session, StoredProfile, token, now)
    return row if row is not None and row.user_id == user_id else None


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete every expired profile; returns how many. Flushes; the caller commits."""
    result = session.execute(delete(StoredProfile).where(StoredProfile.expires_at <= (now or utcnow())))
    session.flush()
    return result.rowcount or 0
