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
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_SELECTED = QStyle.StateFlag.State_Selected
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus
_ENABLED = QStyle.StateFlag.State_Enabled
_ACTIVE = QStyle.StateFlag.State_Active
_FOCUS_FRAME = QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item


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
        state = option.state
        bold, future, traced = model.row_look(row)
        if traced:
            option.backgroundBrush = model.trace_brush
        # Selection and background as Qt's delegate paints them (the alternate rows'
        # colour is already painted by the view).
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
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
                self._draw_text(painter, option, text, bold, width, future)
        if state & _HAS_FOCUS:
            focus = QStyleOptionFocusRect()
            focus.rect = rect
            focus.state = (
                state | QStyle.StateFlag.State_KeyboardFocusChange | QStyle.StateFlag.State_Item
            )
            focus.backgroundColor = option.palette.color(
                QPalette.ColorRole.Highlight if state & _SELECTED else QPalette.ColorRole.Window
            )
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter, widget)

    def _draw_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        text: str,
        bold: bool,
        width: int,
        future: bool,
    ) -> None:
        fonts = self._fonts
        if fonts is None or fonts[0] != option.font:
            regular = QFont(option.font)
            heavy = QFont(option.font)
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
        palette = option.palette
        state = option.state
        group = (
            QPalette.ColorGroup.Disabled
            if not state & _ENABLED
            else QPalette.ColorGroup.Normal
            if state & _ACTIVE
            else QPalette.ColorGroup.Inactive
        )
        if state & _SELECTED:
            painter.setPen(palette.color(group, QPalette.ColorRole.HighlightedText))
        elif future:
            painter.setPen(self._model.future_brush.color())
        else:
            painter.setPen(palette.color(group, QPalette.ColorRole.Text))
        painter.setFont(fonts[1] if bold else fonts[0])
        rect = option.rect
        top = rect.y() + (rect.height() - shaped.size().height()) / 2
        painter.drawStaticText(QPointF(rect.x() + self._margin, top), shaped)
