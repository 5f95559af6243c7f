"""Time queries over a dataset: what is current, what has happened, what comes next.

All instants are timezone-aware datetimes; internally they are compared as UTC
timestamps (floats), so events written with different offsets order correctly.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .model import Dataset, Event

#: Events up to this long count as short (`TimeIndex._max_short` is the longest of them).
_LONG_SECONDS = 2 * 86400.0


def _duration_class(seconds: float) -> int:
    """Durations within a factor of two share a class (seconds > 0)."""
    return max(0, math.ceil(math.log2(max(seconds, 1.0))))


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
        # Each start converted once (timestamp() of an aware datetime is slow at 100,000);
        # the position in the input breaks ties as a stable sort would.
        keyed = sorted((ts(e.start), e.id, i) for i, e in enumerate(dataset.events))
        self.events: tuple[Event, ...] = tuple(dataset.events[i] for _, _, i in keyed)
        self.by_id: dict[str, Event] = {e.id: e for e in self.events}
        self.position: dict[str, int] = {e.id: i for i, e in enumerate(self.events)}
        #: UTC timestamps of each event's start and effective end, aligned with `events`:
        #: other parts of the window use these rather than converting again.
        self.starts = [start for start, _, _ in keyed]
        self.ends = [ts(e.effective_end) for e in self.events]
        # Events grouped by duration class (durations within a factor of two): an event of
        # class k can only be current if it started less than the class's longest duration
        # ago, so each class is searched by bisection and mostly yields current events.
        classes: defaultdict[int, list[int]] = defaultdict(list)
        for i, (start, end) in enumerate(zip(self.starts, self.ends, strict=True)):
            classes[_duration_class(end - start)].append(i)  # in start order
        self._classes = [
            (
                max(self.ends[i] - self.starts[i] for i in members),
                [self.starts[i] for i in members],
                members,
            )
            for _, members in sorted(classes.items())
        ]
        self._last_active: tuple[float, tuple[int, ...]] | None = None
        self._max_short = max(
            (
                d
                for d in (e - s for s, e in zip(self.starts, self.ends, strict=True))
                if d <= _LONG_SECONDS
            ),
            default=0.0,
        )
        places: defaultdict[str, list[str]] = defaultdict(list)
        for event in self.events:
            for place_id in event.places:
                places[place_id].append(event.id)
        self._place_events = {k: tuple(v) for k, v in places.items()}
        self._place_positions = {k: [self.position[i] for i in v] for k, v in places.items()}
        self._place_starts = {
            k: [self.starts[self.position[i]] for i in v] for k, v in self._place_events.items()
        }
        # When each place first sees an event: before that it is FUTURE.
        self._place_first = {
            place_id: self.starts[self.position[ids[0]]]
            for place_id, ids in self._place_events.items()
        }

    @property
    def first_start(self) -> datetime:
        return self.events[0].start

    @property
    def last_end(self) -> datetime:
        i = max(range(len(self.ends)), key=self.ends.__getitem__)  # the first of the latest
        return self.events[i].effective_end

    def active_at(self, moment: datetime) -> list[Event]:
        """Events current at `moment`: start <= moment < effective end."""
        return [self.events[i] for i in self._active_positions(ts(moment))]

    def active_positions(self, moment: datetime) -> tuple[int, ...]:
        """Positions in `events` of the events current at `moment`, in order."""
        return self._active_positions(ts(moment))

    def _active_positions(self, t: float) -> tuple[int, ...]:
        """Positions (in `events`) of the events current at timestamp `t`, in order.

        The window asks several times per move about the same moment: the last answer
        is kept.
        """
        if self._last_active is not None and self._last_active[0] == t:
            return self._last_active[1]
        ends = self.ends
        found: list[int] = []
        for longest, starts, members in self._classes:
            # Started at most `longest` ago (1 s of slack for float rounding; the end
            # test below is exact).
            lo = bisect_left(starts, t - longest - 1.0)
            hi = bisect_right(starts, t)
            found += [i for i in members[lo:hi] if ends[i] > t]
        found.sort()
        result = tuple(found)
        self._last_active = (t, result)
        return result

    def happened_count(self, moment: datetime) -> int:
        """How many events have started at or before `moment`."""
        return bisect_right(self.starts, ts(moment))

    def happened_before(self, moment: datetime) -> list[Event]:
        """Events that started at or before `moment`, in order."""
        return list(self.events[: self.happened_count(moment)])

    def next_event(self, moment: datetime) -> Event | None:
        """The first event starting strictly after `moment`."""
        i = bisect_right(self.starts, ts(moment))
        return self.events[i] if i < len(self.events) else None

    def previous_event(self, moment: datetime) -> Event | None:
        """The last event starting strictly before `moment`."""
        i = bisect_left(self.starts, ts(moment))
        return self.events[i - 1] if i > 0 else None

    def events_at_place(self, place_id: str) -> list[Event]:
        return [self.by_id[i] for i in self._place_events.get(place_id, ())]

    def latest_at_place(self, place_id: str, moment: datetime) -> Event | None:
        """The last event at `place_id` that started at or before `moment`."""
        return self.latest_at_place_t(place_id, ts(moment))

    def latest_at_place_t(self, place_id: str, t: float) -> Event | None:
        """`latest_at_place` at UTC timestamp `t`."""
        starts = self._place_starts.get(place_id)
        if not starts:
            return None
        i = bisect_right(starts, t)
        return self.events[self._place_positions[place_id][i - 1]] if i else None

    def current_at_place(self, place_id: str, moment: datetime) -> Event | None:
        """The last (in `events` order) of the events current at `moment` that touch
        `place_id`. Walks back from the last event there that has started: the first that
        has not ended is the answer, and most often that is the first one looked at. It
        never looks at events elsewhere (there can be thousands current at once)."""
        return self.current_at_place_t(place_id, ts(moment))

    def current_at_place_t(self, place_id: str, t: float) -> Event | None:
        """`current_at_place` at UTC timestamp `t`."""
        starts = self._place_starts.get(place_id)
        if not starts:
            return None
        positions, ends = self._place_positions[place_id], self.ends
        i = bisect_right(starts, t) - 1
        # Only events that started within the longest duration can still be current.
        oldest = t - self._classes[-1][0] - 1.0 if self._classes else t
        while i >= 0 and starts[i] >= oldest:
            if ends[positions[i]] > t:
                return self.events[positions[i]]
            i -= 1
        return None

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
