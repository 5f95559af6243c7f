"""Loading and validation: each rule is fed a broken file and its message is checked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import minimal_dataset, write_dataset

from viewer.cli import main as cli_main
from viewer.dataset import load_dataset
from viewer.errors import DatasetError
from viewer.model import Precision


def problems_for(tmp_path: Path, data: Any, text: str | None = None) -> list[str]:
    path = write_dataset(tmp_path, data) if text is None else write_dataset(tmp_path, data, text)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    for p in info.value.problems:
        assert p.file == str(path)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(minimal_dataset())
    mutate(data)
    return data


def test_minimal_dataset_loads(dataset_file: Path) -> None:
    data = load_dataset(dataset_file)
    assert [e.id for e in data.events] == ["strikes", "march"]
    march = data.event("march")
    assert march.precision is Precision.DAY
    assert march.start.utcoffset() is not None
    # The curly quotes of the source match the straight quotes of the citation.
    citation = march.citations[0]
    assert data.source("src").text[citation.start : citation.end] == "“It was loud,” a witness"
    assert data.links[0].type == "led to"


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "embassy-crisis-atlas/1",\n  "title": \n}', encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (4, 1)
    assert "JSON syntax error" in problem.message
    assert str(path) in str(problem)


def test_schema_violation_names_the_path(tmp_path: Path) -> None:
    data = broken(lambda d: d["events"][1].__setitem__("category", "party"))
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.events[1].category:") and "party" in m for m in msgs)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["places"][0]["radius_m"] = 0
        d["events"][0]["places"] = ["nowhere"]
        d["events"][1]["citations"][0]["quote"] = "It was quiet"

    msgs = problems_for(tmp_path, broken(mutate))
    assert len(msgs) >= 3


def test_duplicate_ids(tmp_path: Path) -> None:
    data = broken(lambda d: d["places"].append(dict(d["places"][0])))
    msgs = problems_for(tmp_path, data)
    assert any("$.places[2].id" in m and "duplicate id 'embassy'" in m for m in msgs)


@pytest.mark.parametrize(
    ("mutate", "path", "text"),
    [
        (
            lambda d: d["events"][0]["places"].append("atlantis"),
            "$.events[0].places[1]",
            "unknown place id 'atlantis'",
        ),
        (
            lambda d: d["events"][0]["citations"][0].update(source="nyt"),
            "$.events[0].citations[0].source",
            "unknown source id 'nyt'",
        ),
        (
            lambda d: d["links"][0].update(effect="nothing"),
            "$.links[0].effect",
            "unknown event id 'nothing'",
        ),
    ],
)
def test_unknown_ids(tmp_path: Path, mutate: Any, path: str, text: str) -> None:
    msgs = problems_for(tmp_path, broken(mutate))
    assert any(m.startswith(path) and text in m for m in msgs), msgs


def test_end_before_start(tmp_path: Path) -> None:
    data = broken(lambda d: d["events"][1].update(end="2019-12-30T00:00:00+03:00"))
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.events[1].end") and "before it starts" in m for m in msgs)


def test_missing_utc_offset_is_refused(tmp_path: Path) -> None:
    data = broken(lambda d: d["events"][0].update(start="2019-12-29T00:00:00"))
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.events[0].start") for m in msgs)


@pytest.mark.parametrize(("key", "value"), [("lat", 91), ("lon", -180.5)])
def test_coordinates_out_of_range(tmp_path: Path, key: str, value: float) -> None:
    data = broken(lambda d: d["places"][0].update({key: value}))
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith(f"$.places[0].{key}") for m in msgs), msgs


@pytest.mark.parametrize("radius", [0, -5])
def test_radius_must_be_positive(tmp_path: Path, radius: float) -> None:
    msgs = problems_for(tmp_path, broken(lambda d: d["places"][1].update(radius_m=radius)))
    assert any(m.startswith("$.places[1].radius_m") for m in msgs), msgs


def test_quote_not_in_source_shows_closest_passage(tmp_path: Path) -> None:
    data = broken(
        lambda d: d["events"][0]["citations"][0].update(quote="The strikes killed 25 fighters")
    )
    msgs = problems_for(tmp_path, data)
    (msg,) = [m for m in msgs if m.startswith("$.events[0].citations[0].quote")]
    assert "quote not found in source 'src'" in msg
    assert "The strikes killed 24 fighters" in msg  # the closest passage


def test_claim_quotes_are_checked_too(tmp_path: Path) -> None:
    data = broken(
        lambda d: d["events"][1]["claims"][0]["values"][0].update(quote="killed 99 fighters")
    )
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.events[1].claims[0].values[0].quote") for m in msgs)


def test_missing_source_file(tmp_path: Path) -> None:
    data = broken(lambda d: d["sources"][0].update(file="sources/gone.txt"))
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.sources[0].file") and "not found" in m for m in msgs)


def test_unknown_time_zone(tmp_path: Path) -> None:
    msgs = problems_for(tmp_path, broken(lambda d: d.update(display_timezone="Mars/Olympus")))
    assert any(m.startswith("$.display_timezone") for m in msgs)


def test_link_effect_before_cause(tmp_path: Path) -> None:
    data = broken(
        lambda d: d["links"].__setitem__(
            0, {"cause": "march", "effect": "strikes", "type": "led to"}
        )
    )
    msgs = problems_for(tmp_path, data)
    assert any(m.startswith("$.links[0]") and "before its cause" in m for m in msgs)


def test_duplicate_keys(tmp_path: Path) -> None:
    path = write_dataset(tmp_path, minimal_dataset())
    text = path.read_text(encoding="utf-8").replace(
        '"title": "Test incident"', '"title": "A", "title": "B"', 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert any("duplicate key 'title'" in p.message and p.path == "$" for p in info.value.problems)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"format": NaN}', "NaN is not a valid JSON number"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_bytes(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert needle in info.value.report()


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = write_dataset(tmp_path, minimal_dataset())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_dataset(path).title == "Test incident"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    for path, needle in ((tmp_path / "nope.json", "file not found"), (tmp_path, "is a directory")):
        with pytest.raises(DatasetError) as info:
            load_dataset(path)
        assert needle in info.value.report() and str(path) in info.value.report()


def test_check_command(
    dataset_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["check", str(dataset_file)]) == 0
    out = capsys.readouterr().out
    assert "OK: 1 sources, 2 places, 2 events, 1 links, 3 quotes verified" in out
    assert len(out.strip().splitlines()) == 1

    bad = json.loads(dataset_file.read_text(encoding="utf-8"))
    bad["places"][0]["lat"] = 123
    bad_path = tmp_path / "bad.json"
    bad_path.write_text(json.dumps(bad), encoding="utf-8")
    assert cli_main(["check", str(bad_path)]) == 1
    err = capsys.readouterr().err
    assert "$.places[0].lat" in err and str(bad_path) in err and "Traceback" not in err
