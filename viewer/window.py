"""The main window: map, timeline, event list and detail panel, all following TimeState."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from . import APP_NAME, __version__, startup
from .causality import CausalGraph, Trace, drawable_links, link_id
from .clocks import cursor_text, format_in
from .dataset import load_dataset
from .detailpanel import DetailPanel
from .disagreements import DisagreementsView
from .errors import DatasetError
from .eventdelegate import EventListDelegate
from .eventmodel import EventFilterProxy, EventTableModel
from .filterbar import FilterBar
from .filters import EventFilter, visible_events
from .mapstate import MapExtras
from .mapview import MapView
from .model import Dataset, Event
from .pageconfig import page_config
from .playback import SPEEDS, Player, PlayMode
from .sourcereader import SourceReader
from .style import category_style
from .timeline import PlaceState, TimeIndex, ts
from .timeline_strip import StripItem, TimelineStrip
from .timestate import TimeState

log = logging.getLogger(__name__)


def report_startup(markers: int) -> None:
    """With ECA_REPORT_STARTUP set (benches/run.py), print when the map first painted
    every marker, as seconds since the process was spawned (viewer.startup)."""
    startup.report_first_paint(markers)


#: Windows opened from File > Open live here until closed (Qt does not own top-levels).
_open_windows: list[MainWindow] = []


class MainWindow(QMainWindow):
    """Everything redraws from `TimeState.changed`; widgets only ask TimeState to move."""

    ready = Signal()  # the map page is up and shows the current moment

    def __init__(
        self,
        dataset: Dataset,
        at: datetime | None = None,
        settings: QSettings | None = None,
        online: bool = True,
        map_view: MapView | None = None,
    ) -> None:
        """`map_view`: one whose page is already loading (`MapView.preload`, see
        viewer.app), so the page loads while the data is read; by default a new one."""
        super().__init__()
        self.dataset = dataset
        self.online = online
        self.settings = settings or QSettings()
        self.local_zone = ZoneInfo(dataset.display_timezone)
        self.index = TimeIndex(dataset)
        self.time_state = TimeState(self.index, self)
        self.player = Player(self.time_state, self)
        self.graph = CausalGraph(dataset.links)
        # Links the map draws as arcs (computed once: per link it was quadratic, 122 s at
        # 10,000 events in benches/run.py).
        arcs = drawable_links(dataset)
        drawn = {str(arc["id"]) for arc in arcs}
        self._arcs = [(link, link_id(link)) for link in dataset.links if link_id(link) in drawn]
        self.event_filter = EventFilter()
        self.visible_ids = visible_events(self.index.events, self.event_filter)
        self.trace: Trace | None = None
        self._sent_extras: dict[str, Any] = {}
        self._sent_places: dict[str, tuple[PlaceState, str | None]] = {}  # (state, event id)
        self._seq = 0
        self._syncing_list = False
        self.is_ready = False
        self.no_dialogs = False  # set for headless runs: problems are logged instead
        self.last_error: DatasetError | None = None
        self._awaiting_paint = False
        self._when_cache: dict[str, str] = {}
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(150)
        self._detail_timer.timeout.connect(self._show_focus_details)
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(900, 600)

        place_ids = {p.id for p in dataset.places}
        if map_view is None:
            map_view = MapView(place_ids, self)
        else:
            map_view.bridge.place_ids = place_ids
        self.map_view = map_view
        # Online tile layers are offered in the switcher; tiles are fetched (from the tile
        # hosts only) once the reader turns a layer on. --offline removes them altogether.
        self.map_view.set_online_allowed(online)
        # First, so QtWebEngine starts its renderer while the rest of the window is built.
        self.map_view.show_atlas(page_config(dataset, online=online, links=arcs))
        self.strip = TimelineStrip(self.local_zone, self)
        self.model = EventTableModel(dataset, self.index.events, self.local_zone)
        self.proxy = EventFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_bar = FilterBar(dataset, self)
        self.list_view = QTableView(self)
        self.disagreements = DisagreementsView(dataset, self.local_zone, self)
        self.detail = DetailPanel(dataset, self)
        self.reader = SourceReader(self)
        self.reader.set_cited_events(dataset.events)
        self._build_layout()
        self._build_actions()
        self._connect()

        self.strip.setItems(
            [
                StripItem(
                    id=e.id,
                    start=start,
                    end=end,
                    color=category_style(e.category).color,
                    label=e.title,
                    precise=e.precision.value in ("hour", "minute"),
                )
                for e, start, end in zip(
                    self.index.events, self.index.starts, self.index.ends, strict=True
                )
            ]
        )
        self.strip.setFullRange(ts(self.time_state.minimum), ts(self.time_state.maximum))
        self.strip.setRange(ts(dataset.core_start), ts(dataset.core_end))
        self._restore(at)
        self.filter_bar.set_counts(len(self.visible_ids), len(self.index.events))
        self._on_time_changed()

    # ---- layout -------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("clockLabel")
        self.clock_label.setStyleSheet("font-size: 15px; font-weight: bold; color: #2b2620;")
        self.clock_label.setAccessibleName("Current time")
        self.event_label = QLabel(self)
        self.event_label.setTextFormat(Qt.TextFormat.PlainText)
        self.event_label.setStyleSheet("font-size: 13px; color: #4a4238;")
        self.event_label.setAccessibleName("Current events")
        # Both labels change on every slider move: their text must not move the layout
        # (a new width re-laid out and repainted the whole window per move: ~4 ms).
        # Their width comes from the layout; their height is their font's.
        # Opaque, so that repainting one does not repaint the window under it.
        for label in (self.clock_label, self.event_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.setAutoFillBackground(True)

        self.list_view.setModel(self.proxy)
        self.list_view.setItemDelegate(EventListDelegate(self.proxy, self.model, self.list_view))
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.verticalHeader().hide()
        self.list_view.setShowGrid(False)
        self.list_view.setWordWrap(False)
        self.list_view.setAlternatingRowColors(True)
        header = self.list_view.horizontalHeader()
        # Sized once: ResizeToContents would re-measure every row on each slider move.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 22)
        header.setStretchLastSection(True)
        self.list_view.setAccessibleName("Events")
        self.list_view.resizeColumnToContents(0)
        self.list_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        side = QSplitter(Qt.Orientation.Vertical, self)
        side.setObjectName("sideSplitter")
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.detail, "Details")
        self.tabs.addTab(self.reader, "Source")
        self.tabs.addTab(self.disagreements, f"Disagreements ({self.disagreements.claim_count})")
        list_box = QWidget(self)
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(2)
        list_layout.addWidget(self.filter_bar)
        list_layout.addWidget(self.filter_bar.count_label)
        list_layout.addWidget(self.list_view, 1)
        side.addWidget(list_box)
        side.addWidget(self.tabs)
        side.setStretchFactor(0, 2)
        side.setStretchFactor(1, 3)
        side.setSizes([300, 480])

        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.setObjectName("mainSplitter")
        self.main_split.addWidget(self.map_view)
        self.main_split.addWidget(side)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([1000, 420])
        self.side_split = side

        def button(text: str, tip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            if icon is not None:
                b.setIcon(self.style().standardIcon(icon))
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumWidth(34)
            return b

        sp = QStyle.StandardPixmap
        self.prev_button = button("Previous", "Previous event (Left)", sp.SP_MediaSkipBackward)
        self.play_button = button("Play", "Play / pause (Space)", sp.SP_MediaPlay)
        self.next_button = button("Next", "Next event (Right)", sp.SP_MediaSkipForward)
        self.mode_combo = QComboBox(self)
        self.mode_combo.addItem("Event by event", PlayMode.EVENTS)
        self.mode_combo.addItem("Hour by hour", PlayMode.HOURS)
        self.mode_combo.setToolTip("Play mode")
        self.mode_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo = QComboBox(self)
        self.speed_combo.addItems(list(SPEEDS))
        self.speed_combo.setCurrentText(self.player.speed)
        self.speed_combo.setToolTip("Playback speed")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.range_button = button(
            "Whole story", "Show the whole story (1979 - 2020) or the crisis weeks"
        )
        self.range_button.setCheckable(True)

        controls = QHBoxLayout()
        for w in (
            self.prev_button,
            self.play_button,
            self.next_button,
            self.mode_combo,
            self.speed_combo,
        ):
            controls.addWidget(w)
        controls.addSpacing(12)
        controls.addWidget(self.clock_label, 1)
        controls.addWidget(self.range_button)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.main_split, 1)
        layout.addWidget(self.event_label)
        layout.addLayout(controls)
        layout.addWidget(self.strip)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        """The reader's keys, anywhere in the window (Leaflet's arrow-key panning is off)."""

        def action(name: str, key: str, slot: Any) -> QAction:
            act = QAction(name, self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        ts_ = self.time_state
        self.actions_by_name = {
            "previous": action("Previous event", "Left", ts_.previous_event),
            "next": action("Next event", "Right", ts_.next_event),
            "hour_back": action("One hour back", "Shift+Left", lambda: ts_.step_hours(-1)),
            "hour_forward": action("One hour forward", "Shift+Right", lambda: ts_.step_hours(1)),
            "play": action("Play / pause", "Space", self.player.toggle),
            "start": action("Start of the crisis", "Home", ts_.core_start),
            "end": action("End of the crisis", "End", ts_.core_end),
            "clear_trace": action("Clear the trace", "Escape", lambda: self.set_trace(None)),
            "find": action("Search events", "Ctrl+F", self.filter_bar.search.setFocus),
        }
        self._build_menus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        open_action = file_menu.addAction("&Open dataset…", self.choose_dataset)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        shot = file_menu.addAction("Save &screenshot…", self.choose_screenshot)
        shot.setShortcut(QKeySequence("Ctrl+Shift+S"))
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

        go_menu = bar.addMenu("&Go")
        for name in ("previous", "next", "hour_back", "hour_forward", "start", "end"):
            go_menu.addAction(self.actions_by_name[name])
        go_menu.addSeparator()
        go_menu.addAction(self.actions_by_name["play"])

        view_menu = bar.addMenu("&View")
        view_menu.addAction("Whole story / crisis weeks", self.range_button.toggle)
        view_menu.addAction("Reset the map view", lambda: self.map_view.call("Atlas.resetView"))
        view_menu.addAction(self.actions_by_name["find"])
        view_menu.addAction(self.actions_by_name["clear_trace"])
        view_menu.addAction(
            "Where the sources disagree", lambda: self.tabs.setCurrentWidget(self.disagreements)
        )

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&Keyboard shortcuts", self.show_shortcuts)
        help_menu.addAction("&About Embassy Crisis Atlas", self.show_about)

    # ---- menu commands ----------------------------------------------------------------------
    def choose_dataset(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a dataset", "", "Atlas datasets (*.json)")
        if path:
            self.open_dataset(Path(path))

    def open_dataset(self, path: Path) -> MainWindow | None:
        """Open another dataset in a new window. A broken file changes nothing here:
        its problems are shown and the data already open stays open."""
        try:
            dataset = load_dataset(path)
        except DatasetError as exc:
            count = len(exc.problems)
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                f"Cannot open {path.name}",
                f"{path} has {count} problem{'s' if count != 1 else ''}; "
                "nothing was loaded and the open data is unchanged.",
                parent=self,
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setDetailedText(exc.report())
            log.warning("cannot open %s:\n%s", path, exc.report())
            self.last_error = exc
            if not self.no_dialogs:
                box.exec()
            return None
        window = MainWindow(dataset, settings=self.settings, online=self.online)
        window.no_dialogs = self.no_dialogs
        _open_windows.append(window)
        window.destroyed.connect(
            lambda: _open_windows.remove(window) if window in _open_windows else None
        )
        window.show()
        self.close()
        return window

    def choose_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save a screenshot", "atlas.png", "PNG images (*.png)"
        )
        if path:
            self.grab().save(path)

    def show_shortcuts(self) -> None:
        rows = [
            (a.shortcut().toString(QKeySequence.SequenceFormat.NativeText), a.text())
            for a in self.actions_by_name.values()
        ]
        text = "\n".join(f"{keys:<14} {name}" for keys, name in rows)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def show_about(self) -> None:
        sources = "\n".join(
            f"• {s.outlet}: {s.title} ({s.published})" for s in self.dataset.sources
        )
        text = (
            f"{APP_NAME} {__version__}\n\n{self.dataset.title}\n\n"
            f"Sources (third-party texts, shown as received):\n{sources}\n\n"
            "Basemap: Natural Earth (public domain), rivers from GSHHG (LGPL), town populations "
            "and Arabic names from GeoNames (CC BY 4.0). Map library: Leaflet (BSD-2-Clause), "
            "built with Folium (MIT). Online layers, when turned on: © OpenStreetMap "
            "contributors; imagery © Esri."
        )
        box = QMessageBox(QMessageBox.Icon.Information, f"About {APP_NAME}", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def _connect(self) -> None:
        self.time_state.changed.connect(self._on_time_changed)
        self.strip.seekRequested.connect(self._on_seek)
        self.strip.itemActivated.connect(self._on_event_picked)
        self.list_view.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.map_view.ready.connect(self._on_map_ready)
        self.map_view.updateApplied.connect(self._on_update_applied)
        self.map_view.bridge.paintedReported.connect(self._on_painted)
        self.map_view.bridge.clicked.connect(self._on_place_clicked)
        self.map_view.bridge.opened.connect(self._on_place_clicked)
        self.detail.sourceRequested.connect(self.open_source)
        self.detail.eventRequested.connect(self._on_event_picked)
        self.reader.eventRequested.connect(self._on_event_picked)
        self.detail.traceRequested.connect(self.set_trace)
        self.disagreements.eventRequested.connect(self._on_event_picked)
        self.filter_bar.filterChanged.connect(self.set_filter)
        self.prev_button.clicked.connect(self.time_state.previous_event)
        self.next_button.clicked.connect(self.time_state.next_event)
        self.play_button.clicked.connect(self.player.toggle)
        self.player.playingChanged.connect(self._on_playing_changed)
        self.mode_combo.currentIndexChanged.connect(
            lambda _i: self.player.set_mode(self.mode_combo.currentData())
        )
        self.speed_combo.currentTextChanged.connect(self.player.set_speed)
        self.range_button.toggled.connect(self._on_range_toggled)

    # ---- time ---------------------------------------------------------------------------
    def _on_seek(self, t: float) -> None:
        self.time_state.set_moment(datetime.fromtimestamp(t, UTC))

    def _on_event_picked(self, event_id: str) -> None:
        """An explicit pick (timeline, panel link, reader passage): show its details."""
        event = self.index.by_id.get(event_id)
        if event is not None:
            self.time_state.go_to_event(event)
            self.detail.show_event(event)
            self.tabs.setCurrentWidget(self.detail)

    def _on_row_changed(self, current: Any, _previous: Any) -> None:
        if self._syncing_list or not current.isValid():
            return
        self._on_event_picked(self.index.events[self.proxy.mapToSource(current).row()].id)

    def _on_playing_changed(self, playing: bool) -> None:
        sp = QStyle.StandardPixmap
        self.play_button.setIcon(
            self.style().standardIcon(sp.SP_MediaPause if playing else sp.SP_MediaPlay)
        )
        self.play_button.setText("Pause" if playing else "Play")

    def _on_range_toggled(self, whole: bool) -> None:
        if whole:
            self.strip.setRange(ts(self.time_state.minimum), ts(self.time_state.maximum))
        else:
            self.strip.setRange(ts(self.dataset.core_start), ts(self.dataset.core_end))
        self.range_button.setText("Crisis weeks" if whole else "Whole story")

    def focused_event(self) -> Event | None:
        """The event the window presents as 'now': the stepped-to one, else the latest current."""
        focus = self.time_state.focus
        if focus is not None:
            return focus
        current = self.index.active_positions(self.time_state.moment)
        return self.index.events[current[-1]] if current else None

    def map_state(self) -> dict[str, Any]:
        """What every place should look like now (only what changed since the last call)."""
        moment = self.time_state.moment
        t = ts(moment)
        index = self.index
        focus = self.focused_event()
        places: dict[str, dict[str, Any]] = {}
        # Place by place, as TimeIndex.snapshot defines the states (a current event there:
        # current; else one that has started: past), without the set of places of every
        # current event (thousands at 100,000 events; most of map_state's time).
        for place in self.dataset.places:
            event = index.current_at_place_t(place.id, t)
            if event is not None:
                state = PlaceState.CURRENT
            else:
                event = index.latest_at_place_t(place.id, t)
                state = PlaceState.FUTURE if event is None else PlaceState.PAST
            # An entry follows from the state and the event alone: built only when one of
            # them changed (at 100,000 events most places keep both from move to move).
            shows = (state, event.id if event else None)
            if self._sent_places.get(place.id) == shows:
                continue
            self._sent_places[place.id] = shows
            places[place.id] = {
                "disputed": bool(event and event.has_disagreement),
                "state": state.value,
                "category": event.category if event else None,
                "title": event.title if event else "",
                "when": self._when(event) if event else "",
            }
        if focus is not None:
            focus_places = list(focus.places)
        else:  # each place once (thousands of current events share a few hundred places)
            events = index.events
            focus_places = list(
                dict.fromkeys(p for i in index.active_positions(moment) for p in events[i].places)
            )
        self._seq += 1
        update: dict[str, Any] = {"seq": self._seq, "places": places, "focus": focus_places}
        extras = self._map_extras(moment)
        links = extras.pop("links")  # already only what changed
        if links is not None:
            update["links"] = links
        for key, value in extras.items():
            if self._sent_extras.get(key) != value:  # only what changed crosses the bridge
                update[key] = value
                self._sent_extras[key] = value
        return update

    def _map_extras(self, moment: datetime) -> dict[str, Any]:
        """Arcs that have happened, places hidden by filters, the traced chain."""
        return self._extras.at(ts(moment), self.visible_ids, self.event_filter.active, self.trace)

    @cached_property
    def _extras(self) -> MapExtras:
        return MapExtras(self.index, self.graph, self.dataset.places, [k for k, _ in self._arcs])

    # ---- filters and traces ---------------------------------------------------------------
    def set_filter(self, event_filter: EventFilter) -> None:
        self.event_filter = event_filter
        self.visible_ids = visible_events(self.index.events, event_filter)
        # Rows vanishing move the view's current row: that must not move time.
        self._syncing_list = True
        try:
            self.proxy.set_visible(self.visible_ids if event_filter.active else None)
        finally:
            self._syncing_list = False
        self.filter_bar.set_counts(len(self.visible_ids), len(self.index.events))
        self._restyle_strip()
        self._on_time_changed()

    def set_trace(self, event_id: str | None) -> None:
        self.trace = self.graph.trace(event_id) if event_id else None
        rows = {self.index.position[e] for e in self.trace.events} if self.trace else set()
        self.model.set_traced(rows)
        self._restyle_strip()
        self._on_time_changed()

    def _restyle_strip(self) -> None:
        dimmed = {e.id for e in self.index.events if e.id not in self.visible_ids}
        if self.trace is not None:
            dimmed |= {e.id for e in self.index.events if e.id not in self.trace.events}
        self.strip.setDimmed(dimmed)

    def _on_time_changed(self) -> None:
        # The page first: it applies the state in its own process while this one restyles
        # the strip, the list and the labels (and the event loop repaints them).
        self.map_view.update_map(self.map_state())
        moment = self.time_state.moment
        positions = self.index.active_positions(moment)  # thousands at 100,000 events
        snap_current = [self.index.events[i] for i in positions]
        happened = self.index.happened_count(moment)
        self.strip.setCurrent(ts(moment))
        self.strip.setHighlighted([e.id for e in snap_current])
        self.model.set_time_state(set(positions), happened)
        self.clock_label.setText(cursor_text(moment, self.dataset.display_timezone))
        focus = self.focused_event()
        if focus is not None:
            others = len(snap_current) - any(e is focus for e in snap_current)  # `is`: == is deep
            more = f"   (+{others} more now)" if others > 0 else ""
            trace = ""
            if self.trace is not None:
                chain = self.index.by_id[self.trace.event].title
                count = len(self.trace.events)
                trace = f"   ·   Tracing the chain of “{chain}” ({count} events; Esc clears)"
            self.event_label.setText(
                f"{category_style(focus.category).label}: {focus.title}{more}{trace}"
            )
            self.setWindowTitle(f"{focus.title} — {APP_NAME}")
            self._select_row(self.index.position[focus.id])
            # While the reader scrubs, the panel waits until the slider rests.
            self._detail_timer.start()
        else:
            self.event_label.setText("No event at this moment: press → for the next one.")
            self.setWindowTitle(APP_NAME)

    def _show_focus_details(self) -> None:
        focus = self.focused_event()
        # Only the content follows time; the reader's choice of tab stays.
        if focus is not None and self.detail.shown_event != focus.id:
            self.detail.show_event(focus)

    def _when(self, event: Event) -> str:
        when = self._when_cache.get(event.id)
        if when is None:
            when = format_in(event.start, self.local_zone, event.precision)  # clocks().local
            self._when_cache[event.id] = when
        return when

    def _select_row(self, row: int) -> None:
        self._syncing_list = True
        try:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if not index.isValid():  # filtered out of the list
                self.list_view.selectionModel().clearSelection()
                return
            selection = self.list_view.selectionModel()
            if index == selection.currentIndex() and selection.isRowSelected(index.row()):
                return  # the same event still: leave the list where the reader scrolled it
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.list_view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._syncing_list = False

    def open_source(self, source_id: str, start: int = -1, end: int = -1) -> str:
        """Show a source in the reader, at the quote [start, end). Returns the text shown."""
        self.tabs.setCurrentWidget(self.reader)
        return self.reader.show_source(self.dataset.source(source_id), start, end)

    def _on_place_clicked(self, place_id: str) -> None:
        place = next(p for p in self.dataset.places if p.id == place_id)
        self.detail.show_place(place, self.index.events_at_place(place_id))
        self.tabs.setCurrentWidget(self.detail)

    # ---- readiness ----------------------------------------------------------------------
    def _on_map_ready(self) -> None:
        # The page was (re)loaded: it knows nothing yet, so send every place again.
        self._sent_places.clear()
        self._sent_extras.clear()
        self._extras.resend()
        self.map_view.update_map(self.map_state())

    def _on_update_applied(self, result: dict[str, Any]) -> None:
        if not self.is_ready and not self._awaiting_paint and self.map_view.is_ready:
            # Ready once the browser has painted the first state, not merely applied it.
            self._awaiting_paint = True
            self.map_view.call("Atlas.afterPaint", result.get("seq", 0))

    def _on_painted(self, _seq: int) -> None:
        if self.is_ready:
            return
        self.is_ready = True
        report_startup(len(self.dataset.places))
        # The widget composites the page's frame a moment after the browser paints it.
        QTimer.singleShot(120, self.ready.emit)

    # ---- settings -----------------------------------------------------------------------
    def _restore(self, at: datetime | None) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        for key, splitter in (
            ("window/main_split", self.main_split),
            ("window/side_split", self.side_split),
        ):
            state = s.value(key)
            if state is not None:
                splitter.restoreState(state)
        moment = at
        if moment is None and s.value("time/moment"):
            try:
                moment = datetime.fromisoformat(str(s.value("time/moment")))
            except ValueError:
                moment = None
        if moment is not None and moment.tzinfo is not None:
            self.time_state.set_moment(moment)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/main_split", self.main_split.saveState())
        s.setValue("window/side_split", self.side_split.saveState())
        s.setValue("time/moment", self.time_state.moment.isoformat())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.pause()
        self.save_settings()
        super().closeEvent(event)
