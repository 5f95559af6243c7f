"""The map moves only when something happens (Xvfb, the real page).

A running CSS animation makes Chromium and Qt draw every frame: the pulse around current
places, once endless, kept about one of two cores busy on a map nobody touched. These
check that every animation on the page ends, that nothing pulses while the slider is
dragged, and that the places current where the reader let go pulse then.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import move_and_wait, run_js, settle
from pytestqt.qtbot import QtBot

from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))
SIEGE = datetime(2019, 12, 31, 12, tzinfo=BAGHDAD)

#: The page's animations: how many times each runs, its state, and what it animates.
ANIMATIONS = """
JSON.stringify({
  instant: document.documentElement.classList.contains("atlas-instant"),
  animations: document.getAnimations().map(function (a) {
    return {name: a.animationName || "", state: a.playState,
            iterations: String(a.effect.getComputedTiming().iterations)};
  })
})
"""


def animations(qtbot: QtBot, window: MainWindow) -> dict[str, Any]:
    return dict(json.loads(run_js(qtbot, window, ANIMATIONS)))


def pulses(qtbot: QtBot, window: MainWindow) -> list[dict[str, Any]]:
    return [a for a in animations(qtbot, window)["animations"] if "pulse" in a["name"]]


def test_every_pulse_ends(qtbot: QtBot, real_window: MainWindow) -> None:
    current = move_and_wait(qtbot, real_window, SIEGE)["current"]
    assert current, "the siege has current places"
    settle(qtbot, real_window)
    qtbot.waitUntil(lambda: not animations(qtbot, real_window)["instant"], timeout=5_000)
    running = pulses(qtbot, real_window)
    assert running, "current places pulse once the map is calm"
    # Finite, every one of them (an endless one keeps the browser drawing every frame).
    assert all(a["iterations"] != "Infinity" for a in animations(qtbot, real_window)["animations"])
    # ... and they do end by themselves: three pulses of 1.6 s.
    qtbot.waitUntil(
        lambda: all(a["state"] == "finished" for a in animations(qtbot, real_window)["animations"]),
        timeout=15_000,
    )


def test_no_pulse_while_dragging(qtbot: QtBot, real_window: MainWindow) -> None:
    move_and_wait(qtbot, real_window, SIEGE)
    settle(qtbot, real_window)
    qtbot.waitUntil(lambda: bool(pulses(qtbot, real_window)), timeout=5_000)
    # A drag: updates closer together than atlas.js's CALM_MS (200 ms). Two in one task,
    # read at once, so that no machine is too slow for them to count as one.
    seq = real_window._seq
    same = f"{{seq: {seq}, places: {{}}, focus: []}}"
    seen = json.loads(
        run_js(qtbot, real_window, f"Atlas.update({same}); Atlas.update({same}); {ANIMATIONS}")
    )
    assert seen["instant"], "a drag is recognised as one"
    assert not [a for a in seen["animations"] if "pulse" in a["name"]]
    # Let go: the places current now pulse.
    qtbot.waitUntil(lambda: not animations(qtbot, real_window)["instant"], timeout=5_000)
    qtbot.waitUntil(
        lambda: any(a["state"] == "running" for a in pulses(qtbot, real_window)), timeout=5_000
    )
