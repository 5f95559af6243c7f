"""Cause-and-effect arcs on the real page (Xvfb): drawn on a canvas, sent as changes.

atlas.js draws the arcs on one canvas and finds the hovered one itself; Python sends
only the arcs that appeared and went. These check what the page shows (Atlas.query),
what it painted (the canvas's pixels) and what the mouse finds, after moves back and
forth, filters, traces and a reload of the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    close_window,
    minimal_dataset,
    move_and_wait,
    run_js,
    settle,
    show_until_ready,
    write_dataset,
)
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from viewer.dataset import load_dataset
from viewer.filters import EventFilter
from viewer.timeline import ts
from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))
LINK = "strikes>march"  # the minimal dataset's one link: border area -> embassy

#: The canvas's pixels around a container point: the largest alpha within `r` pixels,
#: and the colour of the pixel right there (the canvas is sized by devicePixelRatio).
PIXELS = """
(function (x, y, r) {
  var canvas = document.querySelector("canvas.atlas-arcs");
  var box = canvas.getBoundingClientRect(), map = document.querySelector(".leaflet-container");
  var frame = map.getBoundingClientRect(), k = canvas.width / box.width;
  var cx = Math.round((frame.left + x - box.left) * k);
  var cy = Math.round((frame.top + y - box.top) * k);
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var data = ctx.getImageData(cx - r, cy - r, 2 * r + 1, 2 * r + 1).data, most = 0;
  for (var i = 3; i < data.length; i += 4) most = Math.max(most, data[i]);
  var c = ctx.getImageData(cx, cy, 1, 1).data;
  return JSON.stringify({ alpha: most, at: [c[0], c[1], c[2], c[3]] });
})(%f, %f, %d)
"""


def shown(state: dict[str, Any]) -> set[str]:
    return {k for k, v in state["links"].items() if v["shown"]}


def middle(qtbot: QtBot, window: MainWindow, link: str) -> tuple[float, float]:
    at = json.loads(run_js(qtbot, window, f"Atlas.arcMiddle({json.dumps(link)})"))
    return at["x"], at["y"]


def arc_at(qtbot: QtBot, window: MainWindow, x: float, y: float) -> str | None:
    found = json.loads(run_js(qtbot, window, f"JSON.stringify(Atlas.arcAt({x}, {y}))"))
    return str(found) if found is not None else None


def pixels(qtbot: QtBot, window: MainWindow, link: str, radius: int) -> dict[str, Any]:
    x, y = middle(qtbot, window, link)
    return dict(json.loads(run_js(qtbot, window, PIXELS % (x, y, radius))))


def expected_arcs(window: MainWindow, moment: datetime, on_page: set[str]) -> set[str]:
    """The arcs of `on_page` whose cause and effect pass the filters and whose effect
    has started by `moment`."""
    out = set()
    for link in window.dataset.links:
        arc = f"{link.cause}>{link.effect}"
        effect = window.index.by_id[link.effect]
        if (
            arc in on_page
            and link.cause in window.visible_ids
            and link.effect in window.visible_ids
            and ts(effect.start) <= ts(moment)
        ):
            out.add(arc)
    return out


@pytest.fixture
def small(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    data = load_dataset(write_dataset(tmp_path, minimal_dataset()))
    win = MainWindow(data, at=datetime(2019, 12, 30, 12, tzinfo=BAGHDAD), settings=QSettings())
    yield show_until_ready(qtbot, win)
    close_window(qtbot, win)


def test_arc_drawn_once_its_effect_happened(qtbot: QtBot, small: MainWindow) -> None:
    state = settle(qtbot, small)
    assert state["links"] == {LINK: {"shown": False, "traced": False}}
    assert pixels(qtbot, small, LINK, 8)["alpha"] == 0
    move_and_wait(qtbot, small, datetime(2019, 12, 31, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, small)["links"][LINK] == {"shown": True, "traced": False}
    # Dashed: somewhere within a dash and a gap of the middle, the arc's purple.
    assert pixels(qtbot, small, LINK, 6)["alpha"] > 100
    move_and_wait(qtbot, small, datetime(2019, 12, 30, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, small)["links"][LINK]["shown"] is False
    assert pixels(qtbot, small, LINK, 8)["alpha"] == 0  # cleared, not left behind


def test_traced_arc_is_solid_orange_on_top(qtbot: QtBot, small: MainWindow) -> None:
    move_and_wait(qtbot, small, datetime(2020, 1, 1, 12, tzinfo=BAGHDAD))
    small.set_trace("march")
    assert settle(qtbot, small)["links"][LINK] == {"shown": True, "traced": True}
    r, g, b, a = pixels(qtbot, small, LINK, 0)["at"]
    assert a > 200 and r > 150 and g < 110 and b < 60  # #c2410c, solid: right at the middle
    small.set_trace(None)
    assert settle(qtbot, small)["links"][LINK] == {"shown": True, "traced": False}


def test_hovering_an_arc_names_its_link(qtbot: QtBot, small: MainWindow) -> None:
    move_and_wait(qtbot, small, datetime(2020, 1, 1, 12, tzinfo=BAGHDAD))
    settle(qtbot, small)
    x, y = middle(qtbot, small, LINK)
    assert arc_at(qtbot, small, x, y + 3) == LINK
    assert arc_at(qtbot, small, x, y + 30) is None
    hover = """
    (function (x, y) {
      var map = document.querySelector(".leaflet-container"), r = map.getBoundingClientRect();
      map.dispatchEvent(new MouseEvent("mousemove", {
        bubbles: true, clientX: r.left + x, clientY: r.top + y, view: window }));
      return true;
    })(%f, %f)
    """
    tip = "(document.querySelector('.atlas-arc-tooltip') || {}).textContent || ''"
    run_js(qtbot, small, hover % (x, y))
    qtbot.waitUntil(lambda: "led to" in run_js(qtbot, small, tip), timeout=5_000)
    text = run_js(qtbot, small, tip)
    assert text.index("Strikes") < text.index("led to") < text.index("March")
    run_js(qtbot, small, hover % (x, y + 60))
    qtbot.waitUntil(lambda: run_js(qtbot, small, tip) == "", timeout=5_000)
    # A hidden arc is not found.
    move_and_wait(qtbot, small, datetime(2019, 12, 30, 12, tzinfo=BAGHDAD))
    settle(qtbot, small)
    assert arc_at(qtbot, small, x, y) is None


def test_filters_and_reload_resend_the_arcs(qtbot: QtBot, small: MainWindow) -> None:
    move_and_wait(qtbot, small, datetime(2020, 1, 1, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, small)["links"][LINK]["shown"] is True
    small.set_filter(EventFilter(categories=frozenset({"protest"})))  # the cause goes
    assert settle(qtbot, small)["links"][LINK]["shown"] is False
    small.set_filter(EventFilter())
    assert settle(qtbot, small)["links"][LINK]["shown"] is True
    # A reloaded page knows nothing: it is sent every arc shown, then changes again.
    with qtbot.waitSignal(small.map_view.ready, timeout=30_000):
        small.map_view.reload()
    assert settle(qtbot, small)["links"][LINK]["shown"] is True
    assert pixels(qtbot, small, LINK, 6)["alpha"] > 100
    move_and_wait(qtbot, small, datetime(2019, 12, 30, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, small)["links"][LINK]["shown"] is False


def test_real_arcs_follow_time_filters_and_traces(qtbot: QtBot, real_window: MainWindow) -> None:
    on_page = set(settle(qtbot, real_window)["links"])
    assert len(on_page) >= 8
    start, end = real_window.dataset.core_start, real_window.dataset.core_end
    moments = [start + (end - start) * i / 7 for i in range(1, 8)]
    moments += [start, start + (end - start) / 2, end, start + (end - start) / 3]  # jumps
    for moment in moments:
        move_and_wait(qtbot, real_window, moment)
        assert shown(settle(qtbot, real_window)) == expected_arcs(real_window, moment, on_page), (
            moment
        )
    real_window.set_filter(EventFilter(categories=frozenset({"attack", "strike"})))
    move_and_wait(qtbot, real_window, end)
    state = settle(qtbot, real_window)
    assert shown(state) == expected_arcs(real_window, end, on_page)
    assert shown(state) < on_page
    real_window.set_filter(EventFilter())
    real_window.set_trace("embassy-siege")
    state = settle(qtbot, real_window)
    assert trace_ok(real_window, state, on_page)
    # While the page is busy, later updates wait merged: none of their changes is lost.
    for moment in moments:
        assert real_window.time_state.set_moment(moment)
    state = settle(qtbot, real_window)
    assert shown(state) == expected_arcs(real_window, moments[-1], on_page)
    assert trace_ok(real_window, state, on_page)


def trace_ok(window: MainWindow, state: dict[str, Any], on_page: set[str]) -> bool:
    assert window.trace is not None
    chain = window.trace.events
    traced = {k for k, v in state["links"].items() if v["traced"]}
    links = window.dataset.links
    within = {f"{k.cause}>{k.effect}" for k in links if k.cause in chain and k.effect in chain}
    return traced == shown(state) & within & on_page and bool(traced)


def test_arcs_canvas_covers_only_the_arcs(qtbot: QtBot, small: MainWindow) -> None:
    """The canvas is as large as what it draws (each frame the browser copies a changed
    canvas whole): one arc's canvas is a small part of the map, and the arc is on it."""
    move_and_wait(qtbot, small, datetime(2020, 1, 1, 12, tzinfo=BAGHDAD))
    settle(qtbot, small)
    sizes = json.loads(
        run_js(
            qtbot,
            small,
            """JSON.stringify((function () {
              var c = document.querySelector("canvas.atlas-arcs").getBoundingClientRect();
              var m = document.querySelector(".leaflet-container").getBoundingClientRect();
              return { canvas: c.width * c.height, map: m.width * m.height };
            })())""",
        )
    )
    assert 0 < sizes["canvas"] < sizes["map"] / 4, sizes
    assert pixels(qtbot, small, LINK, 6)["alpha"] > 100


def test_arcs_going_one_at_a_time_are_cleared(qtbot: QtBot, real_window: MainWindow) -> None:
    """Stepping back past one effect at a time takes one arc off: the canvas clears and
    redraws only that arc's region (ArcCanvas._draw's partial path), without an error
    on the page (a broken helper there once failed only in the packaged self-test)."""
    errors: list[str] = []
    real_window.map_view.page().jsError.connect(errors.append)  # type: ignore[attr-defined]
    on_page = set(settle(qtbot, real_window)["links"])
    end = real_window.dataset.core_end
    move_and_wait(qtbot, real_window, end)
    state = settle(qtbot, real_window)
    by_id = real_window.index.by_id
    starts = sorted(
        {
            by_id[link.effect].start
            for link in real_window.dataset.links
            if f"{link.cause}>{link.effect}" in shown(state)
        }
    )
    assert len(starts) >= 4
    cleared = 0
    for start in reversed(starts[-3:]):
        gone = {
            f"{link.cause}>{link.effect}"
            for link in real_window.dataset.links
            if by_id[link.effect].start == start and f"{link.cause}>{link.effect}" in on_page
        }
        assert all(pixels(qtbot, real_window, arc, 1)["alpha"] > 100 for arc in gone)
        moment = start - timedelta(minutes=1)
        move_and_wait(qtbot, real_window, moment)
        state = settle(qtbot, real_window)
        assert shown(state) == expected_arcs(real_window, moment, on_page)
        for arc in gone:  # nothing left where it was, unless another arc passes there
            if arc_at(qtbot, real_window, *middle(qtbot, real_window, arc)) is None:
                assert pixels(qtbot, real_window, arc, 1)["alpha"] == 0, arc
                cleared += 1
    assert cleared
    assert errors == []
