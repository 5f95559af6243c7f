"""The source reader: a whole source document, readable, scrolled to a quote and highlighting it.

The document shown is the source text exactly as shipped: nothing is removed, replaced or
reordered, so a position in the widget is a position in `Source.text` (see `OffsetMap` for
the one case where Qt counts differently). Readability comes from formatting only:

- page furniture (photo-gallery prompts, "Story continues below advertisement", cookie
  notices, stray one-letter lines) sits in whole lines that are made invisible, as code
  editors fold code; a checkbox shows them again;
- headings are drawn bold and larger by a syntax highlighter;
- paragraphs that the text does not separate with a blank line get a little space below.

Every passage of the document that the dataset cites is marked; clicking one asks for its
event (`eventRequested`). Nothing here renders data as HTML: the text view is plain text and
the header labels are plain-text labels. An address opens in the system browser only.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QResizeEvent,
    QShowEvent,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from .model import Citation, ClaimValue, Event, Source

# ---- pure text analysis (no Qt) ------------------------------------------------------------

_FURNITURE_PREFIXES = (
    "open this photo in gallery",  # photo captions of the syndicated copy
    "we and our partners use cookies",  # cookie notice
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
)
_FURNITURE_LINES = frozenset(
    ("story continues below advertisement", "advertisement", "skip advertisement")
)
_METADATA_LINE = re.compile(r"date \d{4}-\d{2}(-\d{2})?\b", re.IGNORECASE)  # "date 2019-12-31 ..."
_WIKI_HEADING = re.compile(r"\s*(=+)\s*([^=].*?)\s*(\1)\s*")
_LINK_TITLE = re.compile(r"\s*(\[([^\[\]]+))\]\([^()\s]*\)\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9'\"‘“(])")
_TERMINAL = tuple(".,;:!\"”’'…)")


def furniture_kind(line: str) -> str | None:
    """What page furniture a whole line is ("photo caption", ...), or None for content."""
    stripped = line.strip()
    folded = stripped.casefold()
    if not stripped:
        return None
    if folded.startswith(_FURNITURE_PREFIXES[0]):
        return "photo caption"
    if folded.startswith(_FURNITURE_PREFIXES[1:]):
        return "cookie notice"
    if folded in _FURNITURE_LINES:
        return "advertisement"
    if _METADATA_LINE.match(stripped):
        return "metadata"
    if len(stripped) == 1:
        return "stray character"
    return None


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) for every line of `text`; `end` excludes the line break."""
    out = []
    start = 0
    for line in text.split("\n"):
        out.append((start, start + len(line), line))
        start += len(line) + 1
    return out


def furniture_blocks(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of the lines the reading view hides (line breaks excluded).

    These are whole lines of page furniture (`furniture_kind`), the blank lines before the
    first line of content, and the blank lines that hiding would leave doubled up or
    trailing at the end. The text itself is never changed.
    """
    lines = _lines(text)
    hidden = [False] * len(lines)
    previous_blank = True  # so blank lines before the first content are hidden
    for i, (_, _, line) in enumerate(lines):
        if furniture_kind(line):
            hidden[i] = True
        elif not line.strip():
            hidden[i] = previous_blank
            previous_blank = True
        else:
            previous_blank = False
    for i in range(len(lines) - 1, -1, -1):  # trailing blank lines
        if hidden[i]:
            continue
        if lines[i][2].strip():
            break
        hidden[i] = True
    return [(start, end) for (start, end, _), hide in zip(lines, hidden, strict=True) if hide]


def heading_level(line: str, first_content: bool = False) -> int:
    """1-3 if `line` reads as a heading (1 is the largest), 0 for body text.

    Wiki headings ("= Title =", "==Background==", "===Mob attack==="), a bracket-link title
    line ("[Title](#)"), a short question on a line of its own (an explainer's sections), a
    short line without final punctuation (a subheading) and, as the first line of content,
    such a line up to 120 characters (a headline).
    """
    stripped = line.strip()
    if not stripped or furniture_kind(line):
        return 0
    wiki = _WIKI_HEADING.fullmatch(line)
    if wiki:
        return min(len(wiki.group(1)), 3)
    if _LINK_TITLE.fullmatch(line):
        return 1
    if stripped.startswith(("- ", "* ", "• ")) or not stripped[0].isupper():
        return 0
    if len(stripped) <= 90 and stripped.endswith("?") and not stripped.startswith(('"', "“")):
        return 3
    if stripped.endswith(_TERMINAL) or len(stripped) > 120:
        return 0
    if first_content:
        return 1
    return 3 if len(stripped) <= 90 and " " in stripped else 0


def heading_markup(line: str) -> list[tuple[int, int]]:
    """The [start, end) spans of wiki or link markup in a heading line, to draw faintly."""
    wiki = _WIKI_HEADING.fullmatch(line)
    if wiki:
        return [(wiki.start(1), wiki.end(1)), (wiki.start(3), wiki.end(3))]
    link = _LINK_TITLE.fullmatch(line)
    if link:
        return [(link.start(1), link.start(1) + 1), (link.end(2), link.end(0))]
    return []


class OffsetMap:
    """Maps `Source.text` indices (Python code points) to Qt document positions and back.

    They are the same for the usual text. They differ where a character lies outside the
    Basic Multilingual Plane (two UTF-16 code units in Qt, one code point in Python) and
    where "\\r\\n" ends a line (Qt keeps one paragraph separator for the pair).
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        #: Python indices where the Qt position runs ahead (+1) or behind (-1) by one step.
        self._marks: list[int] = []
        self._steps: list[int] = []
        if text.isascii() or (max(text) <= "\uffff" and "\r\n" not in text):
            return
        for i, ch in enumerate(text):
            if ch > "\uffff":
                self._marks.append(i + 1)
                self._steps.append(1)
            elif ch == "\r" and text.startswith("\n", i + 1):
                self._marks.append(i + 1)
                self._steps.append(-1)
        self._cumulative: list[int] = []
        total = 0
        for step in self._steps:
            total += step
            self._cumulative.append(total)

    @property
    def identity(self) -> bool:
        return not self._marks

    def to_qt(self, index: int) -> int:
        """Qt document position of Python index `index` (0 <= index <= len(text))."""
        if not self._marks:
            return index
        k = bisect.bisect_right(self._marks, index)
        return index + (self._cumulative[k - 1] if k else 0)

    def to_py(self, position: int) -> int:
        """Python index of Qt position `position` (inside a surrogate pair: its character)."""
        if not self._marks:
            return position
        low, high = 0, self.length
        while low < high:  # the first index at or after `position`
            middle = (low + high) // 2
            if self.to_qt(middle) < position:
                low = middle + 1
            else:
                high = middle
        if low > 0 and self.to_qt(low) > position:
            low -= 1
        return low


def cited_spans(events: Iterable[Event]) -> dict[str, list[tuple[int, int, str]]]:
    """Every resolved passage the events cite, as (start, end, event id) by source id.

    Citations and the quotes behind claim values both count. Sorted, without duplicates.
    """
    by_source: dict[str, set[tuple[int, int, str]]] = {}
    for event in events:
        quotes: list[Citation | ClaimValue] = [
            *event.citations,
            *(v for claim in event.claims for v in claim.values),
        ]
        for quote in quotes:
            if 0 <= quote.start < quote.end:
                by_source.setdefault(quote.source, set()).add((quote.start, quote.end, event.id))
    return {source: sorted(spans) for source, spans in sorted(by_source.items())}


# ---- Qt ------------------------------------------------------------------------------------

_KIND = QTextFormat.Property.UserProperty + 1  # tags our extra selections
_CURRENT, _CITED = "current", "cited"
_INK = "#2b2620"
_MUTED = "#6b6255"
_LINK = "#0b5a8f"
_QUOTE_BG = "#ffe27a"
_CITED_BG = "#e7eff8"
_CITED_LINE = "#8fa9c8"
_FAINT = "#b3aa9c"
_BODY_PX = 15
_GAP_PX = 9  # space below a paragraph the text does not follow with a blank line
_MAX_COLUMN_PX = 760  # widest text column; wider viewports centre it


class _Highlighter(QSyntaxHighlighter):
    """Formatting only: headings bold and larger, page furniture grey (when shown)."""

    def __init__(self, document: QTextDocument, base: QFont) -> None:
        super().__init__(document)
        self._heading: dict[int, QTextCharFormat] = {}
        for level, scale in ((1, 1.45), (2, 1.25), (3, 1.08)):
            font = QFont(base)
            font.setPixelSize(round(_BODY_PX * scale))
            font.setBold(True)
            fmt = QTextCharFormat()
            fmt.setFont(font, QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesAll)
            fmt.setForeground(QColor(_INK))
            self._heading[level] = fmt
        self._furniture = QTextCharFormat()
        self._furniture.setForeground(QColor("#9a9186"))
        self._furniture.setFontItalic(True)

    def highlightBlock(self, text: str) -> None:
        seen_content = self.previousBlockState() == 1
        if furniture_kind(text):
            self.setFormat(0, len(text), self._furniture)
        else:
            level = heading_level(text, first_content=not seen_content)
            if level:
                self.setFormat(0, len(text), self._heading[level])
                for start, end in heading_markup(text):  # "==", "[", "](#)": drawn faint
                    faint = QTextCharFormat(self._heading[level])
                    faint.setForeground(QColor(_FAINT))
                    self.setFormat(start, end - start, faint)
        content = bool(text.strip()) and not furniture_kind(text)
        self.setCurrentBlockState(1 if seen_content or content else 0)


class _ReadingLayout(QPlainTextDocumentLayout):
    """The plain-text layout, plus space below paragraphs not followed by a blank line.

    QPlainTextEdit ignores QTextBlockFormat margins and line heights, so the space is added
    to the block's bounding rectangle: below its last line, outside the text.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.gaps: dict[int, float] = {}  # block number -> pixels below it

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:
        rect = super().blockBoundingRect(block)
        gap = self.gaps.get(block.blockNumber()) if block.isVisible() else None
        if gap:
            rect.setHeight(rect.height() + gap)
        return rect


class _TextView(QPlainTextEdit):
    """Read-only plain text; marked passages answer hover, tooltip and click."""

    def __init__(self, reader: SourceReader) -> None:
        super().__init__(reader)
        self._reader = reader
        self._press: QPoint | None = None
        self.viewport().setMouseTracking(True)

    def char_at(self, pos: QPoint) -> int | None:
        """Document position of the character under viewport point `pos`, if any."""
        cursor = self.cursorForPosition(pos)
        block = cursor.block()
        if not block.isVisible():
            return None
        caret = self.cursorRect(cursor)
        if caret.top() > pos.y() or caret.bottom() < pos.y():
            return None  # below the last line, in the paragraph gap or the margin
        position = cursor.position()
        if pos.x() < caret.x():
            position -= 1
        if not block.position() <= position < block.position() + block.length() - 1:
            return None  # left of the line's first character or right of its last
        return position

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        over = bool(self._reader.spans_at_point(event.position().toPoint()))
        shape = Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.IBeamCursor
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        pos = event.position().toPoint()
        if (
            event.button() == Qt.MouseButton.LeftButton
            and press is not None
            and (pos - press).manhattanLength() < QApplication.startDragDistance()
            and not self.textCursor().hasSelection()
        ):
            self._reader.click_at(pos)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self._reader.tooltip_at(event.pos())
            if tip:  # shown while the pointer stays on this line
                line = self.cursorRect(self.cursorForPosition(event.pos()))
                area = QRect(0, line.top(), self.viewport().width(), line.height())
                QToolTip.showText(event.globalPos(), tip, self.viewport(), area)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_column()

    def _fit_column(self) -> None:
        """Keep lines to a readable length: centre a column when the view is wide."""
        spare = max(0, self.width() - 2 * self.frameWidth() - _MAX_COLUMN_PX)
        side = spare // 2
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, spare - side, 0)


class SourceReader(QWidget):
    """A whole source document, readable, scrolled to and highlighting a quote."""

    #: The id of the event whose cited passage the reader clicked.
    eventRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Source reader")
        self.source: Source | None = None
        self.highlight: tuple[int, int] = (-1, -1)
        self._spans_by_source: dict[str, list[tuple[int, int, str]]] = {}
        self._pending_events: Sequence[Event] | None = None  # see set_cited_events
        self._titles: dict[str, str] = {}
        self._spans: list[tuple[int, int, str]] = []  # of the shown source, Python offsets
        self._map = OffsetMap("")
        self._furniture: list[tuple[int, int]] = []
        self._furniture_lines = 0
        self._scroll_pending = False
        self._cited_cache: list[QTextEdit.ExtraSelection] | None = None
        self._build()

    # ---- construction -------------------------------------------------------------------
    def _build(self) -> None:
        def label(style: str, name: str) -> QLabel:
            widget = QLabel(self)
            widget.setTextFormat(Qt.TextFormat.PlainText)  # data is text, never markup
            widget.setWordWrap(True)
            widget.setStyleSheet(style)
            widget.setAccessibleName(name)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return widget

        self.headline = label(f"font-size: 15px; font-weight: bold; color: {_INK};", "Headline")
        self.meta = label(f"font-size: 13px; color: {_MUTED};", "Outlet and date")
        # A read-only line: the whole address can be selected and copied, however long.
        self.address = QLineEdit(self)
        self.address.setReadOnly(True)
        self.address.setFrame(False)
        self.address.setAccessibleName("Address of the original")
        self.address.setMinimumWidth(40)
        self.open_button = QPushButton("Open in browser", self)
        self.open_button.setToolTip("Open the original in your web browser")
        self.open_button.setAccessibleName("Open the original in your web browser")
        self.open_button.clicked.connect(self._open_url)
        self.notes = label(f"font-size: 12px; color: {_MUTED};", "Notes on the source")
        self.more_notes = QPushButton("more", self)
        self.more_notes.setFlat(True)
        self.more_notes.setCheckable(True)
        self.more_notes.setStyleSheet(f"color: {_LINK}; font-size: 12px; padding: 0 4px;")
        self.more_notes.setAccessibleName("Show all notes on the source")
        self.more_notes.toggled.connect(self._show_notes)

        self.text = _TextView(self)
        self.text.setReadOnly(True)  # a plain-text view: nothing in a source is ever run
        self.text.setAccessibleName("Source text")
        self.text.setUndoRedoEnabled(False)
        font = QFont(self.text.font())
        font.setPixelSize(_BODY_PX)
        self.text.setFont(font)
        self.text.setStyleSheet(
            f"QPlainTextEdit {{ background: #fffdf8; color: {_INK}; border: 1px solid #d9d2c5; }}"
        )
        document = QTextDocument(self.text)
        self._layout = _ReadingLayout(document)
        document.setDocumentLayout(self._layout)
        document.setDefaultFont(font)
        document.setDocumentMargin(20)
        document.setUndoRedoEnabled(False)
        self.text.setDocument(document)
        self._highlighter = _Highlighter(document, font)

        self.legend = label(f"font-size: 12px; color: {_MUTED};", "Legend")
        self.legend.setWordWrap(True)
        self.show_furniture = QCheckBox("Show page furniture", self)
        self.show_furniture.setToolTip(
            "Show the lines that are not part of the article (photo-gallery prompts, "
            "advertisement breaks, cookie notice). They are always in the file."
        )
        self.show_furniture.toggled.connect(self._on_furniture_toggled)

        address_row = QHBoxLayout()
        address_row.setContentsMargins(0, 0, 0, 0)
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.open_button)
        bottom_row = QHBoxLayout()
        bottom_row.setContentsMargins(0, 0, 0, 0)
        bottom_row.addWidget(self.legend, 1)
        bottom_row.addWidget(self.show_furniture, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(3)
        layout.addWidget(self.headline)
        layout.addWidget(self.meta)
        layout.addLayout(address_row)
        notes_row = QHBoxLayout()
        notes_row.setContentsMargins(0, 0, 0, 0)
        notes_row.addWidget(self.notes, 1)
        notes_row.addWidget(self.more_notes, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(notes_row)
        layout.addSpacing(4)
        layout.addWidget(self.text, 1)
        layout.addLayout(bottom_row)

    # ---- public API ---------------------------------------------------------------------
    def set_citations(
        self,
        by_source: Mapping[str, Sequence[tuple[int, int, str]]],
        titles: Mapping[str, str] | None = None,
    ) -> None:
        """Every cited passage of every source, as (start, end, event id) by source id.

        `titles` (event id -> title) names the events in the tooltip of a passage.
        """
        self._spans_by_source = {
            source: sorted((s, e, ev) for s, e, ev in spans if 0 <= s < e)
            for source, spans in by_source.items()
        }
        self._titles = dict(titles or {})
        if self.source is not None:
            self._load_spans()
            self._apply_selections()

    def set_cited_events(self, events: Sequence[Event]) -> None:
        """`set_citations` for every passage `events` cite, named by their titles, worked
        out when a source is first shown rather than now (about 1 s at 100,000 events, on
        the window's start path)."""
        self._pending_events = events

    def show_source(self, source: Source, start: int = -1, end: int = -1) -> str:
        """Show `source`, highlight [start, end) and scroll to it. Returns the text shown."""
        if self._pending_events is not None:
            events, self._pending_events = self._pending_events, None
            self.set_citations(cited_spans(events), {e.id: e.title for e in events})
        if self.source is not source:
            self.source = source
            self._map = OffsetMap(source.text)
            self._furniture = furniture_blocks(source.text)
            self._furniture_lines = sum(
                1 for s, e in self._furniture if furniture_kind(source.text[s:e])
            )
            self.text.setPlainText(source.text)
            self._show_header(source)
            self._load_spans()
        self.highlight = (start, end) if 0 <= start < end <= len(source.text) else (-1, -1)
        self._apply_visibility()
        self._apply_selections()
        self._scroll_pending = True
        self._scroll_to_quote()
        QTimer.singleShot(0, self, self._scroll_if_pending)  # again, once laid out
        return self.text.toPlainText()

    def highlighted_range(self) -> tuple[int, int]:
        """The current quote's [start, end), read back from the widget ((-1, -1): none)."""
        for selection in self.text.extraSelections():
            if selection.format.property(_KIND) == _CURRENT:
                cursor = selection.cursor
                return (
                    self._map.to_py(cursor.selectionStart()),
                    self._map.to_py(cursor.selectionEnd()),
                )
        return (-1, -1)

    def marked_ranges(self) -> list[tuple[int, int]]:
        """The cited passages marked in the widget, read back from it (Python offsets)."""
        return [
            (self._map.to_py(s.cursor.selectionStart()), self._map.to_py(s.cursor.selectionEnd()))
            for s in self.text.extraSelections()
            if s.format.property(_KIND) == _CITED
        ]

    def visible_text(self) -> str:
        """The text of the visible lines only, joined by line breaks."""
        lines = []
        block = self.text.document().firstBlock()
        while block.isValid():
            if block.isVisible():
                lines.append(block.text())
            block = block.next()
        return "\n".join(lines)

    def spans_at(self, index: int) -> list[tuple[int, int, str]]:
        """The cited passages of the shown source containing Python index `index`."""
        return sorted(
            (span for span in self._spans if span[0] <= index < span[1]),
            key=lambda span: (span[1] - span[0], span[0], span[2]),
        )

    def spans_at_point(self, pos: QPoint) -> list[tuple[int, int, str]]:
        """The cited passages under viewport point `pos`, smallest first."""
        position = self.text.char_at(pos)
        return [] if position is None else self.spans_at(self._map.to_py(position))

    def click_at(self, pos: QPoint) -> str | None:
        """Ask for the event of the smallest cited passage under `pos`; returns its id."""
        spans = self.spans_at_point(pos)
        if not spans:
            return None
        event_id = spans[0][2]
        self.eventRequested.emit(event_id)
        return event_id

    def tooltip_at(self, pos: QPoint) -> str:
        """Tooltip (escaped, so data shows literally) for the passage under `pos`."""
        spans = self.spans_at_point(pos)
        if not spans:
            return ""
        seen: list[str] = []
        for _, _, event_id in spans:
            if event_id not in seen:
                seen.append(event_id)
        names = [html.escape(self._titles.get(e, e)) for e in seen]
        head = "Cited for this event:" if len(names) == 1 else "Cited for these events:"
        items = "".join(f"<li>{name}</li>" for name in names)
        first = html.escape(self._titles.get(seen[0], seen[0]))
        return f"<qt>{head}<ul style='margin: 0'>{items}</ul><i>Click to open: {first}</i></qt>"

    # ---- internals ----------------------------------------------------------------------
    def _show_header(self, source: Source) -> None:
        self.headline.setText(source.title)
        self.meta.setText(" · ".join(p for p in (source.outlet, source.published) if p))
        url = source.url or ""
        openable = url.startswith(("https://", "http://"))
        self.address.setText(url if url else "address unknown")
        self.address.setCursorPosition(0)
        self.address.setStyleSheet(
            "QLineEdit { background: transparent; font-size: 12px; "
            + (f"color: {_LINK}; }}" if url else f"color: {_MUTED}; font-style: italic; }}")
        )
        self.open_button.setVisible(openable)
        self.more_notes.setChecked(False)
        self._show_notes(False)

    def _show_notes(self, full: bool) -> None:
        """The first sentence of the source's notes, or all of them."""
        notes = " ".join(self.source.notes.split()) if self.source else ""
        sentences = _SENTENCE_END.split(notes, maxsplit=1)
        self.notes.setText(notes if full or len(sentences) < 2 else sentences[0])
        self.notes.setVisible(bool(notes))
        self.more_notes.setVisible(len(sentences) > 1)
        self.more_notes.setText("less" if full else "more")

    def _load_spans(self) -> None:
        self._cited_cache = None
        self._spans = []
        if self.source is not None:
            length = len(self.source.text)
            self._spans = [
                span for span in self._spans_by_source.get(self.source.id, []) if span[1] <= length
            ]

    def _selection(self, start: int, end: int, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(self._map.to_qt(start))
        cursor.setPosition(self._map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = fmt
        return selection

    def _cited_selections(self) -> list[QTextEdit.ExtraSelection]:
        """The marks of the shown source's cited passages (built once per source)."""
        if self._cited_cache is None:
            cited = QTextCharFormat()
            cited.setBackground(QColor(_CITED_BG))
            cited.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            cited.setUnderlineColor(QColor(_CITED_LINE))
            cited.setProperty(_KIND, _CITED)
            merged: list[list[int]] = []  # overlapping passages marked once
            for start, end, _ in self._spans:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self._cited_cache = [self._selection(s, e, cited) for s, e in merged]
        return self._cited_cache

    def _apply_selections(self) -> None:
        selections = list(self._cited_selections())
        start, end = self.highlight
        if 0 <= start < end:
            current = QTextCharFormat()
            current.setBackground(QColor(_QUOTE_BG))
            current.setUnderlineStyle(QTextCharFormat.UnderlineStyle.NoUnderline)
            current.setProperty(_KIND, _CURRENT)
            selections.append(self._selection(start, end, current))
        self.text.setExtraSelections(selections)
        count = len({ev for s, e, ev in self._spans})
        quote = "Yellow: the quoted passage. " if 0 <= start < end else ""
        self.legend.setText(
            f"{quote}Tinted: passages the atlas cites for {count} "
            f"event{'s' if count != 1 else ''}; click one to open its event."
            if count
            else quote.strip()
        )

    def _apply_visibility(self) -> None:
        """Hide the furniture lines (unless asked to show them) and space the paragraphs."""
        document = self.text.document()
        hidden: set[int] = set()
        if not self.show_furniture.isChecked():
            for start, end in self._furniture:
                first = document.findBlock(self._map.to_qt(start))
                if first.position() == self._map.to_qt(start) and first.position() + max(
                    first.length() - 1, 0
                ) == self._map.to_qt(end):
                    hidden.add(first.blockNumber())  # only whole blocks are ever hidden
        start, end = self.highlight
        if 0 <= start < end:  # a quote is never hidden, even if it quotes furniture
            block = document.findBlock(self._map.to_qt(start))
            last = document.findBlock(self._map.to_qt(end) - 1).blockNumber()
            while block.isValid() and block.blockNumber() <= last:
                hidden.discard(block.blockNumber())
                block = block.next()
        self.show_furniture.setText(
            f"Show page furniture ({self._furniture_lines} hidden)"
            if self._furniture_lines and not self.show_furniture.isChecked()
            else "Show page furniture"
        )
        self.show_furniture.setEnabled(bool(self._furniture_lines))
        # Visible blocks and the space below each paragraph.
        gaps: dict[int, float] = {}
        changed = False
        previous: QTextBlock | None = None
        block = document.firstBlock()
        while block.isValid():
            visible = block.blockNumber() not in hidden
            if block.isVisible() != visible:
                block.setVisible(visible)
                changed = True
            if visible:
                if previous is not None and previous.text().strip() and block.text().strip():
                    gaps[previous.blockNumber()] = self._gap(previous.text(), block.text())
                previous = block
            block = block.next()
        if changed or gaps != self._layout.gaps:
            self._layout.gaps = gaps
            document.markContentsDirty(0, document.characterCount())  # lay out again
            self.text.viewport().update()

    def _on_furniture_toggled(self, _checked: bool) -> None:
        self._apply_visibility()
        self.text.centerCursor()  # stay where the reader was (the caret is at the quote)

    @staticmethod
    def _gap(line: str, following: str) -> float:
        if line.lstrip().startswith("- ") and following.lstrip().startswith("- "):
            return 2
        if heading_level(following):
            return 2 * _GAP_PX
        if heading_level(line):
            return 4
        return _GAP_PX

    def _scroll_to_quote(self) -> None:
        """Bring the quote into view: its middle centred, its first line certainly shown."""
        start, end = self.highlight
        if not 0 <= start < end:
            return
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(self._map.to_qt((start + end) // 2))
        self.text.setTextCursor(cursor)
        self.text.centerCursor()
        cursor.setPosition(self._map.to_qt(start))
        self.text.setTextCursor(cursor)  # a caret at the quote, not a selection over it
        self.text.ensureCursorVisible()

    def _scroll_if_pending(self) -> None:
        if self._scroll_pending and self.text.isVisible():
            self._scroll_pending = False
            self._scroll_to_quote()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._scroll_if_pending)

    def _open_url(self) -> None:
        if self.source and self.source.url and self.source.url.startswith(("https://", "http://")):
            QDesktopServices.openUrl(QUrl(self.source.url))  # the system browser, never in the app
