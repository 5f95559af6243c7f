"""Distances and directions between places on the WGS84 ellipsoid. Qt-free.

Small and quick to import (geographiclib only): the detail panel describes where places
lie from one another as soon as the window shows an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from geographiclib.geodesic import Geodesic

COMPASS_16 = (
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
)  # fmt: skip


class LatLon(Protocol):
    """Anything with WGS84 coordinates in degrees, such as a `Place`."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float


def distance_m(a: LatLon, b: LatLon) -> float:
    """Geodesic distance from `a` to `b` on the WGS84 ellipsoid, in metres."""
    # geographiclib is what geopy's `geodesic` computes with; geopy costs ~0.4 s to import.
    return float(Geodesic.WGS84.Inverse(a.lat, a.lon, b.lat, b.lon, Geodesic.DISTANCE)["s12"])


def bearing_deg(a: LatLon, b: LatLon) -> float:
    """Initial bearing of the geodesic from `a` to `b`, degrees clockwise from north, [0, 360)."""
    azimuth = float(Geodesic.WGS84.Inverse(a.lat, a.lon, b.lat, b.lon)["azi1"])
    bearing = azimuth % 360.0
    return 0.0 if bearing >= 360.0 else bearing  # -1e-17 % 360 rounds to 360.0


def compass_point(bearing: float, points: int = 8) -> str:
    """The nearest point of a 4-, 8- or 16-point compass rose ("N", "NE", "NNE"...)."""
    if points not in (4, 8, 16):
        raise ValueError(f"a compass rose has 4, 8 or 16 points, not {points}")
    step = 360.0 / points
    index = round((bearing % 360.0) / step) % points
    return COMPASS_16[index * (16 // points)]


def format_distance(metres: float) -> str:
    """'850 m', '4.2 km', '412 km'."""
    if metres < 999.5:
        return f"{metres:.0f} m"
    if metres < 9950.0:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:,.0f} km"


def describe_offset(a: LatLon, b: LatLon, points: int = 8) -> str:
    """Where `b` lies as seen from `a`, e.g. "412 km NW" ("0 m" if they coincide)."""
    metres = distance_m(a, b)
    text = format_distance(metres)
    if text == "0 m":
        return text
    return f"{text} {compass_point(bearing_deg(a, b), points)}"
