"""The source reader: a whole document, as text, scrolled to a quote and highlighting it."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QTextEdit, QVBoxLayout, QWidget

from .model import Source


class SourceReader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Source reader")
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextFormat(self.header.textFormat().PlainText)
        self.header.setStyleSheet("font-weight: bold;")
        self.link = QPushButton("Open the original in your browser", self)
        self.link.setFlat(True)
        self.link.setStyleSheet("color: #0b5a8f; text-align: left;")
        self.link.clicked.connect(self._open_url)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)  # a plain-text view: nothing in a source is ever run
        self.text.setStyleSheet("font-size: 13px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.link)
        layout.addWidget(self.text, 1)
        self.source: Source | None = None
        self.highlight: tuple[int, int] = (-1, -1)

    def show_source(self, source: Source, start: int = -1, end: int = -1) -> str:
        """Show `source`, highlight [start, end) and scroll to it. Returns the text shown."""
        if self.source is not source:
            self.source = source
            self.text.setPlainText(source.text)
            self.header.setText(f"{source.outlet}: {source.title} ({source.published})")
            self.link.setVisible(bool(source.url))
            self.link.setToolTip(source.url or "")
        self.highlight = (start, end)
        selections = []
        if 0 <= start < end:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#ffe27a"))
            selection = QTextEdit.ExtraSelection()
            selection.format = fmt
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
            self.text.setTextCursor(cursor)
            self.text.centerCursor()
        self.text.setExtraSelections(selections)
        return self.text.toPlainText()

    def _open_url(self) -> None:
        if self.source and self.source.url and self.source.url.startswith(("https://", "http://")):
            QDesktopServices.openUrl(QUrl(self.source.url))  # the system browser, never in the app
