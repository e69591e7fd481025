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
        cells: dict[str, dict[tuple[int, int], list[int]]] = {}
        remote: dict[str, dict[tuple[int, int], list[int]]] = {}
        visiting: dict[str, dict[int, list[int]]] = {}
        unlocated: dict[str, list[int]] = {}
        for index, service in enumerate(self.services):
            keys = {cell(lat, lon) for lat, lon in service.points}
            visits = service.delivery_modes & COMES_TO_CLIENT
            served = service.service_area_ids or service.location_district_ids
            for category in service.categories:
                by_category.setdefault(category, []).append(index)
                grid = cells.setdefault(category, {})
                for key in keys:
                    grid.setdefault(key, []).append(index)
                if not keys:
                    unlocated.setdefault(category, []).append(index)
                if service.remote:  # placed remote services, by cell (unplaced ones are in unlocated)
                    rgrid = remote.setdefault(category, {})
                    for key in keys:
                        rgrid.setdefault(key, []).append(index)
                if visits:
                    by_area = visiting.setdefault(category, {})
                    for area_id in served:
                        by_area.setdefault(area_id, []).append(index)
        self.by_category = {k: tuple(v) for k, v in by_category.items()}
        self._cells = {c: {k: tuple(v) for k, v in g.items()} for c, g in cells.items()}
        self._remote = {c: {k: tuple(v) for k, v in g.items()} for c, g in remote.items()}
        self._visiting = {c: {k: tuple(v) for k, v in g.items()} for c, g in visiting.items()}
        self._unlocated = {k: tuple(v) for k, v in unlocated.items()}
        self._bounds = {
            c: (min(i for i, _ in g), max(i for i, _ in g), min(j for _, j in g), max(j for _, j in g))
            for c, g in self._cells.items() if g
        }
        self._lineage: dict[int, tuple[int, ...]] = {}

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
        for ring in range(0, last + 1):
            placed_open = ring <= placed_last and (cap is None or taken < cap)
            remote_open = bool(remote) and (remote_cap is None or remote_taken < remote_cap)
            if not placed_open and not remote_open:
                break
            source = grid if placed_open else remote
            for key in ring_cells(ci, cj, ring):
                bucket = source.get(key)
                if bucket:
                    found.update(bucket)
                    if placed_open:
                        taken += len(bucket)
                    else:
                        remote_taken += len(bucket)
        return found


def ring_cells(ci: int, cj: int, ring: int) -> list[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` from (ci, cj)."""
    if ring == 0:
        return [(ci, cj)]
    top, bottom = ci - ring, ci + ring
    cells = [(top, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(bottom, j) for j in range(cj - ring, cj + ring + 1)]
    cells += [(i, cj - ring) for i in range(top + 1, bottom)]
    cells += [(i, cj + ring) for i in range(top + 1, bottom)]
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
