"""The "Disagreements" view: every fact the sources report differently, side by side.

One card per claim: what is disputed, in which event, then each source's value with
its own words. Everything is plain text and wraps to the panel.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .clocks import format_in
from .detailpanel import plain_label
from .model import Dataset


class DisagreementsView(QScrollArea):
    eventRequested = Signal(str)

    def __init__(self, dataset: Dataset, local_zone: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Where the sources disagree")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._dataset = dataset
        self._zone = local_zone
        self._rows: list[list[str]] = []
        self._built = False
        self.claim_count = sum(c.disagrees for e in dataset.events for c in e.claims)

    def showEvent(self, event: QShowEvent) -> None:
        # Built when first shown: the cards cost more than half of the window's start-up
        # (0.58 s of 1.37 s for the real dataset's 16 claims, measured) and sit in a tab.
        self._build()
        super().showEvent(event)

    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        dataset, local_zone = self._dataset, self._zone
        sources = {s.id: s for s in dataset.sources}
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(
            plain_label(
                "Facts the sources report differently. Each source's figure is shown with its "
                "own words; the atlas does not pick a winner.",
                "color: #6b6255;",
            )
        )
        for event in dataset.events:
            for claim in event.claims:
                if not claim.disagrees:
                    continue
                when = format_in(event.start, local_zone, event.precision)  # type: ignore[arg-type]
                layout.addWidget(
                    plain_label(
                        f"⚖ {claim.topic}", "font-weight: bold; color: #8a4b00; margin-top: 10px;"
                    )
                )
                link = QPushButton(f"{event.title} ({when})".replace("&", "&&"))
                link.setFlat(True)
                link.setToolTip("Go to this event")
                link.setStyleSheet("color: #0b5a8f; text-align: left;")
                link.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                link.clicked.connect(lambda _c=False, e=event.id: self.eventRequested.emit(e))
                layout.addWidget(link)
                self._rows.append([f"⚖ {claim.topic}", "", event.title])
                grid_box = QWidget()
                grid = QGridLayout(grid_box)
                grid.setContentsMargins(8, 0, 0, 0)
                grid.setHorizontalSpacing(10)
                for row, value in enumerate(claim.values):
                    outlet = sources[value.source].outlet
                    quote = f"“{value.quote}”"
                    grid.addWidget(
                        plain_label(value.value, "font-weight: bold;"),
                        row,
                        0,
                        Qt.AlignmentFlag.AlignTop,
                    )
                    grid.addWidget(
                        plain_label(outlet, "color: #4a4238;"), row, 1, Qt.AlignmentFlag.AlignTop
                    )
                    grid.addWidget(
                        plain_label(quote, "font-style: italic;"), row, 2, Qt.AlignmentFlag.AlignTop
                    )
                    self._rows.append([value.value, outlet, quote])
                grid.setColumnStretch(0, 2)
                grid.setColumnStretch(1, 2)
                grid.setColumnStretch(2, 5)
                layout.addWidget(grid_box)
        self.setWidget(body)

    def rows(self) -> list[list[str]]:
        """Every row as text (for tests): claim rows, then one per source's value."""
        self._build()
        return [list(r) for r in self._rows]
