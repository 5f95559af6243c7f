"""Load and validate a dataset file into immutable objects (`viewer.model`).

Validation reports every problem at once, each with the file and the JSON path
where it is. Nothing here imports Qt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from .errors import DatasetError, Problem
from .model import Citation, Claim, ClaimValue, Dataset, Event, Link, Place, Precision, Source
from .quotes import NormalizedText, closest_passage, find_quote, normalize

#: Larger files are refused before parsing: a dataset of 100,000 events is ~60 MB.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_SOURCE_BYTES = 32 * 1024 * 1024


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema every dataset file is checked against (ships in the package)."""
    text = resources.files("viewer").joinpath("places.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def json_path(parts: Iterable[str | int]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class _Pairs(dict[str, Any]):
    """A JSON object that remembers keys it saw more than once."""

    duplicates: tuple[str, ...] = ()


def _object_hook(pairs: list[tuple[str, Any]]) -> _Pairs:
    obj = _Pairs()
    dups = []
    for key, value in pairs:
        if key in obj:
            dups.append(key)
        obj[key] = value
    if dups:
        obj.duplicates = tuple(dups)
    return obj


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON number")


def parse_json(data: bytes, file: str) -> Any:
    """Parse bytes as strict JSON (UTF-8, no NaN/Infinity), or raise DatasetError."""
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM is harmless: RFC 8259 lets parsers skip it
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DatasetError(
            [Problem(file, "$", f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, col)]
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_object_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            [Problem(file, "$", f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno)]
        ) from None
    except ValueError as exc:  # NaN / Infinity
        raise DatasetError([Problem(file, "$", str(exc))]) from None
    except RecursionError:
        raise DatasetError([Problem(file, "$", "JSON nested too deeply")]) from None


def _duplicate_key_problems(node: Any, file: str, parts: list[str | int]) -> Iterator[Problem]:
    stack: list[tuple[Any, list[str | int]]] = [(node, parts)]
    while stack:
        value, here = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                yield Problem(file, json_path(here), f"duplicate key {key!r}")
            stack.extend((v, [*here, k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, [*here, i]) for i, v in enumerate(value))


def _schema_problems(raw: Any, file: str) -> list[Problem]:
    problems = []
    for error in _validator().iter_errors(raw):
        message = error.message
        if len(message) > 300:
            message = message[:300] + "..."
        problems.append(Problem(file, json_path(error.absolute_path), message))
    problems.sort(key=lambda p: p.path)
    return problems


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(raw: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """The well-formed objects of a top-level list, with their indices."""
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


class _Checker:
    """Semantic checks the schema cannot express. Tolerates malformed parts."""

    def __init__(self, raw: dict[str, Any], file: Path) -> None:
        self.raw = raw
        self.file = file
        self.problems: list[Problem] = []
        self.texts: dict[str, NormalizedText] = {}

    def problem(self, parts: list[str | int], message: str) -> None:
        self.problems.append(Problem(str(self.file), json_path(parts), message))

    def unique_ids(self, key: str) -> set[str]:
        seen: dict[str, int] = {}
        for i, item in _items(self.raw, key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                self.problem(
                    [key, i, "id"], f"duplicate id {ident!r} (first at {key}[{seen[ident]}])"
                )
            else:
                seen[ident] = i
        return set(seen)

    def read_sources(self) -> None:
        base = self.file.parent
        for i, item in _items(self.raw, "sources"):
            ident, rel = item.get("id"), item.get("file")
            if not isinstance(ident, str) or not isinstance(rel, str):
                continue
            path = base / rel
            try:
                if path.stat().st_size > MAX_SOURCE_BYTES:
                    self.problem(["sources", i, "file"], f"source file {rel!r} is too large")
                    continue
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                self.problem(["sources", i, "file"], f"source file not found: {path}")
            except IsADirectoryError:
                self.problem(["sources", i, "file"], f"source path is a directory: {path}")
            except UnicodeDecodeError as exc:
                self.problem(["sources", i, "file"], f"source file {rel!r} is not UTF-8: {exc}")
            except OSError as exc:
                self.problem(["sources", i, "file"], f"cannot read source file {rel!r}: {exc}")
            else:
                self.texts[ident] = normalize(text)

    def quote(self, parts: list[str | int], source_ids: set[str], item: dict[str, Any]) -> None:
        source, quote = item.get("source"), item.get("quote")
        if not isinstance(source, str) or not isinstance(quote, str):
            return
        if source not in source_ids:
            self.problem([*parts, "source"], f"unknown source id {source!r}")
            return
        text = self.texts.get(source)
        if text is None or find_quote(text, quote) is not None:
            return
        near = closest_passage(text, quote)
        self.problem(
            [*parts, "quote"], f"quote not found in source {source!r}; closest passage: {near!r}"
        )

    def run(self) -> list[Problem]:
        raw = self.raw
        source_ids = self.unique_ids("sources")
        place_ids = self.unique_ids("places")
        event_ids = self.unique_ids("events")
        self.read_sources()

        zone = raw.get("display_timezone")
        if isinstance(zone, str) and not _known_zone(zone):
            self.problem(["display_timezone"], f"unknown time zone {zone!r}")

        if isinstance(raw.get("core_period"), dict):
            start = _parse_instant(raw["core_period"].get("start"))
            end = _parse_instant(raw["core_period"].get("end"))
            if start and end and end <= start:
                self.problem(["core_period", "end"], "core period ends before it starts")

        for i, place in _items(raw, "places"):
            for key, limit in (("lat", 90.0), ("lon", 180.0)):
                value = place.get(key)
                if isinstance(value, int | float) and not (
                    math.isfinite(value) and -limit <= value <= limit
                ):
                    self.problem(["places", i, key], f"{key} {value!r} is out of range ±{limit:g}")
            radius = place.get("radius_m")
            if isinstance(radius, int | float) and not (math.isfinite(radius) and radius > 0):
                self.problem(["places", i, "radius_m"], f"radius must be positive, got {radius!r}")

        starts: dict[str, datetime] = {}
        for i, event in _items(raw, "events"):
            for key in ("start", "end"):
                value = event.get(key)
                if isinstance(value, str) and _parse_instant(value) is None:
                    self.problem(
                        ["events", i, key], f"not a valid date-time with UTC offset: {value!r}"
                    )
            start = _parse_instant(event.get("start"))
            end = _parse_instant(event.get("end"))
            if start and isinstance(event.get("id"), str):
                starts[event["id"]] = start
            if start and end and end < start:
                self.problem(
                    ["events", i, "end"], f"event ends ({end.isoformat()}) before it starts"
                )
            for j, place_id in enumerate(_list(event.get("places"))):
                if isinstance(place_id, str) and place_id not in place_ids:
                    self.problem(["events", i, "places", j], f"unknown place id {place_id!r}")
            for j, citation in enumerate(_list(event.get("citations"))):
                if isinstance(citation, dict):
                    self.quote(["events", i, "citations", j], source_ids, citation)
            for j, claim in enumerate(_list(event.get("claims"))):
                if not isinstance(claim, dict) or not isinstance(claim.get("values"), list):
                    continue
                for k, value in enumerate(claim["values"]):
                    if isinstance(value, dict):
                        self.quote(["events", i, "claims", j, "values", k], source_ids, value)

        for i, link in _items(raw, "links"):
            for key in ("cause", "effect"):
                ident = link.get(key)
                if isinstance(ident, str) and ident not in event_ids:
                    self.problem(["links", i, key], f"unknown event id {ident!r}")
            cause_id, effect_id = link.get("cause"), link.get("effect")
            cause = starts.get(cause_id) if isinstance(cause_id, str) else None
            effect = starts.get(effect_id) if isinstance(effect_id, str) else None
            if cause and effect and effect < cause:
                self.problem(["links", i], "the effect starts before its cause")
            if isinstance(cause_id, str) and cause_id == effect_id:
                self.problem(["links", i], "an event cannot cause itself")
        return self.problems


def validate(raw: Any, file: Path) -> list[Problem]:
    """Every problem with parsed dataset `raw` read from `file` (empty if none)."""
    problems = list(_duplicate_key_problems(raw, str(file), []))
    problems += _schema_problems(raw, str(file))
    if isinstance(raw, dict):
        problems += _Checker(raw, file).run()
    return problems


def read_file(path: Path) -> bytes:
    """The bytes of a data file, or DatasetError saying plainly why not."""
    file = str(path)
    try:
        if path.is_dir():
            raise DatasetError([Problem(file, "$", "is a directory, not a data file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DatasetError([Problem(file, "$", f"file is too large ({size} bytes)")])
        return path.read_bytes()
    except FileNotFoundError:
        raise DatasetError([Problem(file, "$", "file not found")]) from None
    except PermissionError:
        raise DatasetError([Problem(file, "$", "permission denied")]) from None
    except OSError as exc:
        raise DatasetError(
            [Problem(file, "$", f"cannot read file: {exc.strerror or exc}")]
        ) from None


def load_dataset(path: str | Path) -> Dataset:
    """Read, validate and build a dataset. Raises DatasetError listing every problem."""
    path = Path(path)
    raw = parse_json(read_file(path), str(path))
    problems = validate(raw, path)
    if problems:
        raise DatasetError(problems)
    return build(raw, path)


def _span(item: dict[str, Any], texts: dict[str, NormalizedText]) -> tuple[int, int]:
    return find_quote(texts[item["source"]], item["quote"]) or (-1, -1)


def build(raw: dict[str, Any], path: Path) -> Dataset:
    """Objects from a raw dataset that has passed `validate`."""
    base = path.parent
    sources = []
    texts: dict[str, NormalizedText] = {}
    for s in raw["sources"]:
        text = (base / s["file"]).read_text(encoding="utf-8")
        texts[s["id"]] = normalize(text)
        sources.append(
            Source(
                id=s["id"],
                file=s["file"],
                outlet=s["outlet"],
                title=s["title"],
                published=s["published"],
                url=s.get("url"),
                notes=s.get("notes", ""),
                text=text,
            )
        )
    places = tuple(
        Place(
            id=p["id"],
            name=p["name"],
            alt_names=tuple(p.get("alt_names", ())),
            kind=p["kind"],
            lat=float(p["lat"]),
            lon=float(p["lon"]),
            radius_m=float(p["radius_m"]),
            coord_source=p["coord_source"],
            country=p.get("country", ""),
            notes=p.get("notes", ""),
        )
        for p in raw["places"]
    )
    events = []
    for e in raw["events"]:
        claims = tuple(
            Claim(
                topic=c["topic"],
                values=tuple(
                    ClaimValue(v["source"], v["value"], v["quote"], *_span(v, texts))
                    for v in c["values"]
                ),
            )
            for c in e.get("claims", ())
        )
        end = e.get("end")
        events.append(
            Event(
                id=e["id"],
                start=datetime.fromisoformat(e["start"]),
                end=datetime.fromisoformat(end) if end else None,
                precision=Precision(e["precision"]),
                places=tuple(e["places"]),
                category=e["category"],
                actors=tuple(e["actors"]),
                title=e["title"],
                summary=e["summary"],
                citations=tuple(
                    Citation(c["source"], c["quote"], *_span(c, texts)) for c in e["citations"]
                ),
                claims=claims,
                date_note=e.get("date_note", ""),
            )
        )
    events.sort(key=lambda ev: (ev.start, ev.id))
    links = tuple(Link(k["cause"], k["effect"], k["type"], k.get("note", "")) for k in raw["links"])
    period = raw["core_period"]
    return Dataset(
        title=raw["title"],
        description=raw.get("description", ""),
        display_timezone=raw["display_timezone"],
        core_start=datetime.fromisoformat(period["start"]),
        core_end=datetime.fromisoformat(period["end"]),
        sources=tuple(sources),
        places=places,
        events=tuple(events),
        links=links,
        path=str(path),
    )
