"""The one owner of "where we are in time". Widgets ask it to move; everything redraws
from its signal. No widget talks to another widget about time.

Where we are is a moment plus, optionally, the event the reader stepped to: several
events can share a start (many are known only to the day), and stepping must visit
each of them in turn.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, Signal

from .model import Event
from .timeline import TimeIndex, ts


class TimeState(QObject):
    changed = Signal()  # the moment or the focused event changed

    def __init__(self, index: TimeIndex, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self._starts = index.starts
        self.minimum = index.first_start.astimezone(UTC)
        self.maximum = max(index.last_end, index.dataset.core_end).astimezone(UTC)
        self._moment = index.dataset.core_start.astimezone(UTC)
        self._focus: str | None = None

    @property
    def moment(self) -> datetime:
        return self._moment

    @property
    def focus(self) -> Event | None:
        """The event the reader stepped to or picked, while the moment stays at its start."""
        return self.index.by_id[self._focus] if self._focus else None

    def set_moment(self, moment: datetime, focus: str | None = None) -> bool:
        """Move to `moment` (clamped to the data). Emits only on a real change."""
        moment = min(max(moment.astimezone(UTC), self.minimum), self.maximum)
        if moment == self._moment and focus == self._focus:
            return False
        self._moment = moment
        self._focus = focus
        self.changed.emit()
        return True

    def step_hours(self, hours: int) -> bool:
        base = self._moment.replace(minute=0, second=0, microsecond=0)
        if hours < 0 and base < self._moment:
            hours += 1  # the first step back lands on the hour we are in
        return self.set_moment(base + timedelta(hours=hours))

    def go_to_event(self, event: Event) -> bool:
        return self.set_moment(event.start, focus=event.id)

    def _step_target(self, direction: int) -> Event | None:
        events = self.index.events
        if self._focus is not None:
            i = self.index.position[self._focus] + direction
        elif direction > 0:
            i = bisect_right(self._starts, ts(self._moment))
        else:
            i = bisect_left(self._starts, ts(self._moment)) - 1
        return events[i] if 0 <= i < len(events) else None

    def next_event(self) -> Event | None:
        event = self._step_target(+1)
        if event is not None:
            self.go_to_event(event)
        return event

    def previous_event(self) -> Event | None:
        event = self._step_target(-1)
        if event is not None:
            self.go_to_event(event)
        return event

    def core_start(self) -> None:
        self.set_moment(self.index.dataset.core_start)

    def core_end(self) -> None:
        self.set_moment(self.index.dataset.core_end)
