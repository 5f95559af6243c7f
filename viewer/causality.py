"""Cause and effect between events: which links to draw when, and tracing chains. Qt-free."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Dataset, Link


@dataclass(frozen=True, slots=True)
class Trace:
    """Everything that led to an event (causes) and everything it led to (effects)."""

    event: str
    causes: frozenset[str]
    effects: frozenset[str]

    @property
    def events(self) -> frozenset[str]:
        return self.causes | self.effects | {self.event}


class CausalGraph:
    def __init__(self, links: Iterable[Link]) -> None:
        self.links = tuple(links)
        self._causes: defaultdict[str, list[str]] = defaultdict(list)
        self._effects: defaultdict[str, list[str]] = defaultdict(list)
        for link in self.links:
            self._causes[link.effect].append(link.cause)
            self._effects[link.cause].append(link.effect)

    def _reach(self, start: str, edges: dict[str, list[str]]) -> frozenset[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen and nxt != start:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)

    def trace(self, event_id: str) -> Trace:
        return Trace(
            event_id, self._reach(event_id, self._causes), self._reach(event_id, self._effects)
        )

    def links_within(self, event_ids: frozenset[str]) -> list[Link]:
        return [k for k in self.links if k.cause in event_ids and k.effect in event_ids]

    def direct(self, event_id: str) -> tuple[list[Link], list[Link]]:
        """(links into the event, links out of it)."""
        into = [k for k in self.links if k.effect == event_id]
        out = [k for k in self.links if k.cause == event_id]
        return into, out


def link_id(link: Link) -> str:
    return f"{link.cause}>{link.effect}"


def drawable_links(dataset: Dataset) -> list[dict[str, object]]:
    """Links the map can draw as arcs: both events placed, at different places.

    An arc goes from the cause's first place to the effect's first place.
    """
    events = {e.id: e for e in dataset.events}
    places = {p.id: p for p in dataset.places}
    out: list[dict[str, object]] = []
    for link in dataset.links:
        cause, effect = events[link.cause], events[link.effect]
        if not cause.places or not effect.places:
            continue
        a, b = places[cause.places[0]], places[effect.places[0]]
        if a.id == b.id:
            continue
        out.append(
            {
                "id": link_id(link),
                "type": link.type,
                "cause": cause.title,
                "effect": effect.title,
                "from": [a.lat, a.lon],
                "to": [b.lat, b.lon],
            }
        )
    return out
