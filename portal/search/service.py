"""The app's search index and searcher, and ``run_search`` (the search with the app's settings:
local time for "open now", the stale threshold, the distance origin of an area, the vocabulary of
"did you mean")."""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select

from ..directory.freshness import configured_stale_after_days
from ..i18n import local_now
from .engine import SearchEngine, engine_for
from .feed import settings as feed_settings
from .index import SearchIndex
from .query import SearchParams
from .searching import SearchResult, search

_VOCABULARY_SECONDS = 600


def get_index() -> SearchIndex:
    retention_days, gap_seconds = feed_settings(current_app.config)
    return SearchIndex(current_app.config["SEARCH_INDEX_DIR"], retention_days, gap_seconds)


def get_engine() -> SearchEngine:
    """The process's open searcher for this app's index (refreshes itself when the index changes)."""
    return engine_for(current_app.config["SEARCH_INDEX_DIR"])


def area_point(code: str | None) -> tuple[float, float] | None:
    if not code:
        return None
    from ..directory.models import Area
    from ..extensions import db

    area = db.session.scalar(select(Area).where(Area.code == code))
    if area is None or area.latitude is None or area.longitude is None:
        return None
    return (float(area.latitude), float(area.longitude))


def vocabulary() -> tuple[str, ...]:
    """Taxonomy labels and area names, for "did you mean"; cached for a few minutes per process."""
    cache = current_app.extensions.setdefault("search_vocabulary", {})
    if cache.get("until", 0) > time.monotonic():
        return cache["words"]
    from ..directory.models import Area, TaxonomyTerm
    from ..extensions import db

    words: set[str] = set()
    for zh, en in db.session.execute(select(TaxonomyTerm.name_zh, TaxonomyTerm.name_en)):
        words.update(filter(None, (zh, en)))
    for zh, en in db.session.execute(select(Area.name_zh, Area.name_en)):
        words.update(filter(None, (zh, en)))
    cache.update(words=tuple(sorted(words)), until=time.monotonic() + _VOCABULARY_SECONDS)
    return cache["words"]


def prepare(params: SearchParams) -> SearchParams:
    """Fill in what the URL does not carry: local time, the stale threshold, the origin."""
    from dataclasses import replace

    origin = params.origin
    if origin is None and params.lat is not None and params.lon is not None:
        origin = (params.lat, params.lon)
    if origin is None and params.near:
        origin = area_point(params.near)
    return replace(params, now=params.now or local_now(), origin=origin,
                   stale_after_days=configured_stale_after_days())


def warm(app) -> None:
    """Open the searcher and build what a first search would otherwise wait for (the word lists of
    "did you mean", the pinyin of the index's Chinese words): each web worker calls this as it
    starts (wsgi.py), so no visitor pays for it. A missing index is not an error here."""
    from .analyzers import init_pinyin
    from .suggest import known_words

    known_words("en")
    # The index's pinyin words come from the segments' sidecars; pypinyin itself is still needed
    # by the queries and index writes that convert words.
    init_pinyin()
    with app.app_context():
        snap = get_engine().snapshot()
        if snap is not None:
            snap.pinyin_words()


def with_place(params: SearchParams, sort_chosen: bool):
    """A typed address or landmark becomes the point distances are measured from and, unless the
    reader chose a sort, puts the nearest first. Unknown or ambiguous: the search runs without a
    point (not from an older one) and the page says why. Returns (params, resolution or None)."""
    from dataclasses import replace

    from ..directory.place_queries import resolve
    from ..extensions import db

    if not params.place:
        return params, None
    resolution = resolve(db.session, params.place, params.place_ref)
    if resolution.place is None:
        return replace(params, lat=None, lon=None, origin=None), resolution
    return replace(params, origin=resolution.place.point,
                   sort=params.sort if sort_chosen else "distance"), resolution


def run_search(params: SearchParams) -> SearchResult:
    return search(get_engine(), prepare(params), vocabulary=vocabulary())
