"""The event list as a Qt model: one row per event, in time order. Text is plain text."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from .clocks import format_in
from .model import Dataset, Event
from .style import category_style

_Index = QModelIndex | QPersistentModelIndex

# The roles `data` answers, as ints (see there).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole.value)


class EventTableModel(QAbstractTableModel):
    COLUMNS = ("When (Baghdad)", "", "Event")
    EventIdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, dataset: Dataset, events: tuple[Event, ...], local_zone: Any) -> None:
        super().__init__()
        self.dataset = dataset
        self.events = events
        self.local_zone = local_zone
        # Formatted when first shown: formatting 100,000 dates up front took seconds.
        self._when: list[str | None] = [None] * len(events)
        self._current: set[int] = set()
        self._happened = 0
        self._bold = QFont()
        self._bold.setBold(True)
        self.future_brush = QBrush(QColor("#9a9184"))  # the text of rows still to come
        self._traced: set[int] = set()
        self.trace_brush = QBrush(QColor("#fde7d6"))  # the rows of a traced chain
        self._swatches: dict[str, QColor] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # Called for every role of every painted cell (about 170 calls a repaint): roles
        # are compared as plain ints, since each `Qt.ItemDataRole.X` lookup costs 0.5 µs.
        if not index.isValid():
            return None
        row = index.row()
        if role == _DISPLAY:
            return self.cell_text(row, index.column()) or None
        if role == _FONT:
            return self._bold if row in self._current else None
        if role == _FOREGROUND:
            return self.future_brush if row >= self._happened else None
        if role == _BACKGROUND:
            return self.trace_brush if row in self._traced else None
        if role == _DECORATION:
            return self.swatch_color(row) if index.column() == 1 else None
        if role == self.EventIdRole:
            return self.events[row].id
        if role == _TOOLTIP:
            event = self.events[row]
            tip = f"{category_style(event.category).label}: {event.summary}"
            if event.has_disagreement:
                tip += "\n⚖ The sources disagree on details of this event."
            # Qt guesses whether a tooltip is HTML: escape it so data is always text.
            return f'<p style="white-space:pre-wrap">{html.escape(tip)}</p>'
        if role == _ACCESSIBLE_TEXT:
            event = self.events[row]
            return f"{self._when_text(row)}, {category_style(event.category).label}, {event.title}"
        return None

    # What EventListDelegate paints, read without going through `data` (see there).
    def cell_text(self, row: int, column: int) -> str:
        """The text of a cell: the time (column 0), the title (2), nothing (1)."""
        if column == 0:
            return self._when_text(row)
        if column == 2:
            event = self.events[row]
            return event.title + " ⚖" if event.has_disagreement else event.title
        return ""

    def row_look(self, row: int) -> tuple[bool, bool, bool]:
        """(current: bold text, still to come: grey text, in the traced chain: warm
        background) for a row."""
        return row in self._current, row >= self._happened, row in self._traced

    def swatch_color(self, row: int) -> QColor:
        """The colour of the row's category (the swatch in column 1)."""
        color = category_style(self.events[row].category).color
        swatch = self._swatches.get(color)
        if swatch is None:
            swatch = self._swatches[color] = QColor(color)
        return swatch

    def _when_text(self, row: int) -> str:
        when = self._when[row]
        if when is None:
            event = self.events[row]
            when = self._when[row] = format_in(event.start, self.local_zone, event.precision)
        return when

    def set_time_state(self, current_rows: set[int], happened: int) -> None:
        """Restyle only the rows whose look changed."""
        rows = changed_rows(self._current, current_rows, self._happened, happened)
        self._current = current_rows
        self._happened = happened
        if rows is not None:
            top, bottom = rows
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, len(self.COLUMNS) - 1))

    def set_traced(self, rows: set[int]) -> None:
        """Rows of a traced cause-and-effect chain get a warm background."""
        changed = self._traced ^ rows
        self._traced = rows
        if changed:
            self.dataChanged.emit(
                self.index(min(changed), 0), self.index(max(changed), len(self.COLUMNS) - 1)
            )


def changed_rows(
    current: set[int], new_current: set[int], happened: int, new_happened: int
) -> tuple[int, int] | None:
    """The first and last row whose look changes (None if none does): rows that become or
    stop being current, and rows that start or stop being in the past."""
    rows = current ^ new_current
    if happened != new_happened:
        rows.update((min(happened, new_happened), max(happened, new_happened) - 1))
    return (min(rows), max(rows)) if rows else None


class EventFilterProxy(QSortFilterProxyModel):
    """Shows only the events the filters let through, in time order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._visible: frozenset[str] | None = None
        self._rows: list[int] | None = None  # the source row of each row shown (None: all)
        # Only `set_visible` changes which rows pass. Left dynamic, every restyle of the
        # rows a slider move crosses re-filtered them all (12,000 calls a move at 100,000).
        self.setDynamicSortFilter(False)

    def set_visible(self, event_ids: frozenset[str] | None) -> None:
        self.beginFilterChange()
        self._visible = event_ids
        model = self.sourceModel()
        assert isinstance(model, EventTableModel)
        self._rows = (
            None
            if event_ids is None
            else [row for row, event in enumerate(model.events) if event.id in event_ids]
        )
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def source_row(self, row: int) -> int:
        """The source row shown as `row`: what `mapToSource` says, without the calls into
        the Python model that it makes (the list's delegate asks for every cell)."""
        return row if self._rows is None else self._rows[row]

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._visible is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, EventTableModel)
        return model.events[source_row].id in self._visible
