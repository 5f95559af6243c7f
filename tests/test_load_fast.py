"""The loader's fast paths give the answers of the slow ones they replace.

- Schema: the compiled validator (jsonschema-rs) vouches only for documents `jsonschema`
  accepts too, and the problems reported are the same with and without it.
- Quotes: `QuoteFinder` and the run-at-a-time `normalize` agree with the plain versions.
- Sorting events on an integer instead of on datetimes keeps the order.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, minimal_dataset, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benches.synth import generate
from viewer.dataset import (
    _parse_text,
    _utc_microseconds,
    _validate,
    _validator,
    load_dataset,
    schema_valid_fast,
    validate,
)
from viewer.errors import DatasetError
from viewer.quotes import QuoteFinder, find_quote, normalize, normalize_quote

#: Values where two validators are most likely to disagree: regular-expression corners
#: (`\d` beyond ASCII, `$` before a final newline), lengths counted in code points or
#: UTF-16 units, limits of numbers, types that look alike.
TRICKY = [
    "abc\n",
    "2019-12-31T00:00:00+03:00\n",
    "٢٠١٩-١٢-٣١T00:00:00+03:00",
    "２０１９-12-31T00:00:00+03:00",
    "2019-12-31T00:00:00.1234567+03:00",
    "2019-12-31T00:00Z",
    "2019-12-31T00:00:00+0300",
    "a" * 80,
    "a" * 81,
    "-abc",
    "ab_c",
    "ABC",
    "😀😀",
    "😀😀😀",
    "x" * 2000,
    "😀" * 2000,
    "😀" * 2001,
    "",
    " ",
    "e\u0301",
    "http://x",
    "HTTP://x",
    "ftp://x",
    "Asia/Baghdad",
    "Asia//Baghdad",
    "2019",
    "2019-1",
    0,
    -0.0,
    1e-320,
    90,
    90.0,
    90.00000000000001,
    -180,
    20_000_000,
    20_000_001,
    10**30,
    -(10**30),
    2**63,
    2**64,
    True,
    False,
    None,
    [],
    {},
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(TRICKY),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def nodes(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value in `doc`, the root excluded."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        for key in keys:
            out.append((node, key))
            if isinstance(node[key], dict | list):
                stack.append(node[key])
    return out


def parsed(doc: Any) -> Any:
    """`doc` as the loader sees it: written as JSON and parsed back."""
    return _parse_text(json.dumps(doc, ensure_ascii=False), "test.json")


def same_problems(raw: Any, path: Path) -> None:
    fast = [str(p) for p in _validate(raw, path, from_json=True)[0].problems()]
    slow = [str(p) for p in _validate(raw, path)[0].problems()]
    assert fast == slow


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), replacements=st.lists(json_values, min_size=1, max_size=3))
def test_fast_schema_check_agrees(tmp_path: Path, data: st.DataObject, replacements: Any) -> None:
    """Replace a few values anywhere in a valid dataset: when the compiled validator says
    the document is valid, jsonschema says so too, and the problems are the same."""
    doc = minimal_dataset()
    for replacement in replacements:
        spots = nodes(doc)
        if not spots:
            break
        container, key = data.draw(st.sampled_from(spots))
        container[key] = copy.deepcopy(replacement)
    path = write_dataset(tmp_path, doc)
    raw = parsed(doc)
    if schema_valid_fast(raw):
        assert _validator().is_valid(raw)
    same_problems(raw, path)


@pytest.mark.parametrize("value", TRICKY, ids=lambda value: repr(value)[:20])
@pytest.mark.parametrize(
    "where",
    [
        ("events", 0, "id"),
        ("events", 0, "start"),
        ("events", 1, "end"),
        ("events", 0, "title"),
        ("events", 0, "citations", 0, "quote"),
        ("places", 0, "lat"),
        ("places", 1, "radius_m"),
        ("sources", 0, "url"),
        ("sources", 0, "published"),
        ("display_timezone",),
        ("format",),
    ],
    ids=lambda where: ".".join(map(str, where)),
)
def test_tricky_values(tmp_path: Path, where: tuple[Any, ...], value: Any) -> None:
    doc = minimal_dataset()
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    path = write_dataset(tmp_path, doc)
    raw = parsed(doc)
    if schema_valid_fast(raw):
        assert _validator().is_valid(raw)
    same_problems(raw, path)


def test_valid_datasets_take_the_fast_path(tmp_path: Path) -> None:
    raw = parsed(json.loads((REPO / "places.json").read_text(encoding="utf-8")))
    assert schema_valid_fast(raw)
    synth = generate(300, tmp_path)
    assert schema_valid_fast(parsed(json.loads(synth.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("key", ["title", "id"])
def test_unpaired_surrogates(tmp_path: Path, key: str) -> None:
    """Text the compiled validator cannot always take (it raises where it needs the text
    as UTF-8, as for a pattern): the answers stay those of jsonschema."""
    doc = minimal_dataset()
    doc["events"][0][key] = "a\ud800b"
    path = write_dataset(tmp_path, minimal_dataset())
    path.write_text(json.dumps(doc), encoding="utf-8")  # as the escape \ud800
    raw = _parse_text(path.read_text(encoding="utf-8"), str(path))
    if key == "id":
        assert not schema_valid_fast(raw)  # it raised
    if schema_valid_fast(raw):
        assert _validator().is_valid(raw)
    same_problems(raw, path)
    with pytest.raises(DatasetError, match="unpaired surrogate"):
        load_dataset(path)


def test_unpaired_surrogate_in_a_key(tmp_path: Path) -> None:
    """A key holding an unpaired surrogate is reported like any other; the document never
    reaches the compiled validator, which crashed the process on one (where it raises on
    such a value). Found by tests/fuzz_loader.py."""
    doc = minimal_dataset()
    path = write_dataset(tmp_path, doc)
    text = json.dumps(doc).replace('"title": ', '"\\ud800": 1, "title": ', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=r"key '\\ud800': contains an unpaired surrogate"):
        load_dataset(path)


@pytest.mark.parametrize(
    ("text_of", "walked"),
    [
        (lambda doc: json.dumps(doc), False),  # plain and valid: nothing to walk for
        (lambda doc: json.dumps(doc).replace('"title": ', '"title": "x", "title": ', 1), True),
        (lambda doc: json.dumps(doc).replace('"summary": "', '"summary": "\\udfff', 1), True),
        (lambda doc: json.dumps(doc).replace('"summary": "', '"summary": "\\u00e9', 1), False),
    ],
    ids=["plain", "repeated key", "surrogate escape", "other escape"],
)
def test_structure_walk_skipped_only_for_plain_valid_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text_of: Any, walked: bool
) -> None:
    """The walk finds repeated keys and unpaired surrogates; a document with neither
    that the schema accepts cannot hold anything else it looks for (the schema bounds
    the depth), so it is skipped for those, and only for those."""
    import viewer.dataset as loader

    calls: list[int] = []
    walk = loader._structure_problems
    monkeypatch.setattr(loader, "_structure_problems", lambda *a: calls.append(1) or walk(*a))
    path = write_dataset(tmp_path, minimal_dataset())
    path.write_text(text_of(minimal_dataset()), encoding="utf-8")
    try:
        load_dataset(path)
    except DatasetError as exc:
        assert walked and ("duplicate key" in exc.report() or "surrogate" in exc.report())
    assert bool(calls) == walked


def test_data_made_in_python_is_judged_by_jsonschema(tmp_path: Path) -> None:
    """jsonschema-rs takes a tuple for an array; jsonschema (and `validate`) does not."""
    doc = minimal_dataset()
    doc["events"][0]["actors"] = ("U.S.",)
    problems = validate(doc, tmp_path / "x.json")
    assert any(p.path == "$.events[0].actors" for p in problems)


# ---- quotes ---------------------------------------------------------------------------


def normalize_quote_before(quote: str) -> str:
    quotes = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'", "′": "'"})
    return re.sub(r"\s+", " ", quote.translate(quotes)).strip()


def normalize_before(text: str) -> tuple[str, tuple[int, ...]]:
    """`normalize` as it was: one character at a time."""
    quotes = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'", "′": "'"})
    out: list[str] = []
    offsets: list[int] = []
    translated = text.translate(quotes)
    pos = 0
    for match in re.finditer(r"\s+", translated):
        for i in range(pos, match.start()):
            out.append(translated[i])
            offsets.append(i)
        out.append(" ")
        offsets.append(match.start())
        pos = match.end()
    for i in range(pos, len(translated)):
        out.append(translated[i])
        offsets.append(i)
    return "".join(out), tuple(offsets)


texts = st.text(alphabet=st.sampled_from(list("ab \t\n\u00a0\u2003“”‘’\"'x\u0301")), max_size=40)


@given(text=texts)
def test_normalize_is_unchanged(text: str) -> None:
    normalized = normalize(text)
    assert (normalized.text, normalized.offsets) == normalize_before(text)
    assert normalize_quote(text) == normalize_quote_before(text)


@given(text=texts, quotes=st.lists(texts, max_size=8))
def test_quote_finder_matches_find_quote(text: str, quotes: list[str]) -> None:
    source = normalize(text)
    finder = QuoteFinder(source)
    quotes += [text[i : i + 5] for i in range(0, len(text), 3)]  # pieces of the source
    for quote in quotes + quotes:  # the second time from what it remembers
        assert finder.find(quote) == find_quote(source, quote)


# ---- sorting --------------------------------------------------------------------------

instants = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(8999, 12, 30)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
)


@given(a=instants, b=instants)
def test_sort_key_orders_as_datetimes_do(a: datetime, b: datetime) -> None:
    key_a, key_b = _utc_microseconds(a), _utc_microseconds(b)
    assert (key_a < key_b) == (a < b) and (key_a == key_b) == (a == b)
