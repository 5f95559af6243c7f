"""Map labels on the real page (Xvfb): never overlapping, whatever the moment and zoom.

atlas.js decides which labels show from sizes it measured once and positions it
computes; these tests check the outcome against the rects the browser actually lays
out, after moves and zooms (Leaflet places labels again on every zoom).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import move_and_wait, run_js
from pytestqt.qtbot import QtBot

from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))

#: What the page shows, read from the laid-out page itself (not from atlas.js's state).
SHOWN = """
(function () {
  function shown(e) {
    return e.getClientRects().length > 0 && getComputedStyle(e).visibility === 'visible';
  }
  function box(e) {
    var r = e.getBoundingClientRect();
    return {text: e.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            bold: e.classList.contains('current')};
  }
  function all(selector) { return Array.from(document.querySelectorAll(selector)).filter(shown); }
  return JSON.stringify({
    labels: all('.atlas-label').map(box),
    towns: all('.atlas-town-label').map(box),
    markers: all('.atlas-marker').map(function (m) {
      var b = box(m);
      b.place = m.getAttribute('data-place');
      return b;
    })
  });
})()
"""


def overlap(a: dict[str, Any], b: dict[str, Any], tolerance: float = 0.5) -> bool:
    return bool(
        a["left"] < b["right"] - tolerance
        and b["left"] < a["right"] - tolerance
        and a["top"] < b["bottom"] - tolerance
        and b["top"] < a["bottom"] - tolerance
    )


@pytest.fixture
def window(real_window: MainWindow) -> MainWindow:
    return real_window


def check_page(qtbot: QtBot, window: MainWindow, zoom: int) -> dict[str, Any]:
    names = {p.id: p.name for p in window.dataset.places}
    places = json.loads(run_js(qtbot, window, "Atlas.query()"))["places"]
    current = {names[p] for p, v in places.items() if v["state"] == "current"}
    future = {names[p] for p, v in places.items() if v["state"] == "future"}
    shown: dict[str, Any] = json.loads(run_js(qtbot, window, SHOWN))
    labels, towns, markers = shown["labels"], shown["towns"], shown["markers"]
    everything = labels + towns
    for i, a in enumerate(everything):
        for b in everything[i + 1 :]:
            assert not overlap(a, b), f"at zoom {zoom}: {a['text']!r} overlaps {b['text']!r}"
    for town in towns:
        for marker in markers:
            assert not overlap(town, marker), f"at zoom {zoom}: {town['text']!r} covers a marker"
    shown_names = {label["text"] for label in labels}
    # Not-yet places are labelled only from zoom 8; current labels are bold.
    if zoom < 8:
        assert not shown_names & future, f"at zoom {zoom}"
    assert all(label["bold"] == (label["text"] in current) for label in labels)
    # Some current place is always labelled (the first one wins every clash).
    if current:
        assert shown_names & current
    return shown


@pytest.mark.parametrize("zoom", [6, 7, 8, 9])
def test_labels_never_overlap(qtbot: QtBot, window: MainWindow, zoom: int) -> None:
    run_js(qtbot, window, f"Atlas.setView(33.0, 44.0, {zoom})")
    qtbot.wait(300)
    start, end = window.dataset.core_start, window.dataset.core_end
    towns_seen = 0
    for i in range(8):
        move_and_wait(qtbot, window, start + (end - start) * (i + 1) / 9)
        shown = check_page(qtbot, window, zoom)
        towns_seen = max(towns_seen, len(shown["towns"]))
    assert towns_seen > 0  # not vacuous: towns are labelled at every zoom here


def test_labels_follow_zoom_changes(qtbot: QtBot, window: MainWindow) -> None:
    """Labels hidden while the reader zooms come back where they belong."""
    move_and_wait(qtbot, window, datetime(2019, 12, 31, 12, tzinfo=BAGHDAD))
    for zoom in (7, 9, 6, 8, 5, 6):
        run_js(qtbot, window, f"Atlas.setView(33.0, 44.0, {zoom})")
        qtbot.wait(300)
        check_page(qtbot, window, zoom)
        # Every town label sits just right of its town, centred on it (not left where
        # Leaflet put it while hidden).
        dots = json.loads(
            run_js(
                qtbot,
                window,
                "JSON.stringify(Array.from(document.querySelectorAll('.atlas-town-label'))"
                ".map(function (e) { var r = e.getBoundingClientRect(),"
                " p = e.parentNode.getBoundingClientRect();"
                " return [r.left - p.left, (r.top + r.bottom) / 2 - p.top]; }))",
            )
        )
        assert all(7 <= dx <= 11 and abs(dy) <= 1 for dx, dy in dots)
