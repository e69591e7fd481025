"""Stable ids: ``uuid5(namespace, name)`` as a string, the same value as ``str(uuid.uuid5(...))``.

Imports and installs name rows by uuid5 so that running them again upserts instead of duplicating
(vocabulary terms, imported records without usable ids, crosswalk links, HSDS export ids). A
100,000-service import makes about two million of them; building a ``uuid.UUID`` object for each
only to print it was 4 µs of 5.5, so this hashes and formats directly (tests compare the two).
"""
from __future__ import annotations

import uuid
from hashlib import sha1

__all__ = ["uuid5", "IMPORT_NAMESPACE"]

# Never change: the ids of imported records without usable ids and of the crosswalk's derived links
# come from it, and re-imports upsert by them.
IMPORT_NAMESPACE = uuid.UUID("0b4c1d9e-3f0a-5a8c-9e57-2f6a4c3b1d20")


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """RFC 4122 name-based id (SHA-1, version 5), lower-case hex with dashes."""
    digest = bytearray(sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"
