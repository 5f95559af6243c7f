"""TimelineStrip: mapping, seeking, item clicks, zoom/pan, edge counts, painting at scale."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QImage, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from viewer.timeline_strip import MIN_VISIBLE_SECONDS, StripItem, TimelineStrip

BAGHDAD = ZoneInfo("Asia/Baghdad")
HOUR = 3600.0
DAY = 86400.0

COLORS = {
    "attack": "#d55e00",
    "strike": "#e69f00",
    "protest": "#cc79a7",
    "deployment": "#0072b2",
    "statement": "#009e73",
    "casualties": "#a00000",
    "diplomacy": "#56b4e9",
    "background": "#8a8a8a",
}


def bgw(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    """A Baghdad wall-clock time as a UTC timestamp."""
    return datetime(year, month, day, hour, minute, tzinfo=BAGHDAD).timestamp()


CORE = (bgw(2019, 12, 27), bgw(2020, 1, 10))
FULL = (bgw(1979, 1, 1), bgw(2020, 12, 31))


def tick(item_id: str, start: float, color: str, label: str) -> StripItem:
    return StripItem(item_id, start, start + HOUR, COLORS[color], label, True)


def day_item(item_id: str, start: float, days: float, color: str, label: str) -> StripItem:
    return StripItem(item_id, start, start + days * DAY, COLORS[color], label, False)


def sample_items() -> list[StripItem]:
    return [
        day_item("hostages", bgw(1979, 11, 4), 365, "background", "Iran hostage crisis begins"),
        day_item("invasion", bgw(2003, 3, 20), 1, "background", "US-led invasion of Iraq"),
        tick("k1", bgw(2019, 12, 27, 19, 20), "attack", "Rocket attack on K-1 air base"),
        tick("k1dead", bgw(2019, 12, 27, 21), "casualties", "US contractor killed at K-1"),
        tick("strikes", bgw(2019, 12, 29, 17), "strike", "US strikes on Kata'ib Hezbollah"),
        day_item("funerals", bgw(2019, 12, 30), 1, "protest", "Funerals of the militiamen"),
        day_item("condemn", bgw(2019, 12, 30), 1, "statement", "Iraqi government condemns"),
        StripItem(
            "siege",
            bgw(2019, 12, 31, 10),
            bgw(2020, 1, 2, 10),
            COLORS["protest"],
            "Siege of the US embassy",
            True,
        ),
        day_item("marines", bgw(2019, 12, 31), 1, "deployment", "Marines reinforce the embassy"),
        day_item("82nd", bgw(2020, 1, 1), 1, "deployment", "82nd Airborne ordered to deploy"),
        tick("soleimani", bgw(2020, 1, 3, 0, 52), "strike", "Drone strike kills Soleimani"),
        tick("airport", bgw(2020, 1, 3, 1, 30), "casualties", "Ten killed at Baghdad airport"),
        day_item("mourning", bgw(2020, 1, 4), 3, "protest", "Funeral processions"),
        StripItem(
            "vote",
            bgw(2020, 1, 5, 12),
            bgw(2020, 1, 5, 18),
            COLORS["diplomacy"],
            "Iraqi parliament votes to expel US troops",
            False,
        ),
        tick("asad", bgw(2020, 1, 8, 1, 34), "attack", "Missiles hit Al Asad air base"),
        tick("ps752", bgw(2020, 1, 8, 6, 14), "casualties", "Flight PS752 shot down"),
        tick("address", bgw(2020, 1, 8, 19), "statement", "Presidential address"),
        day_item("later", bgw(2020, 2, 15), 1, "diplomacy", "Talks in February"),
    ]


@pytest.fixture(autouse=True)
def _no_qt_warnings(qtlog: Any) -> Iterator[None]:
    yield
    bad = [
        r.message
        for r in qtlog.records
        if r.type.name in ("QtWarningMsg", "QtCriticalMsg")
        # the offscreen platform cannot raise the tooltip window: not ours
        and "This plugin does not support" not in r.message
    ]
    assert not bad, bad


@pytest.fixture
def strip(qtbot: QtBot) -> TimelineStrip:
    widget = TimelineStrip(BAGHDAD)
    qtbot.addWidget(widget)
    widget.setItems(sample_items())
    widget.setFullRange(*FULL)
    widget.setRange(*CORE)
    widget.resize(1200, 100)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def ruler_y(strip: TimelineStrip) -> int:
    return 8


def tick_y(strip: TimelineStrip) -> int:
    return strip.height() - 12


def lane_y(strip: TimelineStrip, lane: int) -> int:
    g = strip._g
    return round(g.lanes_top + lane * (g.lane_h + g.lane_gap) + g.lane_h / 2)


def wheel(widget: TimelineStrip, x: float, dy: int = 0, dx: int = 0, shift: bool = False) -> None:
    pos = QPointF(x, widget.height() / 2)
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(dx, dy),
        Qt.MouseButton.NoButton,
        mods,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def non_background_pixels(image: QImage, step: int = 2) -> int:
    """Pixels that differ from the colour of the top-left corner."""
    corner = image.pixel(0, 0)
    return sum(
        1
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
        if image.pixel(x, y) != corner
    )


def distinct_colors(image: QImage, step: int = 3) -> int:
    return len(
        {
            image.pixel(x, y)
            for y in range(0, image.height(), step)
            for x in range(0, image.width(), step)
        }
    )


# ---- mapping ----------------------------------------------------------------------------------


def hover(strip: TimelineStrip, x: float, y: float, held: bool = False) -> None:
    """Deliver a mouse move straight to the strip. (QTest's mouseMove moves the real
    pointer, which on a shared Xvfb display may not produce an event: flaky.)"""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    local = QPointF(x, y)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        local,
        QPointF(strip.mapToGlobal(local.toPoint())),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton if held else Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(strip, event)


def test_mapping_round_trip(strip: TimelineStrip) -> None:
    plot = strip.plotRect()
    assert strip.xAt(CORE[0]) == pytest.approx(plot.left())
    assert strip.xAt(CORE[1]) == pytest.approx(plot.right())
    for t in (CORE[0], bgw(2020, 1, 3, 0, 52), CORE[1], CORE[0] - 5 * DAY):
        assert strip.timeAt(strip.xAt(t)) == pytest.approx(t, abs=1e-3)
    for x in (0.0, 100.5, 600.0, 1199.0):
        assert strip.xAt(strip.timeAt(x)) == pytest.approx(x, abs=1e-6)
    assert strip.range() == CORE


def test_mapping_follows_resize_before_show(qtbot: QtBot) -> None:
    widget = TimelineStrip(BAGHDAD)
    qtbot.addWidget(widget)
    widget.setRange(*CORE)
    widget.resize(1000, 100)  # hidden: no resize event yet
    assert widget.xAt(CORE[1]) == pytest.approx(widget.plotRect().right())
    assert widget.plotRect().right() > 900


def test_set_range_rejects_empty(strip: TimelineStrip) -> None:
    with pytest.raises(ValueError):
        strip.setRange(10.0, 10.0)
    with pytest.raises(ValueError):
        strip.setFullRange(5.0, 1.0)


# ---- seeking ----------------------------------------------------------------------------------


def test_click_emits_hour_snapped_seek(strip: TimelineStrip, qtbot: QtBot) -> None:
    t = bgw(2020, 1, 6, 14)
    x = round(strip.xAt(t))
    with qtbot.waitSignal(strip.seekRequested, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, ruler_y(strip)))
    (value,) = blocker.args
    assert value % HOUR == 0
    assert value == round(strip.timeAt(x) / HOUR) * HOUR
    assert abs(value - t) <= HOUR


def test_click_on_empty_part_of_item_area_seeks(strip: TimelineStrip, qtbot: QtBot) -> None:
    x = round(strip.xAt(bgw(2020, 1, 9, 12)))  # nothing within reach there
    seeks: list[float] = []
    strip.seekRequested.connect(seeks.append)
    with qtbot.assertNotEmitted(strip.itemActivated):
        for y in (lane_y(strip, 0), strip.height() // 2, tick_y(strip)):
            qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert len(seeks) == 3
    assert all(v % HOUR == 0 for v in seeks)


def test_snap_seconds(strip: TimelineStrip, qtbot: QtBot) -> None:
    strip.setSnapSeconds(DAY)
    seeks: list[float] = []
    strip.seekRequested.connect(seeks.append)
    qtbot.mouseClick(
        strip, Qt.MouseButton.LeftButton, pos=QPoint(round(strip.xAt(bgw(2020, 1, 6, 9))), 8)
    )
    assert seeks and seeks[0] % DAY == 0  # UTC midnights


def test_drag_emits_several_seeks(strip: TimelineStrip, qtbot: QtBot) -> None:
    seeks: list[float] = []
    strip.seekRequested.connect(seeks.append)
    y = ruler_y(strip)
    xs = [round(strip.xAt(bgw(2020, 1, d, 12))) for d in (4, 5, 6, 7, 8)]
    qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=QPoint(xs[0], y))
    for x in xs[1:]:
        hover(strip, x, y, held=True)
    qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=QPoint(xs[-1], y))
    assert len(seeks) >= 4
    assert seeks == sorted(seeks) and len(set(seeks)) == len(seeks)
    assert all(v % HOUR == 0 for v in seeks)
    # after release, moving no longer seeks
    hover(strip, xs[0], y)
    assert len(seeks) == len(set(seeks))


def test_drag_past_the_edge_clamps(strip: TimelineStrip, qtbot: QtBot) -> None:
    seeks: list[float] = []
    strip.seekRequested.connect(seeks.append)
    x = round(strip.xAt(bgw(2020, 1, 9)))
    qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, 8))
    hover(strip, strip.width() + 50, 8, held=True)
    qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=QPoint(strip.width() - 1, 8))
    assert seeks[-1] == pytest.approx(round(CORE[1] / HOUR) * HOUR)


def test_set_current_is_silent_and_cheap(strip: TimelineStrip, qtbot: QtBot) -> None:
    assert math.isnan(strip.current())
    with qtbot.assertNotEmitted(strip.seekRequested):
        strip.setCurrent(bgw(2020, 1, 3, 1))
    assert strip.current() == bgw(2020, 1, 3, 1)
    layer = strip._layer
    strip.repaint()
    strip.setCurrent(bgw(2020, 1, 3, 2))
    strip.repaint()
    assert strip._layer is layer and not strip._layer_dirty  # the item layer was reused


# ---- items ------------------------------------------------------------------------------------


def test_click_on_tick_activates_item(strip: TimelineStrip, qtbot: QtBot) -> None:
    x = round(strip.xAt(bgw(2020, 1, 8, 6, 14))) + 2  # within a few pixels
    for y in (tick_y(strip), strip.height() // 2):
        with (
            qtbot.assertNotEmitted(strip.seekRequested),
            qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker,
        ):
            qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        assert blocker.args == ["ps752"]


def test_click_on_span_activates_item(strip: TimelineStrip, qtbot: QtBot) -> None:
    lane = strip._lane[strip._index["siege"]]
    x = round(strip.xAt(bgw(2020, 1, 1, 12)))
    with qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, lane_y(strip, lane)))
    assert blocker.args == ["siege"]
    lane = strip._lane[strip._index["mourning"]]
    x = round(strip.xAt(bgw(2020, 1, 5, 3)))
    with qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, lane_y(strip, lane)))
    assert blocker.args == ["mourning"]


def test_overlapping_spans_get_their_own_lanes(strip: TimelineStrip) -> None:
    lanes = {i: strip._lane[strip._index[i]] for i in ("funerals", "condemn", "siege", "marines")}
    assert lanes["funerals"] != lanes["condemn"]
    assert lanes["siege"] != lanes["marines"]
    assert strip._lane[strip._index["k1"]] == -1  # a tick


def test_press_on_item_then_drag_seeks(strip: TimelineStrip, qtbot: QtBot) -> None:
    seeks: list[float] = []
    strip.seekRequested.connect(seeks.append)
    x = round(strip.xAt(bgw(2020, 1, 8, 6, 14)))
    y = tick_y(strip)
    with qtbot.assertNotEmitted(strip.itemActivated):
        qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        assert seeks == []
        hover(strip, x + 40, y, held=True)
        hover(strip, x + 80, y, held=True)
        qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=QPoint(x + 80, y))
    assert len(seeks) == 2


def test_hover_shows_hand_and_tooltip(strip: TimelineStrip, qtbot: QtBot) -> None:
    x = round(strip.xAt(bgw(2020, 1, 3, 0, 52)))
    hover(strip, x, tick_y(strip))
    assert strip.cursor().shape() == Qt.CursorShape.PointingHandCursor
    text, _rect = strip._tooltip(x, tick_y(strip))
    assert "Drone strike kills Soleimani" in text and "Fri 3 Jan 2020" in text
    strip.grab()  # paints the hover outline
    help_event = QHelpEvent(
        QEvent.Type.ToolTip, QPoint(x, tick_y(strip)), strip.mapToGlobal(QPoint(x, 90))
    )
    QApplication.sendEvent(strip, help_event)
    assert "Soleimani" in QToolTip.text()
    QToolTip.hideText()
    hover(strip, round(strip.xAt(bgw(2020, 1, 9, 12))), tick_y(strip))
    assert strip.cursor().shape() == Qt.CursorShape.ArrowCursor
    text, _rect = strip._tooltip(strip.xAt(bgw(2020, 1, 9, 12)), tick_y(strip))
    assert "Thu 9 Jan 2020, 12:" in text  # the time under the mouse, in Baghdad time
    lane = strip._lane[strip._index["marines"]]
    text, _rect = strip._tooltip(strip.xAt(bgw(2019, 12, 31, 15)), lane_y(strip, lane))
    assert "Marines reinforce the embassy" in text and "time not known" in text


# ---- zoom and pan -----------------------------------------------------------------------------


def test_wheel_zooms_in_around_the_mouse(strip: TimelineStrip) -> None:
    changes: list[tuple[float, float]] = []
    strip.rangeChanged.connect(lambda a, b: changes.append((a, b)))
    x = strip.xAt(bgw(2020, 1, 3))
    anchor = strip.timeAt(x)
    wheel(strip, x, dy=120)
    start, end = strip.range()
    assert end - start < CORE[1] - CORE[0]
    assert strip.timeAt(x) == pytest.approx(anchor, abs=1.0)
    assert changes == [(start, end)]
    for _ in range(60):
        wheel(strip, x, dy=120)
    start, end = strip.range()
    assert end - start == pytest.approx(MIN_VISIBLE_SECONDS)
    assert start <= anchor <= end


def test_wheel_zoom_out_stays_within_full_range(strip: TimelineStrip) -> None:
    for _ in range(200):
        wheel(strip, 1100, dy=-120)
        start, end = strip.range()
        assert FULL[0] <= start < end <= FULL[1]
    assert strip.range() == FULL
    strip.grab()  # painting the whole 40 years works


def test_shift_wheel_and_horizontal_wheel_pan(strip: TimelineStrip) -> None:
    span = CORE[1] - CORE[0]
    wheel(strip, 600, dy=-120, shift=True)
    start, end = strip.range()
    assert end - start == pytest.approx(span) and start > CORE[0]
    wheel(strip, 600, dx=240)
    start2, end2 = strip.range()
    assert end2 - start2 == pytest.approx(span) and start2 < start
    for _ in range(2000):
        wheel(strip, 600, dx=-1200)
    assert strip.range()[1] == pytest.approx(FULL[1])


def test_double_click_resets_to_set_range(strip: TimelineStrip, qtbot: QtBot) -> None:
    wheel(strip, 600, dy=360)
    assert strip.range() != CORE
    qtbot.mouseDClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(600, 8))
    assert strip.range() == CORE


# ---- outside the visible range ----------------------------------------------------------------


def test_edge_counts_and_activation(strip: TimelineStrip, qtbot: QtBot) -> None:
    assert strip.outsideCounts() == (2, 1)  # hostages + invasion; the February talks
    assert strip.nearestOutside() == ("invasion", "later")
    y = strip.height() // 2
    with qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, y))
    assert blocker.args == ["invasion"]
    start, end = strip.range()
    assert start <= bgw(2003, 3, 20) <= end  # the view went there, keeping its zoom
    assert end - start == pytest.approx(CORE[1] - CORE[0])
    assert strip.outsideCounts()[0] == 1
    with qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, y))
    assert blocker.args == ["hostages"]
    assert strip.outsideCounts()[0] == 0
    with qtbot.assertNotEmitted(strip.itemActivated):
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, y))

    strip.setRange(*CORE)
    with qtbot.waitSignal(strip.itemActivated, timeout=1000) as blocker:
        qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(strip.width() - 10, y))
    assert blocker.args == ["later"]


def test_edge_counts_use_visibility(qtbot: QtBot) -> None:
    widget = TimelineStrip(BAGHDAD)
    qtbot.addWidget(widget)
    widget.setItems(
        [
            tick("a", 100.0, "attack", "A"),  # tick before: earlier
            day_item("b", 0.0, 2, "protest", "B"),  # span reaching into the window: visible
            tick("c", 1000.0, "attack", "C"),  # inside
            tick("d", 90000.0, "attack", "D"),  # after
        ]
    )
    widget.setRange(500.0, 5000.0)
    assert widget.outsideCounts() == (1, 1)
    assert widget.nearestOutside() == ("a", "d")
    widget.setRange(-1000.0, 200000.0)
    assert widget.outsideCounts() == (0, 0)
    assert widget.nearestOutside() == (None, None)


# ---- painting ---------------------------------------------------------------------------------


def test_paints_sample_and_saves_screenshot(strip: TimelineStrip) -> None:
    strip.setCurrent(bgw(2020, 1, 3, 1))
    strip.setHighlighted(["soleimani", "airport"])
    strip.setDimmed(["address"])
    strip.clearFocus()  # no focus ring in the screenshot
    image = strip.grab().toImage()
    assert image.width() == 1200 and image.height() == 100
    image.save("/tmp/strip.png")
    assert non_background_pixels(image) > 2000
    assert distinct_colors(image) > 20
    # the cursor is drawn where the current time is
    x = round(strip.xAt(bgw(2020, 1, 3, 1)))
    column = {image.pixel(xx, 60) for xx in (x - 1, x, x + 1)}
    assert image.pixel(x + 40, 60) not in column


def make_many(n: int, seed: int = 7) -> list[StripItem]:
    rnd = random.Random(seed)
    colors = list(COLORS.values())
    items = []
    for i in range(n):
        s = rnd.uniform(*CORE) if rnd.random() < 0.5 else rnd.uniform(*FULL)
        r = rnd.random()
        if r < 0.6:
            e, precise = s + HOUR, True
        elif r < 0.7:
            e, precise = s + rnd.uniform(6 * HOUR, 3 * DAY), True
        elif r < 0.95:
            e, precise = s + rnd.choice([6 * HOUR, DAY]), False
        else:
            e, precise = s + rnd.choice([30 * DAY, 365 * DAY]), False
        items.append(StripItem(f"e{i}", s, e, rnd.choice(colors), f"Event {i}", precise))
    return items


class CountingStrip(TimelineStrip):
    paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        super().paintEvent(event)


def test_paints_100000_items(qtbot: QtBot) -> None:
    widget = CountingStrip(BAGHDAD)
    qtbot.addWidget(widget)
    widget.resize(1200, 100)
    widget.show()
    qtbot.waitUntil(lambda: widget.windowHandle().isExposed())
    items = make_many(100_000)
    t0 = time.perf_counter()
    widget.setItems(items)
    widget.setFullRange(*FULL)
    timings = {"setItems": time.perf_counter() - t0}
    for name, window in (
        ("full", FULL),
        ("core", CORE),
        ("day", (bgw(2020, 1, 3), bgw(2020, 1, 4))),
    ):
        widget.setRange(*window)
        widget.setCurrent((window[0] + window[1]) / 2)
        t0 = time.perf_counter()
        image = widget.grab().toImage()
        timings[name] = time.perf_counter() - t0
        assert non_background_pixels(image, step=3) > 1000, name
        assert distinct_colors(image) > 10, name
    # scrubbing repaints reuse the cached item layer
    widget.repaint()
    paints = widget.paints
    t0 = time.perf_counter()
    for k in range(50):
        widget.setCurrent(CORE[0] + k * HOUR)
        widget.repaint()
    timings["50 cursor repaints"] = time.perf_counter() - t0
    assert widget.paints == paints + 50
    widget.setHighlighted([f"e{k}" for k in range(0, 100_000, 5000)])
    widget.setDimmed([f"e{k}" for k in range(0, 100_000, 2)])
    widget.setRange(*FULL)
    assert non_background_pixels(widget.grab().toImage(), step=3) > 1000
    print(" ".join(f"{k}={v * 1000:.0f}ms" for k, v in timings.items()))
    assert timings["setItems"] < 5.0
    assert max(timings["full"], timings["core"], timings["day"]) < 2.0
    assert timings["50 cursor repaints"] < 1.0


def test_highlighted_and_dimmed_change_pixels(strip: TimelineStrip) -> None:
    strip.setCurrent(bgw(2020, 1, 9))
    plain = strip.grab().toImage()
    strip.setHighlighted(["siege", "ps752", "unknown-id"])
    lit = strip.grab().toImage()
    strip.setHighlighted([])
    strip.setDimmed(["siege", "ps752", "also-unknown"])
    faint = strip.grab().toImage()
    strip.setDimmed([])
    again = strip.grab().toImage()
    assert lit != plain and faint != plain and faint != lit
    assert again == plain


def test_items_replaced_and_empty(strip: TimelineStrip) -> None:
    strip.setHighlighted(["k1"])
    strip.setItems([])
    assert strip.outsideCounts() == (0, 0)
    strip.grab()
    strip.setItems(sample_items()[:3])
    strip.grab()
    with_ticks = strip._g.lane_h
    strip.setItems([i for i in sample_items() if not i.precise])  # no ticks: lanes grow
    assert strip._g.lane_h > with_ticks
    strip.grab()


def test_labels_never_overlap(strip: TimelineStrip) -> None:
    fm_w = strip._day_label_w
    for span in (6 * HOUR, DAY, 3 * DAY, 14 * DAY, 60 * DAY, 400 * DAY, 4000 * DAY, 15000 * DAY):
        start = bgw(2019, 12, 27)
        strip.setRange(start, start + span)
        g = strip._g
        ppd = (g.x1 - g.x0) * DAY / span
        majors, _minors, _labels = strip._ruler_marks(start, start + span, ppd)
        xs = [strip.xAt(t) for t, _text, _sticky in majors]
        gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        assert gaps and min(gaps) > 30, span
        strip.grab()
    strip.setRange(*CORE)
    g = strip._g
    majors, _m, _l = strip._ruler_marks(*CORE, (g.x1 - g.x0) * DAY / (CORE[1] - CORE[0]))
    texts = [text for _t, text, _s in majors]
    assert "Fri 27 Dec" in texts and "Tue 31 Dec" in texts and "Wed 1 Jan" in texts
    assert fm_w > 0


def test_accessibility(strip: TimelineStrip) -> None:
    assert strip.accessibleName() == "Timeline"
    strip.setCurrent(bgw(2020, 1, 3, 1))
    assert "Fri 3 Jan 2020, 01:00" in strip.accessibleDescription()
    assert strip.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert 90 <= strip.sizeHint().height() <= 110


def test_ensure_visible_and_cursor_outside(strip: TimelineStrip) -> None:
    strip.setCurrent(bgw(2003, 3, 20, 12))  # far outside: an arrow at the edge, no crash
    strip.grab()
    assert strip.range() == CORE  # setCurrent never moves the view
    strip.ensureVisible(bgw(2003, 3, 20, 12))
    start, end = strip.range()
    assert start <= bgw(2003, 3, 20, 12) <= end
    assert end - start == pytest.approx(CORE[1] - CORE[0])
    strip.grab()


def test_many_highlighted_items_emphasise_what_shows(qtbot: QtBot) -> None:
    """Thousands of current events (as at 100,000 events): only the emphases that would
    show are painted, and together they still cover every highlighted span of each lane."""
    rng = random.Random(5)
    names = list(COLORS)
    items = [
        day_item(f"d{k}", CORE[0] + rng.randrange(13 * 24) * HOUR, rng.choice((1, 2)), name, "")
        for k, name in enumerate(rng.choice(names) for _ in range(3000))
    ]
    items += [tick(f"t{k}", CORE[0] + rng.random() * 13 * DAY, "attack", "") for k in range(500)]
    widget = TimelineStrip(BAGHDAD)
    qtbot.addWidget(widget)
    widget.setItems(items)
    widget.setRange(*CORE)
    widget.resize(1200, 100)
    widget.show()
    qtbot.waitExposed(widget)
    plain = widget.grab().toImage()
    now = CORE[0] + 6.5 * DAY
    current = [item.id for item in items if item.start <= now < item.end]
    widget.setHighlighted(current)
    shown = widget._emphasised()
    assert 0 < len(shown) < len(current) / 2

    def pixels(indices: list[int], lane: int) -> set[int]:
        xs = [(widget.xAt(widget._starts[i]), widget.xAt(widget._draw_end[i])) for i in indices]
        return {
            x
            for i, (a, b) in zip(indices, xs, strict=True)
            if widget._lane[i] == lane
            for x in range(int(a), int(b))
        }

    for lane in range(3):
        assert pixels(shown, lane) == pixels(widget._hl_idx, lane)
    started = time.perf_counter()
    lit = widget.grab().toImage()
    assert time.perf_counter() - started < 1.0
    assert lit != plain

    # Painted in one go (`_paint_strong`), the emphases look as painted one by one.
    def one_by_one(p: Any, g: Any, indices: list[int]) -> None:
        for i in indices:
            widget._paint_item_emphasis(p, i, strong=True)

    widget._paint_strong = one_by_one  # type: ignore[method-assign]
    for view in (CORE, (CORE[0] + 2.25 * DAY, CORE[0] + 4.5 * DAY)):
        widget.setRange(*view)
        del widget._paint_strong
        fast = widget.grab().toImage()
        widget._paint_strong = one_by_one  # type: ignore[method-assign]
        assert fast == widget.grab().toImage()
