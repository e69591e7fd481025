"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""
from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# The test suite signs in thousands of times, and each check at the real cost (64 MiB, ~0.13 s) adds
# up to minutes. It sets PORTAL_FAST_PASSWORD_HASHES=1: still argon2id and the same code, with 1 MiB
# and one pass. A production start refuses it (portal/config.py), so it never protects real accounts.
FAST_HASHES = os.environ.get("PORTAL_FAST_PASSWORD_HASHES") == "1"
_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if FAST_HASHES else PasswordHasher()

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of a random password, verified against when the email is unknown so that the response
# time does not reveal which accounts exist.
DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")
