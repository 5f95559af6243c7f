"""The source reader: exact offsets, furniture hidden but kept, marked passages, safe links."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from viewer.dataset import load_dataset
from viewer.model import Citation, Dataset, Event, Source
from viewer.quotes import normalize_quote
from viewer.sourcereader import (
    OffsetMap,
    SourceReader,
    cited_spans,
    furniture_blocks,
    furniture_kind,
    heading_level,
)

REPO = Path(__file__).resolve().parent.parent
SOURCE_IDS = ("newsweek", "unknown-web", "nyt", "wikipedia", "cbs")
COOKIE = "We and our partners use cookies"
ADVERT = "Story continues below advertisement"
PHOTO = "Open this photo in gallery"
QUOTE_YELLOW = QColor("#ffe27a")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(REPO / "places.json")


@pytest.fixture
def reader(qtbot: QtBot, dataset: Dataset) -> Iterator[SourceReader]:
    widget = SourceReader()
    qtbot.addWidget(widget)
    widget.set_citations(cited_spans(dataset.events), {e.id: e.title for e in dataset.events})
    widget.resize(700, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def citations_of(dataset: Dataset, source_id: str) -> list[tuple[Event, Citation]]:
    return [(e, c) for e in dataset.events for c in e.citations if c.source == source_id]


def settle(qtbot: QtBot) -> None:
    qtbot.wait(20)  # let the deferred scroll and the repaint run


def document_slice(reader: SourceReader, start: int, end: int) -> str:
    cursor = QTextCursor(reader.text.document())
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor.selectedText().replace("\u2029", "\n")


def assert_quote_in_view(reader: SourceReader) -> None:
    start, _ = reader.highlight
    block = reader.text.document().findBlock(start)
    assert block.isVisible()
    assert reader.text.textCursor().position() == start
    assert reader.text.viewport().rect().contains(reader.text.cursorRect())


# ---- pure functions ------------------------------------------------------------------------


def test_furniture_kind() -> None:
    assert furniture_kind(f"{PHOTO} Iraqi protesters set ablaze a sentry box") == "photo caption"
    assert furniture_kind(ADVERT) == "advertisement"
    assert furniture_kind(f"{COOKIE} to understand how you use our site.") == "cookie notice"
    assert furniture_kind(" date 2019-12-31 Open this photo in gallery Protesters") == "metadata"
    assert furniture_kind("f") == "stray character"
    for content in ("", "   ", "Why did it happen?", "The embassy itself was never breached."):
        assert furniture_kind(content) is None


def test_furniture_blocks_of_the_real_sources(dataset: Dataset) -> None:
    for source in dataset.sources:
        text = source.text
        spans = furniture_blocks(text)
        hidden = [text[s:e] for s, e in spans]
        for start, end in spans:  # whole lines, line break excluded
            assert start == 0 or text[start - 1] == "\n"
            assert end == len(text) or text[end] == "\n"
        # Every hidden line is furniture or blank: no line of content is hidden.
        assert all(furniture_kind(line) or not line.strip() for line in hidden)
        # No cited passage is hidden.
        for start, end, _ in cited_spans(dataset.events).get(source.id, []):
            assert not any(s < end and start < e and text[s:e].strip() for s, e in spans)
    nyt = dataset.source("nyt").text
    nyt_hidden = [nyt[s:e] for s, e in furniture_blocks(nyt)]
    assert sum(line == ADVERT for line in nyt_hidden) == nyt.count(ADVERT) == 3
    assert sum(PHOTO in line for line in nyt_hidden) == nyt.count(PHOTO) == 3
    assert nyt_hidden[0].startswith(" date 2019-12-31")
    cbs = dataset.source("cbs").text
    cbs_hidden = [cbs[s:e] for s, e in furniture_blocks(cbs)]
    assert "f" in cbs_hidden
    assert any(line.startswith(COOKIE) for line in cbs_hidden)
    web = dataset.source("unknown-web").text
    assert web.startswith("\n\n\n\n")
    assert furniture_blocks(web)[:4] == [(0, 0), (1, 1), (2, 2), (3, 3)]  # leading blank lines


def test_furniture_blocks_collapse_the_blank_lines_they_leave() -> None:
    text = f"\n\nOne.\n\n{ADVERT}\n\nTwo.\n\nf\n\n"
    hidden = set(furniture_blocks(text))
    kept, start = [], 0
    for line in text.split("\n"):
        if (start, start + len(line)) not in hidden:
            kept.append(line)
        start += len(line) + 1
    assert "\n".join(kept) == "One.\n\nTwo."


def test_heading_level() -> None:
    assert heading_level("= Attack on the United States embassy in Baghdad =") == 1
    assert heading_level("==Background==") == 2
    assert heading_level("===Mob attack===") == 3
    assert heading_level("[New Year's Eve Attack on U.S. Embassy in Iraq](#)") == 1
    assert heading_level("What happened at the U.S. embassy in Iraq?") == 3
    assert heading_level("Mob of protesters storm U.S. Embassy in Baghdad") == 3
    assert heading_level("U.S. Embassy in Iraq getting reinforcements", first_content=True) == 1
    assert heading_level("The embassy itself was never breached.") == 0
    assert heading_level("- Location: Green Zone, Baghdad, Iraq") == 0
    assert heading_level('"Is it safe?"') == 0
    assert heading_level("") == 0


def test_offset_map_matches_qt_positions() -> None:
    text = "Intro 😀 line\r\nnext 𝄞𝄞 quote here\nend 🇮🇶 done"
    document = QTextDocument()
    document.setPlainText(text)
    mapping = OffsetMap(text)
    assert not mapping.identity
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            cursor = QTextCursor(document)
            cursor.setPosition(mapping.to_qt(start))
            cursor.setPosition(mapping.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
            expected = text[start:end]
            if start > 0 and text[start - 1] == "\r" and expected.startswith("\n"):
                expected = "\r" + expected  # inside "\r\n": Qt's one separator for the pair
            if expected.endswith("\r") and text.startswith("\n", end):
                expected = expected[:-1]
            expected = expected.replace("\r\n", "\u2029").replace("\n", "\u2029")
            assert cursor.selectedText() == expected, (start, end)
    for index in range(len(text) + 1):
        if not (index > 0 and text[index - 1] == "\r"):
            assert mapping.to_py(mapping.to_qt(index)) == index
    assert mapping.to_py(mapping.to_qt(len("Intro ")) + 1) == len("Intro ")  # mid-pair
    plain = OffsetMap("plain text, all BMP — “quotes”")
    assert plain.identity and plain.to_qt(7) == 7 and plain.to_py(7) == 7


def test_cited_spans(dataset: Dataset) -> None:
    spans = cited_spans(dataset.events)
    assert set(spans) == set(SOURCE_IDS)
    for source_id, items in spans.items():
        text = dataset.source(source_id).text
        assert items == sorted(set(items))
        assert all(0 <= s < e <= len(text) for s, e, _ in items)
    claim_value = next(v for e in dataset.events for c in e.claims for v in c.values)
    assert any(
        s == claim_value.start and e == claim_value.end for s, e, _ in spans[claim_value.source]
    )


# ---- the widget ----------------------------------------------------------------------------


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_show_source_highlights_the_quote_and_scrolls_to_it(
    qtbot: QtBot, reader: SourceReader, dataset: Dataset, source_id: str
) -> None:
    source = dataset.source(source_id)
    cited = citations_of(dataset, source_id)
    for _, citation in (cited[0], cited[len(cited) // 2], cited[-1]):
        shown = reader.show_source(source, citation.start, citation.end)
        settle(qtbot)
        assert shown == source.text
        assert reader.text.toPlainText() == source.text  # never altered
        assert reader.highlighted_range() == (citation.start, citation.end)
        assert reader.highlight == (citation.start, citation.end)
        quoted = document_slice(reader, citation.start, citation.end)
        assert normalize_quote(quoted) == normalize_quote(citation.quote)
        assert_quote_in_view(reader)
    marked = reader.marked_ranges()
    assert marked and all(0 <= s < e <= len(source.text) for s, e in marked)
    for start, end, _ in cited_spans(dataset.events)[source_id]:
        assert any(s <= start and end <= e for s, e in marked)


def test_header_shows_title_outlet_date_and_address(reader: SourceReader, dataset: Dataset) -> None:
    source = dataset.source("wikipedia")
    reader.show_source(source)
    assert reader.headline.text() == source.title
    assert source.outlet in reader.meta.text() and source.published in reader.meta.text()
    assert reader.address.text() == source.url
    assert reader.open_button.isVisible()
    assert reader.notes.isVisible() and reader.notes.text() in " ".join(source.notes.split())
    reader.more_notes.click()
    assert reader.notes.text() == " ".join(source.notes.split())
    assert reader.highlighted_range() == (-1, -1)
    nyt = dataset.source("nyt")
    reader.show_source(nyt)
    assert nyt.url is None
    assert reader.address.text() == "address unknown"
    assert not reader.open_button.isVisible()
    assert reader.notes.text() == " ".join(nyt.notes.split()).split(". ")[0] + "."


def test_furniture_hidden_but_never_altered(
    qtbot: QtBot, reader: SourceReader, dataset: Dataset
) -> None:
    for source_id, furniture in (("nyt", (ADVERT, PHOTO, "date 2019-12-31")), ("cbs", (COOKIE,))):
        source = dataset.source(source_id)
        _, citation = citations_of(dataset, source_id)[1]
        reader.show_source(source, citation.start, citation.end)
        settle(qtbot)
        visible = reader.visible_text()
        assert reader.text.toPlainText() == source.text
        assert not reader.show_furniture.isChecked()
        for line in furniture:
            assert line in source.text and line not in visible
        assert "\nf\n" not in visible
        assert normalize_quote(citation.quote) in normalize_quote(visible)
        assert "hidden" in reader.show_furniture.text()

        reader.show_furniture.setChecked(True)
        settle(qtbot)
        assert reader.visible_text() == source.text  # every line shown, as in the file
        assert reader.text.toPlainText() == source.text
        assert reader.highlighted_range() == (citation.start, citation.end)
        assert_quote_in_view(reader)

        reader.show_furniture.setChecked(False)
        settle(qtbot)
        assert reader.visible_text() == visible
        assert reader.text.toPlainText() == source.text


def test_a_quote_inside_furniture_is_shown(qtbot: QtBot, reader: SourceReader) -> None:
    text = f"Lead.\n\n{PHOTO} Protesters set fire to the wall. AP\n\nMore."
    source = Source("s", "s.txt", "Outlet", "Title", "2020-01-01", None, "", text)
    start = text.index("Protesters set fire")
    reader.show_source(source, start, start + 19)
    settle(qtbot)
    assert PHOTO in reader.visible_text()
    assert reader.highlighted_range() == (start, start + 19)
    assert_quote_in_view(reader)


def test_clicking_a_cited_passage_requests_its_event(
    qtbot: QtBot, reader: SourceReader, dataset: Dataset
) -> None:
    source = dataset.source("nyt")
    cited = citations_of(dataset, "nyt")
    event, citation = cited[len(cited) // 2]
    reader.show_source(source, citation.start, citation.end)
    settle(qtbot)
    spans = cited_spans(dataset.events)["nyt"]
    # Another passage, cited for another event, near the quote.
    other = min(
        (
            s
            for s in spans
            if s[2] != event.id and not (s[0] < citation.end and citation.start < s[1])
        ),
        key=lambda s: abs(s[0] - citation.start),
    )
    inside = (other[0] + other[1]) // 2
    expected = reader.spans_at(inside)[0][2]  # the smallest passage there
    cursor = QTextCursor(reader.text.document())
    cursor.setPosition(inside)
    reader.text.setTextCursor(cursor)
    reader.text.ensureCursorVisible()
    settle(qtbot)
    rect = reader.text.cursorRect()
    point = QPoint(rect.x() + 2, rect.center().y())
    assert reader.text.viewport().rect().contains(point)

    # A move delivered straight to the viewport (QTest's mouseMove can miss on Xvfb).
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    viewport = reader.text.viewport()
    QApplication.sendEvent(
        viewport,
        QMouseEvent(
            QEvent.Type.MouseMove,
            QPointF(point),
            QPointF(viewport.mapToGlobal(point)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )
    settle(qtbot)
    assert reader.text.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor
    tip = reader.tooltip_at(point)
    assert "Click to open" in tip and dataset.event(expected).title.split()[0] in tip

    with qtbot.waitSignal(reader.eventRequested, timeout=2000) as blocker:
        qtbot.mouseClick(reader.text.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [expected]


def test_click_outside_passages_requests_nothing(qtbot: QtBot, reader: SourceReader) -> None:
    text = "Plain words here. Cited words here. More plain words."
    source = Source("s", "s.txt", "Outlet", "Title", "2020", None, "", text)
    start = text.index("Cited")
    reader.set_citations({"s": [(start, start + 17, "ev-a"), (start, start + 5, "ev-b")]})
    reader.show_source(source)
    settle(qtbot)
    assert [s[2] for s in reader.spans_at(start + 2)] == ["ev-b", "ev-a"]  # smallest first
    assert [s[2] for s in reader.spans_at(start + 8)] == ["ev-a"]
    requested: list[str] = []
    reader.eventRequested.connect(requested.append)

    def click_at_index(index: int) -> None:
        cursor = QTextCursor(reader.text.document())
        cursor.setPosition(index)
        rect = reader.text.cursorRect(cursor)
        qtbot.mouseClick(
            reader.text.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(rect.x() + 2, rect.center().y()),
        )
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # single clicks, not a double

    click_at_index(2)
    assert requested == []
    click_at_index(start + 1)
    assert requested == ["ev-b"]
    click_at_index(start + 10)
    assert requested == ["ev-b", "ev-a"]
    assert reader.tooltip_at(QPoint(5, 5000)) == ""


class _UrlRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def record(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_in_browser_goes_to_the_system_handler(
    qtbot: QtBot, reader: SourceReader, dataset: Dataset
) -> None:
    recorder = _UrlRecorder()
    QDesktopServices.setUrlHandler("https", recorder, "record")
    QDesktopServices.setUrlHandler("http", recorder, "record")
    try:
        source = dataset.source("cbs")
        reader.show_source(source)
        assert reader.open_button.isVisible()
        qtbot.mouseClick(reader.open_button, Qt.MouseButton.LeftButton)
        assert recorder.urls == [QUrl(source.url)]
        # An address that is not http(s) is shown as text, never opened.
        for url in ("javascript:alert(1)", "file:///etc/passwd", "atlas://page"):
            odd = Source("odd", "o.txt", "Outlet", "Title", "2020", url, "", "Text.")
            reader.show_source(odd)
            assert reader.address.text() == url
            assert not reader.open_button.isVisible()
            reader._open_url()
        assert recorder.urls == [QUrl(source.url)]
    finally:
        QDesktopServices.unsetUrlHandler("https")
        QDesktopServices.unsetUrlHandler("http")


def test_hostile_text_is_shown_literally(qtbot: QtBot, reader: SourceReader) -> None:
    text = (
        "<script>alert('x')</script>\n\n<b>not bold</b> &amp; <img src=x onerror=alert(1)>\n"
        '<a href="https://evil.example">click</a>\n'
    )
    source = Source(
        "evil",
        "e.txt",
        "<i>Outlet</i>",
        "<b>Title</b>",
        "2020",
        "https://example.com/<script>",
        "<h1>Notes</h1>",
        text,
    )
    start = text.index("<b>")
    reader.set_citations({"evil": [(start, start + 15, "ev")]}, {"ev": "<u>title</u>"})
    reader.show_source(source, start, start + 15)
    settle(qtbot)
    assert reader.text.toPlainText() == text
    assert "<script>alert('x')</script>" in reader.visible_text()
    assert "<b>not bold</b> &amp;" in reader.visible_text()
    assert reader.highlighted_range() == (start, start + 15)
    for label, value in (
        (reader.headline, "<b>Title</b>"),
        (reader.notes, "<h1>Notes</h1>"),
    ):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.text() == value
    assert "<i>Outlet</i>" in reader.meta.text()
    assert reader.meta.textFormat() == Qt.TextFormat.PlainText
    assert reader.address.text() == "https://example.com/<script>"
    cursor = QTextCursor(reader.text.document())
    cursor.setPosition(start + 4)
    rect = reader.text.cursorRect(cursor)
    tip = reader.tooltip_at(QPoint(rect.x() + 2, rect.center().y()))
    assert "&lt;u&gt;title&lt;/u&gt;" in tip and "<u>" not in tip


def test_non_bmp_text_keeps_python_offsets(qtbot: QtBot, reader: SourceReader) -> None:
    text = "Flags 🇮🇶🇺🇸 and 😀 first.\nThe quoted 𝄞 passage is here.\nEnd."
    source = Source("emoji", "e.txt", "Outlet", "Title", "2020", None, "", text)
    start = text.index("quoted")
    end = text.index(" is here")
    reader.set_citations({"emoji": [(start, end, "ev")]})
    reader.show_source(source, start, end)
    settle(qtbot)
    assert reader.text.toPlainText() == text
    assert reader.highlighted_range() == (start, end)
    selection = next(
        s
        for s in reader.text.extraSelections()
        if s.format.background().color() == QColor("#ffe27a")
    )
    assert selection.cursor.selectedText() == "quoted 𝄞 passage"
    assert reader.marked_ranges() == [(start, end)]
    assert reader.visible_text() == text


def test_screenshot_of_a_highlighted_quote(
    qtbot: QtBot, reader: SourceReader, dataset: Dataset, tmp_path: Path
) -> None:
    source = dataset.source("nyt")
    _, citation = next(
        (e, c) for e, c in citations_of(dataset, "nyt") if "interior minister" in c.quote
    )
    reader.show_source(source, citation.start, citation.end)
    settle(qtbot)
    image = reader.grab().toImage()
    assert (image.width(), image.height()) == (700, 800)
    path = tmp_path / "reader.png"
    assert image.save(str(path))
    if os.environ.get("READER_SCREENSHOT"):
        shutil.copy(path, os.environ["READER_SCREENSHOT"])
    # The highlight is painted where the quote is shown.
    rect = reader.text.cursorRect()
    origin = reader.text.viewport().mapTo(reader, QPoint(rect.x(), rect.top()))
    yellow = sum(
        image.pixelColor(origin.x() + dx, origin.y() + dy) == QUOTE_YELLOW
        for dx in range(0, 200, 2)
        for dy in range(0, rect.height(), 2)
    )
    assert yellow > 500  # of 900 samples: the quote's first words, on yellow
