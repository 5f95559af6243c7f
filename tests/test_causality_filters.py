"""Tracing cause and effect, drawable links, and event filters, on the real dataset."""

from __future__ import annotations

import pytest
from conftest import REPO

from viewer.causality import CausalGraph, drawable_links
from viewer.dataset import load_dataset
from viewer.filters import EventFilter, visible_events
from viewer.model import Dataset


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset(REPO / "places.json")


def test_trace_follows_links_both_ways(data: Dataset) -> None:
    graph = CausalGraph(data.links)
    trace = graph.trace("embassy-siege")
    # The chain of the product card: rocket attack -> strikes -> ... -> siege -> drone strike.
    assert {"k1-rocket-attack", "us-strikes-kataib-hezbollah"} <= trace.causes
    assert "soleimani-drone-strike" in trace.effects
    assert "embassy-siege" not in trace.causes | trace.effects
    # Exactly the transitive closure of the links.
    expected_causes: set[str] = set()
    frontier = {"embassy-siege"}
    while frontier:
        frontier = {k.cause for k in data.links if k.effect in frontier} - expected_causes
        expected_causes |= frontier
    assert trace.causes == expected_causes - {"embassy-siege"}


def test_links_drawn_between_different_places(data: Dataset) -> None:
    arcs = drawable_links(data)
    assert arcs
    for arc in arcs:
        assert arc["from"] != arc["to"]
    ids = {a["id"] for a in arcs}
    assert "k1-rocket-attack>us-strikes-kataib-hezbollah" in ids


def test_filters(data: Dataset) -> None:
    everything = visible_events(data.events, EventFilter())
    assert len(everything) == len(data.events)
    strikes = visible_events(data.events, EventFilter(categories=frozenset({"strike"})))
    assert strikes and all(data.event(e).category == "strike" for e in strikes)
    cbs = visible_events(data.events, EventFilter(sources=frozenset({"cbs"})))
    assert cbs and all(
        any(c.source == "cbs" for c in data.event(e).citations)
        or any(v.source == "cbs" for cl in data.event(e).claims for v in cl.values)
        for e in cbs
    )
    # Search covers quotes, case- and quote-character-insensitively.
    found = visible_events(data.events, EventFilter(text="BUZZSAW"))
    assert found == {"milley-buzzsaw"}
    assert visible_events(data.events, EventFilter(text="no such words anywhere")) == frozenset()
