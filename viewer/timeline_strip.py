"""The timeline strip: a custom-painted, zoomable overview of all events under the map.

A pure view. It does not own the current time: it asks for a new one with `seekRequested`
and is told the current time with `setCurrent`. All times are UTC POSIX timestamps (floats);
only the day labels and tooltips use the display time zone.

Layout, top to bottom: a ruler with day (or month/year) labels, three lanes of spans (events
with a duration, and every event the sources date only coarsely), and a band of ticks (precise,
instant-like events). Two compartments at the edges count the events outside the visible range.

Painting is split in two layers: a cached pixmap (background, ruler, all items, edge counts),
rebuilt only when the view, the items, the dimmed set, the size or the style changes; and a
cheap dynamic layer (highlights, hover, cursor) painted over it on every update.
"""

from __future__ import annotations

import html
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from operator import attrgetter

from PySide6.QtCore import QEvent, QLineF, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QEnterEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from .clocks import MONTHS as _MONTHS
from .clocks import WEEKDAYS as _WEEKDAYS

__all__ = ["MIN_VISIBLE_SECONDS", "SPAN_MIN_SECONDS", "StripItem", "TimelineStrip"]

HOUR = 3600.0
DAY = 86400.0
#: Precise items longer than this are drawn as spans; shorter ones as ticks.
SPAN_MIN_SECONDS = 6 * HOUR
#: The narrowest window the wheel can zoom in to.
MIN_VISIBLE_SECONDS = 6 * HOUR
LANES = 3
HIT_PX = 4.0  # click/hover tolerance around ticks and spans
DRAG_PX = 4.0  # a press on an item that moves further than this becomes a seek-drag
ZOOM_STEP = 0.8  # span factor per wheel notch (120 units)
PAN_STEP = 0.15  # fraction of the visible span per wheel notch
SPARSE_TICKS = 400  # below this many visible ticks, draw each with its diamond
#: Up to this many highlighted items in view, each is emphasised; past it, only the ones
#: that would show (see `TimelineStrip._emphasised`).
EMPHASIS_EACH = 64
#: Memory for the drawn looks of highlighted spans (see `TimelineStrip._emphasis_sprite`).
SPRITE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StripItem:
    """One event as the strip draws it."""

    id: str
    start: float  # UTC timestamp
    end: float  # UTC timestamp (>= start); effective end of the event
    color: QColor | str  # category colour
    label: str  # event title (tooltip)
    precise: bool  # False when the sources date it only to the day/part of day or coarser


# ---- small helpers -----------------------------------------------------------------------


def _alpha(color: QColor, alpha: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved towards `b` by `t` (0..1), opaque."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def _running_max(values: list[float]) -> list[float]:
    out: list[float] = []
    m = -math.inf
    for v in values:
        if v > m:
            m = v
        out.append(m)
    return out


def _uncovered(spans: Sequence[tuple[float, float]]) -> list[int]:
    """Indices, in order, of the `spans` (x ranges, in drawing order) that the spans drawn
    after them do not cover entirely."""
    starts: list[float] = []  # the union of the later spans: disjoint, sorted
    ends: list[float] = []
    keep = []
    for index in range(len(spans) - 1, -1, -1):
        a, b = spans[index]
        k = bisect_right(starts, a) - 1
        if k >= 0 and ends[k] >= b:
            continue
        keep.append(index)
        lo = bisect_left(ends, a)  # the first interval that ends at or after a
        hi = bisect_right(starts, b)  # past the last one that starts at or before b
        if lo < hi:
            a, b = min(a, starts[lo]), max(b, ends[hi - 1])
        starts[lo:hi] = [a]
        ends[lo:hi] = [b]
    keep.reverse()
    return keep


#: Room around a span's emphasis for its glow (3 px) and antialiasing.
_GLOW = 4.0


def _paint_span_emphasis(p: QPainter, rect: QRectF, color: QColor, precise: bool) -> None:
    """A highlighted span: a soft glow, then the span brighter (precise) or hatched."""
    p.setPen(Qt.PenStyle.NoPen)
    for grow, alpha in ((3.0, 0.12), (1.5, 0.22)):
        p.setBrush(_alpha(color, alpha))
        p.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), 3 + grow, 3 + grow)
    if precise:
        p.setBrush(_alpha(color.lighter(112), 0.85))
        p.setPen(QPen(color.darker(120), 1.5))
        p.drawRoundedRect(rect, 3, 3)
        return
    grad = QLinearGradient(rect.left(), 0, rect.right(), 0)
    edge = min(0.35, 10.0 / max(rect.width(), 1.0))
    grad.setColorAt(0.0, _alpha(color, 0.25))
    grad.setColorAt(edge, _alpha(color, 0.6))
    grad.setColorAt(1.0 - edge, _alpha(color, 0.6))
    grad.setColorAt(1.0, _alpha(color, 0.25))
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(rect, 3, 3)
    p.setBrush(QBrush(_alpha(color.darker(130), 0.8), Qt.BrushStyle.BDiagPattern))
    p.drawRoundedRect(rect, 3, 3)
    p.setPen(QPen(_alpha(color.darker(110), 0.9), 1.2, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(rect, 3, 3)


def _pen(color: QColor, width: float, cap: Qt.PenCapStyle = Qt.PenCapStyle.SquareCap) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(cap)
    return pen


def _clamp(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def _fmt_day(d: date | datetime, weekday: bool = True, year: bool = True) -> str:
    text = f"{d.day} {_MONTHS[d.month - 1]}"
    if weekday:
        text = f"{_WEEKDAYS[d.weekday()]} {text}"
    return f"{text} {d.year}" if year else text


@dataclass(slots=True)
class _Group:
    """Items of one look (lane, colour, precision, dimmed), sorted by start."""

    color: QColor
    dimmed: bool
    imprecise: bool
    lane: int  # -1: ticks
    starts: list[float]
    pmax: list[float]  # running maximum of the ends (spans only)


@dataclass(slots=True)
class _Geometry:
    edge_w: float = 48.0  # width of each edge compartment
    x0: float = 54.0  # plot left
    x1: float = 746.0  # plot right
    ruler_h: float = 20.0
    lanes_top: float = 23.0
    lane_h: float = 12.0
    lane_gap: float = 2.0
    ticks_top: float = 67.0
    bottom: float = 95.0


@dataclass(slots=True)
class _Theme:
    window: QColor
    band: QColor
    ruler: QColor
    text: QColor
    grid_major: QColor
    grid_minor: QColor
    grid_whisper: QColor
    label: QColor
    label_minor: QColor
    edge: QColor
    cursor: QColor
    halo: QColor


class TimelineStrip(QWidget):
    """A zoomable strip of events with a time cursor; see the module docstring."""

    seekRequested = Signal(float)  # user clicked/dragged at this (snapped) time
    itemActivated = Signal(str)  # user clicked an item (or an edge count) -> its id
    rangeChanged = Signal(float, float)  # the visible window changed (setRange, wheel, reset)

    def __init__(self, tz: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._snap = HOUR
        self._current = math.nan
        self._base_range = (0.0, 7 * DAY)  # the range last given by setRange
        self._range_given = False
        self._view = self._base_range
        self._full: tuple[float, float] | None = None
        self._set_items_data([])
        self._highlighted: frozenset[str] = frozenset()
        self._dimmed: frozenset[str] = frozenset()
        self._hl_idx: list[int] = []
        self._geom = _Geometry()
        self._geom_key: tuple[int, int, int] = (-1, -1, -1)
        self._small = QFont()
        self._bold = QFont()
        self._day_label_w = 60.0
        self._theme: _Theme | None = None
        self._layer: QPixmap | None = None
        self._layer_dirty = True
        self._sprites: dict[tuple[int, bool, int, float], QPixmap] = {}
        self._sprite_bytes = 0
        # mouse state
        self._press: tuple[str, int, QPointF] | None = None  # (kind, index, pos)
        self._dragging = False
        self._last_seek = math.nan
        self._hover: tuple[str, int] | None = None
        self._hand = False

        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription("Current time not set")
        self._update_fonts()

    # ---- public API ----------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(800, 100)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 84)

    def setItems(self, items: Sequence[StripItem]) -> None:
        """Replace all items (sorted and laid out here, once)."""
        self._set_items_data(items)
        self._hl_idx = self._indices(self._highlighted)
        self._rebuild_groups()
        self._hover = None
        self._update_geometry()
        self._invalidate()

    def setRange(self, start: float, end: float) -> None:
        """Show [start, end]; double-click later returns to this window."""
        start, end = float(start), float(end)
        if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
            raise ValueError(f"invalid range {start!r} .. {end!r}")
        self._base_range = (start, end)
        self._range_given = True
        self._set_view(start, end)

    def range(self) -> tuple[float, float]:
        """The visible window (start, end)."""
        return self._view

    def setFullRange(self, start: float, end: float) -> None:
        """The whole data range: the wheel never zooms or pans beyond it."""
        start, end = float(start), float(end)
        if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
            raise ValueError(f"invalid full range {start!r} .. {end!r}")
        self._full = (start, end)

    def fullRange(self) -> tuple[float, float]:
        """The range zooming is clamped to (the full range joined with the last setRange)."""
        return self._effective_full()

    def setCurrent(self, t: float) -> None:
        """Move the cursor to `t` (no signal)."""
        t = float(t)
        if t == self._current:
            return
        self._current = t
        if math.isfinite(t):
            moment = datetime.fromtimestamp(t, self._tz)
            desc = f"Current time {_fmt_day(moment)}, {moment:%H:%M} {_utc_offset(moment)}"
            self.setAccessibleDescription(desc)
        self.update()

    def current(self) -> float:
        """The cursor time given by setCurrent (NaN before the first call)."""
        return self._current

    def setHighlighted(self, ids: Iterable[str]) -> None:
        """Draw these items brighter and thicker (the current events)."""
        new = frozenset(ids)
        if new == self._highlighted:
            return
        self._highlighted = new
        self._hl_idx = self._indices(new)
        self.update()  # highlights live in the dynamic layer: no relayout

    def setDimmed(self, ids: Iterable[str]) -> None:
        """Draw these items faint (e.g. filtered out)."""
        new = frozenset(ids)
        if new == self._dimmed:
            return
        self._dimmed = new
        self._rebuild_groups()
        self._invalidate()

    def setSnapSeconds(self, s: float) -> None:
        """Seek resolution in seconds, in UTC (0 disables snapping)."""
        if s < 0 or not math.isfinite(s):
            raise ValueError(f"invalid snap {s!r}")
        self._snap = float(s)

    def snapSeconds(self) -> float:
        return self._snap

    def timeAt(self, x: float) -> float:
        """The time under widget x (linear, not clamped)."""
        g = self._g
        vs, ve = self._view
        return vs + (x - g.x0) * (ve - vs) / (g.x1 - g.x0)

    def xAt(self, t: float) -> float:
        """The widget x of time `t` (linear, not clamped)."""
        g = self._g
        vs, ve = self._view
        return g.x0 + (t - vs) * (g.x1 - g.x0) / (ve - vs)

    def plotRect(self) -> QRectF:
        """Where time is drawn (between the edge compartments)."""
        g = self._g
        return QRectF(g.x0, 0.0, g.x1 - g.x0, float(self.height()))

    def outsideCounts(self) -> tuple[int, int]:
        """How many items lie entirely before / after the visible range."""
        vs, ve = self._view
        before = bisect_left(self._end_sorted, vs)
        after = len(self._starts) - bisect_right(self._starts, ve)
        return before, after

    def nearestOutside(self) -> tuple[str | None, str | None]:
        """Ids of the nearest item before and after the visible range (None if none)."""
        early, late = self._nearest_outside_idx()
        ids = self._ids
        return (ids[early] if early >= 0 else None, ids[late] if late >= 0 else None)

    def ensureVisible(self, t: float) -> None:
        """Pan (keeping the zoom) so that `t` is inside the visible range."""
        vs, ve = self._view
        if vs <= t <= ve:
            return
        span = ve - vs
        self._set_view(*self._clamp_to_full(t - span / 2, t + span / 2))

    # ---- item data -----------------------------------------------------------------------
    def _set_items_data(self, items: Sequence[StripItem]) -> None:
        ordered = sorted(items, key=attrgetter("start"))  # stable: ties keep the given order
        n = len(ordered)
        self._items = ordered
        self._ids = ids = [it.id for it in ordered]
        self._index = dict(zip(ids, range(n), strict=True))
        self._starts = starts = list(map(float, map(attrgetter("start"), ordered)))
        raw_ends = map(float, map(attrgetter("end"), ordered))
        self._ends = ends = [e if e > s else s for s, e in zip(starts, raw_ends, strict=True)]
        precise = list(map(attrgetter("precise"), ordered))
        # Colours: resolved once per distinct value; items refer to them by a small number.
        raw: list[str | int] = [
            c if c.__class__ is str else QColor(c).rgba() for c in map(attrgetter("color"), ordered)
        ]
        palette: dict[str | int, int] = {}
        for key in raw:
            if key not in palette:
                palette[key] = len(palette)
        resolved = []
        for key in palette:
            color = QColor.fromRgba(key) if isinstance(key, int) else QColor(key)
            if not color.isValid():
                color = QColor("#777777")
            color.setAlpha(255)
            resolved.append(color)
        self._palette = resolved
        self._cidx = cidx = [palette[key] for key in raw]
        self._colors = [resolved[c] for c in cidx]
        self._is_span = is_span = [
            (not p) or (e - s) > SPAN_MIN_SECONDS
            for p, s, e in zip(precise, starts, ends, strict=True)
        ]
        # Where an item is drawn: spans over [start, end], ticks at start.
        self._draw_end = draw_end = [
            e if span else s for s, e, span in zip(starts, ends, is_span, strict=True)
        ]
        self._end_order = sorted(range(n), key=draw_end.__getitem__)
        self._end_sorted = [draw_end[i] for i in self._end_order]
        # Greedy lanes, in time: the first free lane, else the one that frees up first.
        lane_free = [-math.inf] * LANES
        lanes = [-1] * n
        lane_idx: list[list[int]] = [[] for _ in range(LANES)]
        tick_idx: list[int] = []
        for i in range(n):
            if not is_span[i]:
                tick_idx.append(i)
                continue
            s = starts[i]
            for lane in range(LANES):
                if lane_free[lane] <= s:
                    break
            else:
                lane = lane_free.index(min(lane_free))
            if ends[i] > lane_free[lane]:
                lane_free[lane] = ends[i]
            lanes[i] = lane
            lane_idx[lane].append(i)
        self._lane = lanes
        self._lane_idx = lane_idx
        self._lane_starts = [[starts[i] for i in idx] for idx in lane_idx]
        self._lane_pmax = [_running_max([ends[i] for i in idx]) for idx in lane_idx]
        self._tick_idx = tick_idx
        self._tick_starts = [starts[i] for i in tick_idx]
        # One number per item for its look without dimming: (lane + 1, imprecise, colour).
        ncol = max(1, len(resolved))
        self._look = [
            ((lane + 1) * 2 + (not p)) * ncol + c
            for lane, p, c in zip(lanes, precise, cidx, strict=True)
        ]
        self._dim_flags = [False] * n
        self._span_groups: list[_Group] = []
        self._tick_groups: list[_Group] = []

    def _indices(self, ids: Iterable[str]) -> list[int]:
        index = self._index
        return sorted(index[i] for i in ids if i in index)

    def _rebuild_groups(self) -> None:
        """Bucket the items by look (lane, precision, colour, dimmed) for batched painting."""
        n = len(self._items)
        dim = [False] * n
        for i in self._indices(self._dimmed):
            dim[i] = True
        self._dim_flags = dim
        buckets: dict[int, list[int]] = {}
        look = self._look
        keys = (
            [k * 2 + 1 if d else k * 2 for k, d in zip(look, dim, strict=True)]
            if self._dimmed
            else [k * 2 for k in look]
        )
        for i, key in enumerate(keys):  # in start order, so every bucket is sorted
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = bucket = []
            bucket.append(i)
        starts, ends = self._starts, self._ends
        spans: list[_Group] = []
        ticks: list[_Group] = []
        for idx in buckets.values():
            first = idx[0]
            lane, dimmed = self._lane[first], dim[first]
            color = self._colors[first]
            group_starts = [starts[i] for i in idx]
            if lane < 0:
                ticks.append(_Group(color, dimmed, False, -1, group_starts, []))
            else:
                pmax = _running_max([ends[i] for i in idx])
                imprecise = not self._items[first].precise
                spans.append(_Group(color, dimmed, imprecise, lane, group_starts, pmax))
        # Faint first, soft (imprecise) under sharp.
        self._span_groups = sorted(spans, key=lambda g: (not g.dimmed, not g.imprecise))
        self._tick_groups = sorted(ticks, key=lambda g: not g.dimmed)

    def _nearest_outside_idx(self) -> tuple[int, int]:
        vs, ve = self._view
        before = bisect_left(self._end_sorted, vs)
        after = bisect_right(self._starts, ve)
        early = self._end_order[before - 1] if before > 0 else -1
        late = after if after < len(self._starts) else -1
        return early, late

    # ---- view range ----------------------------------------------------------------------
    def _effective_full(self) -> tuple[float, float]:
        bs, be = self._base_range
        if self._full is not None:
            fs, fe = self._full
        elif self._starts:
            fs, fe = self._starts[0], self._end_sorted[-1]
        else:
            fs, fe = bs, be
        if not self._range_given:
            return fs, fe
        return min(fs, bs), max(fe, be)

    def _clamp_to_full(self, start: float, end: float) -> tuple[float, float]:
        fs, fe = self._effective_full()
        span = end - start
        if span >= fe - fs:
            return fs, fe
        if start < fs:
            start, end = fs, fs + span
        if end > fe:
            start, end = fe - span, fe
        return start, end

    def _set_view(self, start: float, end: float) -> None:
        if (start, end) == self._view:
            return
        self._view = (start, end)
        self._hover = None
        self._invalidate()
        self.rangeChanged.emit(start, end)

    def _zoom(self, factor: float, anchor_x: float) -> None:
        vs, ve = self._view
        span = ve - vs
        fs, fe = self._effective_full()
        min_span = min(MIN_VISIBLE_SECONDS, fe - fs)
        if (factor < 1 and span <= min_span) or (factor > 1 and span >= fe - fs):
            return
        new_span = _clamp(span * factor, min_span, fe - fs)
        g = self._g
        frac = _clamp((anchor_x - g.x0) / (g.x1 - g.x0), 0.0, 1.0)
        anchor = vs + frac * span
        start = anchor - frac * new_span
        self._set_view(*self._clamp_to_full(start, start + new_span))

    def _pan(self, fraction: float) -> None:
        vs, ve = self._view
        dt = (ve - vs) * fraction
        self._set_view(*self._clamp_to_full(vs + dt, ve + dt))

    def _reveal(self, i: int) -> None:
        """Pan so item `i` is visible, centred if it fits."""
        vs, ve = self._view
        span = ve - vs
        s, e = self._starts[i], self._draw_end[i]
        mid = (s + e) / 2  # centred if it fits, else its nearer end well inside
        if e - s >= span * 0.8:
            mid = e - span * 0.4 if e < vs else s + span * 0.4
        self._set_view(*self._clamp_to_full(mid - span / 2, mid + span / 2))

    # ---- geometry, fonts, style ----------------------------------------------------------
    def _update_fonts(self) -> None:
        base = QFont(self.font())
        small = QFont(base)
        if base.pointSizeF() > 0:
            small.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
        else:
            small.setPixelSize(max(9, round(base.pixelSize() * 0.85)))
        bold = QFont(small)
        bold.setBold(True)
        self._small, self._bold = small, bold
        fm = QFontMetricsF(bold)  # major labels are bold
        self._day_label_w = max(
            fm.horizontalAdvance(f"{wd} 28 {mo}") for wd in _WEEKDAYS for mo in _MONTHS
        )
        self._dm_label_w = max(fm.horizontalAdvance(f"28 {mo}") for mo in _MONTHS)
        self._my_label_w = max(fm.horizontalAdvance(f"{mo} 2000") for mo in _MONTHS)
        self._y_label_w = fm.horizontalAdvance("2000")
        self._h_label_w = QFontMetricsF(small).horizontalAdvance("00:00")
        self._update_geometry()

    def _update_geometry(self) -> None:
        fm = QFontMetricsF(self._small)
        fmb = QFontMetricsF(self._bold)
        edge_w = max(fmb.horizontalAdvance("8888") + 16, fm.horizontalAdvance("earlier") + 12)
        edge_w = math.ceil(max(edge_w, 40.0))
        w, h = float(self.width()), float(self.height())
        self._geom_key = (self.width(), self.height(), len(self._items))
        g = self._geom
        g.edge_w = edge_w
        g.x0 = edge_w + 6.0
        g.x1 = max(g.x0 + 20.0, w - edge_w - 6.0)
        g.ruler_h = math.ceil(fm.height()) + 7.0
        g.lanes_top = g.ruler_h + 4.0
        g.bottom = max(g.lanes_top + 30.0, h - 5.0)
        area = g.bottom - g.lanes_top
        g.lane_gap = 2.0
        if self._items and not self._tick_idx:  # nothing instant-like: lanes take the room
            g.lane_h = _clamp(math.floor((area - 4.0) / LANES - g.lane_gap), 5.0, 24.0)
        else:
            g.lane_h = _clamp(round(area * 0.17), 5.0, 18.0)
        g.ticks_top = g.lanes_top + LANES * g.lane_h + (LANES - 1) * g.lane_gap + 5.0
        self._invalidate()

    @property
    def _g(self) -> _Geometry:
        """The layout, recomputed if the size changed (even before a resize event)."""
        if self._geom_key != (self.width(), self.height(), len(self._items)):
            self._update_geometry()
        return self._geom

    def _make_theme(self) -> _Theme:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        window = pal.color(QPalette.ColorRole.Window)
        text = pal.color(QPalette.ColorRole.Text)
        dark = base.lightnessF() < 0.5
        return _Theme(
            window=window,
            band=base,
            ruler=_mix(base, text, 0.06),
            text=text,
            grid_major=_alpha(text, 0.22 if dark else 0.16),
            grid_minor=_alpha(text, 0.10 if dark else 0.07),
            grid_whisper=_alpha(text, 0.05 if dark else 0.035),
            label=_alpha(text, 0.82),
            label_minor=_alpha(text, 0.5),
            edge=_mix(window, text, 0.05),
            cursor=QColor("#f2eee8") if dark else QColor("#1f1b16"),
            halo=_alpha(base, 0.85),
        )

    def _invalidate(self) -> None:
        self._layer_dirty = True
        self._sprites.clear()
        self._sprite_bytes = 0
        self.update()

    # ---- Qt events -----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_geometry()
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.FontChange:
            self._update_fonts()
        elif kind in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._theme = None
            self._invalidate()
        super().changeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = QPointF(event.pos())
            text, rect = self._tooltip(pos.x(), pos.y())
            if text and not self._dragging:
                QToolTip.showText(event.globalPos(), text, self, rect)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position()
        QToolTip.hideText()
        hit = self._hit(pos.x(), pos.y())
        self._dragging = False
        if hit is None:
            self._press = None
            self._start_drag(pos.x())
        else:
            self._press = (hit[0], hit[1], QPointF(pos))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._dragging:
            self._seek_at(pos.x())
        elif self._press is not None:
            kind, _i, origin = self._press
            moved = (pos - origin).manhattanLength() > DRAG_PX
            if kind == "item" and moved:
                self._press = None
                self._start_drag(pos.x())
        else:
            self._update_hover(pos.x(), pos.y())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        press, self._press = self._press, None
        self._dragging = False
        if press is not None:
            kind, i, _origin = press
            pos = event.position()
            hit = self._hit(pos.x(), pos.y())
            if hit is not None and hit[0] == kind and (kind != "item" or hit[1] == i):
                self._activate(kind, hit[1])
        self._update_hover(event.position().x(), event.position().y())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        pos = event.position()
        hit = self._hit(pos.x(), pos.y())
        if hit is None:
            self._press = None
            self._dragging = False
            self.setRange(*self._base_range)
        else:  # behave like a second click on the item or edge
            self._press = (hit[0], hit[1], QPointF(pos))
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        dx, dy = delta.x(), delta.y()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if shift or (dx and not dy):
            steps = (dx or dy) / 120.0
            if steps:
                self._pan(-steps * PAN_STEP)
        elif dy:
            self._zoom(ZOOM_STEP ** (dy / 120.0), event.position().x())
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        self._set_hand(False)
        super().leaveEvent(event)

    def enterEvent(self, event: QEnterEvent) -> None:
        pos = event.position()
        self._update_hover(pos.x(), pos.y())
        super().enterEvent(event)

    # ---- interaction helpers -------------------------------------------------------------
    def _snapped(self, t: float) -> float:
        s = self._snap
        return round(t / s) * s if s > 0 else t

    def _start_drag(self, x: float) -> None:
        self._dragging = True
        self._last_seek = math.nan
        self._set_hand(False)
        self._seek_at(x)

    def _seek_at(self, x: float) -> None:
        g = self._g
        t = self._snapped(self.timeAt(_clamp(x, g.x0, g.x1)))
        if t != self._last_seek:
            self._last_seek = t
            self.seekRequested.emit(t)

    def _activate(self, kind: str, i: int) -> None:
        if i < 0:
            return
        if kind != "item":  # an edge compartment: bring that event into view
            self._reveal(i)
        self.itemActivated.emit(self._ids[i])

    def _set_hand(self, on: bool) -> None:
        if on != self._hand:
            self._hand = on
            if on:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
            else:
                self.unsetCursor()

    def _update_hover(self, x: float, y: float) -> None:
        hit = self._hit(x, y)
        self._set_hand(hit is not None and hit[1] >= 0)
        if hit != self._hover:
            self._hover = hit
            self.update()

    def _lane_at(self, y: float) -> int:
        g = self._g
        pitch = g.lane_h + g.lane_gap
        rel = y - g.lanes_top + g.lane_gap / 2
        lane = math.floor(rel / pitch)
        return lane if 0 <= lane < LANES else -1

    def _hit(self, x: float, y: float) -> tuple[str, int] | None:
        """What a click at (x, y) would act on: ("item", i), ("earlier"/"later", i) or None.

        Edge compartments return index -1 when they are empty.
        """
        g = self._g
        if x < g.x0 - 3:
            return ("earlier", self._nearest_outside_idx()[0])
        if x > g.x1 + 3:
            return ("later", self._nearest_outside_idx()[1])
        if y < g.lanes_top - 2 or not self._items:
            return None  # the ruler always seeks
        t = self.timeAt(x)
        tol = HIT_PX * (self._view[1] - self._view[0]) / (g.x1 - g.x0)
        lane = self._lane_at(y)
        if lane >= 0:
            exact = self._spans_at(lane, t, self._min_span_tol())
            if exact:
                return ("item", exact[0])
        ticks = self._ticks_near(t, tol, 1)
        if ticks:
            return ("item", ticks[0])
        if lane >= 0:
            near = self._spans_at(lane, t, tol)
            if near:
                return ("item", near[0])
        return None

    def _min_span_tol(self) -> float:
        """Half the minimum drawn span width, in seconds (spans are at least 2 px wide)."""
        g = self._g
        return (self._view[1] - self._view[0]) / (g.x1 - g.x0)

    def _spans_at(self, lane: int, t: float, tol: float) -> list[int]:
        """Spans in `lane` within `tol` of `t`: undimmed first, then shortest first."""
        starts, pmax, idx = self._lane_starts[lane], self._lane_pmax[lane], self._lane_idx[lane]
        k = bisect_right(starts, t + tol) - 1
        found: list[int] = []
        budget = 4000
        while k >= 0 and pmax[k] >= t - tol and budget:
            i = idx[k]
            if self._draw_end[i] >= t - tol:
                found.append(i)
            k -= 1
            budget -= 1
        dim, starts_all, ends = self._dim_flags, self._starts, self._draw_end
        found.sort(key=lambda i: (dim[i], ends[i] - starts_all[i]))
        return found

    def _ticks_near(self, t: float, tol: float, limit: int) -> list[int]:
        """Up to `limit` ticks within `tol` of `t`: undimmed first, then nearest first."""
        starts = self._tick_starts
        lo, hi = bisect_left(starts, t - tol), bisect_right(starts, t + tol)
        if lo >= hi:
            return []
        p = bisect_left(starts, t, lo, hi)
        # Walk outwards from t, nearest first, over a bounded number of candidates.
        a, b = p - 1, p
        cand: list[int] = []
        while (a >= lo or b < hi) and len(cand) < 64:
            if b >= hi or (a >= lo and t - starts[a] <= starts[b] - t):
                cand.append(self._tick_idx[a])
                a -= 1
            else:
                cand.append(self._tick_idx[b])
                b += 1
        dim = self._dim_flags
        cand.sort(key=lambda i: dim[i])  # stable: keeps nearest-first within each class
        return cand[:limit]

    def _items_under(self, x: float, y: float) -> tuple[list[int], int]:
        """Items for the tooltip at (x, y) and how many more there are."""
        g = self._g
        t = self.timeAt(x)
        tol = HIT_PX * (self._view[1] - self._view[0]) / (g.x1 - g.x0)
        lane = self._lane_at(y)
        found: list[int] = []
        if lane >= 0:
            found = self._spans_at(lane, t, self._min_span_tol())
        if not found:
            found = self._ticks_near(t, tol, 64)
        if not found and lane >= 0:
            found = self._spans_at(lane, t, tol)
        return found[:8], max(0, len(found) - 8)

    # ---- text ----------------------------------------------------------------------------
    def _fmt_time(self, t: float, year: bool = True) -> str:
        m = datetime.fromtimestamp(t, self._tz)
        return f"{_fmt_day(m, year=year)}, {m:%H:%M}"

    def _item_when(self, i: int) -> str:
        s, e = self._starts[i], self._ends[i]
        ms = datetime.fromtimestamp(s, self._tz)
        if self._items[i].precise:
            if not self._is_span[i]:
                return f"{_fmt_day(ms)}, {ms:%H:%M}"
            return f"{self._fmt_time(s)} to {self._fmt_time(e)}"
        last = datetime.fromtimestamp(max(s, e - 1), self._tz)
        if e - s < DAY - 1:
            return f"{_fmt_day(ms)}, about {ms:%H:%M}-{last:%H}:59 (approximate)"
        if ms.date() == last.date():
            return f"{_fmt_day(ms)} (time not known)"
        return f"{_fmt_day(ms, weekday=False)} to {_fmt_day(last, weekday=False)} (approximate)"

    def _tooltip(self, x: float, y: float) -> tuple[str, QRect]:
        g = self._g
        hit = self._hit(x, y)
        if hit is not None and hit[0] in ("earlier", "later"):
            before, after = self.outsideCounts()
            count = before if hit[0] == "earlier" else after
            left = hit[0] == "earlier"
            rect = QRect(0, 0, math.ceil(g.x0 - 3), self.height())
            if not left:
                rect = QRect(math.floor(g.x1 + 3), 0, self.width(), self.height())
            if count == 0:
                return (f"No events {'before' if left else 'after'} the visible range", rect)
            i = hit[1]
            word = "before" if left else "after"
            return (
                f"{count} event{'s' if count != 1 else ''} {word} the visible range.<br>"
                f"Click to go to the nearest: <b>{html.escape(self._items[i].label)}</b>"
                f"<br>{html.escape(self._item_when(i))}",
                rect,
            )
        if not (g.x0 <= x <= g.x1):
            return "", QRect()
        rect = QRect(round(x) - 2, 0, 5, self.height())
        when = html.escape(self._fmt_time(self.timeAt(x)))
        found, more = self._items_under(x, y) if y >= g.lanes_top - 2 else ([], 0)
        if not found:
            return f"<span style='white-space:nowrap'>{when}</span>", rect
        rows = []
        for i in found:
            color = self._colors[i].name()
            rows.append(
                f"<tr><td style='color:{color}'>&#9679;</td>"
                f"<td><b>{html.escape(self._items[i].label)}</b><br>"
                f"<small>{html.escape(self._item_when(i))}</small></td></tr>"
            )
        if more:
            rows.append(f"<tr><td></td><td><i>and {more} more</i></td></tr>")
        return f"<table cellspacing=2>{''.join(rows)}</table><small>{when}</small>", rect

    # ---- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if self.width() <= 0 or self.height() <= 0:
            return
        layer = self._ensure_layer()
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, layer)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_dynamic(p)
        finally:
            p.end()

    def _paint_dynamic(self, p: QPainter) -> None:
        """Highlights, hover and cursor: cheap, painted on every update."""
        theme = self._theme_or_make()
        g = self._g
        p.save()
        p.setClipRect(QRectF(g.x0, 0, g.x1 - g.x0, self.height()))
        self._paint_strong(p, g, self._emphasised())
        if self._hover is not None and self._hover[0] == "item":
            self._paint_item_emphasis(p, self._hover[1], strong=False)
        p.restore()
        if self._hover is not None and self._hover[0] != "item" and self._hover[1] >= 0:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(_alpha(theme.text, 0.06))
            p.drawRoundedRect(self._edge_rect(self._hover[0] == "earlier"), 5, 5)
        self._paint_cursor(p, theme)
        if self.hasFocus():
            p.setPen(QPen(_alpha(self.palette().color(QPalette.ColorRole.Highlight), 0.8), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 5, 5)

    def _paint_strong(self, p: QPainter, g: _Geometry, items: list[int]) -> None:
        """The strong emphasis of `items`, as `_paint_item_emphasis` paints it, with the
        geometry looked up once for all of them (hundreds a move at 100,000 events: the
        per-item lookups were half the strip's time). Ticks keep their own painter."""
        vs, ve = self._view
        x0, span, duration = g.x0, g.x1 - g.x0, ve - vs
        lo_x, hi_x = g.x0 - 12.0, g.x1 + 12.0
        top0, step, height = g.lanes_top, g.lane_h + g.lane_gap, g.lane_h - 1.0
        starts, ends, lanes = self._starts, self._draw_end, self._lane
        for i in items:
            lane = lanes[i]
            if lane < 0:
                self._paint_item_emphasis(p, i, strong=True)
                continue
            s, e = starts[i], ends[i]
            if e < vs or s > ve:
                continue
            x = x0 + (s - vs) * span / duration  # as xAt
            a = max(x, lo_x)
            b = min(max(x0 + (e - vs) * span / duration, x + 2.0), hi_x)
            top = top0 + lane * step + 0.5
            sprite = self._emphasis_sprite(i, round(b - a - 1.0), height)
            p.drawPixmap(QPointF(a + 0.5 - _GLOW, top - _GLOW), sprite)

    def _emphasised(self) -> list[int]:
        """The highlighted items to emphasise, in drawing order: those in view. When there
        are many (thousands at 100,000 events, each costing several antialiased shapes on
        every update), a span wholly under spans emphasised after it in its lane is left
        out, and so is a tick drawn at the same pixel and colour as a later one."""
        vs, ve = self._view
        starts, ends, lanes = self._starts, self._draw_end, self._lane
        shown = [i for i in self._hl_idx if ends[i] >= vs and starts[i] <= ve]
        if len(shown) <= EMPHASIS_EACH:
            return shown
        g = self._g
        lo_x, hi_x = g.x0 - 12.0, g.x1 + 12.0
        scale = (g.x1 - g.x0) / (ve - vs)  # xAt(t) is g.x0 + (t - vs) * scale
        keep: set[int] = set()
        ticks: dict[tuple[int, int], int] = {}
        by_lane: dict[int, list[int]] = {}
        for i in shown:
            if lanes[i] < 0:
                x = g.x0 + (starts[i] - vs) * scale
                ticks[round(x), self._cidx[i]] = i  # the last one drawn wins
            else:
                by_lane.setdefault(lanes[i], []).append(i)
        keep.update(ticks.values())
        for members in by_lane.values():
            spans = []
            for i in members:  # placed as `_paint_item_emphasis` places them
                x = g.x0 + (starts[i] - vs) * scale
                end_x = g.x0 + (ends[i] - vs) * scale
                spans.append((max(x, lo_x), min(max(end_x, x + 2.0), hi_x)))
            keep.update(members[k] for k in _uncovered(spans))
        return [i for i in shown if i in keep]

    def _theme_or_make(self) -> _Theme:
        if self._theme is None:
            self._theme = self._make_theme()
        return self._theme

    def _ensure_layer(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        size = QSize(math.ceil(self.width() * dpr), math.ceil(self.height() * dpr))
        layer = self._layer
        if layer is None or layer.size() != size or layer.devicePixelRatioF() != dpr:
            layer = QPixmap(size)
            layer.setDevicePixelRatio(dpr)
            self._layer = layer
            self._layer_dirty = True
        if self._layer_dirty:
            self._layer_dirty = False
            layer.fill(self._theme_or_make().window)
            p = QPainter(layer)
            try:
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
                self._paint_layer(p)
            finally:
                p.end()
        return layer

    def _edge_rect(self, left: bool) -> QRectF:
        g = self._g
        x = 2.0 if left else self.width() - g.edge_w - 2.0
        return QRectF(x, 2.0, g.edge_w, self.height() - 4.0)

    def _paint_layer(self, p: QPainter) -> None:
        g = self._g
        theme = self._theme_or_make()
        h = float(self.height())
        plot = QRectF(g.x0, 2.0, g.x1 - g.x0, h - 4.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.band)
        p.drawRoundedRect(plot, 5, 5)
        p.save()
        p.setClipRect(QRectF(g.x0, 0, g.x1 - g.x0, h))
        p.setBrush(theme.ruler)
        p.drawRoundedRect(QRectF(g.x0, 2.0, g.x1 - g.x0, g.ruler_h - 2.0), 5, 5)
        p.drawRect(QRectF(g.x0, 8.0, g.x1 - g.x0, g.ruler_h - 8.0))
        self._paint_ruler(p, theme)
        # faint lane guides and the tick baseline
        p.setPen(QPen(theme.grid_minor, 1))
        p.drawLine(QLineF(g.x0, g.bottom + 0.5, g.x1, g.bottom + 0.5))
        self._paint_spans(p)
        self._paint_ticks(p)
        p.restore()
        p.setPen(QPen(theme.grid_major, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(plot.adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        before, after = self.outsideCounts()
        self._paint_edge(p, theme, True, before)
        self._paint_edge(p, theme, False, after)

    # ruler ---------------------------------------------------------------------------------
    def _local_midnight(self, d: date) -> float:
        return datetime(d.year, d.month, d.day, tzinfo=self._tz).timestamp()

    def _ruler_marks(
        self, vs: float, ve: float, ppd: float
    ) -> tuple[list[tuple[float, str, str]], list[float], list[tuple[float, str]]]:
        """Labelled boundaries (t, label, sticky label), minor lines, minor labels.

        The unit is the finest whose labels fit: days with weekday, days, every 2 days,
        weeks, months, quarters, half-years, then years in 1-2-5 steps.
        """
        pad = 14.0
        tz = self._tz
        majors: list[tuple[float, str, str]] = []
        minors: list[float] = []
        minor_labels: list[tuple[float, str]] = []
        d0 = datetime.fromtimestamp(vs, tz).date()
        d1 = datetime.fromtimestamp(ve, tz).date()
        midnight = self._local_midnight

        def days(step: int = 1) -> list[date]:
            first, last = d0.toordinal() - step, d1.toordinal() + 1
            if step == 7:  # weeks start on Monday (ordinal 1 was a Monday)
                return [date.fromordinal(o) for o in range(first, last + 1) if o % 7 == 1]
            return [date.fromordinal(o) for o in range(first, last + 1) if o % step == 0]

        def months(step: int) -> list[date]:
            y, m = d0.year, d0.month - 1
            m -= m % step
            out = []
            while (y, m) <= (d1.year, d1.month - 1) and y < 9999:
                out.append(date(y, m + 1, 1))
                m += step
                if m > 11:
                    y, m = y + 1, m - 12
            return out

        need = self._day_label_w
        if self._day_label_w + pad > ppd >= 40:  # measure the labels actually in view
            fmb = QFontMetricsF(self._bold)
            need = max(fmb.horizontalAdvance(_fmt_day(d, year=False)) for d in days())
        if ppd >= need + 10.0:
            for d in days():
                text = _fmt_day(d, year=False)
                majors.append((midnight(d), text, text))
            hour_px = {step: ppd * step / 24 for step in (1, 2, 3, 6, 12)}
            label_step = next((s for s, px in hour_px.items() if px >= self._h_label_w + pad), 0)
            line_step = next((s for s, px in hour_px.items() if px >= 14), 0)
            if line_step:
                for d in days():
                    for hour in range(line_step, 24, line_step):
                        t = datetime(d.year, d.month, d.day, hour, tzinfo=tz).timestamp()
                        minors.append(t)
                        if label_step and hour % label_step == 0:
                            minor_labels.append((t, f"{hour:02d}:00"))
        elif ppd * 7 >= self._dm_label_w + pad:
            step = next(s for s in (1, 2, 7) if ppd * s >= self._dm_label_w + pad)
            for d in days(step):
                text = _fmt_day(d, weekday=False, year=False)
                majors.append((midnight(d), text, text))
            if step > 1 and ppd >= 6:
                minors = [midnight(d) for d in days()]
            elif step == 1 and ppd / 4 >= 8:
                minors = [
                    datetime(d.year, d.month, d.day, hr, tzinfo=tz).timestamp()
                    for d in days()
                    for hr in (6, 12, 18)
                ]
        elif ppd * 28 * 6 >= self._my_label_w + pad:
            step = next(s for s in (1, 3, 6) if ppd * 28 * s >= self._my_label_w + pad)
            for d in months(step):
                full = f"{_MONTHS[d.month - 1]} {d.year}"
                majors.append((midnight(d), full if d.month == 1 else full[:3], full))
            if ppd * 7 >= 6:
                minors = [midnight(d) for d in days(7)]
            elif step > 1:
                minors = [midnight(d) for d in months(1)]
        else:
            steps = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
            step = next((s for s in steps if ppd * 365 * s >= self._y_label_w + pad), 1000)
            y0, y1 = max(1, d0.year - d0.year % step), min(9999, d1.year + 1)
            for y in range(y0, y1 + 1, step):
                majors.append((midnight(date(y, 1, 1)), str(y), str(y)))
            if step == 1 and ppd * 28 >= 6:
                minors = [midnight(d) for d in months(1)]
            elif step > 1 and ppd * 365 >= 6:
                minors = [midnight(date(y, 1, 1)) for y in range(y0, y1 + 1)]
        return majors, minors, minor_labels

    def _paint_ruler(self, p: QPainter, theme: _Theme) -> None:
        g = self._g
        vs, ve = self._view
        ppd = (g.x1 - g.x0) * DAY / (ve - vs)  # pixels per day
        majors, minors, minor_labels = self._ruler_marks(vs, ve, ppd)
        top, bottom = g.ruler_h, g.bottom
        p.setPen(QPen(theme.grid_minor, 1))
        p.drawLine(QLineF(g.x0, top + 0.5, g.x1, top + 0.5))
        lines = []  # minor marks: short ruler ticks plus a whisper of a line below
        body = []
        for t in minors:
            x = round(self.xAt(t)) + 0.5
            if g.x0 < x < g.x1:
                lines.append(QLineF(x, top - 4.0, x, top))
                body.append(QLineF(x, top, x, bottom))
        if lines:
            p.setPen(QPen(theme.grid_whisper, 1))
            p.drawLines(body)
            p.setPen(QPen(theme.grid_major, 1))
            p.drawLines(lines)
        marks = [(self.xAt(t), text, sticky) for t, text, sticky in majors]
        lines = [QLineF(round(x) + 0.5, 3.0, round(x) + 0.5, bottom) for x, *_ in marks]
        lines = [line for line in lines if g.x0 < line.x1() < g.x1]
        if lines:
            p.setPen(QPen(theme.grid_major, 1))
            p.drawLines(lines)
        fm = QFontMetricsF(self._small)
        fmb = QFontMetricsF(self._bold)
        baseline = round((g.ruler_h + fm.ascent() - fm.descent()) / 2 + 1.0)
        right = g.x1 - 3.0
        taken: list[tuple[float, float]] = []  # label extents, so minor labels never overlap
        p.setFont(self._bold)
        p.setPen(theme.label)
        inside = [(x, text) for x, text, _s in marks if g.x0 - 1 <= x < g.x1]
        for x, text in inside:
            left = round(x) + 4.0
            end = left + fmb.horizontalAdvance(text)
            if end <= right:
                p.drawText(QPointF(left, baseline), text)
                taken.append((left - 4.0, end + 8.0))
        # Sticky label: the period the window starts in, pushed out by the next label.
        before = [sticky for x, _t, sticky in marks if x < g.x0 - 1]
        if before:
            text = before[-1]
            w = fmb.horizontalAdvance(text)
            left = g.x0 + 5.0
            if inside:
                left = min(left, round(inside[0][0]) - w - 8.0)
            if left >= g.x0 + 5.0 - w * 0.4 and left + w <= right:
                p.drawText(QPointF(left, baseline), text)
                taken.append((left - 4.0, left + w + 8.0))
        p.setFont(self._small)
        p.setPen(theme.label_minor)
        for t, text in minor_labels:
            left = round(self.xAt(t)) + 4.0
            end = left + fm.horizontalAdvance(text)
            if left < g.x0 or end > right or any(a < end and left < b for a, b in taken):
                continue
            p.drawText(QPointF(left, baseline), text)

    # items ---------------------------------------------------------------------------------
    def _lane_y(self, lane: int) -> float:
        g = self._g
        return g.lanes_top + lane * (g.lane_h + g.lane_gap)

    def _span_colors(self, color: QColor, dimmed: bool) -> tuple[QColor, QColor]:
        """(fill, border) for a sharp span."""
        if dimmed:
            grey = _mix(color, self._theme_or_make().band, 0.55)
            return _alpha(grey, 0.35), _alpha(grey, 0.5)
        return _alpha(color, 0.45), _alpha(color.darker(115), 0.95)

    def _paint_spans(self, p: QPainter) -> None:
        g = self._g
        vs, ve = self._view
        scale = (g.x1 - g.x0) / (ve - vs)
        x0 = g.x0
        lo_x, hi_x = g.x0 - 8.0, g.x1 + 8.0
        band = self._theme_or_make().band
        for grp in self._span_groups:
            starts, pmax = grp.starts, grp.pmax
            i = bisect_right(pmax, vs)
            hi = bisect_left(starts, ve)
            runs: list[tuple[float, float]] = []
            while i < hi:
                rx0 = x0 + (starts[i] - vs) * scale
                rx1 = x0 + (pmax[i] - vs) * scale
                j = i + 1
                while j < hi:
                    limit = max(rx1 - 0.5, rx0 + 1.5)
                    k = bisect_left(starts, vs + (limit - x0) / scale, j, hi)
                    if k <= j:
                        break
                    rx1 = max(rx1, x0 + (pmax[k - 1] - vs) * scale)
                    j = k
                runs.append((max(rx0, lo_x), min(max(rx1, rx0 + 2.0), hi_x)))
                i = j
            if not runs:
                continue
            y = self._lane_y(grp.lane)
            lh = g.lane_h
            if grp.imprecise:
                self._paint_soft_runs(p, runs, y, lh, grp.color, grp.dimmed, band)
                continue
            fill, border = self._span_colors(grp.color, grp.dimmed)
            narrow = [QRectF(a, y, b - a, lh) for a, b in runs if b - a < 7]
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            if narrow:
                p.drawRects(narrow)
            p.setPen(QPen(border, 1))
            for a, b in runs:
                if b - a >= 7:
                    p.drawRoundedRect(QRectF(a + 0.5, y + 0.5, b - a - 1.0, lh - 1.0), 3, 3)

    def _paint_soft_runs(
        self,
        p: QPainter,
        runs: list[tuple[float, float]],
        y: float,
        lh: float,
        color: QColor,
        dimmed: bool,
        band: QColor,
    ) -> None:
        """Imprecise spans: a hatched wash fading out at both ends, no hard outline."""
        base = _mix(color, band, 0.55) if dimmed else color
        peak = 0.2 if dimmed else 0.42
        hatch = QBrush(_alpha(base, 0.35 if dimmed else 0.85), Qt.BrushStyle.BDiagPattern)
        p.setPen(Qt.PenStyle.NoPen)
        narrow = [QRectF(a, y + 1.0, max(b - a, 1.0), lh - 2.0) for a, b in runs if b - a < 13]
        if narrow:  # many small ones when zoomed out: batched, no gradient
            p.setBrush(_alpha(base, peak * 0.8))
            p.drawRects(narrow)
            p.setBrush(hatch)
            p.drawRects(narrow)
        edge_lo, edge_hi = _alpha(base, peak * 0.15), _alpha(base, peak)
        for a, b in runs:
            if b - a < 13:
                continue
            rect = QRectF(a + 0.5, y + 1.0, b - a - 1.0, lh - 2.0)
            w = rect.width()
            grad = QLinearGradient(rect.left(), 0, rect.right(), 0)
            edge = min(0.35, 10.0 / w)
            grad.setColorAt(0.0, edge_lo)
            grad.setColorAt(edge, edge_hi)
            grad.setColorAt(1.0 - edge, edge_hi)
            grad.setColorAt(1.0, edge_lo)
            p.setBrush(QBrush(grad))
            p.drawRoundedRect(rect, 3, 3)
            p.setBrush(hatch)
            p.drawRoundedRect(rect.adjusted(1.5, 0, -1.5, 0), 2, 2)
        # a faint dotted top edge reads as "somewhere in here"
        dots = [QLineF(a + 3, y + 0.5, b - 3, y + 0.5) for a, b in runs if b - a >= 13]
        if dots:
            p.setPen(QPen(_alpha(base, 0.35 if dimmed else 0.7), 1, Qt.PenStyle.DotLine))
            p.drawLines(dots)

    def _paint_ticks(self, p: QPainter) -> None:
        g = self._g
        vs, ve = self._view
        scale = (g.x1 - g.x0) / (ve - vs)
        x0 = g.x0
        top, bottom = g.ticks_top, g.bottom
        visible = bisect_right(self._tick_starts, ve) - bisect_left(self._tick_starts, vs)
        if visible == 0:
            return
        band = self._theme_or_make().band
        if visible <= SPARSE_TICKS:
            diamond_r = 4.0
            for grp in self._tick_groups:
                starts = grp.starts
                lo, hi = bisect_left(starts, vs), bisect_right(starts, ve)
                if lo >= hi:
                    continue
                color = _mix(grp.color, band, 0.55) if grp.dimmed else grp.color
                alpha = 0.45 if grp.dimmed else 0.95
                xs = [x0 + (starts[k] - vs) * scale for k in range(lo, hi)]
                p.setPen(_pen(_alpha(color, alpha), 1.5, Qt.PenCapStyle.FlatCap))
                p.drawLines([QLineF(x, top + diamond_r * 2, x, bottom) for x in xs])
                p.setPen(QPen(_alpha(band, 0.9), 1))
                p.setBrush(_alpha(color, alpha))
                for x in xs:
                    cy = top + diamond_r
                    p.drawPolygon(
                        QPolygonF(
                            [
                                QPointF(x, cy - diamond_r),
                                QPointF(x + diamond_r, cy),
                                QPointF(x, cy + diamond_r),
                                QPointF(x - diamond_r, cy),
                            ]
                        )
                    )
            return
        # Dense: a stacked histogram, one 1-px segment per pixel column per colour; the
        # column height grows with the log of its count, so sparse ticks stay visible.
        per_group: list[tuple[_Group, list[tuple[int, int]]]] = []
        totals: dict[int, int] = {}
        for grp in self._tick_groups:
            starts = grp.starts
            i, hi = bisect_left(starts, vs), bisect_right(starts, ve)
            cols: list[tuple[int, int]] = []
            while i < hi:
                col = math.floor(x0 + (starts[i] - vs) * scale)
                j = bisect_left(starts, vs + (col + 1 - x0) / scale, i + 1, hi)
                cols.append((col, j - i))
                totals[col] = totals.get(col, 0) + j - i
                i = j
            if cols:
                per_group.append((grp, cols))
        if not totals:
            return
        height = bottom - top
        norm = height / math.log1p(max(totals.values()))
        col_h = {col: max(2.0, math.log1p(n) * norm) for col, n in totals.items()}
        filled = dict.fromkeys(totals, 0.0)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for grp, cols in per_group:
            lines: list[QLineF] = []
            for col, n in cols:
                seg = col_h[col] * n / totals[col]
                y1 = bottom - filled[col]
                filled[col] += seg
                lines.append(QLineF(col + 0.5, y1, col + 0.5, y1 - seg))
            color = _mix(grp.color, band, 0.55) if grp.dimmed else grp.color
            pen = QPen(_alpha(color, 0.5 if grp.dimmed else 0.9), 1.0)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            p.setPen(pen)
            p.drawLines(lines)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def _paint_item_emphasis(self, p: QPainter, i: int, strong: bool) -> None:
        """A highlighted (strong) or hovered item, over the cached layer."""
        g = self._g
        vs, ve = self._view
        s, e = self._starts[i], self._draw_end[i]
        if e < vs or s > ve:
            return
        color = self._colors[i]
        x = self.xAt(s)
        if self._lane[i] < 0:
            top, bottom = g.ticks_top, g.bottom
            r = 5.0 if strong else 4.5
            cy = top + 4.0
            if strong:
                p.setPen(_pen(_alpha(color, 0.18), 9, Qt.PenCapStyle.RoundCap))
                p.drawLine(QLineF(x, cy, x, bottom - 2))
                p.setPen(_pen(_alpha(color, 0.3), 5, Qt.PenCapStyle.RoundCap))
                p.drawLine(QLineF(x, cy, x, bottom - 2))
                p.setPen(_pen(color.lighter(110), 2.5, Qt.PenCapStyle.FlatCap))
                p.drawLine(QLineF(x, cy, x, bottom))
            diamond = QPolygonF(
                [QPointF(x, cy - r), QPointF(x + r, cy), QPointF(x, cy + r), QPointF(x - r, cy)]
            )
            if strong:
                p.setPen(QPen(self._theme_or_make().band, 1.2))
                p.setBrush(color.lighter(110))
            else:
                p.setPen(QPen(self._theme_or_make().text, 1.2))
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolygon(diamond)
            return
        lo_x, hi_x = g.x0 - 12.0, g.x1 + 12.0
        a = max(x, lo_x)
        b = min(max(self.xAt(e), x + 2.0), hi_x)
        rect = QRectF(a + 0.5, self._lane_y(self._lane[i]) + 0.5, b - a - 1.0, g.lane_h - 1.0)
        if not strong:
            p.setPen(QPen(_alpha(self._theme_or_make().text, 0.75), 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 4, 4)
            return
        sprite = self._emphasis_sprite(i, round(rect.width()), rect.height())
        p.drawPixmap(QPointF(rect.x() - _GLOW, rect.y() - _GLOW), sprite)

    def _emphasis_sprite(self, i: int, width: int, height: float) -> QPixmap:
        """A highlighted span's look, drawn once per colour, precision and size: each is
        several antialiased shapes (~0.2 ms), a copy of the drawing a fraction of that."""
        precise = self._items[i].precise
        key = (self._cidx[i], precise, width, height)
        sprite = self._sprites.get(key)
        if sprite is None:
            dpr = self.devicePixelRatioF()
            size = QSize(
                math.ceil((width + 2 * _GLOW) * dpr), math.ceil((height + 2 * _GLOW) * dpr)
            )
            nbytes = size.width() * size.height() * 4
            if self._sprite_bytes + nbytes > SPRITE_BYTES:
                self._sprites.clear()
                self._sprite_bytes = 0
            self._sprite_bytes += nbytes
            sprite = QPixmap(size)
            sprite.setDevicePixelRatio(dpr)
            sprite.fill(Qt.GlobalColor.transparent)
            painter = QPainter(sprite)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                rect = QRectF(_GLOW, _GLOW, width, height)
                _paint_span_emphasis(painter, rect, self._colors[i], precise)
            finally:
                painter.end()
            self._sprites[key] = sprite
        return sprite

    # edges and cursor ----------------------------------------------------------------------
    def _paint_edge(self, p: QPainter, theme: _Theme, left: bool, count: int) -> None:
        rect = self._edge_rect(left)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.edge)
        p.drawRoundedRect(rect, 5, 5)
        ink = _alpha(theme.text, 0.85 if count else 0.3)
        fmb = QFontMetricsF(self._bold)
        fm = QFontMetricsF(self._small)
        number = str(count) if count < 10000 else f"{min(count // 1000, 999)}k"
        word = "earlier" if left else "later"
        arrow_w, gap = 6.0, 4.0
        nw = fmb.horizontalAdvance(number)
        total = arrow_w + gap + nw
        cx, cy = rect.center().x(), rect.center().y()
        line1 = cy - 1.0
        x = cx - total / 2
        ax = x if left else x + nw + gap
        nx = x + arrow_w + gap if left else x
        mid = line1 - fmb.ascent() / 2 + fmb.descent() / 2
        tri = (
            [QPointF(ax, mid), QPointF(ax + arrow_w, mid - 4.5), QPointF(ax + arrow_w, mid + 4.5)]
            if left
            else [QPointF(ax + arrow_w, mid), QPointF(ax, mid - 4.5), QPointF(ax, mid + 4.5)]
        )
        p.setBrush(ink)
        p.drawPolygon(QPolygonF(tri))
        p.setPen(ink)
        p.setFont(self._bold)
        p.drawText(QPointF(nx, line1), number)
        p.setFont(self._small)
        p.setPen(_alpha(theme.text, 0.6 if count else 0.3))
        p.drawText(QPointF(cx - fm.horizontalAdvance(word) / 2, line1 + fm.height()), word)

    def _paint_cursor(self, p: QPainter, theme: _Theme) -> None:
        t = self._current
        if not math.isfinite(t):
            return
        g = self._g
        vs, ve = self._view
        h = float(self.height())
        if t < vs or t > ve:  # off-screen: a small arrow at the plot edge says where
            left = t < vs
            x = g.x0 + 1.0 if left else g.x1 - 1.0
            d = 1.0 if left else -1.0
            y = g.ruler_h / 2 + 1
            tri = QPolygonF(
                [QPointF(x, y), QPointF(x + 8 * d, y - 5.5), QPointF(x + 8 * d, y + 5.5)]
            )
            p.setPen(QPen(theme.halo, 1.5))
            p.setBrush(theme.cursor)
            p.drawPolygon(tri)
            return
        x = round(self.xAt(t) * 2) / 2
        p.setPen(_pen(theme.halo, 4.0, Qt.PenCapStyle.FlatCap))
        p.drawLine(QLineF(x, 6.0, x, h - 3.0))
        p.setPen(_pen(theme.cursor, 2.0, Qt.PenCapStyle.FlatCap))
        p.drawLine(QLineF(x, 6.0, x, h - 3.0))
        # handle: a small pentagon "playhead" in the ruler
        hw, top, shoulder, tip = 5.0, 2.5, g.ruler_h - 7.0, g.ruler_h - 1.0
        handle = QPolygonF(
            [
                QPointF(x - hw, top),
                QPointF(x + hw, top),
                QPointF(x + hw, shoulder),
                QPointF(x, tip),
                QPointF(x - hw, shoulder),
            ]
        )
        p.setPen(QPen(theme.halo, 1.5))
        p.setBrush(theme.cursor)
        p.drawPolygon(handle)
        p.drawEllipse(QPointF(x, h - 4.0), 2.5, 2.5)
