"""The filter bar: search text, and menus of categories, actors and sources."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QToolButton, QWidget

from .filters import EventFilter
from .model import Dataset
from .style import CATEGORIES


class FilterBar(QWidget):
    filterChanged = Signal(object)  # EventFilter

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search titles, summaries and quotes…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search events")
        used = {e.category for e in dataset.events}
        self.categories = self._menu_button(
            "Category", [(k, v.label) for k, v in CATEGORIES.items() if k in used]
        )
        actors = sorted({a for e in dataset.events for a in e.actors}, key=str.casefold)
        self.actors = self._menu_button("Actor", [(a, a) for a in actors])
        self.sources = self._menu_button("Source", [(s.id, s.outlet) for s in dataset.sources])
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("Show every event again")
        self.clear_button.clicked.connect(self.clear)
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet("color: #6b6255;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 1)
        for w in (self.categories, self.actors, self.sources, self.clear_button):
            layout.addWidget(w)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _t: self._debounce.start())

    def _menu_button(self, title: str, items: list[tuple[str, str]]) -> QToolButton:
        button = QToolButton(self)
        button.setText(title)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for key, label in items:
            action = QAction(label, menu)
            action.setCheckable(True)
            action.setData(key)
            action.toggled.connect(lambda _on, b=button, t=title: self._on_toggled(b, t))
            menu.addAction(action)
        button.setMenu(menu)
        return button

    def _checked(self, button: QToolButton) -> frozenset[str]:
        menu = button.menu()
        return (
            frozenset(str(a.data()) for a in menu.actions() if a.isChecked())
            if menu
            else frozenset()
        )

    def _on_toggled(self, button: QToolButton, title: str) -> None:
        count = len(self._checked(button))
        button.setText(f"{title} ({count})" if count else title)
        self._emit()

    def current(self) -> EventFilter:
        return EventFilter(
            categories=self._checked(self.categories),
            actors=self._checked(self.actors),
            sources=self._checked(self.sources),
            text=self.search.text(),
        )

    def set_filter(self, wanted: EventFilter) -> None:
        """Set every control at once (one filterChanged)."""
        for button, keys in (
            (self.categories, wanted.categories),
            (self.actors, wanted.actors),
            (self.sources, wanted.sources),
        ):
            menu = button.menu()
            for action in menu.actions() if menu else []:
                action.blockSignals(True)
                action.setChecked(str(action.data()) in keys)
                action.blockSignals(False)
            title = button.text().split(" (")[0]
            button.setText(f"{title} ({len(keys)})" if keys else title)
        self.search.blockSignals(True)
        self.search.setText(wanted.text)
        self.search.blockSignals(False)
        self._emit()

    def clear(self) -> None:
        self.set_filter(EventFilter())

    def _emit(self) -> None:
        self.filterChanged.emit(self.current())

    def set_counts(self, shown: int, total: int) -> None:
        hidden = total - shown
        text = f"{shown} of {total} events" + (f" · {hidden} hidden by filters" if hidden else "")
        self.count_label.setText(text)
        self.clear_button.setEnabled(hidden > 0)


__all__ = ["FilterBar"]
