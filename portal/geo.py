"""Distances on the Earth: one great-circle formula and one Earth radius, for search (distance sort,
"near me") and matching (travel limits) alike. Pure; no Flask."""
from __future__ import annotations

import math

# The IUGG mean Earth radius. Within a city the choice hardly matters (6371.0 would differ by 0.1 m
# in 100 km), but search and matching must agree on who is "within 5 km", so there is one value.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
