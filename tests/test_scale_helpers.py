"""What keeps a slider move and the window's start cheap with many events."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from benches.synth import generate
from viewer.dataset import load_dataset
from viewer.disagreements import PAGE, DisagreementsView
from viewer.eventmodel import changed_rows
from viewer.timeline_strip import _uncovered


def covered(span: tuple[float, float], later: list[tuple[float, float]]) -> bool:
    """Whether the union of `later` contains `span` (merging the intervals one by one)."""
    merged: list[list[float]] = []
    for a, b in sorted(later):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return any(a <= span[0] and span[1] <= b for a, b in merged)


spans = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 12)).map(lambda p: (float(p[0]), p[0] + p[1])),
    max_size=25,
)


@given(spans=spans)
def test_uncovered_keeps_exactly_what_later_spans_do_not_hide(
    spans: list[tuple[float, float]],
) -> None:
    kept = _uncovered(spans)
    assert kept == sorted(kept)
    for index, span in enumerate(spans):
        assert (index in kept) != covered(span, spans[index + 1 :])


@given(
    current=st.sets(st.integers(0, 30)),
    new_current=st.sets(st.integers(0, 30)),
    happened=st.integers(0, 31),
    new_happened=st.integers(0, 31),
)
def test_changed_rows_is_the_span_of_the_rows_that_change(
    current: set[int], new_current: set[int], happened: int, new_happened: int
) -> None:
    # What EventTableModel.set_time_state did: every changed row in one set.
    rows = (current ^ new_current) | set(
        range(min(happened, new_happened), max(happened, new_happened))
    )
    expected = (min(rows), max(rows)) if rows else None
    assert changed_rows(set(current), set(new_current), happened, new_happened) == expected


def test_disagreements_are_built_a_page_at_a_time(qtbot: QtBot, tmp_path: Path) -> None:
    data = load_dataset(generate(3000, tmp_path, n_places=40))
    disputed = [(e, c) for e in data.events for c in e.claims if c.disagrees]
    assert len(disputed) > PAGE
    view = DisagreementsView(data, ZoneInfo(data.display_timezone))
    qtbot.addWidget(view)
    assert view.claim_count == len(disputed)
    rows = view.rows()  # every claim, built or not
    assert sum(row[0].startswith("⚖") for row in rows) == len(disputed)
    assert view._built == 0  # nothing is built until the tab is first shown
    view.show()
    qtbot.waitExposed(view)
    assert view._built == PAGE
    view._more.click()
    assert view._built == min(2 * PAGE, len(disputed))
    while view._built < len(disputed):
        view.show_more()
    assert view._more.isHidden()
    assert view.rows() == rows
