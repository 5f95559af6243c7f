"""The panel that says what the sources say about an event or a place.

Every text from the data goes into a plain-text QLabel: it is shown, never run.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .causality import CausalGraph
from .clocks import clocks
from .geodesy import describe_offset
from .model import ClaimValue, Dataset, Event, Place
from .style import category_style


def plain_label(text: str, style: str = "", selectable: bool = True) -> QLabel:
    """A wrapping label that shows `text` as text, never as rich text."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _button_text(text: str) -> str:
    """Button text shown literally: a single & would mark a keyboard accelerator."""
    return text.replace("&", "&&")


def _tip(text: str) -> str:
    """Tooltips are guessed to be HTML by Qt: escape data so it stays text."""
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'


def _fit_width(button: QPushButton) -> None:
    """Long button texts are clipped to the panel rather than widening it."""
    button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    button.setMinimumWidth(0)


def quoted(text: str) -> str:
    """Wrap a quotation in quote marks, unless the quoted words bring their own."""
    return text if text[:1] in "“\"‘'" else f"“{text}”"


class DetailPanel(QScrollArea):
    """Shows one event (title, clocks, places, actors, summary, citations, claims)."""

    sourceRequested = Signal(str, int, int)  # source id, quote start, quote end
    eventRequested = Signal(str)
    traceRequested = Signal(str)

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset = dataset
        self._places = {p.id: p for p in dataset.places}
        self._sources = {s.id: s for s in dataset.sources}
        self._events = {e.id: e for e in dataset.events}
        self._graph = CausalGraph(dataset.links)
        self.setWidgetResizable(True)
        # Text wraps to the panel's width; nothing scrolls sideways.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Event details")
        self._clear()
        self.shown_event: str | None = None
        self.shown_place: str | None = None
        self.show_hint()

    def _clear(self) -> None:
        """Start a fresh page; QScrollArea.setWidget deletes the old one."""
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._body)

    def plain_text(self) -> str:
        """Everything the panel shows now, as text (for tests and accessibility)."""
        texts = []
        for widget in self._body.findChildren(QWidget):
            if isinstance(widget, QLabel):
                texts.append(widget.text())
            elif isinstance(widget, QPushButton):
                texts.append(widget.text().replace("&&", "&"))
        return "\n".join(texts)

    def show_hint(self) -> None:
        self._clear()
        self._layout.addWidget(
            plain_label(
                "Pick an event in the list or click a place on the map "
                "to read what the sources say.",
                "color: #6b6255;",
            )
        )

    def show_event(self, event: Event) -> None:
        self.shown_event = event.id
        self.shown_place = None
        self._clear()
        cat = category_style(event.category)
        add = self._layout.addWidget
        add(
            plain_label(
                cat.label.upper(), f"color: {cat.color}; font-weight: bold; font-size: 11px;"
            )
        )
        add(plain_label(event.title, "font-size: 16px; font-weight: bold;"))
        c = clocks(event.start, self.dataset.display_timezone, event.precision)
        when = f"{c.local} (Baghdad)"
        if c.washington != "—":
            when += f"\n{c.washington} (Washington)  ·  {c.utc} (UTC)"
        add(
            plain_label(
                when + f"\nDated to the {event.precision.value} by the sources.", "color: #4a4238;"
            )
        )
        if event.date_note:
            add(
                plain_label(event.date_note, "color: #6b6255; font-size: 11px; font-style: italic;")
            )
        places = [self._places[p] for p in event.places if p in self._places]
        if places:
            add(plain_label("Where: " + "; ".join(self._place_text(p) for p in places)))
            distances = self._distances(event, places)
            if distances:
                add(plain_label(distances, "color: #6b6255; font-size: 11px;"))
        if event.actors:
            add(plain_label("Who: " + ", ".join(event.actors)))
        add(plain_label(event.summary, "margin-top: 6px;"))
        add(plain_label("What the sources say", "font-weight: bold; margin-top: 8px;"))
        for citation in event.citations:
            source = self._sources[citation.source]
            add(plain_label(quoted(citation.quote), "margin-left: 8px; font-style: italic;"))
            add(
                plain_label(
                    f"— {source.outlet}, {source.published}", "margin-left: 8px; color: #6b6255;"
                )
            )
            add(self._open_button(citation.source, citation.start, citation.end))
        for claim in event.claims:
            self._add_claim(claim.topic, claim.disagrees, claim.values)
        self._add_links(event)

    def _add_claim(self, topic: str, disagrees: bool, values: tuple[ClaimValue, ...]) -> None:
        """A claim as a small table: value | source | the source's own words."""
        head = f"⚖ {topic}" + (": the sources differ" if disagrees else "")
        self._layout.addWidget(
            plain_label(head, "font-weight: bold; margin-top: 8px; color: #8a4b00;")
        )
        grid_box = QWidget()
        grid_box.setObjectName("claimGrid")
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(8, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        for col, title in enumerate(("Value", "Source", "In its words")):
            grid.addWidget(plain_label(title, "color: #6b6255; font-size: 11px;"), 0, col)
        for row, value in enumerate(values, start=1):
            grid.addWidget(
                plain_label(value.value, "font-weight: bold;"), row, 0, Qt.AlignmentFlag.AlignTop
            )
            grid.addWidget(
                plain_label(self._sources[value.source].outlet), row, 1, Qt.AlignmentFlag.AlignTop
            )
            quote_box = QWidget()
            quote_layout = QVBoxLayout(quote_box)
            quote_layout.setContentsMargins(0, 0, 0, 0)
            quote_layout.addWidget(plain_label(quoted(value.quote), "font-style: italic;"))
            quote_layout.addWidget(self._open_button(value.source, value.start, value.end))
            grid.addWidget(quote_box, row, 2)
        grid.setColumnStretch(2, 1)
        self._layout.addWidget(grid_box)

    def _add_links(self, event: Event) -> None:
        into, out = self._graph.direct(event.id)
        if not into and not out:
            return
        self._layout.addWidget(
            plain_label("Cause and effect", "font-weight: bold; margin-top: 8px;")
        )
        for link in into:
            cause = self._events[link.cause]
            verb = "Led here:" if link.type == "led to" else f"This was {link.type}:"
            self._layout.addWidget(self._event_button(f"{verb} {cause.title}", cause.id))
        for link in out:
            effect = self._events[link.effect]
            verb = "Led to:" if link.type == "led to" else f"Answered by ({link.type} this):"
            self._layout.addWidget(self._event_button(f"{verb} {effect.title}", effect.id))
        trace = QPushButton("Trace the whole chain on the map, timeline and list")
        _fit_width(trace)
        trace.setObjectName("traceButton")
        trace.setToolTip("Highlight everything that led to this event and everything it led to")
        trace.clicked.connect(lambda: self.traceRequested.emit(event.id))
        self._layout.addWidget(trace)

    def _event_button(self, text: str, event_id: str) -> QPushButton:
        button = QPushButton(_button_text(text))
        button.setToolTip(_tip(text))
        _fit_width(button)
        button.setFlat(True)
        button.setStyleSheet("color: #0b5a8f; text-align: left; margin-left: 8px;")
        button.clicked.connect(lambda: self.eventRequested.emit(event_id))
        return button

    def _open_button(self, source_id: str, start: int, end: int) -> QPushButton:
        button = QPushButton("Read it in the source ›")
        button.setFlat(True)
        button.setStyleSheet("color: #0b5a8f; text-align: left; margin-left: 8px;")
        button.setToolTip(_tip(self._sources[source_id].title))
        button.clicked.connect(lambda: self.sourceRequested.emit(source_id, start, end))
        return button

    @staticmethod
    def _place_text(place: Place) -> str:
        precision = (
            f"±{place.radius_m / 1000:.0f} km"
            if place.radius_m >= 1000
            else f"±{place.radius_m:.0f} m"
        )
        return f"{place.name} ({precision})"

    def _distances(self, event: Event, places: list[Place]) -> str:
        """How far apart this event's places are, and how far from where its causes
        happened (e.g. the 29 Dec strike sites from K-1, whose attack they answered)."""
        first = places[0]
        parts = []
        seen = {(first.lat, first.lon)}
        for place in places[1:]:
            if (place.lat, place.lon) not in seen:
                seen.add((place.lat, place.lon))
                parts.append(f"{place.name} is {describe_offset(first, place)} of {first.name}")
        into, _out = self._graph.direct(event.id)
        for link in into:
            cause = self._events[link.cause]
            if cause.places and cause.places[0] in self._places:
                origin = self._places[cause.places[0]]
                if (origin.lat, origin.lon) not in seen:
                    seen.add((origin.lat, origin.lon))
                    parts.append(
                        f"{first.name} is {describe_offset(origin, first)} of {origin.name} "
                        f"({cause.title})"
                    )
        return "Distances: " + "; ".join(parts[:4]) if parts else ""

    def show_place(self, place: Place, events: list[Event]) -> None:
        self.shown_event = None
        self.shown_place = place.id
        self._clear()
        add = self._layout.addWidget
        add(plain_label(place.kind.upper(), "color: #6b6255; font-weight: bold; font-size: 11px;"))
        add(plain_label(place.name, "font-size: 16px; font-weight: bold;"))
        if place.alt_names:
            add(plain_label("Also: " + " · ".join(place.alt_names), "color: #4a4238;"))
        add(
            plain_label(
                f"{place.lat:.4f}, {place.lon:.4f}  (±{place.radius_m:,.0f} m)\n"
                f"Coordinates: {place.coord_source}",
                "color: #6b6255; font-size: 11px;",
            )
        )
        add(
            plain_label(
                f"{len(events)} event{'s' if len(events) != 1 else ''} here:",
                "font-weight: bold; margin-top: 6px;",
            )
        )
        for event in events:
            c = clocks(event.start, self.dataset.display_timezone, event.precision)
            add(self._event_button(f"{c.local}: {event.title}", event.id))
            outlets = sorted({self._sources[x.source].outlet for x in event.citations})
            add(
                plain_label(
                    "Cited by " + ", ".join(outlets),
                    "color: #6b6255; font-size: 11px; margin-left: 16px;",
                )
            )
