"""One fix to Whoosh 2.7 (whoosh-reloaded 2.7.5), applied on import.

When a segment is written, Whoosh asks for the length of the field of every posting; for fields
without lengths (ours: ``SearchText`` is not scorable) its per-document reader looks for the
missing lengths file again for every single posting: one ``stat()`` per posting, 40% of a
rebuild's time. The fix remembers that the file is missing. Behaviour is otherwise unchanged.
"""
from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):
    readers = self._readers
    found = readers.get(fieldname, _MISSING)
    if found is not _MISSING:
        return found
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    readers[fieldname] = reader
    return reader


if not getattr(whoosh3.W3PerDocReader, "_portal_fixed", False):
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader._portal_fixed = True
