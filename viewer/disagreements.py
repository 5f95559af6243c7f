"""The "Disagreements" view: every fact the sources report differently, side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from .clocks import format_in
from .model import Dataset

_EVENT_ROLE = Qt.ItemDataRole.UserRole + 1


class DisagreementsView(QWidget):
    eventRequested = Signal(str)

    def __init__(self, dataset: Dataset, local_zone: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Where the sources disagree")
        sources = {s.id: s for s in dataset.sources}
        intro = QLabel(
            "Facts the sources report differently. Each source's figure is shown with its "
            "own words; the atlas does not pick a winner.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setStyleSheet("color: #6b6255;")
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Value", "Source", "In its words"])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        bold = QFont()
        bold.setBold(True)
        self.claim_count = 0
        for event in dataset.events:
            for claim in event.claims:
                if not claim.disagrees:
                    continue
                self.claim_count += 1
                when = format_in(event.start, local_zone, event.precision)  # type: ignore[arg-type]
                top = QTreeWidgetItem([f"⚖ {claim.topic}", "", f"{event.title} ({when})"])
                top.setData(0, _EVENT_ROLE, event.id)
                top.setFont(0, bold)
                top.setForeground(0, QColor("#8a4b00"))
                top.setFirstColumnSpanned(False)
                for value in claim.values:
                    source = sources[value.source]
                    child = QTreeWidgetItem([value.value, source.outlet, f"“{value.quote}”"])
                    child.setData(0, _EVENT_ROLE, event.id)
                    child.setToolTip(2, value.quote)
                    child.setToolTip(1, f"{source.title} ({source.published})")
                    top.addChild(child)
                self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        for column, width in ((0, 190), (1, 130)):
            self.tree.setColumnWidth(column, width)
        self.tree.itemActivated.connect(self._on_item)
        self.tree.itemClicked.connect(self._on_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)

    def _on_item(self, item: QTreeWidgetItem, _column: int) -> None:
        event_id = item.data(0, _EVENT_ROLE)
        if isinstance(event_id, str):
            self.eventRequested.emit(event_id)

    def rows(self) -> list[list[str]]:
        """Every row as text (for tests): claim rows and their per-source rows."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.append([top.text(c) for c in range(3)])
            out += [[top.child(j).text(c) for c in range(3)] for j in range(top.childCount())]
        return out
