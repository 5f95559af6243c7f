"""The three clocks a reader needs: local (Baghdad), Washington and UTC. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from .model import Precision

WASHINGTON = ZoneInfo("America/New_York")

_PART_OF_DAY = (
    (0, "night"),
    (5, "early morning"),
    (9, "morning"),
    (12, "afternoon"),
    (17, "evening"),
    (21, "night"),
)


@dataclass(frozen=True, slots=True)
class Clocks:
    local: str
    washington: str
    utc: str

    def line(self, local_name: str = "Baghdad") -> str:
        return f"{self.local} {local_name}  ·  {self.washington} Washington  ·  {self.utc} UTC"


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def part_of_day(moment: datetime) -> str:
    name = _PART_OF_DAY[0][1]
    for hour, label in _PART_OF_DAY:
        if moment.hour >= hour:
            name = label
    return name


def format_in(moment: datetime, zone: tzinfo | None, precision: Precision) -> str:
    """`moment` in `zone`, showing no more than `precision` supports."""
    here = moment.astimezone(zone if zone is not None else UTC)
    if precision is Precision.YEAR:
        return f"{here.year}"
    if precision is Precision.MONTH:
        return f"{here:%B %Y}"
    if precision is Precision.DAY:
        return _day(here)
    if precision is Precision.PART_OF_DAY:
        return f"{_day(here)}, {part_of_day(here)}"
    if precision is Precision.HOUR:
        return f"{_day(here)}, {here:%H}:00"
    return f"{_day(here)}, {here:%H:%M}"


def clocks(moment: datetime, local_zone: str, precision: Precision = Precision.HOUR) -> Clocks:
    """The moment in the three clocks. Coarse precisions are shown in the local clock only
    where converting would invent precision (a day in Baghdad is not a day in Washington)."""
    local = ZoneInfo(local_zone)
    if precision in (Precision.YEAR, Precision.MONTH, Precision.DAY, Precision.PART_OF_DAY):
        text = format_in(moment, local, precision)
        return Clocks(text, "—", "—")
    return Clocks(
        format_in(moment, local, precision),
        format_in(moment, WASHINGTON, precision),
        format_in(moment, None, precision),
    )


def cursor_text(moment: datetime, local_zone: str) -> str:
    """The slider's position in the three clocks, at hour resolution."""
    return clocks(moment, local_zone, Precision.HOUR).line(
        local_zone.split("/")[-1].replace("_", " ")
    )
