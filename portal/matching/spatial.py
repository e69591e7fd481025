"""Where things are: great-circle distance, and the directory with its indexes (by category, and a
coarse grid of cells so that a match reads only the cells near the client).

Pure: builds from plain :mod:`.facts`, no Flask, no database.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..geo import haversine_km
from .facts import COMES_TO_CLIENT, AreaFacts, ServiceFacts

# Grid cell size for the spatial index, in degrees (about 2.2 km north-south).
CELL_DEG = 0.02
# Per need, at most about this many placed services are examined, nearest first: beyond them a
# service could only rank above the nearest ones by covering more needs, and those are found through
# the other needs' candidates. Keeps a match fast when thousands of services lie within reach.
MAX_PLACED_PER_NEED = 1000
# Online/phone services beyond the travel limit, per need, nearest first (when the client can use them).
MAX_REMOTE_PER_NEED = 300


@dataclass
class Directory:
    """Every service as plain facts, plus the indexes matching reads. Build once, share read-only."""

    services: tuple[ServiceFacts, ...]
    areas: dict[int, AreaFacts] = field(default_factory=dict)
    stage_positions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_category: dict[str, list[int]] = {}
        for index, service in enumerate(self.services):
            for category in service.categories:
                by_category.setdefault(category, []).append(index)
        self.index_of = {service.id: index for index, service in enumerate(self.services)}
        self.by_category = {}
        self._cells, self._remote, self._visiting, self._unlocated, self._bounds = {}, {}, {}, {}, {}
        self._hotlines: dict[str, tuple[int, ...]] = {}
        for category, indexes in by_category.items():
            self._index_category(category, indexes)
        self._lineage: dict[int, tuple[int, ...]] = {}

    def _index_category(self, category: str, indexes) -> None:
        """(Re)build every index of one category from the services ``indexes`` (in order)."""
        cells: dict[tuple[int, int], list[int]] = {}
        remote: dict[tuple[int, int], list[int]] = {}
        visiting: dict[int, list[int]] = {}
        unlocated: list[int] = []
        hotlines: list[int] = []
        for index in indexes:
            service = self.services[index]
            if service.hotline:  # reaches every client by phone: always a candidate
                hotlines.append(index)
            keys = {cell(lat, lon) for lat, lon in service.points}
            for key in keys:
                cells.setdefault(key, []).append(index)
            if not keys:
                unlocated.append(index)
            if service.remote:  # placed remote services, by cell (unplaced ones are in unlocated)
                for key in keys:
                    remote.setdefault(key, []).append(index)
            if service.delivery_modes & COMES_TO_CLIENT:
                for area_id in service.service_area_ids or service.location_district_ids:
                    visiting.setdefault(area_id, []).append(index)
        for store in (self.by_category, self._cells, self._remote, self._visiting, self._unlocated, self._bounds,
                      self._hotlines):
            store.pop(category, None)
        if not indexes:
            return
        self.by_category[category] = tuple(indexes)
        self._cells[category] = {k: tuple(v) for k, v in cells.items()}
        if remote:
            self._remote[category] = {k: tuple(v) for k, v in remote.items()}
        if visiting:
            self._visiting[category] = {k: tuple(v) for k, v in visiting.items()}
        if unlocated:
            self._unlocated[category] = tuple(unlocated)
        if hotlines:
            self._hotlines[category] = tuple(hotlines)
        if cells:
            self._bounds[category] = (min(i for i, _ in cells), max(i for i, _ in cells),
                                      min(j for _, j in cells), max(j for _, j in cells))

    def updated(self, changed: Iterable[ServiceFacts], removed: Iterable[str] = ()) -> Directory:
        """A new directory with ``changed`` services replaced or added and ``removed`` ids gone,
        sharing every untouched index with this one (which stays as it was: matches running on it
        are not disturbed). Only the categories of the services involved are indexed again."""
        services = list(self.services)
        index_of = dict(self.index_of)
        touched: dict[str, set[int]] = {}

        def put(index: int, facts: ServiceFacts) -> None:
            for category in services[index].categories | facts.categories:
                touched.setdefault(category, set()).add(index)
            services[index] = facts

        for sid in removed:
            index = index_of.get(sid)
            if index is not None:  # a tombstone keeps the other indexes valid; it is in no index
                put(index, ServiceFacts(id=sid, organization_id=services[index].organization_id, status="deleted"))
        for facts in changed:
            index = index_of.get(facts.id)
            if index is None:
                index = index_of[facts.id] = len(services)
                services.append(facts)
            put(index, facts)
        new = Directory.__new__(Directory)
        new.services, new.areas, new.stage_positions = tuple(services), self.areas, self.stage_positions
        new.index_of = index_of
        new.by_category, new._cells, new._remote = dict(self.by_category), dict(self._cells), dict(self._remote)
        new._visiting, new._unlocated, new._bounds = dict(self._visiting), dict(self._unlocated), dict(self._bounds)
        new._hotlines = dict(self._hotlines)
        new._lineage = self._lineage
        for category, indexes in touched.items():
            new._reindex(category, indexes, [self.services[i] if i < len(self.services) else None for i in indexes])
        return new

    def _reindex(self, category: str, indexes, before) -> None:
        """Move the services ``indexes`` (whose facts were ``before``) within one category's
        indexes: only the cells they leave or enter are copied."""
        def entries(facts):
            if facts is None or category not in facts.categories:
                return None
            keys = {cell(lat, lon) for lat, lon in facts.points}
            visits = facts.service_area_ids or facts.location_district_ids \
                if facts.delivery_modes & COMES_TO_CLIENT else frozenset()
            return keys, facts.remote, visits, facts.hotline

        def edit(store, key, index, add):
            bucket = store.get(key, ())
            kept = tuple(i for i in bucket if i != index)
            if add:
                kept = tuple(sorted(kept + (index,)))
            if kept:
                store[key] = kept
            else:
                store.pop(key, None)

        cells = dict(self._cells.get(category, {}))
        remote = dict(self._remote.get(category, {}))
        visiting = dict(self._visiting.get(category, {}))
        flat = {"by": self.by_category.get(category, ()), "unlocated": self._unlocated.get(category, ()),
                "hotlines": self._hotlines.get(category, ())}
        lists = {name: set(v) for name, v in flat.items()}
        for index, old in zip(indexes, before):
            for facts, add in ((old, False), (self.services[index], True)):
                got = entries(facts)
                if got is None:
                    continue
                keys, is_remote, visits, hotline = got
                for key in keys:
                    edit(cells, key, index, add)
                    if is_remote:
                        edit(remote, key, index, add)
                for area_id in visits:
                    edit(visiting, area_id, index, add)
                for name, member in (("by", True), ("unlocated", not keys), ("hotlines", hotline)):
                    if member:
                        (lists[name].add if add else lists[name].discard)(index)
        for store, value in ((self.by_category, lists["by"]), (self._unlocated, lists["unlocated"]),
                             (self._hotlines, lists["hotlines"])):
            if value:
                store[category] = tuple(sorted(value))
            else:
                store.pop(category, None)
        for store, value in ((self._cells, cells), (self._remote, remote), (self._visiting, visiting)):
            if value:
                store[category] = value
            else:
                store.pop(category, None)
        if cells:
            self._bounds[category] = (min(i for i, _ in cells), max(i for i, _ in cells),
                                      min(j for _, j in cells), max(j for _, j in cells))
        else:
            self._bounds.pop(category, None)

    def lineage(self, area_id: int | None) -> tuple[int, ...]:
        """The area and its ancestors (nearest first); empty for an unknown area."""
        if area_id is None or area_id not in self.areas:
            return ()
        cached = self._lineage.get(area_id)
        if cached is None:
            chain, node, seen = [], self.areas.get(area_id), set()
            while node is not None and node.id not in seen:
                seen.add(node.id)
                chain.append(node.id)
                node = self.areas.get(node.parent_id) if node.parent_id is not None else None
            cached = self._lineage[area_id] = tuple(chain)
        return cached

    def district_of(self, area_id: int | None) -> int | None:
        for aid in self.lineage(area_id):
            if self.areas[aid].level == "district":
                return aid
        return None

    def nearest_district(self, point: tuple[float, float]) -> int | None:
        best = None
        for area in self.areas.values():
            if area.level == "district" and area.latitude is not None and area.longitude is not None:
                d = haversine_km(point[0], point[1], area.latitude, area.longitude)
                if best is None or (d, area.id) < best:
                    best = (d, area.id)
        return best[1] if best else None

    def centroid(self, area_id: int | None) -> tuple[float, float] | None:
        for aid in self.lineage(area_id):
            area = self.areas[aid]
            if area.latitude is not None and area.longitude is not None:
                return (area.latitude, area.longitude)
        return None

    def candidates(self, category: str, point: tuple[float, float] | None, radius_km: float | None,
                   lineage: Iterable[int] = (), remote_ok: bool = False,
                   cap: int | None = MAX_PLACED_PER_NEED, remote_cap: int | None = MAX_REMOTE_PER_NEED) -> set[int]:
        """Services of a category the client might reach, nearest first (rings of grid cells):
        - placed services out to ``radius_km``, stopping once ``cap`` are found;
        - when the client can use them, online/phone services beyond that, the nearest ``remote_cap``
          (a local hotline knows the local services);
        - services that visit the client's area, and services without a stated place.
        Without a point: every service of the category."""
        if point is None:
            return set(self.by_category.get(category, ()))
        found = set(self._unlocated.get(category, ()))
        found.update(self._hotlines.get(category, ()))
        visiting = self._visiting.get(category)
        if visiting:
            for area_id in lineage:
                found.update(visiting.get(area_id, ()))
        grid = self._cells.get(category)
        if not grid:
            return found
        remote = self._remote.get(category, {}) if remote_ok else {}
        i_lo, i_hi, j_lo, j_hi = self._bounds[category]
        ci, cj = cell(*point)
        cell_km = CELL_DEG * 110.574 * max(min(1.0, math.cos(math.radians(point[0]))), 0.01)
        edge = max(ci - i_lo, i_hi - ci, cj - j_lo, j_hi - cj)
        placed_last = edge if radius_km is None else min(edge, math.ceil(radius_km / cell_km) + 1)
        last = edge if remote else placed_last
        taken = remote_taken = 0
        # Rings are clipped to the cells that hold services: a point far from the directory (the other
        # side of the world) would otherwise walk billions of empty cells.
        box = _box((i_lo, i_hi, j_lo, j_hi), remote)
        for ring in range(0, last + 1):
            placed_open = ring <= placed_last and (cap is None or taken < cap)
            remote_open = bool(remote) and (remote_cap is None or remote_taken < remote_cap)
            if not placed_open and not remote_open:
                break
            source = grid if placed_open else remote
            for key in ring_cells(ci, cj, ring, box):
                bucket = source.get(key)
                if bucket:
                    found.update(bucket)
                    if placed_open:
                        taken += len(bucket)
                    else:
                        remote_taken += len(bucket)
        return found


def _box(bounds: tuple[int, int, int, int], remote: dict) -> tuple[int, int, int, int]:
    i_lo, i_hi, j_lo, j_hi = bounds
    for i, j in remote:
        i_lo, i_hi, j_lo, j_hi = min(i_lo, i), max(i_hi, i), min(j_lo, j), max(j_hi, j)
    return i_lo, i_hi, j_lo, j_hi


def ring_cells(ci: int, cj: int, ring: int, box: tuple[int, int, int, int] | None = None) -> list[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` from (ci, cj); with ``box`` (i_lo, i_hi, j_lo, j_hi)
    only those inside it."""
    i_lo, i_hi, j_lo, j_hi = box or (ci - ring, ci + ring, cj - ring, cj + ring)
    top, bottom, left, right = ci - ring, ci + ring, cj - ring, cj + ring
    j_range = range(max(left, j_lo), min(right, j_hi) + 1)
    i_range = range(max(top + 1, i_lo), min(bottom - 1, i_hi) + 1)
    cells = [(top, j) for j in j_range] if i_lo <= top <= i_hi else []
    if ring and i_lo <= bottom <= i_hi:
        cells += [(bottom, j) for j in j_range]
    if ring and j_lo <= left <= j_hi:
        cells += [(i, left) for i in i_range]
    if ring and j_lo <= right <= j_hi:
        cells += [(i, right) for i in i_range]
    return cells


def cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG))


def distance_km(service: ServiceFacts, point: tuple[float, float] | None) -> float | None:
    """From ``point`` to the service's nearest place; ``None`` when either is unknown."""
    if point is None or not service.points:
        return None
    lat, lon = point
    if len(service.points) == 1:
        p = service.points[0]
        return haversine_km(lat, lon, p[0], p[1])
    return min(haversine_km(lat, lon, p[0], p[1]) for p in service.points)
