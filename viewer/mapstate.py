"""What the map shows at a moment, computed so that a slider move costs little. Qt-free.

The window asks on every move which arcs have happened (and which event each place
shows: `TimeIndex.current_at_place`). Scanning every arc per move grows with the dataset
(16 ms per move at 10,000 events); this answers in a bisection plus work only for the
arcs that changed.
The page is told only which arcs appeared and went (the whole list was 240 KB of JSON
per move at 100,000 events).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import compress
from typing import Any

from .causality import CausalGraph, Trace, link_id
from .model import Link, Place
from .timeline import TimeIndex


class ArcSchedule:
    """Arcs that have happened by a time: those whose effect has started.

    `step` says which arcs changed since the previous moment asked (a bisection plus the
    arcs that changed); `at` lists them all, sorted by id, the same list object while it
    does not change (plus one C-speed pass when it does).
    """

    def __init__(self, arcs: Iterable[tuple[str, float]]) -> None:
        """`arcs`: (arc id, when its effect starts as a UTC timestamp)."""
        by_time = sorted(arcs, key=lambda arc: arc[1])
        self._starts = [when for _, when in by_time]
        by_id = sorted(range(len(by_time)), key=lambda i: by_time[i][0])
        self._ids = [by_time[i][0] for i in by_id]
        rank = [0] * len(by_time)
        for position, i in enumerate(by_id):
            rank[i] = position
        self._rank = rank  # where the i-th arc to happen stands in id order
        self._shown = bytearray(len(by_time))  # by id order: 1 if it has happened
        self._count = 0
        self._answer: list[str] | None = []

    def step(self, t: float) -> tuple[list[str], list[str]]:
        """(ids that happened, ids that un-happened) between the previous moment and `t`."""
        count = bisect_right(self._starts, t)
        if count == self._count:
            return [], []
        low, high = sorted((count, self._count))
        flag = 1 if count > self._count else 0
        changed = self._rank[low:high]
        for position in changed:
            self._shown[position] = flag
        self._count = count
        self._answer = None
        ids = [self._ids[position] for position in changed]
        return (ids, []) if flag else ([], ids)

    def at(self, t: float) -> list[str]:
        """Ids of the arcs whose effect starts at or before timestamp `t`, sorted."""
        self.step(t)
        if self._answer is None:
            self._answer = list(compress(self._ids, self._shown))
        return self._answer


class MapExtras:
    """The map's arcs, places hidden by filters and the traced chain, per moment.

    Filters and traces are recognised by identity: the window makes a new `visible` set
    and a new `Trace` whenever they change, and the answers for them are kept until then.
    Arcs are answered as changes since the previous call, which the page must have been
    sent: call `resend` when the page forgot them (it was reloaded).
    """

    def __init__(
        self, index: TimeIndex, graph: CausalGraph, places: Sequence[Place], arcs: Sequence[Link]
    ) -> None:
        """`arcs`: the links the map draws (see `causality.drawable_links`)."""
        self.index = index
        self.graph = graph
        self.places = places
        self.arcs = arcs
        self._visible: frozenset[str] | None = None
        self._schedule = ArcSchedule(())
        self._resend = True
        self._hidden_for: frozenset[str] | None = None
        self._hidden_filtered = False
        self._hidden: list[str] = []
        self._trace: Trace | None = None
        self._traced: tuple[list[str], list[str]] = ([], [])

    def at(
        self, t: float, visible: frozenset[str], filtered: bool, trace: Trace | None
    ) -> dict[str, Any]:
        """What `MainWindow` sends as "links", "hidden", "traced" and "tracedLinks".

        `visible`: ids of the events the filters let through; `filtered`: whether a filter
        is on (else nothing is hidden); `t`: the moment as a UTC timestamp.
        "links" is None if no arc changed since the previous call, else
        {"reset": bool, "on": [ids], "off": [ids]}: with reset, every arc shown is in "on"
        (after `resend`, and when the filters changed); else only those that changed.
        """
        links: dict[str, Any] | None
        if visible is not self._visible or self._resend:
            if visible is not self._visible:
                self._visible = visible
                self._schedule = ArcSchedule(self._arc_times(visible))
            self._resend = False
            links = {"reset": True, "on": list(self._schedule.at(t)), "off": []}
        else:
            on, off = self._schedule.step(t)
            links = {"reset": False, "on": on, "off": off} if on or off else None
        traced, traced_links = self._traced_for(trace)
        return {
            "links": links,
            "hidden": self._hidden_places(visible, filtered),
            "traced": traced,
            "tracedLinks": traced_links,
        }

    def resend(self) -> None:
        """The next `at` lists every arc shown (with reset), as for a new page."""
        self._resend = True

    def _arc_times(self, visible: frozenset[str]) -> list[tuple[str, float]]:
        position, starts = self.index.position, self.index.starts
        return [
            (link_id(link), starts[position[link.effect]])
            for link in self.arcs
            if link.cause in visible and link.effect in visible
        ]

    def _hidden_places(self, visible: frozenset[str], filtered: bool) -> list[str]:
        if visible is not self._hidden_for or filtered != self._hidden_filtered:
            self._hidden_for, self._hidden_filtered = visible, filtered
            self._hidden = hidden_places(self.places, self.index, visible) if filtered else []
        return self._hidden

    def _traced_for(self, trace: Trace | None) -> tuple[list[str], list[str]]:
        if trace is not self._trace:
            self._trace = trace
            self._traced = traced_parts(self.index, self.graph, trace) if trace else ([], [])
        return self._traced


def hidden_places(places: Iterable[Place], index: TimeIndex, visible: Iterable[str]) -> list[str]:
    """Ids of the places no visible event touches, sorted."""
    shown = {p for event_id in visible for p in index.by_id[event_id].places}
    return sorted(p.id for p in places if p.id not in shown)


def traced_parts(index: TimeIndex, graph: CausalGraph, trace: Trace) -> tuple[list[str], list[str]]:
    """The places of a traced chain and the ids of the links within it, each sorted."""
    chain = trace.events
    places = sorted({p for event_id in chain for p in index.by_id[event_id].places})
    return places, sorted(link_id(link) for link in graph.links_within(chain))


def merge_updates(first: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    """One page update that does what sending `first`, then `then`, would do.

    For a page still busy with an earlier update: places and arcs are sent as changes,
    so the update waiting behind it must keep those of every update it replaces.
    """
    merged = {**first, **then}
    merged["places"] = {**first.get("places", {}), **then.get("places", {})}
    before, after = first.get("links"), then.get("links")
    if before and after and not after["reset"]:
        off = set(after["off"])
        on = (set(before["on"]) - off) | set(after["on"])
        off |= set(before["off"]) - set(after["on"])
        merged["links"] = {"reset": before["reset"], "on": sorted(on), "off": sorted(off)}
    elif before and not after:
        merged["links"] = before
    return merged
