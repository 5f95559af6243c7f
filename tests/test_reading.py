"""Reading the sources in the real window: marker clicks, citations, disagreements,
cause-and-effect arcs, traces and filters, checked in the page and in the widgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import REPO
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from viewer.dataset import load_dataset
from viewer.filters import EventFilter
from viewer.window import MainWindow

pytestmark = pytest.mark.gui
BAGHDAD = timezone(timedelta(hours=3))


def settle(qtbot: QtBot, window: MainWindow) -> dict[str, Any]:
    """Wait until the page applied the last state sent, then read what it shows."""
    qtbot.waitUntil(lambda: not window.map_view._in_flight, timeout=10_000)
    with qtbot.waitCallback(timeout=10_000) as callback:
        window.map_view.call("Atlas.query", callback=callback)
    result = callback.args[0]
    assert result["seq"] == window._seq
    return result


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    win = MainWindow(load_dataset(REPO / "places.json"), settings=QSettings())
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=60_000):
        win.show()
    yield win
    win.close()
    win.deleteLater()
    qtbot.wait(50)


def test_marker_click_shows_the_place_and_its_citations(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.map_view.bridge.clicked, timeout=10_000):
        window.map_view.call("Atlas.clickMarker", "us-embassy-baghdad")
    text = window.detail.plain_text()
    for event in window.index.events_at_place("us-embassy-baghdad"):
        assert event.title in text
    assert "Cited by" in text and "CBS News" in text


def test_citation_opens_the_reader_at_the_quote(qtbot: QtBot, window: MainWindow) -> None:
    event = window.index.by_id["us-strikes-kataib-hezbollah"]
    window.time_state.go_to_event(event)
    qtbot.waitUntil(lambda: window.detail.shown_event == event.id, timeout=5_000)
    buttons = [
        b
        for b in window.detail.widget().findChildren(QPushButton)
        if b.text().startswith("Read it")
    ]
    assert buttons
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.reader
    citation = event.citations[0]
    source = window.dataset.source(citation.source)
    assert window.reader.source is source
    assert window.reader.highlight == (citation.start, citation.end)
    assert window.reader.text.toPlainText() == source.text  # the document, unaltered
    shown = window.reader.text.toPlainText()[citation.start : citation.end]
    assert " ".join(shown.split()) == " ".join(citation.quote.split())


def test_disagreements_are_shown_side_by_side(qtbot: QtBot, window: MainWindow) -> None:
    event = window.index.by_id["us-strikes-kataib-hezbollah"]
    assert event.has_disagreement
    window.time_state.go_to_event(event)
    qtbot.waitUntil(lambda: window.detail.shown_event == event.id, timeout=5_000)
    text = window.detail.plain_text()
    for claim in event.claims:
        for value in claim.values:
            assert value.value in text
            assert window.dataset.source(value.source).outlet in text
    rows = window.disagreements.rows()
    for claim in (c for c in event.claims if c.disagrees):
        assert any(claim.topic in r[0] for r in rows)
        for value in claim.values:
            assert any(r[0] == value.value and value.quote in r[2] for r in rows)
    # The map marks the places of a disputed event.
    page = settle(qtbot, window)
    assert page["places"]["strike-site-qaim-1"]["disputed"] is True
    assert page["places"]["tehran"]["disputed"] is False


def test_links_appear_when_the_effect_happens(qtbot: QtBot, window: MainWindow) -> None:
    arc = "k1-rocket-attack>us-strikes-kataib-hezbollah"
    window.time_state.set_moment(datetime(2019, 12, 28, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, window)["links"][arc]["shown"] is False
    window.time_state.set_moment(datetime(2019, 12, 29, 12, tzinfo=BAGHDAD))
    assert settle(qtbot, window)["links"][arc]["shown"] is True


def test_trace_highlights_the_chain(qtbot: QtBot, window: MainWindow) -> None:
    window.time_state.set_moment(window.dataset.core_end)
    window.set_trace("embassy-siege")
    chain = window.trace.events
    page = settle(qtbot, window)
    traced_places = {p for p, v in page["places"].items() if v["traced"]}
    assert traced_places == {p for e in chain for p in window.index.by_id[e].places}
    assert page["links"]["k1-rocket-attack>us-strikes-kataib-hezbollah"]["traced"] is True
    traced_rows = {
        r
        for r in range(window.model.rowCount())
        if window.model.data(window.model.index(r, 2), Qt.ItemDataRole.BackgroundRole)
    }
    assert traced_rows == {window.index.position[e] for e in chain}
    window.set_trace(None)
    page = settle(qtbot, window)
    assert not any(v["traced"] for v in page["places"].values())


def test_filters_hide_markers_and_rows(qtbot: QtBot, window: MainWindow) -> None:
    window.filter_bar.set_filter(EventFilter(categories=frozenset({"strike"})))
    strikes = [e for e in window.index.events if e.category == "strike"]
    assert window.proxy.rowCount() == len(strikes)
    page = settle(qtbot, window)
    strike_places = {p for e in strikes for p in e.places}
    assert {p for p, v in page["places"].items() if not v["hidden"]} == strike_places
    assert (
        f"{len(strikes)} of {len(window.index.events)} events"
        in window.filter_bar.count_label.text()
    )
    # Search reaches into quotes; clearing brings everything back.
    window.filter_bar.set_filter(EventFilter(text="buzzsaw"))
    assert window.proxy.rowCount() == 1
    window.filter_bar.clear()
    assert window.proxy.rowCount() == len(window.index.events)
    assert not any(v["hidden"] for v in settle(qtbot, window)["places"].values())


def test_cited_passage_in_the_reader_jumps_to_its_event(qtbot: QtBot, window: MainWindow) -> None:
    event = window.index.by_id["milley-buzzsaw"]
    citation = event.citations[0]
    window.open_source(citation.source, citation.start, citation.end)
    spans = window.reader.spans_at(citation.start + 1)
    assert event.id in [span[2] for span in spans]
    window.reader.eventRequested.emit(event.id)
    assert window.time_state.focus == event
