"""The "Disagreements" view: every fact the sources report differently, side by side.

One card per claim: what is disputed, in which event, then each source's value with
its own words. Everything is plain text and wraps to the panel. A large dataset's cards
are built a page at a time ("Show more").
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
from .model import Claim, Dataset, Event

#: Cards built at first, and per "Show more": a widget per value costs ~1 ms, and a large
#: dataset disputes tens of thousands of values (30 s of start-up at 100,000 events).
PAGE = 100


class DisagreementsView(QScrollArea):
    eventRequested = Signal(str)

    def __init__(self, dataset: Dataset, local_zone: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Where the sources disagree")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._sources = {s.id: s for s in dataset.sources}
        self._zone = local_zone
        self._claims = [(e, c) for e in dataset.events for c in e.claims if c.disagrees]
        self.claim_count = len(self._claims)
        self._built = 0
        body = QWidget()
        self._layout = layout = QVBoxLayout(body)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(
            plain_label(
                "Facts the sources report differently. Each source's figure is shown with its "
                "own words; the atlas does not pick a winner.",
                "color: #6b6255;",
            )
        )
        self._more = QPushButton()
        self._more.setToolTip("Show the next disputed facts")
        self._more.clicked.connect(self.show_more)
        layout.addWidget(self._more)
        self._more.setVisible(False)
        self.setWidget(body)

    def showEvent(self, event: QShowEvent) -> None:
        # The first cards are built when the tab is first shown: built with the window they
        # cost 0.58 s of its 1.37 s start-up (the real dataset's 16 claims, measured).
        if self._built == 0 and self.claim_count:
            self.show_more()
        super().showEvent(event)

    def show_more(self) -> None:
        """Build the next PAGE cards (before the "Show more" button)."""
        end = min(self._built + PAGE, self.claim_count)
        for event, claim in self._claims[self._built : end]:
            self._add_card(event, claim)
        self._built = end
        left = self.claim_count - end
        self._more.setVisible(left > 0)
        self._more.setText(f"Show {min(left, PAGE):,} more (of {left:,} not shown)")

    def _add_card(self, event: Event, claim: Claim) -> None:
        layout = self._layout
        at = layout.indexOf(self._more)
        when = format_in(event.start, self._zone, event.precision)  # type: ignore[arg-type]
        topic = plain_label(
            f"⚖ {claim.topic}", "font-weight: bold; color: #8a4b00; margin-top: 10px;"
        )
        link = QPushButton(f"{event.title} ({when})".replace("&", "&&"))
        link.setFlat(True)
        link.setToolTip("Go to this event")
        link.setStyleSheet("color: #0b5a8f; text-align: left;")
        link.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        link.clicked.connect(lambda _c=False, e=event.id: self.eventRequested.emit(e))
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(8, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        for row, (value, outlet, quote) in enumerate(self._value_rows(claim)):
            grid.addWidget(
                plain_label(value, "font-weight: bold;"), row, 0, Qt.AlignmentFlag.AlignTop
            )
            grid.addWidget(
                plain_label(outlet, "color: #4a4238;"), row, 1, Qt.AlignmentFlag.AlignTop
            )
            grid.addWidget(
                plain_label(quote, "font-style: italic;"), row, 2, Qt.AlignmentFlag.AlignTop
            )
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 5)
        for offset, widget in enumerate((topic, link, grid_box)):
            layout.insertWidget(at + offset, widget)

    def _value_rows(self, claim: Claim) -> list[list[str]]:
        return [[v.value, self._sources[v.source].outlet, f"“{v.quote}”"] for v in claim.values]

    def rows(self) -> list[list[str]]:
        """Every row as text (for tests), shown yet or not: claim rows, then one per
        source's value."""
        out: list[list[str]] = []
        for event, claim in self._claims:
            out.append([f"⚖ {claim.topic}", "", event.title])
            out += self._value_rows(claim)
        return out
