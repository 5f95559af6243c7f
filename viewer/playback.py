"""Play the timeline: hour by hour at a chosen speed, or event by event so quiet days
do not take as long as the siege night."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal

from .timestate import TimeState


class PlayMode(StrEnum):
    HOURS = "hours"
    EVENTS = "events"


#: Speeds offered in the window: label -> (hours per tick in HOURS mode, ms per tick).
SPEEDS: dict[str, tuple[int, int]] = {
    "Slow": (1, 400),
    "Normal": (1, 120),
    "Fast": (3, 60),
    "Fastest": (6, 16),
}


class Player(QObject):
    playingChanged = Signal(bool)

    def __init__(self, time_state: TimeState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.time_state = time_state
        self.mode = PlayMode.EVENTS
        self.speed = "Normal"
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def _interval(self) -> int:
        ms = SPEEDS[self.speed][1]
        # Event by event, each event stays on screen long enough to read its title.
        return ms * 8 if self.mode is PlayMode.EVENTS else ms

    def set_speed(self, speed: str) -> None:
        self.speed = speed if speed in SPEEDS else "Normal"
        self._timer.setInterval(self._interval())

    def set_mode(self, mode: PlayMode) -> None:
        self.mode = mode
        self._timer.setInterval(self._interval())

    def play(self) -> None:
        if self.playing:
            return
        if self.time_state.moment >= self.time_state.maximum:
            self.time_state.core_start()
        self._timer.start(self._interval())
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self.playingChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def _tick(self) -> None:
        if self.mode is PlayMode.EVENTS:
            moved = self.time_state.next_event() is not None
        elif self.time_state.moment >= self.time_state.index.dataset.core_end:
            moved = False  # hour by hour stops at the end of the core period
        else:
            moved = self.time_state.step_hours(SPEEDS[self.speed][0])
        if not moved:
            self.pause()
