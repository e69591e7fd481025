"""Reading the rows a typed place may mean, for ``places.choose``: a few SQL ``LIKE`` queries with
limits (never every location into Python: a directory may hold 100,000 of them), then the pure rule
picks. Used by the search page and the matching form alike."""
from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from . import places
from .models import Area, Location

AREA_LIMIT = 200
LOCATION_LIMIT = 60
_DEPTH = 6  # city → district → street → community, with room to spare


_LATIN = re.compile(r"[a-z]")


def _all_words_in(columns, words: list[str]):
    """Every word in one of the ``(column, cased)`` columns (``LIKE`` wildcards in the words escaped).
    Chinese has no letter case: ``lower()`` only on English columns or for a word with Latin letters,
    so the database does less per row."""
    return and_(*[or_(*[(func.lower(c) if cased or _LATIN.search(w) else c).contains(w, autoescape=True)
                        for c, cased in columns]) for w in words])


def _area_rows(session: Session, wanted) -> dict[int, tuple]:
    rows = session.execute(select(Area.id, Area.code, Area.level, Area.name_zh, Area.name_en, Area.latitude,
                                  Area.longitude, Area.parent_id).where(wanted).order_by(Area.code)
                           .limit(AREA_LIMIT))
    return {r.id: r for r in rows}


def _with_ancestors(session: Session, rows: dict[int, tuple]) -> dict[int, tuple]:
    known = dict(rows)
    for _ in range(_DEPTH):
        missing = {r.parent_id for r in known.values() if r.parent_id is not None} - set(known)
        if not missing:
            break
        known.update(_area_rows(session, Area.id.in_(missing)))
    return known


def _subtree(session: Session, area_id: int) -> set[int]:
    """The area and every area below it (a level at a time: a city has a few thousand at most)."""
    found, level = {area_id}, {area_id}
    for _ in range(_DEPTH):
        level = set(session.scalars(select(Area.id).where(Area.parent_id.in_(level)))) - found
        if not level:
            break
        found |= level
    return found


def _area_row(row, known: dict[int, tuple]) -> places.AreaRow:
    lineage, context, node = [], [], row
    while node is not None:
        lineage.append(node.code)
        if node is not row and node.level in ("district", "street"):
            context.append((node.name_zh, node.name_en))
        node = known.get(node.parent_id)
    point = (float(row.latitude), float(row.longitude)) if row.latitude is not None and row.longitude is not None else None
    return places.AreaRow(code=row.code, level=row.level, name_zh=row.name_zh, name_en=row.name_en, point=point,
                          lineage=tuple(lineage), context=tuple(reversed(context)))


def _locations(session: Session, *ranked) -> list:
    """Locations matching any of the ``ranked`` conditions, best condition first, then by id: one
    pass over the table (a ``LIKE '%…%'`` cannot use an index), at most ``LOCATION_LIMIT`` rows."""
    rank = case(*[(condition, n) for n, condition in enumerate(ranked)], else_=len(ranked))
    return list(session.execute(
        select(Location.id, Location.name_zh, Location.name_en, Location.address_zh, Location.address_en,
               Location.latitude, Location.longitude, Location.area_id)
        .where(Location.location_type != "virtual", or_(*ranked)).order_by(rank, Location.id)
        .limit(LOCATION_LIMIT)))


def _candidates(session: Session, text: str):
    words = text.split()
    area_wanted = or_(_all_words_in([(Area.name_zh, False)], words), _all_words_in([(Area.name_en, True)], words),
                      literal(text, String).contains(Area.name_zh),
                      literal(text, String).contains(func.lower(Area.name_en)))
    area_hits = _area_rows(session, area_wanted)
    if places.settled_by_areas(text, [_area_row(r, area_hits) for r in area_hits.values()]):
        # Nothing a location matches can beat a full area name: no need to look through them.
        return area_hits, {}, _with_ancestors(session, area_hits)
    columns = [(Location.name_zh, False), (Location.name_en, True), (Location.address_zh, False),
               (Location.address_en, True)]
    # A landmark's exact name first, then every word in one field, then (the text may name an area
    # and then a street address in it: "江滨区文昌路252号") the rest of the text without the area.
    codes = {r.code: i for i, r in area_hits.items()}
    inside = [and_(Location.area_id.in_(_subtree(session, codes[area.code])), _all_words_in(columns, rest.split()))
              for area, rest in places.areas_named_in(text, [_area_row(r, area_hits) for r in area_hits.values()])
              if rest]
    found = {r.id: r for r in _locations(
        session, or_(Location.name_zh == text, func.lower(Location.name_en) == text),
        _all_words_in(columns, words), *inside)}
    location_areas = {r.area_id for r in found.values() if r.area_id is not None} - set(area_hits)
    known = _with_ancestors(session, {**area_hits, **(_area_rows(session, Area.id.in_(location_areas))
                                                      if location_areas else {})})
    return area_hits, found, known


def resolve(session: Session, typed: str | None, ref: str | None = None) -> places.Resolution:
    """What ``typed`` names. ``ref`` is the candidate the reader chose when the text was ambiguous:
    it counts only while it is still one of the text's candidates (a form that keeps an old choice
    after the text was changed gets the new text's answer)."""
    typed = (typed or "").strip()[: places.MAX_TEXT_CHARS]
    text = places.normalise(typed)
    if not text:
        return places.Resolution(typed)
    area_hits, found, known = _candidates(session, text)
    by_id = {i: _area_row(r, known) for i, r in known.items()}
    locations = [_location_row(r, by_id) for r in found.values()]
    found = places.choose(typed, [by_id[i] for i in area_hits], locations, known=list(by_id.values()))
    picked = next((c for c in found.candidates if ref and c.ref == ref), None)
    return replace(found, place=picked, candidates=()) if picked is not None else found


def _location_row(row, areas: dict[int, places.AreaRow]) -> places.LocationRow:
    area = areas.get(row.area_id)
    if row.latitude is not None and row.longitude is not None:
        point = (float(row.latitude), float(row.longitude))
    else:
        point = area.point if area is not None else None
    return places.LocationRow(id=row.id, name_zh=row.name_zh, name_en=row.name_en, address_zh=row.address_zh,
                              address_en=row.address_en, area_code=area.code if area else None, point=point)
