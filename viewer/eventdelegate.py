"""How the event list paints its cells: the same look as Qt's own delegate, made cheaply.

The list repaints on most slider moves (the focused row moves, rows turn bold or grey).
Qt's delegate asked the model for eight roles per cell, each a Python call through the
filter proxy, and shaped and elided every cell's text again on each repaint: about
0.15 ms a cell, 3-4 ms a repaint of the side panel, on the path from a slider move to
the map. This one reads the model's state directly (one Python call a cell) and keeps
each cell's text shaped and elided (QStaticText), so a repaint only blits glyphs.
Text is always plain text. Tooltips and accessible text still come from the model.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QStaticText, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QWidget,
)

from .eventmodel import EventFilterProxy, EventTableModel

#: Shaped texts kept (a few screens of rows in each weight and width).
TEXT_CACHE = 4000
# Looked up once: each enum member lookup and each operation on a PySide6 flag costs about
# half a microsecond, and `paint` runs for every cell of every repaint.
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_FOCUS_RECT = QStyle.PrimitiveElement.PE_FrameFocusRect
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_FOCUS_FRAME = QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item
_NORMAL, _INACTIVE, _DISABLED = (
    QPalette.ColorGroup.Normal,
    QPalette.ColorGroup.Inactive,
    QPalette.ColorGroup.Disabled,
)
_TEXT, _HIGHLIGHTED_TEXT = QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText
_HIGHLIGHT, _WINDOW = QPalette.ColorRole.Highlight, QPalette.ColorRole.Window


class EventListDelegate(QStyledItemDelegate):
    """Paints the event list's cells: the time, the category's colour swatch, the title."""

    def __init__(self, proxy: EventFilterProxy, model: EventTableModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self._model = model
        self._fonts: tuple[QFont, QFont, QFontMetricsF, QFontMetricsF] | None = None
        self._texts: dict[tuple[str, bool, int], QStaticText] = {}
        self._margin: int | None = None

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        model = self._model
        row = self._proxy.source_row(index.row())
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        if self._margin is None:  # as Qt's delegate: the focus frame's margin, plus one
            self._margin = (
                style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
            )
        state = option.state.value
        bold, future, traced = model.row_look(row)
        if traced:
            option.backgroundBrush = model.trace_brush
        # Selection and background as Qt's delegate paints them (the alternate rows'
        # colour is already painted by the view).
        style.drawPrimitive(_PANEL, option, painter, widget)
        rect = option.rect
        margin = self._margin
        column = index.column()
        if column == 1:
            side = min(option.decorationSize.width(), rect.height())
            swatch = QRect(rect.x() + margin, rect.y() + (rect.height() - side) // 2, side, side)
            painter.fillRect(swatch, model.swatch_color(row))
        else:
            text = model.cell_text(row, column)
            width = rect.width() - 2 * margin
            if text and width > 0:
                self._draw_text(painter, option, rect, state, text, bold, width, future)
        if state & _HAS_FOCUS:
            focus = QStyleOptionFocusRect()
            focus.rect = rect
            focus.palette = option.palette
            focus.state = option.state | _FOCUS_FRAME
            focus.backgroundColor = option.palette.color(
                _HIGHLIGHT if state & _SELECTED else _WINDOW
            )
            style.drawPrimitive(_FOCUS_RECT, focus, painter, widget)

    def _draw_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        rect: QRect,
        state: int,
        text: str,
        bold: bool,
        width: int,
        future: bool,
    ) -> None:
        font = option.font
        fonts = self._fonts
        if fonts is None or fonts[0] != font:
            regular = QFont(font)
            heavy = QFont(font)
            heavy.setBold(True)
            fonts = self._fonts = (regular, heavy, QFontMetricsF(regular), QFontMetricsF(heavy))
            self._texts.clear()
        key = (text, bold, width)
        shaped = self._texts.get(key)
        if shaped is None:
            metrics = fonts[3] if bold else fonts[2]
            shaped = QStaticText(metrics.elidedText(text, _ELIDE_RIGHT, width))
            shaped.setTextFormat(Qt.TextFormat.PlainText)  # data is text, never markup
            shaped.setTextOption(QTextOption(Qt.AlignmentFlag.AlignLeft))
            shaped.prepare(painter.transform(), fonts[1] if bold else fonts[0])
            if len(self._texts) >= TEXT_CACHE:
                self._texts.clear()
            self._texts[key] = shaped
        if state & _SELECTED or not future:
            group = _DISABLED if not state & _ENABLED else _NORMAL if state & _ACTIVE else _INACTIVE
            role = _HIGHLIGHTED_TEXT if state & _SELECTED else _TEXT
            painter.setPen(option.palette.color(group, role))
        else:
            painter.setPen(self._model.future_brush.color())
        painter.setFont(fonts[1] if bold else fonts[0])
        top = rect.y() + (rect.height() - shaped.size().height()) / 2
        painter.drawStaticText(QPointF(rect.x() + self._margin, top), shaped)
