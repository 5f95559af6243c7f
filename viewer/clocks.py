"""The three clocks a reader needs: local (Baghdad), Washington and UTC. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from .model import Precision

WASHINGTON = ZoneInfo("America/New_York")

#: English names, whatever the system's locale: Qt sets the C library's locale from the
#: environment, and strftime's %a/%b/%B would then put, say, German names in an English
#: window. The timeline strip uses these too.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

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
    return f"{WEEKDAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


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
        return f"{MONTH_NAMES[here.month - 1]} {here.year}"
    if precision is Precision.DAY:
        return _day(here)
    if precision is Precision.PART_OF_DAY:
        return f"{_day(here)}, {part_of_day(here)}"
    if precision is Precision.HOUR:
        return f"{_day(here)}, {here.hour:02d}:00"
    return f"{_day(here)}, {here.hour:02d}:{here.minute:02d}"


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
