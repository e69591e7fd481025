"""Cyclic garbage collection only at safe points, for the threaded server on Python 3.11.

Why (issue 15, evidence in docs/gc-safepoints.md): on CPython 3.11 the cyclic collector runs at
whatever object allocation crosses its threshold, which can be in the middle of C code that holds
borrowed references (building a row, resizing a dict, creating a weakref). A collection runs Python
code: weakref callbacks and finalizers, here mostly SQLAlchemy's ``InstanceState._cleanup`` for ORM
objects that form cycles. That code reaches the eval breaker, the GIL passes to another request's
thread, and when the first thread resumes its borrowed references may point at freed memory. Under
gunicorn's threaded workers this killed workers with SIGSEGV (cold process, 16 threads, search
page: 8 of 8 runs crashed; the same with ``gc.disable()``: 0 of 8; on Python 3.12.1: 0 of 8).

CPython 3.12 fixed the class of bug by running the collector only from the eval breaker
(gh-97922). This module gives 3.11 the same rule: automatic collection is switched off in the
server process and the same generational schedule is applied at the end of every request, from
plain Python code, where no thread is inside an unfinished C operation. On 3.12 and later it does
nothing. CLI commands, jobs and tests keep the interpreter's default.
"""
from __future__ import annotations

import gc
import sys

from flask import Flask

NEEDED = sys.version_info < (3, 12)


def collect_if_due() -> int | None:
    """Run the collection the interpreter would have run by now, if any; return its generation.

    ``gc.get_count()`` keeps counting allocations while automatic collection is off, so the
    interpreter's own thresholds decide: the oldest generation whose count passed its threshold
    is collected (with every younger one), as CPython's ``collect_generations`` does."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if counts[0] <= thresholds[0]:
        return None
    generation = 0
    for level in (1, 2):
        if counts[level] > thresholds[level]:
            generation = level
    gc.collect(generation)
    return generation


def install(app: Flask, *, force: bool = False) -> bool:
    """Switch the process to safe-point collection (only where needed, or when ``force``)."""
    if not (NEEDED or force):
        return False
    gc.disable()
    app.teardown_request(_collect_after_request)
    return True


def _collect_after_request(_error=None) -> None:
    collect_if_due()
