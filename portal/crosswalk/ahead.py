"""Reading an import's texts for categories ahead of time, in a second process, while the first one
writes the rows.

Inference (``infer.propose``) reads every service's name and description through the synonym
groups: pure Python, a third of a 100,000-service import's write step, while the machine's other
core sat idle. ``read_ahead`` starts a forked process on the texts the import is about to write;
``apply`` waits for its results and lets ``propose`` look texts up in them. Results are keyed by
the text itself (a digest), so a text that changed in between, or was not sent, is read again in
this process: reading ahead can only save time, never change a result. Small imports (an admin's
spreadsheet) read in-process: a fork costs more than it saves, and a web worker has threads.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import weakref
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from .infer import CategoryWords, read_texts, using_read_texts

__all__ = ["read_ahead", "ReadAhead", "MIN_TEXTS"]

log = logging.getLogger(__name__)
# Below this many texts the in-process reading takes about a second: not worth a process.
MIN_TEXTS = 2000


class ReadAhead:
    def __init__(self, texts: list[str], categories: list[CategoryWords]) -> None:
        self.categories = categories
        read_texts(texts[:1], categories)  # modules, stemmer and patterns loaded before the fork
        # fork: the child inherits the loaded synonym table; it touches no database connection.
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        self._future = self._pool.submit(read_texts, texts, categories)
        # An import that fails before its crosswalk never asks for the results: when this object is
        # collected unclaimed, the helper is stopped at once (tested). Left to the executor, it
        # went on reading until its work was done (seconds, more on a busy machine) for nothing.
        self._unclaimed = weakref.finalize(self, _stop, self._pool)

    @contextmanager
    def apply(self):
        """``propose`` uses the texts read ahead inside the block (whatever it misses, it reads)."""
        read = self._result()
        if read is None:
            yield
            return
        with using_read_texts(self.categories, read):
            yield

    def _result(self) -> dict | None:
        self._unclaimed.detach()
        try:
            return self._future.result()
        except Exception:  # a lost helper costs time, not results: everything is read here instead
            log.warning("reading texts ahead failed; reading them in this process", exc_info=True)
            return None
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    # The executor has no public way to stop a running call; its processes are stopped directly.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def read_ahead(texts: Iterable[str], categories: list[CategoryWords]) -> ReadAhead | None:
    """A helper process reading ``texts``, or None when it would not pay (few texts, one core)."""
    texts = [text for text in dict.fromkeys(texts) if text]
    if len(texts) < MIN_TEXTS or (os.cpu_count() or 1) < 2 or not categories:
        return None
    return ReadAhead(texts, categories)
