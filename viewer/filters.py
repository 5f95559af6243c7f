"""Filtering and searching events by category, actor, source and text. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Event
from .quotes import normalize_quote


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Empty sets mean "any". Text matches titles, summaries, quotes and actors."""

    categories: frozenset[str] = field(default_factory=frozenset)
    actors: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.categories or self.actors or self.sources or self.text.strip())

    def matches(self, event: Event) -> bool:
        if self.categories and event.category not in self.categories:
            return False
        if self.actors and not self.actors.intersection(event.actors):
            return False
        if self.sources:
            cited = {c.source for c in event.citations}
            cited |= {v.source for claim in event.claims for v in claim.values}
            if not self.sources.intersection(cited):
                return False
        needle = _fold(self.text)
        return not needle or needle in searchable_text(event)


def _fold(text: str) -> str:
    return normalize_quote(text).casefold()


def searchable_text(event: Event) -> str:
    parts = [event.title, event.summary, *event.actors, *(c.quote for c in event.citations)]
    parts += [f"{v.value} {v.quote}" for claim in event.claims for v in claim.values]
    return _fold(" \n ".join(parts))


def visible_events(events: tuple[Event, ...], event_filter: EventFilter) -> frozenset[str]:
    if not event_filter.active:
        return frozenset(e.id for e in events)
    return frozenset(e.id for e in events if event_filter.matches(e))
