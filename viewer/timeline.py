"""Time queries over a dataset: what is current, what has happened, what comes next.

All instants are timezone-aware datetimes; internally they are compared as UTC
timestamps (floats), so events written with different offsets order correctly.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .model import Dataset, Event

#: Events longer than this are kept in a separate short list that is scanned
#: linearly; the rest are found by bisecting on start time.
_LONG_SECONDS = 2 * 86400.0


class PlaceState(StrEnum):
    FUTURE = "future"  # nothing has happened there yet
    PAST = "past"  # something happened there before
    CURRENT = "current"  # a current event touches it


def ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: an explicit UTC offset is required")
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the map and the list show at one moment."""

    moment: datetime
    current: tuple[str, ...]  # ids of current events, by start
    happened: int  # how many events have started (prefix of TimeIndex.events)
    places: dict[str, PlaceState]


class TimeIndex:
    """Answers the window's questions about time in O(log n + answer)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.events: tuple[Event, ...] = tuple(
            sorted(dataset.events, key=lambda e: (ts(e.start), e.id))
        )
        self.by_id: dict[str, Event] = {e.id: e for e in self.events}
        self.position: dict[str, int] = {e.id: i for i, e in enumerate(self.events)}
        self._starts = [ts(e.start) for e in self.events]
        self._ends = [ts(e.effective_end) for e in self.events]
        self._long = [
            i for i, e in enumerate(self.events) if self._ends[i] - self._starts[i] > _LONG_SECONDS
        ]
        self._long_set = set(self._long)
        self._max_short = max(
            (
                self._ends[i] - self._starts[i]
                for i in range(len(self.events))
                if i not in self._long_set
            ),
            default=0.0,
        )
        places: defaultdict[str, list[str]] = defaultdict(list)
        for event in self.events:
            for place_id in event.places:
                places[place_id].append(event.id)
        self._place_events = {k: tuple(v) for k, v in places.items()}
        self._place_starts = {
            k: [self._starts[self.position[i]] for i in v] for k, v in self._place_events.items()
        }
        # When each place first sees an event: before that it is FUTURE.
        self._place_first = {
            place_id: self._starts[self.position[ids[0]]]
            for place_id, ids in self._place_events.items()
        }

    @property
    def first_start(self) -> datetime:
        return self.events[0].start

    @property
    def last_end(self) -> datetime:
        return max(e.effective_end for e in self.events)

    def active_at(self, moment: datetime) -> list[Event]:
        """Events current at `moment`: start <= moment < effective end."""
        t = ts(moment)
        hi = bisect_right(self._starts, t)
        lo = bisect_left(self._starts, t - self._max_short)
        found = [i for i in range(lo, hi) if i not in self._long_set and self._ends[i] > t]
        found += [i for i in self._long if self._starts[i] <= t < self._ends[i]]
        found.sort()
        return [self.events[i] for i in found]

    def happened_count(self, moment: datetime) -> int:
        """How many events have started at or before `moment`."""
        return bisect_right(self._starts, ts(moment))

    def happened_before(self, moment: datetime) -> list[Event]:
        """Events that started at or before `moment`, in order."""
        return list(self.events[: self.happened_count(moment)])

    def next_event(self, moment: datetime) -> Event | None:
        """The first event starting strictly after `moment`."""
        i = bisect_right(self._starts, ts(moment))
        return self.events[i] if i < len(self.events) else None

    def previous_event(self, moment: datetime) -> Event | None:
        """The last event starting strictly before `moment`."""
        i = bisect_left(self._starts, ts(moment))
        return self.events[i - 1] if i > 0 else None

    def events_at_place(self, place_id: str) -> list[Event]:
        return [self.by_id[i] for i in self._place_events.get(place_id, ())]

    def latest_at_place(self, place_id: str, moment: datetime) -> Event | None:
        """The last event at `place_id` that started at or before `moment`."""
        starts = self._place_starts.get(place_id)
        if not starts:
            return None
        i = bisect_right(starts, ts(moment))
        return self.by_id[self._place_events[place_id][i - 1]] if i else None

    def snapshot(self, moment: datetime) -> Snapshot:
        """Current events and the state of every place at `moment`."""
        current = self.active_at(moment)
        current_places = {p for e in current for p in e.places}
        t = ts(moment)
        states = {}
        for place in self.dataset.places:
            if place.id in current_places:
                states[place.id] = PlaceState.CURRENT
            elif self._place_first.get(place.id, float("inf")) <= t:
                states[place.id] = PlaceState.PAST
            else:
                states[place.id] = PlaceState.FUTURE
        return Snapshot(moment, tuple(e.id for e in current), self.happened_count(moment), states)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
