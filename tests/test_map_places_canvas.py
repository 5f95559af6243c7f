"""Many places: markers drawn on one canvas (Xvfb).

Past 100 places atlas.js draws the markers on one canvas (PlaceCanvas) instead of a DOM
element each; the real dataset (about 40 places) keeps its DOM markers. These check
that the page still reports every place's state and flags (Atlas.query), that it
painted them (the canvas's pixels), that a click where a marker is drawn opens its
popup and reaches Python, and that the real dataset is unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    REPO,
    close_window,
    move_and_wait,
    run_js,
    settle,
    show_until_ready,
)
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from benches.synth import generate
from viewer.dataset import load_dataset
from viewer.filters import EventFilter
from viewer.pageconfig import draws_area
from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))

#: The places canvas around a place's marker: the largest alpha within `r` pixels of
#: its centre, and how many canvases of places the page has.
PIXELS = """
(function (id, r) {
  var canvas = document.querySelector("canvas.atlas-places");
  var at = JSON.parse(Atlas.placePoint(id));
  var box = canvas.getBoundingClientRect(), map = document.querySelector(".leaflet-container");
  var frame = map.getBoundingClientRect(), k = canvas.width / box.width;
  var cx = Math.round((frame.left + at.x - box.left) * k);
  var cy = Math.round((frame.top + at.y - box.top) * k);
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var data = ctx.getImageData(cx - r, cy - r, 2 * r + 1, 2 * r + 1).data, most = 0;
  for (var i = 3; i < data.length; i += 4) most = Math.max(most, data[i]);
  var canvases = document.querySelectorAll("canvas.atlas-places").length;
  return JSON.stringify({ alpha: most, canvases: canvases });
})(%s, %d)
"""


def expected_states(window: MainWindow) -> dict[str, str]:
    snap = window.index.snapshot(window.time_state.moment)
    return {p.id: snap.places[p.id].value for p in window.dataset.places}


def pixels(qtbot: QtBot, window: MainWindow, place: str, radius: int = 4) -> dict[str, Any]:
    return dict(json.loads(run_js(qtbot, window, PIXELS % (json.dumps(place), radius))))


@pytest.fixture(scope="module")
def many_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(1500, tmp_path_factory.mktemp("synth"), n_places=150)


@pytest.fixture
def many(qtbot: QtBot, many_file: Path) -> Iterator[MainWindow]:
    data = load_dataset(many_file)
    win = MainWindow(data, at=data.core_start, settings=QSettings())
    yield show_until_ready(qtbot, win)
    close_window(qtbot, win)


def test_many_places_are_drawn_on_one_canvas(qtbot: QtBot, many: MainWindow) -> None:
    state = settle(qtbot, many)
    assert len(state["places"]) == 150
    assert all(p["canvas"] for p in state["places"].values())
    assert run_js(qtbot, many, "document.querySelectorAll('.atlas-shape').length") == 0
    # The areas of roughly known places: on a canvas of their own, not SVG paths.
    areas = "document.querySelectorAll('.leaflet-atlasAreas-pane canvas').length"
    assert run_js(qtbot, many, areas) == 1
    assert run_js(qtbot, many, "document.querySelectorAll('path.atlas-area-current').length") == 0
    start, end = many.dataset.core_start, many.dataset.core_end
    for moment in [start + (end - start) * i / 5 for i in (1, 4, 2)]:
        move_and_wait(qtbot, many, moment)
        state = settle(qtbot, many)
        assert {k: v["state"] for k, v in state["places"].items()} == expected_states(many)
    on_screen = [k for k, v in state["places"].items() if v["onScreen"]]
    assert on_screen
    drawn = pixels(qtbot, many, on_screen[0])
    assert drawn["canvases"] == 1
    assert drawn["alpha"] > 60  # even a future place (35 % opacity) shows
    # Labels are drawn there too: the current places' first, none over another.
    labelled = [k for k, v in state["places"].items() if v["labelShown"]]
    assert labelled
    assert all(state["places"][k]["label"] == many.dataset.place(k).name for k in labelled)
    # Filtered out: reported hidden, and no longer drawn.
    category = many.index.events[0].category
    many.set_filter(EventFilter(categories=frozenset({category})))
    state = settle(qtbot, many)
    hidden = {k for k, v in state["places"].items() if v["hidden"]}
    assert hidden and len(hidden) < 150
    # Zoomed in on one of them (no other place or label near): nothing drawn there.
    place = many.dataset.place(sorted(hidden)[0])
    assert run_js(qtbot, many, f"Atlas.setView({place.lat}, {place.lon}, 11)") is True
    assert pixels(qtbot, many, place.id)["alpha"] == 0
    many.set_filter(EventFilter())
    state = settle(qtbot, many)
    assert not any(v["hidden"] for v in state["places"].values())
    # (the update panned to a current place: back to this one)
    assert run_js(qtbot, many, f"Atlas.setView({place.lat}, {place.lon}, 11)") is True
    assert pixels(qtbot, many, place.id)["alpha"] > 60


def test_clicking_a_drawn_place_opens_its_popup(qtbot: QtBot, many: MainWindow) -> None:
    state = settle(qtbot, many)
    # The topmost place at its own point: a current one (drawn above the others).
    target = next(
        (k for k, v in state["places"].items() if v["onScreen"] and v["state"] == "current"),
        next(k for k, v in state["places"].items() if v["onScreen"]),
    )
    at = json.loads(run_js(qtbot, many, f"Atlas.placePoint({json.dumps(target)})"))
    clicked = json.loads(
        run_js(qtbot, many, f"JSON.stringify(Atlas.placeAt({at['x']}, {at['y']}))")
    )
    assert clicked in state["places"]
    with qtbot.waitSignal(many.map_view.bridge.clicked, timeout=10_000) as blocker:
        assert run_js(qtbot, many, f"Atlas.clickMarker({json.dumps(clicked)})") is True
    assert blocker.args == [clicked]
    popup = run_js(qtbot, many, "document.querySelector('.atlas-popup-title').textContent")
    assert popup == many.dataset.place(clicked).name


#: The areas' canvas at a container point: the largest alpha within 2 pixels, and the
#: sizes of the canvas and of the map (CSS pixels).
AREA_PIXELS = """
(function (x, y) {
  var canvas = document.querySelector(".leaflet-atlasAreas-pane canvas");
  var box = canvas.getBoundingClientRect(), map = document.querySelector(".leaflet-container");
  var frame = map.getBoundingClientRect(), k = canvas.width / box.width, most = 0;
  var cx = Math.round((frame.left + x - box.left) * k);
  var cy = Math.round((frame.top + y - box.top) * k);
  if (cx >= 2 && cy >= 2 && cx < canvas.width - 2 && cy < canvas.height - 2) {
    var data = canvas.getContext("2d").getImageData(cx - 2, cy - 2, 5, 5).data;
    for (var i = 3; i < data.length; i += 4) most = Math.max(most, data[i]);
  }
  return JSON.stringify({ alpha: most, canvas: box.width * box.height,
                          map: frame.width * frame.height });
})(%f, %f)
"""


def test_areas_are_drawn_on_a_canvas_of_their_own_size(qtbot: QtBot, many: MainWindow) -> None:
    """Areas (places known only roughly) are drawn by Leaflet's canvas renderer on a
    canvas cut to the areas, not to the view: drawn where they are, after a zoom, after
    being filtered out and back, and a click inside one opens its place."""
    errors: list[str] = []
    many.map_view.page().jsError.connect(errors.append)  # type: ignore[attr-defined]
    state = settle(qtbot, many)
    whole = json.loads(run_js(qtbot, many, AREA_PIXELS % (0, 0)))
    assert 0 < whole["canvas"] < whole["map"], whole  # the view's was 1.44 times the map
    areas = [p for p in many.dataset.places if draws_area(p.radius_m)]
    place = max(areas, key=lambda p: p.radius_m)
    # As first shown (every area added after the canvas was made): the area is drawn.
    assert state["places"][place.id]["onScreen"]
    at = json.loads(run_js(qtbot, many, f"Atlas.placePoint({json.dumps(place.id)})"))
    assert json.loads(run_js(qtbot, many, AREA_PIXELS % (at["x"], at["y"])))["alpha"] > 0
    # Zoomed so that the area is about 100 pixels across its radius.
    metres_per_pixel = 100 / place.radius_m
    zoom = int(math.log2(156_543 * math.cos(math.radians(place.lat)) * metres_per_pixel))
    assert run_js(qtbot, many, f"Atlas.setView({place.lat}, {place.lon}, {zoom})") is True
    settle(qtbot, many)
    at = json.loads(run_js(qtbot, many, f"Atlas.placePoint({json.dumps(place.id)})"))
    inside = (at["x"] + 30, at["y"] + 30)  # off the marker, within the circle
    assert json.loads(run_js(qtbot, many, AREA_PIXELS % inside))["alpha"] > 0
    # A click there reaches the area (Leaflet's own hit test), and Python.
    click = """(function (x, y) {
      var frame = document.querySelector(".leaflet-container").getBoundingClientRect();
      var target = document.elementFromPoint(frame.left + x, frame.top + y);
      target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true,
        view: window, clientX: frame.left + x, clientY: frame.top + y }));
      return target.tagName;
    })(%f, %f)"""
    with qtbot.waitSignal(many.map_view.bridge.clicked, timeout=10_000) as blocker:
        assert run_js(qtbot, many, click % inside) == "CANVAS"
    assert blocker.args == [place.id]
    # Filtered out, it is no longer drawn; back, it is drawn again.
    shown_by_place = {e.category for e in many.index.events if place.id in e.places}
    others = {e.category for e in many.index.events} - shown_by_place
    assert others
    many.set_filter(EventFilter(categories=frozenset(others)))
    settle(qtbot, many)
    assert json.loads(run_js(qtbot, many, AREA_PIXELS % inside))["alpha"] == 0
    many.set_filter(EventFilter())
    settle(qtbot, many)
    assert run_js(qtbot, many, f"Atlas.setView({place.lat}, {place.lon}, {zoom})") is True
    settle(qtbot, many)
    assert json.loads(run_js(qtbot, many, AREA_PIXELS % inside))["alpha"] > 0
    assert errors == []


def test_real_dataset_keeps_dom_markers(qtbot: QtBot) -> None:
    data = load_dataset(REPO / "places.json")
    win = MainWindow(data, at=datetime(2019, 12, 31, 12, tzinfo=BAGHDAD), settings=QSettings())
    show_until_ready(qtbot, win)
    try:
        state = settle(qtbot, win)
        assert not any(p["canvas"] for p in state["places"].values())
        markers = run_js(
            qtbot, win, "document.querySelectorAll('.atlas-marker .atlas-shape').length"
        )
        assert markers == len(data.places)
        assert run_js(qtbot, win, "document.querySelectorAll('canvas.atlas-places').length") == 0
    finally:
        close_window(qtbot, win)
