"""Hostile data files.

1. Broken files: every one ends in a clear message (the file, the place in it, the
   problem), through `load_dataset`, `python -m viewer check` and the app itself; never
   a traceback, never a half-loaded dataset, never a huge message.
2. Text is never code: markup, scripts and template syntax in every text field are shown
   literally on the map page, in the event list, the detail panel and the source reader.
3. A coverage-guided fuzz run (atheris) of the loader, bounded in time.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    REPO,
    close_window,
    minimal_dataset,
    run_js,
    show_until_ready,
    wait_applied,
    write_dataset,
)

from viewer.dataset import MAX_DEPTH, load_dataset
from viewer.errors import DatasetError

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
SUBPROCESS_TIMEOUT = 120


# =========================================================================================
# 1. Broken files
# =========================================================================================


def _data(mutate: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(minimal_dataset())
    if mutate is not None:
        mutate(data)
    return data


def _write(folder: Path, mutate: Callable[[dict[str, Any]], Any] | None = None) -> Path:
    return write_dataset(folder, _data(mutate))


def _raw(folder: Path, content: bytes) -> Path:
    path = write_dataset(folder, minimal_dataset())
    path.write_bytes(content)
    return path


def _replace(folder: Path, old: str, new: str) -> Path:
    """The minimal dataset as written by `write_dataset`, with `old` replaced in its text."""
    path = write_dataset(folder, minimal_dataset())
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    text = path.read_text(encoding="utf-8", errors="replace")
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _set_source(data: dict[str, Any], file: str) -> None:
    data["sources"][0]["file"] = file


@dataclass(frozen=True)
class Broken:
    """A broken data file: how to make it, and what the report must say about it."""

    name: str
    make: Callable[[Path], Path]
    path: str  # the JSON path named (prefix of the problem's path)
    needle: str  # words the message must contain
    line: Callable[[Path], int | None] | None = None  # the line it must point at


def _missing(folder: Path) -> Path:
    return folder / "not-there.json"


def _directory(folder: Path) -> Path:
    (folder / "a-folder.json").mkdir()
    return folder / "a-folder.json"


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.json"
    os.mkfifo(path)
    return path


def _unreadable(folder: Path) -> Path:
    path = _write(folder)
    path.chmod(0)
    return path


def _source_unreadable(folder: Path) -> Path:
    path = _write(folder)
    (folder / "sources" / "a.txt").chmod(0)
    return path


def _source_fifo(folder: Path) -> Path:
    path = _write(folder, lambda d: _set_source(d, "sources/pipe.txt"))
    os.mkfifo(folder / "sources" / "pipe.txt")
    return path


def _source_not_utf8(folder: Path) -> Path:
    path = _write(folder)
    (folder / "sources" / "a.txt").write_bytes(b"caf\xe9 The strikes killed 24 fighters")
    return path


def _source_symlink_out(folder: Path) -> Path:
    outside = folder.parent / f"{folder.name}-outside.txt"
    outside.write_text("The strikes killed 24 fighters", encoding="utf-8")
    path = _write(folder, lambda d: _set_source(d, "sources/link.txt"))
    (folder / "sources" / "link.txt").symlink_to(outside)
    return path


HUGE = 3_000_000
HUGE_ITEMS = 1_000_000


def _cut_after(text: str, marker: str) -> bytes:
    return text[: text.index(marker) + len(marker)].encode()


def _truncated(folder: Path) -> Path:
    """A file cut off after `"title": ` (line 3): the parser expects a value there."""
    text = json.dumps(minimal_dataset(), indent=1)
    return _raw(folder, text[: text.index('"title": ') + len('"title": ')].encode())


BROKEN = [
    Broken("truncated", _truncated, "$", "JSON syntax error: Expecting value", lambda p: 3),
    Broken(
        "truncated in a string",
        lambda f: _raw(f, _cut_after(json.dumps(minimal_dataset(), indent=1), '"Strikes hit')),
        "$",
        "JSON syntax error: Unterminated string",
    ),
    Broken("empty", lambda f: _raw(f, b""), "$", "the file is empty", lambda p: 1),
    Broken("only whitespace", lambda f: _raw(f, b"  \n\n "), "$", "the file is empty"),
    Broken("not an object", lambda f: _raw(f, b"[1, 2]"), "$", "is not of type 'object'"),
    Broken("garbage", lambda f: _raw(f, b"\x00\x01PK\x03\x04"), "$", "JSON syntax error"),
    Broken(
        "wrong type",
        lambda f: _write(f, lambda d: d["places"][0].update(lat="33.3")),
        "$.places[0].lat",
        "is not of type 'number'",
        lambda p: _line_of(p, '"lat"'),
    ),
    Broken(
        "wrong type: object for a list",
        lambda f: _write(f, lambda d: d["events"][1].update(citations={"source": "src"})),
        "$.events[1].citations",
        "is not of type 'array'",
    ),
    Broken(
        "NaN",
        lambda f: _replace(f, '"lat": 33.2986', '"lat": NaN'),
        "$.places[0].lat",
        "NaN is not a valid JSON number",
        lambda p: _line_of(p, '"lat"'),
    ),
    Broken(
        "Infinity",
        lambda f: _replace(f, '"lon": 44.3958', '"lon": -Infinity'),
        "$.places[0].lon",
        "-Infinity is not a valid JSON number",
    ),
    Broken(
        "number too large for a float",
        lambda f: _replace(f, '"radius_m": 300', '"radius_m": 1e999'),
        "$.places[0].radius_m",
        "too large",
    ),
    Broken(
        "integer of 5000 digits",
        lambda f: _replace(f, '"radius_m": 300', '"radius_m": ' + "9" * 5000),
        "$.places[0].radius_m",
        "5,000 digits is too large",
    ),
    Broken(
        "latitude out of range",
        lambda f: _write(f, lambda d: d["places"][1].update(lat=90.5)),
        "$.places[1].lat",
        "greater than the maximum of 90",
    ),
    Broken(
        "longitude out of range",
        lambda f: _write(f, lambda d: d["places"][1].update(lon=-1e300)),
        "$.places[1].lon",
        "less than the minimum of -180",
    ),
    Broken(
        "huge string",
        lambda f: _write(f, lambda d: d.update(title="<b>" + "A" * HUGE)),
        "$.title",
        f"text of {HUGE + 3:,} characters is too long (at most 2,000)",
    ),
    Broken(
        "huge string as an id",
        lambda f: _write(f, lambda d: d["events"][0].update(places=["x" * HUGE])),
        "$.events[0].places[0]",
        "unknown place id 'xxxxxxxx",
    ),
    Broken(
        "huge array",
        lambda f: _write(f, lambda d: d["events"][0].update(actors=["a"] * HUGE_ITEMS)),
        "$.events[0].actors",
        f"{HUGE_ITEMS:,} items are too many (at most 100)",
    ),
    Broken(
        "too many sources",
        lambda f: _write(f, lambda d: d.update(sources=[d["sources"][0]] * 10_001)),
        "$.sources",
        "10,001 items are too many (at most 10,000)",
    ),
    Broken(
        "deep nesting (beyond the parser)",
        lambda f: _raw(f, b"[" * 200_000 + b"]" * 200_000),
        "$",
        "nested too deeply",
    ),
    Broken(
        "deep nesting (within the parser)",
        lambda f: _write(f, lambda d: d.update(description=_nested(500))),
        "$.description[0][0]",
        f"nested more than {MAX_DEPTH} levels deep",
    ),
    Broken(
        "invalid UTF-8",
        lambda f: _raw(
            f, json.dumps(minimal_dataset(), indent=1).encode().replace(b"Embassy", b"Emb\xffssy")
        ),
        "$",
        "not valid UTF-8 (byte 0xff)",
        lambda p: _line_of(p, "Emb"),
    ),
    Broken(
        "UTF-16",
        lambda f: _raw(f, json.dumps(minimal_dataset()).encode("utf-16")),
        "$",
        "UTF-16",
    ),
    Broken(
        "unpaired surrogate",
        lambda f: _replace(f, '"title": "Strikes"', '"title": "Strikes \\ud83d"'),
        "$.events[0].title",
        "unpaired surrogate",
        lambda p: _line_of(p, '"title": "Strikes'),
    ),
    Broken(
        "duplicate key",
        lambda f: _replace(f, '"title": "March"', '"title": "March", "title": "April"'),
        "$.events[1]",
        "duplicate key 'title'",
        lambda p: _line_of(p, '"title": "March"'),
    ),
    Broken(
        "unknown key",
        lambda f: _write(f, lambda d: d["places"][0].update({"<script>": 1})),
        "$.places[0]",
        "unknown key '<script>'",
        lambda p: _line_of(p, '"<script>"'),
    ),
    Broken(
        "unknown place id",
        lambda f: _write(f, lambda d: d["events"][0]["places"].append("atlantis")),
        "$.events[0].places[1]",
        "unknown place id 'atlantis'",
        lambda p: _line_of(p, '"atlantis"'),
    ),
    Broken(
        "unknown source id",
        lambda f: _write(f, lambda d: d["events"][1]["citations"][0].update(source="nyt")),
        "$.events[1].citations[0].source",
        "unknown source id 'nyt'",
    ),
    Broken(
        "unknown event id",
        lambda f: _write(f, lambda d: d["links"][0].update(cause="nothing")),
        "$.links[0].cause",
        "unknown event id 'nothing'",
    ),
    Broken(
        "quote not in its source",
        lambda f: _write(
            f, lambda d: d["events"][0]["citations"][0].update(quote="The strikes killed 25")
        ),
        "$.events[0].citations[0].quote",
        "quote not found in source 'src'; closest passage: 'The strikes killed 2",
        lambda p: _line_of(p, '"quote": "The strikes killed 25'),
    ),
    Broken(
        "long quote not in its source (no slow search)",
        lambda f: _write(
            f,
            lambda d: d["events"][0]["citations"][0].update(
                quote="The strikes killed 24 fighters near the border, " + "and more " * 200
            ),
        ),
        "$.events[0].citations[0].quote",
        "closest passage: 'The strikes killed 24 fighters near the border.",
    ),
    Broken(
        "date out of range",
        lambda f: _write(f, lambda d: d["events"][1].update(end="9999-12-31T23:00:00-05:00")),
        "$.events[1].end",
        "outside the years 1000-9000",
    ),
    Broken(
        "impossible date",
        lambda f: _write(f, lambda d: d["core_period"].update(start="2019-02-30T00:00:00+03:00")),
        "$.core_period.start",
        "not a valid date-time",
    ),
    Broken(
        "source file missing",
        lambda f: _write(f, lambda d: _set_source(d, "sources/gone.txt")),
        "$.sources[0].file",
        "source file not found",
        lambda p: _line_of(p, '"file"'),
    ),
    Broken(
        "source file is a directory",
        lambda f: _write(f, lambda d: _set_source(d, "sources")),
        "$.sources[0].file",
        "source path is a directory",
    ),
    Broken(
        "source file is a FIFO (would block a reader)",
        _source_fifo,
        "$.sources[0].file",
        "is not a regular file",
    ),
    Broken(
        "source file unreadable",
        _source_unreadable,
        "$.sources[0].file",
        "Permission denied",
    ),
    Broken(
        "source file not UTF-8",
        _source_not_utf8,
        "$.sources[0].file",
        "is not UTF-8 (byte 0xe9",
    ),
    Broken(
        "source file outside the dataset's folder",
        lambda f: _write(f, lambda d: _set_source(d, "../../../../etc/passwd")),
        "$.sources[0].file",
        "is outside the dataset's folder",
    ),
    Broken(
        "source file by absolute path",
        lambda f: _write(f, lambda d: _set_source(d, "/etc/passwd")),
        "$.sources[0].file",
        "is outside the dataset's folder",
    ),
    Broken(
        "source file through a symlink leading out",
        _source_symlink_out,
        "$.sources[0].file",
        "is outside the dataset's folder",
    ),
    Broken(
        "source file name with a NUL",
        lambda f: _write(f, lambda d: _set_source(d, "sources/a.txt\x00.png")),
        "$.sources[0].file",
        "cannot be opened",
    ),
    Broken("data file missing", _missing, "$", "file not found"),
    Broken("data file is a directory", _directory, "$", "is a directory, not a data file"),
    Broken("data file is a FIFO", _fifo, "$", "is not a regular file"),
    Broken("data file unreadable", _unreadable, "$", "permission denied"),
]

NEEDS_NON_ROOT = {"data file unreadable", "source file unreadable"}


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Every broken file, made once for the three ways of opening it."""
    files = {}
    for number, case in enumerate(BROKEN):
        if case.name in NEEDS_NON_ROOT and ROOT:
            continue
        folder = tmp_path_factory.mktemp(f"broken{number}")
        files[case.name] = case.make(folder)
    yield files
    for path in files.values():  # let pytest clean up what was made unreadable
        for p in (path, path.parent / "sources" / "a.txt"):
            if p.exists() and not p.is_dir() and not p.is_fifo():
                p.chmod(0o644)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=SUBPROCESS_TIMEOUT,
        env=env,
        check=False,
    )


def _app_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _run_all(files: dict[str, Path], *args: str, env: dict[str, str] | None = None) -> Any:
    """`python -m viewer ARGS FILE` for every file, a few at a time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_run, *args, str(p), env=env) for name, p in files.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def check_results(broken_files: dict[str, Path]) -> dict[str, subprocess.CompletedProcess[str]]:
    results: dict[str, subprocess.CompletedProcess[str]] = _run_all(broken_files, "check")
    return results


@pytest.fixture(scope="module")
def app_results(broken_files: dict[str, Path]) -> dict[str, subprocess.CompletedProcess[str]]:
    results: dict[str, subprocess.CompletedProcess[str]] = _run_all(
        broken_files, "--no-err-windows", "--data", env=_app_env()
    )
    return results


@pytest.fixture(params=BROKEN, ids=[b.name for b in BROKEN])
def broken(request: pytest.FixtureRequest, broken_files: dict[str, Path]) -> tuple[Broken, Path]:
    case: Broken = request.param
    if case.name not in broken_files:
        pytest.skip("running as root: chmod 000 does not stop root from reading")
    return case, broken_files[case.name]


def _check_report(case: Broken, path: Path, report: str) -> None:
    """The report names the file, the place and the problem, and stays short."""
    assert str(path) in report, report
    assert f": {case.path}" in report, report
    assert case.needle in report, report
    assert "Traceback" not in report
    assert len(report) < 4_000, len(report)
    assert all(len(line) < 1_200 for line in report.splitlines())


def test_broken_file_through_load_dataset(broken: tuple[Broken, Path]) -> None:
    case, path = broken
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    problems = info.value.problems
    assert problems and all(p.file == str(path) and p.message for p in problems)
    _check_report(case, path, info.value.report())
    hits = [p for p in problems if p.path.startswith(case.path) and case.needle in p.message]
    assert hits, [str(p) for p in problems]
    if case.line is not None:
        line = case.line(path)
        assert any(p.line == line for p in hits), ([str(p) for p in hits], line)


def test_broken_file_through_the_check_command(
    broken: tuple[Broken, Path], check_results: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    case, path = broken
    result = check_results[case.name]
    assert result.returncode == 1, result.stderr
    _check_report(case, path, result.stderr.rsplit("\n", 2)[0])
    assert "problem" in result.stderr.splitlines()[-1]
    assert result.stdout == ""


def test_broken_file_through_the_app(
    broken: tuple[Broken, Path], app_results: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    """`python -m viewer --data FILE --no-err-windows`: exit 1, the report on stderr."""
    case, path = broken
    result = app_results[case.name]
    assert result.returncode == 1, result.stderr
    assert "nothing was loaded" in result.stderr
    _check_report(case, path, result.stderr)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """RFC 8259 lets a parser ignore a byte order mark; the loader does, everywhere."""
    path = write_dataset(tmp_path, minimal_dataset())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_dataset(path).title == "Test incident"
    result = _run("check", str(path))
    assert result.returncode == 0 and "OK:" in result.stdout, result.stderr


def test_positions_after_a_bom_are_right(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["places"][0].update(lat="x"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    (problem,) = info.value.problems
    assert problem.line == _line_of(path, '"lat"')


def test_nothing_is_half_loaded(tmp_path: Path) -> None:
    """One bad quote among good data: the whole load fails, listing every problem."""

    def mutate(d: dict[str, Any]) -> None:
        d["events"][1]["citations"][0]["quote"] = "It was silent"
        d["places"][1]["lat"] = 123
        d["links"][0]["effect"] = "nowhere"

    with pytest.raises(DatasetError) as info:
        load_dataset(_write(tmp_path, mutate))
    paths = {p.path for p in info.value.problems}
    assert {"$.events[1].citations[0].quote", "$.places[1].lat", "$.links[0].effect"} <= paths


def test_many_problems_are_capped(tmp_path: Path) -> None:
    """A file with thousands of broken entries still reports quickly and briefly."""

    def mutate(d: dict[str, Any]) -> None:
        d["links"] = [{"cause": f"x{i}", "effect": "march", "type": "led to"} for i in range(5000)]

    with pytest.raises(DatasetError) as info:
        load_dataset(_write(tmp_path, mutate))
    problems = info.value.problems
    assert len(problems) <= 1_001
    assert "more problems were found but not listed" in problems[-1].message
    assert info.value.report().count("\n") <= 201


def test_validate_finds_nan_made_in_python(tmp_path: Path) -> None:
    """JSON cannot hold NaN, but data built in Python (the geocoder) can: it is refused."""
    from viewer.dataset import validate

    data = _data(lambda d: d["places"][0].update(lat=float("nan")))
    problems = validate(data, tmp_path / "x.json")
    assert any(p.path == "$.places[0].lat" and "not a finite number" in p.message for p in problems)


# =========================================================================================
# 2. Text is never code
# =========================================================================================

#: Strings that a careless viewer would run or render. Every text field gets them.
PAYLOADS = {
    "img": "<img src=x onerror=\"window.__pwned=1;document.title='pwned'\">",
    "bold": "<b>bold</b> & <i>italic</i>",
    "script": "<script>window.__pwned=2</script>",
    "close": "</script><script>window.__pwned=3</script><!--",
    "jsurl": "javascript:window.__pwned=4//",
    "template": "{{ 7*7 }} {% if true %}jinja{% endif %} ${window.__pwned=5} #{7*7} <%= 7*7 %>",
    "attr": "\"'><svg onload=window.__pwned=6>",
    "entity": "&lt;b&gt;not bold&lt;/b&gt; &amp; &#x3C;",
    "style": "<style>*{display:none}</style>",
    "link": '<a href="https://example.com/">click</a>',
}
ALL = " | ".join(PAYLOADS.values())
SOURCE_TEXT = "A report.\n\n" + "\n\n".join(PAYLOADS.values()) + "\n\nThe end.\n"
HOSTILE_URL = "https://example.com/?q=<b>x</b>&r=\"'><script>alert(1)</script>"


def hostile_dataset() -> dict[str, Any]:
    def place(key: str, i: int, **extra: Any) -> dict[str, Any]:
        text = PAYLOADS[key]
        return {
            "id": f"p-{key}",
            "name": text,
            "alt_names": [text, PAYLOADS["script"]],
            "kind": text,
            "lat": 32.4 + 0.35 * (i % 5),
            "lon": 42.0 + 1.1 * (i // 5) + 0.6 * (i % 2),
            "radius_m": 300,
            "coord_source": text,
            "country": text,
            "notes": text,
            **extra,
        }

    places = [place(key, i) for i, key in enumerate(PAYLOADS)]
    places.append(place("bold", 20, id="p-area", radius_m=20_000, lat=34.9, lon=45.6))
    places.append(place("img", 21, id="p-far", lat=38.9, lon=-77.03))  # "elsewhere" box
    events = []
    for i, (key, text) in enumerate(PAYLOADS.items()):
        other = PAYLOADS["template"]
        events.append(
            {
                "id": f"e-{key}",
                "start": f"2019-12-{10 + i:02d}T12:00:00+03:00",
                "precision": "hour",
                "places": [f"p-{key}"],
                "category": "attack",
                "actors": [text, other],
                "title": text[:300],
                "summary": f"{text} / {other}",
                "date_note": text,
                "citations": [{"source": "src", "quote": text}],
                "claims": [
                    {
                        "topic": text,
                        "values": [
                            {"source": "src", "value": text, "quote": text},
                            {"source": "src2", "value": "not " + text, "quote": other},
                        ],
                    }
                ],
            }
        )
    events.append(
        {
            "id": "e-all",
            "start": "2019-12-31T12:00:00+03:00",
            "precision": "hour",
            "places": [p["id"] for p in places],
            "category": "protest",
            "actors": list(PAYLOADS.values()),
            "title": PAYLOADS["img"],
            "summary": ALL,
            "citations": [
                {"source": s, "quote": t} for s in ("src", "src2") for t in PAYLOADS.values()
            ],
        }
    )
    sources = [
        {
            "id": ident,
            "file": f"sources/{ident}.txt",
            "outlet": PAYLOADS["bold"],
            "title": PAYLOADS["img"],
            "published": "2019-12-31",
            "url": HOSTILE_URL,
            "notes": ALL,
        }
        for ident in ("src", "src2")
    ]
    links = [
        {"cause": f"e-{a}", "effect": f"e-{b}", "type": "led to", "note": PAYLOADS["script"]}
        for a, b in zip(list(PAYLOADS)[:-1], list(PAYLOADS)[1:], strict=True)
    ]
    return {
        "format": "embassy-crisis-atlas/1",
        "title": PAYLOADS["img"],
        "description": ALL,
        "display_timezone": "Asia/Baghdad",
        "core_period": {"start": "2019-12-01T00:00:00+03:00", "end": "2020-01-10T00:00:00+03:00"},
        "sources": sources,
        "places": places,
        "events": events,
        "links": links,
    }


def write_hostile(folder: Path) -> Path:
    (folder / "sources").mkdir(exist_ok=True)
    for ident in ("src", "src2"):
        (folder / "sources" / f"{ident}.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    path = folder / "hostile.json"
    path.write_text(json.dumps(hostile_dataset(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_hostile_text_loads_verbatim(tmp_path: Path) -> None:
    data = load_dataset(write_hostile(tmp_path))
    assert data.title == PAYLOADS["img"]
    assert {p.name for p in data.places} == set(PAYLOADS.values())
    event = data.event("e-img")
    assert event.title == PAYLOADS["img"] and event.summary.startswith(PAYLOADS["img"])
    for citation in data.event("e-all").citations:
        text = data.source(citation.source).text
        assert text[citation.start : citation.end] == citation.quote
    assert data.source("src").url == HOSTILE_URL


def test_template_syntax_in_data_is_not_run(tmp_path: Path) -> None:
    """Folium renders macro output as a Jinja template again, so data must never pass
    through it. (It did: a place name `{{ cycler.__init__.__globals__.os... }}` ran
    Python code while the page was built.) Now no dataset reaches Folium at all: the page
    is built from the basemap alone and the data arrives as JSON through Atlas.load."""
    import inspect

    from viewer import mapbuilder
    from viewer.pageconfig import page_config

    assert "dataset" not in inspect.signature(mapbuilder.build_shell_html).parameters
    marker = tmp_path / "ran"
    ssti = "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
    names = ["{{ 7*7 }}", "{% for x in range(3) %}{{ x }}{% endfor %}", "{# c #}", ssti]

    def mutate(d: dict[str, Any]) -> None:
        d["title"] = names[0]
        for place, name in zip(d["places"], names, strict=False):
            place["name"] = name
        d["events"][0]["title"] = names[2]
        d["events"][1]["title"] = names[3]

    dataset = load_dataset(_write(tmp_path, mutate))
    config = page_config(dataset)
    assert not marker.exists()
    assert config["title"] == names[0]
    shown = [p["name"] for p in config["places"]]
    assert shown == names[: len(shown)]


def shown_as(text: str) -> str:
    """What Qt shows for a tooltip (or other auto-detected text): rich text is rendered."""
    from PySide6.QtGui import Qt, QTextDocument

    if not Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def button_shows(text: str) -> str:
    """What a button shows for `text`: "&x" is a mnemonic (x underlined), "&&" is "&"."""
    return re.sub(r"&(.)", r"\1", text)


def _squash(text: str) -> str:
    return " ".join(text.split())


def literal_in(payload: str, shown: str) -> bool:
    return _squash(payload) in _squash(shown)


# ---- the Qt side ----------------------------------------------------------------------


@pytest.fixture
def hostile_window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    from PySide6.QtCore import QSettings

    from viewer.window import MainWindow

    dataset = load_dataset(write_hostile(tmp_path))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(dataset, settings=settings)
    errors: list[str] = []
    win.map_view.page().jsError.connect(errors.append)
    win.page_errors = errors
    yield show_until_ready(qtbot, win)
    close_window(qtbot, win)


def go_to(qtbot: Any, window: Any, event_id: str) -> None:
    event = window.index.by_id[event_id]
    wait_applied(qtbot, window, lambda: window.time_state.go_to_event(event))


DOM_REPORT = """
(function () {
  var all = Array.from(document.querySelectorAll('*'));
  var handlers = all.filter(function (e) {
    return Array.from(e.attributes).some(function (a) { return a.name.indexOf('on') === 0; });
  }).map(function (e) { return e.outerHTML.slice(0, 120); });
  var labels = {};
  document.querySelectorAll('.leaflet-marker-icon[data-place]').forEach(function (m) {
    labels[m.getAttribute('data-place')] = m.getAttribute('title');
  });
  var tips = Array.from(document.querySelectorAll('.atlas-label')).map(function (t) {
    return { text: t.textContent, elements: t.querySelectorAll('*').length };
  });
  return JSON.stringify({
    pwned: typeof window.__pwned,
    title: document.title,
    handlers: handlers,
    bold: document.querySelectorAll(
      'b, i, svg[onload], a[href^="javascript"], body style, iframe, object').length,
    imgX: Array.from(document.images).filter(function (i) { return /\\/x$/.test(i.src); }).length,
    inlineScripts: document.querySelectorAll(
      'script:not([src]):not([type="application/json"])').length,
    markerTitles: labels,
    tooltips: tips,
    elsewhere: Array.from(document.querySelectorAll('#atlas-elsewhere button')).map(function (b) {
      return { text: b.textContent, elements: b.children.length };
    })
  });
})()
"""


@pytest.mark.gui
def test_map_page_shows_text_literally(qtbot: Any, hostile_window: Any) -> None:
    window = hostile_window
    title_before = run_js(qtbot, window, "document.title")
    go_to(qtbot, window, "e-all")  # every place is current: labels, popups, "elsewhere"
    report = json.loads(run_js(qtbot, window, DOM_REPORT))
    assert report["pwned"] == "undefined"
    assert report["title"] == title_before != "pwned"
    assert report["handlers"] == []
    assert report["bold"] == 0 and report["imgX"] == 0
    assert report["inlineScripts"] == 2  # Folium's own two, hashed in the CSP
    names = {p.id: p.name for p in window.dataset.places}
    assert report["markerTitles"] == names
    assert sorted(t["text"] for t in report["tooltips"]) == sorted(names.values())
    assert all(t["elements"] == 1 for t in report["tooltips"])  # just our <span>
    assert report["elsewhere"] == [{"text": names["p-far"], "elements": 0}]
    result = json.loads(run_js(qtbot, window, "Atlas.query()"))
    assert {k: v["label"] for k, v in result["places"].items()} == names

    for place_id, name in names.items():
        assert run_js(qtbot, window, f"Atlas.clickMarker({json.dumps(place_id)})") is True
        popup = json.loads(
            run_js(
                qtbot,
                window,
                "(function () { var all = document.querySelectorAll('.atlas-popup');"
                " var p = all[all.length - 1];"
                " return JSON.stringify(p ? {title: p.firstChild.textContent,"
                " event: (p.querySelector('.atlas-popup-event') || {}).textContent,"
                " tags: Array.from(p.querySelectorAll('*')).map(function (e) {"
                " return e.tagName; })} : null); })()",
            )
        )
        assert popup is not None, place_id
        assert popup["title"] == name
        assert popup["event"] == window.dataset.event("e-all").title
        assert set(popup["tags"]) <= {"DIV", "BUTTON"}, popup["tags"]
    after = json.loads(run_js(qtbot, window, DOM_REPORT))
    assert after["pwned"] == "undefined" and after["handlers"] == [] and after["bold"] == 0
    assert window.page_errors == []  # not even a refused inline script: nothing was parsed


@pytest.mark.gui
def test_event_list_shows_text_literally(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtCore import Qt

    model = hostile_window.list_view.model()
    titles = {e.title: e for e in hostile_window.dataset.events}
    seen = set()
    for row in range(model.rowCount()):
        shown = model.index(row, 2).data(Qt.ItemDataRole.DisplayRole)
        title = shown.removesuffix(" ⚖")
        assert title in titles, shown  # the title itself, as text
        seen.add(title)
    assert seen == set(titles)


@pytest.mark.gui
def test_event_list_tooltips_show_text_literally(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtCore import Qt

    from viewer.eventmodel import EventTableModel

    model = hostile_window.list_view.model()
    summaries = {e.id: e.summary for e in hostile_window.dataset.events}
    for row in range(model.rowCount()):
        event_id = model.index(row, 0).data(EventTableModel.EventIdRole)
        tip = model.index(row, 2).data(Qt.ItemDataRole.ToolTipRole)
        assert literal_in(summaries[event_id], shown_as(tip)), (summaries[event_id], tip)


@pytest.mark.gui
def test_detail_panel_shows_text_literally(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    panel = hostile_window.detail
    dataset = hostile_window.dataset
    for event in dataset.events:
        panel.show_event(event)
        text = panel.plain_text()
        for piece in (event.title, event.summary, *event.actors):
            assert piece in text, piece
        for citation in event.citations:
            assert citation.quote in text
        for claim in event.claims:
            assert claim.topic in text
            assert all(v.value in text and v.quote in text for v in claim.values)
        labels = panel.findChildren(QLabel)
        assert labels
        for label in labels:
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:80]
    for place in dataset.places:
        panel.show_place(place, hostile_window.index.events_at_place(place.id))
        text = panel.plain_text()
        assert place.name in text and place.kind in text and place.coord_source in text
        assert all(alt in text for alt in place.alt_names)
        for label in panel.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText


@pytest.mark.gui
def test_detail_panel_buttons_show_text_literally(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtWidgets import QAbstractButton

    panel = hostile_window.detail
    source_titles = {s.title for s in hostile_window.dataset.sources}
    panel.show_event(hostile_window.dataset.event("e-bold"))
    buttons = panel.findChildren(QAbstractButton)
    # Tooltips are escaped: what Qt shows is the title itself.
    assert any(shown_as(b.toolTip()) in source_titles for b in buttons)
    for button in buttons:
        for payload in PAYLOADS.values():
            if payload in shown_as(button.toolTip()):
                assert literal_in(payload, shown_as(button.toolTip())), button.toolTip()
            if payload in button.text():
                assert literal_in(payload, button_shows(button.text())), button.text()


@pytest.mark.gui
def test_source_reader_shows_text_literally(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

    reader = hostile_window.reader
    source = hostile_window.dataset.source("src")
    citation = hostile_window.dataset.event("e-img").citations[0]
    shown = reader.show_source(source, citation.start, citation.end)
    assert shown == source.text == SOURCE_TEXT
    editors = reader.findChildren(QPlainTextEdit)
    assert editors and any(e.toPlainText() == SOURCE_TEXT for e in editors)
    for label in reader.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:80]
    texts = [w.text() for w in reader.findChildren(QLabel)]
    assert any(source.title in t for t in texts) and any(source.outlet in t for t in texts)
    # The address is shown somewhere (a field, a label or a tooltip), and as text.
    places = [w.text() for w in reader.findChildren(QLineEdit)] + texts
    assert any(
        HOSTILE_URL in t for t in places + [w.toolTip() for w in reader.findChildren(QWidget)]
    )
    for widget in reader.findChildren(QWidget):
        tip = widget.toolTip()
        for payload in (*PAYLOADS.values(), HOSTILE_URL):
            if payload in tip:
                assert literal_in(payload, shown_as(tip)), (widget.objectName(), tip)


@pytest.mark.gui
def test_no_tooltip_in_the_window_renders_data_as_html(qtbot: Any, hostile_window: Any) -> None:
    """Every widget and every item of every view, whatever the lead adds later."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QHeaderView, QWidget

    go_to(qtbot, hostile_window, "e-bold")
    hostile_window.detail.show_event(hostile_window.dataset.event("e-bold"))
    bad = []

    def check(where: str, tip: str, button_text: str = "") -> None:
        for payload in PAYLOADS.values():
            if payload in tip and not literal_in(payload, shown_as(tip)):
                bad.append((where, "tooltip", tip[:100]))
            if payload in button_text and not literal_in(payload, button_shows(button_text)):
                bad.append((where, "button", button_text[:100]))

    for widget in hostile_window.findChildren(QWidget):
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        check(type(widget).__name__, widget.toolTip(), text)
        if (
            isinstance(widget, QAbstractItemView)
            and not isinstance(widget, QHeaderView)  # the headers of a view, same model
            and widget.model() is not None
        ):
            model = widget.model()
            for row in range(min(model.rowCount(), 200)):
                for column in range(model.columnCount()):
                    tip = model.index(row, column).data(Qt.ItemDataRole.ToolTipRole)
                    if isinstance(tip, str):
                        check(f"{type(widget).__name__}[{row},{column}]", tip)
    assert bad == [], sorted({(where.split("[")[0], kind) for where, kind, _ in bad})


@pytest.mark.gui
def test_window_title_and_labels_are_text(qtbot: Any, hostile_window: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    go_to(qtbot, hostile_window, "e-img")
    assert PAYLOADS["img"] in hostile_window.windowTitle()
    for label in hostile_window.findChildren(QLabel):
        if any(p in label.text() for p in PAYLOADS.values()):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


# =========================================================================================
# 3. Coverage-guided fuzzing (atheris)
# =========================================================================================


def test_coverage_guided_fuzzing(tmp_path: Path) -> None:
    """Run tests/fuzz_loader.py for a bounded time: only DatasetError may escape."""
    pytest.importorskip("atheris")
    seconds = int(os.environ.get("ATLAS_FUZZ_SECONDS", "20"))
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "fuzz_loader.py"),
            f"-max_total_time={seconds}",
            "-timeout=10",
            "-rss_limit_mb=3072",
            f"-artifact_prefix={tmp_path}/",
            "-print_final_stats=1",
        ],
        cwd=tmp_path,
        env={**os.environ, "ATLAS_FUZZ_WORKDIR": str(tmp_path / "work")},
        capture_output=True,
        text=True,
        errors="replace",
        timeout=seconds + 120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", output)
    assert runs and int(runs[1]) > 100, output[-3000:]
