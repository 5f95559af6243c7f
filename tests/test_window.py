"""The real window with the real QtWebEngine page (Xvfb): time moves, the page follows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, close_window, show_until_ready
from conftest import move_and_wait as move_and_wait_applied
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from viewer.dataset import load_dataset
from viewer.mapview import request_guard
from viewer.timeline import ts
from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))
READY_MS = 60_000


def page_query(qtbot: QtBot, window: MainWindow) -> dict[str, Any]:
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.call("Atlas.query", callback=callback)
    result = callback.args[0]
    assert isinstance(result, dict), result
    return result


def move_and_wait(qtbot: QtBot, window: MainWindow, moment: datetime) -> dict[str, Any]:
    """Move time, wait until the page applied that very state, and read the page."""
    move_and_wait_applied(qtbot, window, moment)
    return page_query(qtbot, window)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    dataset = load_dataset(REPO / "places.json")
    win = MainWindow(dataset, at=datetime(2019, 12, 27, 0, tzinfo=BAGHDAD), settings=QSettings())
    request_guard().seen.clear()
    yield show_until_ready(qtbot, win, READY_MS)
    close_window(qtbot, win)  # pages go before the shared web profile does


def test_page_loads_with_every_marker(qtbot: QtBot, window: MainWindow) -> None:
    result = page_query(qtbot, window)
    assert set(result["places"]) == {p.id for p in window.dataset.places}
    # Labels come from the data, as text.
    assert (
        result["places"]["us-embassy-baghdad"]["label"]
        == window.dataset.place("us-embassy-baghdad").name
    )


def test_slider_lights_up_the_places(qtbot: QtBot, window: MainWindow) -> None:
    before = move_and_wait(qtbot, window, datetime(2019, 12, 28, 12, tzinfo=BAGHDAD))
    assert before["places"]["us-embassy-baghdad"]["state"] == "future"
    siege = move_and_wait(qtbot, window, datetime(2019, 12, 31, 14, tzinfo=BAGHDAD))
    assert siege["places"]["us-embassy-baghdad"]["state"] == "current"
    assert siege["places"]["us-embassy-baghdad"]["category"] is not None
    # The K-1 rocket attack happened before: visible but quiet.
    assert siege["places"]["k1-air-base"]["state"] == "past"
    after = move_and_wait(qtbot, window, datetime(2020, 1, 3, 2, tzinfo=BAGHDAD))
    assert after["places"]["baghdad-airport"]["state"] == "current"
    assert after["places"]["us-embassy-baghdad"]["state"] in ("past", "current")
    expected_current = {
        p for e in window.index.active_at(window.time_state.moment) for p in e.places
    }
    assert {k for k, v in after["places"].items() if v["state"] == "current"} == expected_current


def test_list_and_slider_follow_each_other(qtbot: QtBot, window: MainWindow) -> None:
    event = next(e for e in window.index.events if e.id.startswith("us-strikes"))
    row = window.index.position[event.id]
    window.list_view.selectRow(row)
    assert window.time_state.moment == event.start.astimezone(UTC)
    assert window.strip.current() == ts(event.start)
    # And back: moving time selects and scrolls to the current row.
    later = next(e for e in window.index.events if e.start > event.start and e.places)
    window.time_state.go_to_event(later)
    assert window.list_view.currentIndex().row() == window.index.position[later.id]
    assert later.title in window.windowTitle()


def test_list_stays_where_the_reader_scrolled_it_while_the_event_stays(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.resize(1200, 700)  # fewer rows than events: the list can scroll
    first = window.index.events[0]
    window.time_state.go_to_event(first)
    bar = window.list_view.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())  # the reader scrolls down to read
    # Time moves within the same event: the list is left alone ...
    focus = window.focused_event()
    assert focus is not None
    window.time_state.set_moment(window.time_state.moment + timedelta(seconds=1))
    assert window.focused_event() is focus
    assert bar.value() == bar.maximum()
    # ... until another event is the focus: then the list scrolls to it.
    window.time_state.go_to_event(first)
    window.time_state.go_to_event(window.index.events[1])
    window.time_state.go_to_event(first)
    assert bar.value() == 0


def test_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.time_state.set_moment(datetime(2019, 12, 30, 10, tzinfo=BAGHDAD))
    expected = window.index.next_event(window.time_state.moment)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.time_state.focus == expected
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.time_state.focus == window.index.events[window.index.position[expected.id] - 1]
    start = window.time_state.moment
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.time_state.moment == start + timedelta(hours=1)
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.time_state.moment == window.dataset.core_end
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.time_state.moment == window.dataset.core_start
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.player.playing
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.player.playing


def test_marker_click_reaches_python(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.map_view.bridge.clicked, timeout=10_000) as blocker:
        window.map_view.call("Atlas.clickMarker", "k1-air-base")
    assert blocker.args == ["k1-air-base"]
    # The panel now tells what happened there, with the events at that place.
    assert window.detail.shown_place == "k1-air-base"
    text = window.detail.plain_text()
    assert window.dataset.place("k1-air-base").name in text
    assert all(e.title in text for e in window.index.events_at_place("k1-air-base"))


def test_bridge_rejects_unknown_ids(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.assertNotEmitted(window.map_view.bridge.clicked, wait=300):
        window.map_view.bridge.placeClicked("<script>alert(1)</script>")


def test_no_request_leaves_the_machine(qtbot: QtBot, window: MainWindow) -> None:
    seen = request_guard().seen
    assert seen, "the guard saw no request at all"
    external = [u for u in seen if not u.startswith(("atlas:", "data:", "qrc:", "blob:"))]
    assert external == []


def test_play_event_by_event(qtbot: QtBot, window: MainWindow) -> None:
    window.player.set_speed("Fastest")
    window.time_state.core_start()
    first = window.index.next_event(window.time_state.moment)
    window.player.play()
    qtbot.waitUntil(
        lambda: window.time_state.focus is not None and window.time_state.focus != first,
        timeout=5_000,
    )
    window.player.pause()


def test_opening_a_broken_file_keeps_the_open_data(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "embassy-crisis-atlas/1", "title": ', encoding="utf-8")
    window.no_dialogs = True
    before = window.dataset
    assert window.open_dataset(broken) is None
    assert window.dataset is before and window.isVisible()
    assert window.last_error is not None
    assert str(broken) in window.last_error.report()
    # A good file opens in a new window that replaces this one.
    replacement = window.open_dataset(REPO / "places.json")
    assert replacement is not None
    qtbot.addWidget(replacement)
    with qtbot.waitSignal(replacement.ready, timeout=READY_MS):
        pass
    assert not window.isVisible()
    replacement.close()


def page_view(qtbot: QtBot, window: MainWindow) -> dict[str, Any]:
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.call("Atlas.view", callback=callback)
    return callback.args[0]


def test_map_follows_only_when_the_place_is_off_screen(qtbot: QtBot, window: MainWindow) -> None:
    # The reader zoomed in on Baghdad: events in Baghdad do not move the map.
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.call("Atlas.setView", 33.30, 44.39, 10, callback=callback)
    result = move_and_wait(qtbot, window, datetime(2019, 12, 31, 14, tzinfo=BAGHDAD))
    view = page_view(qtbot, window)
    assert view["zoom"] == 10 and abs(view["lat"] - 33.30) < 0.01
    assert result["places"]["us-embassy-baghdad"]["onScreen"]
    # The strikes near Al-Qa'im are off-screen: the map pans there, keeping the zoom.
    strikes = window.index.by_id["us-strikes-kataib-hezbollah"]
    with qtbot.waitSignal(window.map_view.updateApplied, timeout=10_000) as blocker:
        window.time_state.go_to_event(strikes)
    assert blocker.args[0]["panned"] is True
    view = page_view(qtbot, window)
    assert view["zoom"] == 10
    after = page_query(qtbot, window)
    assert any(after["places"][p]["onScreen"] for p in strikes.places)


def test_settings_remember_the_moment(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "atlas.ini"), QSettings.Format.IniFormat)
    dataset = load_dataset(REPO / "places.json")
    first = MainWindow(dataset, settings=settings)
    qtbot.addWidget(first)
    moment = datetime(2020, 1, 1, 9, tzinfo=BAGHDAD)
    first.time_state.set_moment(moment)
    first.save_settings()
    second = MainWindow(dataset, settings=settings)
    qtbot.addWidget(second)
    assert second.time_state.moment == moment
    assert second.main_split.sizes() == first.main_split.sizes()


@pytest.mark.parametrize("booted_first", [True, False])
def test_a_page_loaded_before_the_window_shows_the_same_map(
    qtbot: QtBot, window: MainWindow, booted_first: bool
) -> None:
    """viewer.app starts loading the page before the data is read and the window built
    (MapView.preload); the page, hidden and without a size until the window shows, must
    end up as a page loaded by a shown window: same view, every marker, same states."""
    from viewer.mapview import MapView

    view = MapView(set())
    view.set_online_allowed(True)
    view.preload()
    if booted_first:  # its scripts are up before the data comes (else: they come later)
        qtbot.waitUntil(lambda: view._booted, timeout=READY_MS)
    win = MainWindow(
        window.dataset,
        at=datetime(2019, 12, 27, 0, tzinfo=BAGHDAD),
        settings=QSettings(),
        map_view=view,
    )
    show_until_ready(qtbot, win, READY_MS)
    try:
        assert win.map_view is view
        assert win.map_view.size() == window.map_view.size()

        def view_of(w: MainWindow) -> Any:
            with qtbot.waitCallback(timeout=10_000) as callback:
                w.map_view.call("Atlas.view", callback=callback)
            return callback.args[0]

        assert view_of(win) == view_of(window)
        preloaded, shown = page_query(qtbot, win), page_query(qtbot, window)
        assert preloaded["places"] == shown["places"]
        assert preloaded["links"] == shown["links"]
        assert all(p["state"] for p in preloaded["places"].values())
    finally:
        close_window(qtbot, win)
