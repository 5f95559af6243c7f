"""The map's per-move state (viewer.mapstate) against brute-force references. Qt-free."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from benches.synth import generate
from viewer.causality import CausalGraph, Trace, drawable_links, link_id
from viewer.dataset import load_dataset
from viewer.filters import EventFilter, visible_events
from viewer.mapstate import ArcSchedule, MapExtras, merge_updates
from viewer.model import Dataset, Link
from viewer.timeline import TimeIndex, ts


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_dataset(generate(1500, tmp_path_factory.mktemp("synth"), n_places=40))


def moments(data: Dataset, index: TimeIndex, count: int) -> list[datetime]:
    """A drag across the crisis weeks, jumps anywhere, and event starts exactly."""
    rng = random.Random(7)
    span = data.core_end - data.core_start
    out = [data.core_start + span * (i / count) for i in range(count)]
    lo, hi = index.first_start, index.last_end + timedelta(days=1)
    out += [lo + (hi - lo) * rng.random() for _ in range(count)]
    out += [rng.choice(index.events).start for _ in range(count)]
    rng.shuffle(out[count:])
    return out


def test_current_at_place_is_each_places_last_current_event(data: Dataset) -> None:
    index = TimeIndex(data)
    checked = 0
    for moment in moments(data, index, 60):
        current = index.active_at(moment)
        for place in data.places:
            here = [e for e in current if place.id in e.places]  # what the window did
            assert index.current_at_place(place.id, moment) is (here[-1] if here else None)
            checked += bool(here)
    assert checked > 100


def reference_extras(
    data: Dataset,
    index: TimeIndex,
    graph: CausalGraph,
    arcs: list[Link],
    t: float,
    visible: frozenset[str],
    filtered: bool,
    trace: Trace | None,
) -> dict[str, list[str]]:
    """MainWindow._map_extras as it was: every arc and every place, on every move."""
    links = sorted(
        link_id(link)
        for link in arcs
        if ts(index.by_id[link.effect].start) <= t
        and link.cause in visible
        and link.effect in visible
    )
    hidden: list[str] = []
    if filtered:
        shown = {p for e in visible for p in index.by_id[e].places}
        hidden = sorted(p.id for p in data.places if p.id not in shown)
    traced: list[str] = []
    traced_links: list[str] = []
    if trace is not None:
        traced = sorted({p for e in trace.events for p in index.by_id[e].places})
        traced_links = sorted(link_id(k) for k in graph.links_within(trace.events))
    return {"links": links, "hidden": hidden, "traced": traced, "tracedLinks": traced_links}


class PageArcs:
    """The arcs a page shows, kept up to date from the changes MapExtras answers."""

    def __init__(self) -> None:
        self.shown: set[str] = set()

    def apply(self, links: dict[str, Any] | None) -> list[str]:
        if links is not None:
            if links["reset"]:
                self.shown.clear()
            assert not set(links["on"]) & set(links["off"])
            self.shown -= set(links["off"])
            self.shown |= set(links["on"])
        return sorted(self.shown)


def test_map_extras_match_a_full_scan(data: Dataset) -> None:
    index = TimeIndex(data)
    graph = CausalGraph(data.links)
    drawn = {str(arc["id"]) for arc in drawable_links(data)}
    arcs = [link for link in data.links if link_id(link) in drawn]
    assert len(arcs) > 100
    extras = MapExtras(index, graph, data.places, arcs)
    everything = visible_events(index.events, EventFilter())
    strikes = visible_events(index.events, EventFilter(categories=frozenset({"strike"})))
    chain = graph.trace(data.links[len(data.links) // 2].effect)
    settings: list[tuple[frozenset[str], bool, Trace | None]] = [
        (everything, False, None),
        (strikes, True, None),
        (strikes, True, chain),
        (everything, False, chain),
        (everything, False, None),
    ]
    page = PageArcs()
    for visible, filtered, trace in settings:
        for moment in moments(data, index, 25):
            t = ts(moment)
            expected = reference_extras(data, index, graph, arcs, t, visible, filtered, trace)
            got = extras.at(t, visible, filtered, trace)
            assert page.apply(got.pop("links")) == expected.pop("links")
            assert got == expected


def test_map_extras_send_arcs_as_changes(data: Dataset) -> None:
    """Only arcs that changed, a full list (reset) after `resend` or a new filter."""
    index = TimeIndex(data)
    graph = CausalGraph(data.links)
    drawn = {str(arc["id"]) for arc in drawable_links(data)}
    extras = MapExtras(index, graph, data.places, [k for k in data.links if link_id(k) in drawn])
    everything = visible_events(index.events, EventFilter())
    start, end = ts(data.core_start), ts(data.core_end)
    first = extras.at(start, everything, False, None)["links"]
    assert first["reset"] and first["off"] == []
    assert extras.at(start, everything, False, None)["links"] is None  # nothing changed
    later = extras.at(end, everything, False, None)["links"]
    assert not later["reset"] and later["on"] and not later["off"]
    assert not set(later["on"]) & set(first["on"])
    back = extras.at(start, everything, False, None)["links"]
    assert sorted(back["off"]) == sorted(later["on"]) and back["on"] == []
    extras.resend()
    again = extras.at(start, everything, False, None)["links"]
    assert again["reset"] and sorted(again["on"]) == sorted(first["on"])
    strikes = visible_events(index.events, EventFilter(categories=frozenset({"strike"})))
    filtered = extras.at(start, strikes, True, None)["links"]
    assert filtered["reset"] and set(filtered["on"]) < set(first["on"])


def test_merged_updates_do_what_both_would() -> None:
    """MapView sends one update for all those made while the page was busy."""
    rng = random.Random(3)
    ids = [f"a{i}" for i in range(12)]
    for _ in range(300):
        reference, merged_page = PageArcs(), PageArcs()
        updates: list[dict[str, Any]] = []
        for seq in range(rng.randint(1, 5)):
            shown_before = set(reference.shown)
            if rng.random() < 0.2:
                links: dict[str, Any] | None = {
                    "reset": True,
                    "on": rng.sample(ids, rng.randint(0, 6)),
                    "off": [],
                }
            elif rng.random() < 0.3:
                links = None
            else:  # as MapExtras does: only arcs that really change
                on = [i for i in rng.sample(ids, 4) if i not in shown_before]
                off = [i for i in rng.sample(ids, 4) if i in shown_before]
                links = {"reset": False, "on": on, "off": off}
            reference.apply(links)
            update: dict[str, Any] = {"seq": seq, "places": {f"p{seq}": seq, "p": seq}}
            if links is not None:
                update["links"] = links
            updates.append(update)
        merged = updates[0]
        for update in updates[1:]:
            merged = merge_updates(merged, update)
        merged_page.apply(merged.get("links"))
        assert merged_page.shown == reference.shown
        assert merged["seq"] == updates[-1]["seq"]
        assert merged["places"] == {
            **{f"p{i}": i for i in range(len(updates))},
            "p": len(updates) - 1,
        }


def test_arc_schedule_keeps_its_answer_while_nothing_happens() -> None:
    schedule = ArcSchedule([("b", 10.0), ("a", 20.0), ("c", 20.0)])
    assert schedule.at(0.0) == []
    first = schedule.at(15.0)
    assert first == ["b"] and schedule.at(19.9) is first
    assert schedule.at(20.0) == ["a", "b", "c"]
    assert schedule.at(10.0) == ["b"]


@given(
    arcs=st.lists(
        st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 20).map(float)), max_size=30
    ),
    times=st.lists(st.integers(-1, 21).map(float), max_size=30),
)
def test_arc_schedule_matches_a_scan(arcs: list[tuple[str, float]], times: list[float]) -> None:
    schedule = ArcSchedule(arcs)
    shown: list[str] = []  # kept from what `step` says changed
    for i, t in enumerate(times):
        expected = sorted(arc_id for arc_id, when in arcs if when <= t)
        if i % 3:
            on, off = schedule.step(t)
            assert not (on and off)
            for arc_id in off:
                shown.remove(arc_id)
            shown = sorted(shown + on)
            assert shown == expected
        else:
            assert schedule.at(t) == expected
            shown = list(expected)


def test_real_dataset_extras_match() -> None:
    data = load_dataset(REPO / "places.json")
    index = TimeIndex(data)
    graph = CausalGraph(data.links)
    drawn = {str(arc["id"]) for arc in drawable_links(data)}
    arcs = [link for link in data.links if link_id(link) in drawn]
    extras = MapExtras(index, graph, data.places, arcs)
    visible = visible_events(index.events, EventFilter())
    page = PageArcs()
    for event in index.events:
        t = ts(event.start)
        expected = reference_extras(data, index, graph, arcs, t, visible, False, None)
        got = extras.at(t, visible, False, None)
        assert page.apply(got.pop("links")) == expected.pop("links")
        assert got == expected
