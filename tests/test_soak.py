"""Long sessions: the Qt binding must not leak references on signal emits (PySide6 6.12
aborts Python after ~1000 slider moves), and the window survives 20,000 moves."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from conftest import REPO, close_window, show_until_ready
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from viewer.dataset import load_dataset
from viewer.playback import PlayMode
from viewer.window import MainWindow

pytestmark = pytest.mark.soak


class _Emitter(QObject):
    flag = Signal(bool)
    nothing = Signal()


def test_signal_emits_do_not_leak_references(qapp: QApplication) -> None:
    """The bug in PySide6 6.12.0: each emit drops a reference to True it never took."""
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flag.connect(received.append)
    emitter.nothing.connect(lambda: None)

    def emit(count: int) -> None:
        for _ in range(count):
            emitter.flag.emit(True)
            emitter.nothing.emit()
        received.clear()
        gc.collect()

    emit(1_000)  # warm-up: caches and lazily created objects settle first
    before_true, before_none = sys.getrefcount(True), sys.getrefcount(None)
    emit(200_000)
    # A leaking binding drifts by about one reference per emit (200,000 here).
    assert abs(sys.getrefcount(True) - before_true) < 2_000
    assert abs(sys.getrefcount(None) - before_none) < 2_000


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    win = MainWindow(load_dataset(REPO / "places.json"), settings=QSettings())
    yield show_until_ready(qtbot, win)
    close_window(qtbot, win)


def test_20000_slider_moves(qtbot: QtBot, window: MainWindow) -> None:
    ts = window.time_state
    core = ts.index.dataset.core_start
    hours = int((ts.index.dataset.core_end - core).total_seconds() // 3600)
    events = ts.index.events
    moves = 0
    started = time.perf_counter()
    baseline = 0.0
    for i in range(20_000):
        if i % 7 == 0:  # now and then a jump to any event of the whole story
            ts.go_to_event(events[(i // 7) % len(events)])
        else:
            ts.set_moment(core + timedelta(hours=(i * 37) % (hours + 1)))
        moves += 1
        if i % 50 == 0:
            QApplication.processEvents()
        if i == 2_000:
            gc.collect()
            baseline = rss_mb()
    # The page ends on the last state sent.
    qtbot.waitUntil(lambda: not window.map_view._in_flight, timeout=10_000)
    gc.collect()
    grown = rss_mb() - baseline
    elapsed = time.perf_counter() - started
    print(f"\n{moves} moves in {elapsed:.1f} s; memory grew {grown:.1f} MB after warm-up")
    assert moves == 20_000
    assert grown < 40, f"memory grew {grown:.1f} MB over 18,000 moves"


def test_play_the_whole_timeline_at_top_speed(qtbot: QtBot, window: MainWindow) -> None:
    player = window.player
    player.set_speed("Fastest")
    player.set_mode(PlayMode.HOURS)
    window.time_state.core_start()
    player.play()
    qtbot.waitUntil(lambda: not player.playing, timeout=60_000)
    assert window.time_state.moment >= window.dataset.core_end
    player.set_mode(PlayMode.EVENTS)
    window.time_state.set_moment(window.time_state.minimum)
    player.play()
    qtbot.waitUntil(lambda: not player.playing, timeout=120_000)
    assert window.time_state.focus == window.index.events[-1]
