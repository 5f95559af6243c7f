"""Immutable typed objects for the dataset. No Qt, no I/O: see `dataset.py` for loading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Precision(StrEnum):
    """How precisely the sources date an event. `start` is meaningful only to this unit."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    PART_OF_DAY = "part-of-day"
    HOUR = "hour"
    MINUTE = "minute"


#: The span an event without an explicit `end` is taken to cover, by precision.
#: An event dated "to the day" is current for that whole day; minute-precise events
#: are current for an hour, the timeline's resolution, so a reader can land on them.
PRECISION_SPAN: dict[Precision, timedelta] = {
    Precision.YEAR: timedelta(days=365),
    Precision.MONTH: timedelta(days=30),
    Precision.DAY: timedelta(days=1),
    Precision.PART_OF_DAY: timedelta(hours=6),
    Precision.HOUR: timedelta(hours=1),
    Precision.MINUTE: timedelta(hours=1),
}


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    file: str  # path relative to the dataset file
    outlet: str
    title: str
    published: str  # ISO date, possibly partial ("2020-01")
    url: str | None
    notes: str
    text: str = field(repr=False, compare=False, default="")


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    alt_names: tuple[str, ...]
    kind: str
    lat: float
    lon: float
    radius_m: float  # honest uncertainty of the coordinates, metres
    coord_source: str
    country: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    source: str  # source id
    quote: str  # verbatim span of the source text
    start: int = -1  # character offset of the quote in the source text (-1: unresolved)
    end: int = -1


@dataclass(frozen=True, slots=True)
class ClaimValue:
    source: str
    value: str
    quote: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True, slots=True)
class Claim:
    """One fact the sources report differently, each source's value kept side by side."""

    topic: str
    values: tuple[ClaimValue, ...]

    @property
    def disagrees(self) -> bool:
        return len({v.value.strip().lower() for v in self.values}) > 1


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    start: datetime  # timezone-aware
    end: datetime | None  # timezone-aware, explicit end if the sources give a duration
    precision: Precision
    places: tuple[str, ...]
    category: str
    actors: tuple[str, ...]
    title: str
    summary: str
    citations: tuple[Citation, ...]
    claims: tuple[Claim, ...] = ()
    date_note: str = ""

    @property
    def effective_end(self) -> datetime:
        """End of the interval during which the event counts as current (exclusive)."""
        if self.end is not None and self.end > self.start:
            return self.end
        return self.start + PRECISION_SPAN[self.precision]

    @property
    def has_disagreement(self) -> bool:
        return any(c.disagrees for c in self.claims)


@dataclass(frozen=True, slots=True)
class Link:
    """A cause-and-effect link: `cause` -> `effect`, with how they relate."""

    cause: str
    effect: str
    type: str  # "led to" | "retaliation for" | "response to"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Dataset:
    title: str
    description: str
    display_timezone: str  # IANA zone the reader's "local" clock uses (e.g. Asia/Baghdad)
    core_start: datetime
    core_end: datetime
    sources: tuple[Source, ...]
    places: tuple[Place, ...]
    events: tuple[Event, ...]  # sorted by (start, id)
    links: tuple[Link, ...]
    path: str = ""  # the file it was loaded from

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def place(self, place_id: str) -> Place:
        return next(p for p in self.places if p.id == place_id)

    def event(self, event_id: str) -> Event:
        return next(e for e in self.events if e.id == event_id)
