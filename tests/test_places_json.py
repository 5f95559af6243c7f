"""The shipped dataset: it validates, every quote is in its source, the sources are intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import REPO, SHARED_SOURCES

from viewer.dataset import load_dataset
from viewer.model import Dataset
from viewer.quotes import normalize, normalize_quote


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset(REPO / "places.json")


def test_every_quote_occurs_in_its_source(data: Dataset) -> None:
    """Allowed differences: whitespace runs, and curly vs straight quote characters."""
    checked = 0
    for event in data.events:
        quotes = [(c.source, c.quote, c.start, c.end) for c in event.citations]
        quotes += [
            (v.source, v.quote, v.start, v.end) for claim in event.claims for v in claim.values
        ]
        for source_id, quote, start, end in quotes:
            text = (REPO / data.source(source_id).file).read_text(encoding="utf-8")
            assert normalize_quote(quote) in normalize(text).text, (event.id, quote)
            # The recorded span is the quote itself in the original text.
            assert normalize_quote(text[start:end]) == normalize_quote(quote), (event.id, quote)
            checked += 1
    assert checked >= 60


def test_shipped_sources_are_byte_identical() -> None:
    if not SHARED_SOURCES.is_dir():
        pytest.skip(f"{SHARED_SOURCES} is not here to compare with")
    originals = sorted(SHARED_SOURCES.glob("0*.txt"))
    assert len(originals) == 5
    for original in originals:
        shipped = REPO / "assets" / "sources" / original.name
        assert (
            hashlib.sha256(shipped.read_bytes()).digest()
            == hashlib.sha256(original.read_bytes()).digest()
        )


def test_dataset_covers_what_the_product_needs(data: Dataset) -> None:
    assert len(data.events) >= 40
    assert len(data.sources) == 5
    ids = {p.id for p in data.places}
    # Every place is used by an event, and every event's summary is not a copy of a source.
    used = {p for e in data.events for p in e.places}
    assert ids == used
    texts = [normalize(s.text).text for s in data.sources]
    for event in data.events:
        assert event.citations
        assert not any(normalize_quote(event.summary) in t for t in texts), event.id
    categories = {e.category for e in data.events}
    assert {"attack", "strike", "protest", "deployment", "statement", "background"} <= categories
    assert any(e.has_disagreement for e in data.events)
    assert len(data.links) >= 8


def test_every_source_file_is_cited(data: Dataset) -> None:
    cited = {c.source for e in data.events for c in e.citations}
    assert cited == {s.id for s in data.sources}
    for source in data.sources:
        assert (REPO / source.file).is_file()
        assert Path(source.file).parts[0] == "assets"
