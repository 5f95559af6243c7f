"""Load and validate a dataset file into immutable objects (`viewer.model`).

Validation reports every problem at once, each with the file, the JSON path where it
is and, when it can be found, the line and column. A data file is untrusted input: it
is read with size limits, never followed outside its folder, and a broken or hostile
file ends in `DatasetError`, never in a half-loaded dataset or a traceback.
Nothing here imports Qt.
"""

from __future__ import annotations

import codecs
import gc
import itertools
import json
import math
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import DatasetError, Problem, shorten
from .model import Citation, Claim, ClaimValue, Dataset, Event, Link, Place, Precision, Source
from .quotes import NormalizedText, QuoteFinder, closest_passage, normalize, normalize_quote

#: Larger files are refused before parsing: a dataset of 100,000 events is ~60 MB.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: One source document, and all of them together. Checking quotes costs about 60 bytes
#: of memory per character of source text, so these stay far below the data file's limit.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_TOTAL_SOURCE_BYTES = 32 * 1024 * 1024
#: A real dataset nests 7 levels deep; anything much deeper is refused before validation.
MAX_DEPTH = 32
#: Integers with more digits than this are refused (no coordinate or radius needs them).
MAX_INT_DIGITS = 100
#: Collecting stops here: a file with a million broken events still reports quickly.
MAX_PROBLEMS = 1000
#: Dates outside these years are refused: the timeline's date arithmetic must not overflow.
MIN_YEAR, MAX_YEAR = 1000, 9000
#: Finding line numbers costs one more scan of the text; skipped for larger texts.
MAX_LOCATE_CHARS = 64 * 1024 * 1024
#: Quote longer than the schema allows are reported by the schema and not searched for.
MAX_QUOTE_CHARS = 2000
#: Seconds that may be spent, per file, on the slow (but better) closest-passage search.
CLOSEST_PASSAGE_SECONDS = 2.0

Parts = tuple[str | int, ...]

if TYPE_CHECKING:
    import jsonschema
    import jsonschema_rs


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema every dataset file is checked against (ships in the package)."""
    text = resources.files("viewer").joinpath("places.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """The reference validator: its messages are the ones reported."""
    import jsonschema  # lazily: ~0.15 s to import, and only needed for an invalid file

    return jsonschema.Draft202012Validator(schema())


@cache
def _fast_validator() -> jsonschema_rs.Validator:
    """A compiled validator for the same schema, ~60 times faster; it only says yes or no."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema(), validate_formats=False)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # in JSON text: may make a surrogate
_SURROGATE_TEXT = "contains an unpaired surrogate (\\ud800-\\udfff): not valid Unicode text"


def json_path(parts: Iterable[str | int]) -> str:
    """``$.events[3].title``; keys that are not plain names are quoted: ``$['a b']``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += f"[{_show(part, 60)}]"
    return out


def _show(value: object, limit: int = 80) -> str:
    """`repr(value)` for a message, never longer than about `limit` characters."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: max(limit - 24, 8)]!r}… ({len(value):,} characters)"
    return shorten(repr(value), limit)


class _Pairs(dict[str, Any]):
    """A JSON object that remembers keys it saw more than once."""

    duplicates: tuple[str, ...] = ()


def _object_hook(pairs: list[tuple[str, Any]]) -> _Pairs:
    obj = _Pairs(pairs)  # the last value of a repeated key wins, as in json.loads
    if len(obj) < len(pairs):  # rare: only then look for the repeated keys, in order
        seen: set[str] = set()
        repeated = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        obj.duplicates = tuple(repeated)
    return obj


class _BadNumber:
    """Stands in, while parsing, for a number we refuse, so that its place can be named."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _Found:
    """Problems as they are found, each with the JSON location to look up in the text."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[tuple[Problem, Parts]] = []
        self.dropped = 0

    def add(self, parts: Iterable[str | int], message: str, at: Iterable[str | int] = ()) -> None:
        """A problem at `parts`; `at` (default: `parts`) is where to point in the file."""
        if len(self.items) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        parts = tuple(parts)
        self.items.append((Problem(self.file, json_path(parts), message), tuple(at) or parts))

    def __bool__(self) -> bool:
        return bool(self.items)

    def problems(self, text: str | None = None) -> list[Problem]:
        """The problems, with line and column when `text` (the file's JSON) is given."""
        items = self.items
        if text is not None:
            items = _locate(text, items)
        out = [problem for problem, _ in items]
        if self.dropped:
            out.append(
                Problem(
                    self.file,
                    "$",
                    f"{self.dropped} more problems were found but not listed "
                    f"(the first {MAX_PROBLEMS} are)",
                )
            )
        return out


# ---- reading -------------------------------------------------------------------------


class _Refused(Exception):
    """A file that exists but is not read (not a regular file, or too large)."""


def _read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of regular file `path`, at most `limit` of them.

    Opened without blocking and checked after opening, so a FIFO, a device such as
    /dev/zero or a file that grows while being read cannot hang or exhaust the reader.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("is not a regular file (a pipe, device or socket)")
        if info.st_size > limit:
            raise _Refused(f"is too large ({info.st_size:,} bytes; the limit is {limit:,})")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise _Refused(f"is too large (more than {limit:,} bytes)")
        return data
    finally:
        os.close(fd)


def read_file(path: Path) -> bytes:
    """The bytes of a data file, or DatasetError saying plainly why not."""
    file = str(path)

    def refuse(message: str) -> DatasetError:
        return DatasetError([Problem(file, "$", message)])

    try:
        return _read_bytes(path, MAX_FILE_BYTES)
    except _Refused as exc:
        raise refuse(f"the data file {exc}") from None
    except FileNotFoundError:
        raise refuse("file not found") from None
    except IsADirectoryError:
        raise refuse("is a directory, not a data file") from None
    except PermissionError:
        if path.is_dir():
            raise refuse("is a directory, not a data file") from None
        raise refuse("permission denied") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise refuse(f"cannot read file: {reason}") from None


def _decode(data: bytes, file: str) -> str:
    """UTF-8 bytes as text; a UTF-8 BOM is skipped (RFC 8259 lets parsers ignore it)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DatasetError([Problem(file, "$", "the file is UTF-16; save it as UTF-8", 1, 1)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")  # valid up to the first bad byte
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        raise DatasetError([Problem(file, "$", message, line, column)]) from None


def _parse_text(text: str, file: str) -> Any:
    """Strict JSON: no NaN/Infinity, no number too large to be useful."""
    return _parse(text, file)[0]


def _parse(text: str, file: str) -> tuple[Any, bool, bool]:
    """`_parse_text`; whether the document is plain: no object in it repeats a key and
    no string can hold an unpaired surrogate (text decoded as strict UTF-8 holds none,
    so one could only come from a \\uD800-\\uDFFF escape); and whether a key holds an
    unpaired surrogate (the compiled validator crashes on those: see `_validate`)."""
    bad: list[_BadNumber] = []
    repeats = False

    def object_hook(pairs: list[tuple[str, Any]]) -> _Pairs:
        nonlocal repeats
        obj = _object_hook(pairs)
        if obj.duplicates:
            repeats = True
        return obj

    def constant(name: str) -> _BadNumber:
        bad.append(_BadNumber(f"{name} is not a valid JSON number"))
        return bad[-1]

    def parse_int(digits: str) -> int | _BadNumber:
        if len(digits) <= MAX_INT_DIGITS:
            return int(digits)
        bad.append(_BadNumber(f"integer with {len(digits):,} digits is too large"))
        return bad[-1]

    def parse_float(digits: str) -> float | _BadNumber:
        value = float(digits)
        if math.isfinite(value):
            return value
        bad.append(_BadNumber(f"number {_show(digits, 40)} is too large"))
        return bad[-1]

    try:
        raw = json.loads(
            text,
            object_pairs_hook=object_hook,
            parse_constant=constant,
            parse_int=parse_int,
            parse_float=parse_float,
        )
    except json.JSONDecodeError as exc:
        message = f"JSON syntax error: {exc.msg}"
        if not text.strip():
            message = "the file is empty: expected a JSON object"
        raise DatasetError([Problem(file, "$", message, exc.lineno, exc.colno)]) from None
    except RecursionError:
        raise DatasetError([Problem(file, "$", "JSON nested too deeply")]) from None
    except ValueError as exc:  # pragma: no cover - every ValueError is handled above
        raise DatasetError([Problem(file, "$", f"not valid JSON: {exc}")]) from None
    if bad:
        found = _Found(file)
        for parts, value in _walk(raw):
            if isinstance(value, _BadNumber):
                found.add(parts, value.message)
        raise DatasetError(found.problems(text))
    escapes = _SURROGATE_ESCAPE.search(text) is not None
    return raw, not repeats and not escapes, escapes and _surrogate_in_keys(raw)


def _surrogate_in_keys(raw: Any) -> bool:
    """True if a key of an object in `raw` holds an unpaired surrogate."""
    stack = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(not key.isascii() and _SURROGATE.search(key) for key in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def parse_json(data: bytes, file: str) -> Any:
    """Parse bytes as strict JSON (UTF-8, no NaN/Infinity), or raise DatasetError."""
    return _parse_text(_decode(data, file), file)


def _walk(node: Any) -> Iterable[tuple[Parts, Any]]:
    """Every value in a parsed JSON document with its path (iterative: no recursion)."""
    stack: list[tuple[Parts, Any]] = [((), node)]
    while stack:
        here, value = stack.pop()
        yield here, value
        if isinstance(value, dict):
            stack.extend(((*here, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(value))))


# ---- where in the file ----------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


def _positions(text: str, targets: Iterable[Parts]) -> dict[Parts, int]:
    """Character offsets in JSON `text` of the values at `targets` (of the key, for a
    member of an object). One pass; values off every target path are skipped by the C
    scanner. Where a key is duplicated, the last occurrence counts, as when parsing."""
    wanted = {t for t in targets if t}
    trie: dict[Any, Any] = {}
    for target in wanted:
        node = trie
        for part in target:
            node = node.setdefault(part, {})
    decoder = json.JSONDecoder(parse_int=str, parse_float=str, object_pairs_hook=list)
    scan = decoder.scan_once  # type: ignore[attr-defined]
    scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
    found: dict[Parts, int] = {}

    def skip(i: int) -> int:
        match = _SPACE.match(text, i)
        return match.end() if match else i

    def visit(i: int, node: dict[Any, Any] | None, here: Parts, at: int) -> int:
        if node is not None and here in wanted:
            found[here] = at
        if not node:  # off every target path, or the end of one: skip the value
            end: int = scan(text, i)[1]
            return end
        return walk(i, node, here)

    def walk(i: int, node: dict[Any, Any], here: Parts) -> int:
        opening = text[i]
        if opening not in "{[":
            end: int = scan(text, i)[1]
            return end
        closing = "}" if opening == "{" else "]"
        i = skip(i + 1)
        index = 0
        while text[i] != closing:
            if opening == "{":
                at = i
                key, i = scan_string(text, i + 1)
                i = skip(skip(i) + 1)  # past the colon
                i = visit(i, node.get(key), (*here, key), at)
            else:
                i = visit(i, node.get(index), (*here, index), i)
                index += 1
            i = skip(i)
            if text[i] == ",":
                i = skip(i + 1)
        return i + 1

    try:
        walk(skip(0), trie, ())
    except Exception:  # best effort: a problem without a line is still a clear problem
        return {}
    return found


def _locate(text: str, items: list[tuple[Problem, Parts]]) -> list[tuple[Problem, Parts]]:
    """The problems, with line and column added where their JSON path can be found."""
    if len(text) > MAX_LOCATE_CHARS:
        return items
    offsets = _positions(text, (parts for problem, parts in items if problem.line is None))
    if not offsets:
        return items
    # Line numbers for every offset in one pass over the text, in order.
    lines: dict[int, tuple[int, int]] = {}
    line, last = 1, 0
    for offset in sorted(set(offsets.values())):
        line += text.count("\n", last, offset)
        last = offset
        lines[offset] = (line, offset - text.rfind("\n", 0, offset))
    located = []
    for problem, parts in items:
        at = offsets.get(parts)
        if at is not None and problem.line is None:
            problem = replace(problem, line=lines[at][0], column=lines[at][1])
        located.append((problem, parts))
    return located


# ---- validation -----------------------------------------------------------------------


def _structure_problems(raw: Any, found: _Found) -> bool:
    """Duplicate keys, nesting too deep, text that is not valid Unicode. False if the
    document is too deep to be validated further."""

    search = _SURROGATE.search  # inlined below: this loop sees every value of the file
    if isinstance(raw, str) and not raw.isascii() and search(raw):
        found.add((), _SURROGATE_TEXT)
    shallow = True
    stack: list[tuple[Parts, Any]] = [((), raw)] if isinstance(raw, dict | list) else []
    while stack:
        here, value = stack.pop()
        if len(here) >= MAX_DEPTH:
            found.add(here, f"nested more than {MAX_DEPTH} levels deep")
            shallow = False
            continue
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                found.add(here, f"duplicate key {_show(key)}", at=(*here, key))
            children: Iterable[tuple[str | int, Any]] = value.items()
        else:
            children = enumerate(value)
        nested = []
        for part, child in children:
            if isinstance(part, str) and not part.isascii() and search(part):
                found.add(here, f"key {_show(part)}: {_SURROGATE_TEXT}")
            if isinstance(child, str):
                if not child.isascii() and search(child):
                    found.add((*here, part), _SURROGATE_TEXT)
            elif isinstance(child, dict | list):
                nested.append(((*here, part), child))
        stack.extend(reversed(nested))
    return shallow


def _size_problems(raw: Any, found: _Found) -> bool:
    """Arrays longer than the schema allows, found by walking the schema alongside the
    data (cheap), before the validator spends a long time on each item. False if any."""
    defs = schema().get("$defs", {})
    fits = True
    stack: list[tuple[Parts, Any, Any]] = [((), raw, schema())]
    while stack:
        here, value, node = stack.pop()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = defs.get(node["$ref"].rsplit("/", 1)[-1])
        if not isinstance(node, dict):
            continue
        if isinstance(value, list):
            limit = node.get("maxItems")
            if isinstance(limit, int) and len(value) > limit:
                found.add(here, f"{len(value):,} items are too many (at most {limit:,})")
                fits = False
            elif "items" in node:
                stack.extend(((*here, i), v, node["items"]) for i, v in enumerate(value))
        elif isinstance(value, dict):
            properties = node.get("properties", {})
            stack.extend(
                ((*here, k), v, properties[k]) for k, v in value.items() if k in properties
            )
    return fits


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, Parts]:
    """A message for a schema error, and where in the file to point."""
    here = tuple(error.absolute_path)
    instance, limit = error.instance, error.validator_value
    if error.validator == "maxLength" and isinstance(instance, str):
        return f"text of {len(instance):,} characters is too long (at most {limit:,})", here
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [key for key in instance if key not in known]
        if extra:
            names = ", ".join(_show(key, 40) for key in extra[:5])
            more = f" and {len(extra) - 5:,} more" if len(extra) > 5 else ""
            return f"unknown key{'s' if len(extra) > 1 else ''} {names}{more}", (*here, extra[0])
    return error.message, here


def schema_valid_fast(raw: Any) -> bool:
    """True if the compiled validator accepts `raw`, a document made by `json.loads`.

    Then `jsonschema` accepts it too: on JSON values the two differ only where the
    compiled one is stricter (its regular expressions follow ECMA-262: `\\d` is ASCII
    only, `$` does not match before a final newline; NaN is no number), and anything it
    cannot take (an unpaired surrogate) counts as "not known to be valid". It also takes
    tuples as arrays, which `jsonschema` does not: hence JSON values only.
    """
    try:
        return _fast_validator().is_valid(raw)
    except Exception:  # a value it cannot convert: let jsonschema judge (and explain)
        return False


def _schema_problems(raw: Any, found: _Found) -> None:
    errors = list(itertools.islice(_validator().iter_errors(raw), MAX_PROBLEMS))
    errors.sort(key=lambda e: json_path(e.absolute_path))
    for error in errors:
        message, at = _schema_message(error)
        found.add(error.absolute_path, message, at=at)


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
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


@dataclass(frozen=True, slots=True)
class SourceText:
    """A source document as read from disk, and normalized for finding quotes."""

    text: str
    normalized: NormalizedText
    #: Finds quotes in it and remembers them: validating and building look up the same ones.
    quotes: QuoteFinder


def _read_source(base: Path, rel: str) -> SourceText:
    """Source file `rel` of a dataset in folder `base`. Raises _Refused or OSError."""
    root = base.resolve()
    try:
        path = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL in the name
        raise _Refused(f"cannot be opened: {exc}") from None
    if not path.is_relative_to(root):
        raise _Refused(f"is outside the dataset's folder ({root})")
    try:
        data = _read_bytes(path, MAX_SOURCE_BYTES)
    except ValueError as exc:  # pragma: no cover - resolve() already refused these names
        raise _Refused(f"cannot be opened: {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"is not UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as text-mode reading does
    normalized = normalize(text)
    return SourceText(text, normalized, QuoteFinder(normalized))


def _prefix_passage(source: NormalizedText, quote: str) -> str:
    """The passage sharing the longest start or end with `quote`. Fast for any size:
    a binary search over prefix (and suffix) lengths, each step one `str.find`."""
    needle = normalize_quote(quote)
    text = source.text

    def longest(piece: Any) -> int:
        lo, hi = 0, len(needle)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if text.find(piece(mid)) >= 0:
                lo = mid
            else:
                hi = mid - 1
        return lo

    head = longest(lambda n: needle[:n])
    tail = longest(lambda n: needle[len(needle) - n :])
    if max(head, tail) < 3:
        return ""
    if head >= tail:
        start = text.find(needle[:head])
        return text[start : start + len(needle)]
    end = text.find(needle[len(needle) - tail :]) + tail
    return text[max(0, end - len(needle)) : end]


class _Checker:
    """Semantic checks the schema cannot express. Tolerates malformed parts."""

    def __init__(self, raw: dict[str, Any], file: Path, found: _Found) -> None:
        self.raw = raw
        self.file = file
        self.found = found
        self.sources: dict[str, SourceText] = {}
        self._closest_budget = CLOSEST_PASSAGE_SECONDS

    def problem(self, parts: Sequence[str | int], message: str) -> None:
        self.found.add(parts, message)

    def unique_ids(self, key: str) -> set[str]:
        seen: dict[str, int] = {}
        for i, item in _items(self.raw, key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                self.problem(
                    [key, i, "id"], f"duplicate id {_show(ident)} (first at {key}[{seen[ident]}])"
                )
            else:
                seen[ident] = i
        return set(seen)

    def read_sources(self) -> None:
        base = self.file.parent
        cache: dict[str, SourceText | None] = {}
        total = 0
        for i, item in _items(self.raw, "sources"):
            ident, rel = item.get("id"), item.get("file")
            if not isinstance(ident, str) or not isinstance(rel, str):
                continue
            here: list[str | int] = ["sources", i, "file"]
            if rel in cache:
                source = cache[rel]
                if source is not None:
                    self.sources[ident] = source
                continue
            cache[rel] = None
            if total > MAX_TOTAL_SOURCE_BYTES:
                self.problem(here, f"source files together exceed {MAX_TOTAL_SOURCE_BYTES:,} bytes")
                continue
            try:
                source = _read_source(base, rel)
            except _Refused as exc:
                self.problem(here, f"source file {_show(rel)} {exc}")
                continue
            except FileNotFoundError:
                self.problem(here, f"source file not found: {_show(str(base / rel), 300)}")
                continue
            except IsADirectoryError:
                self.problem(here, f"source path is a directory: {_show(str(base / rel), 300)}")
                continue
            except OSError as exc:
                self.problem(here, f"cannot read source file {_show(rel)}: {exc.strerror or exc}")
                continue
            total += len(source.text)
            cache[rel] = self.sources[ident] = source

    def closest(self, source: NormalizedText, quote: str) -> str:
        """The source passage most like `quote`. The thorough search (difflib) is slow on
        long quotes and long sources, so it runs only on small ones, within a time budget."""
        if len(quote) <= 120 and len(source.text) <= 50_000 and self._closest_budget > 0:
            started = time.monotonic()
            near = closest_passage(source, quote)
            self._closest_budget -= time.monotonic() - started
            return near
        return _prefix_passage(source, quote)

    def quote(self, parts: list[str | int], source_ids: set[str], item: dict[str, Any]) -> None:
        source, quote = item.get("source"), item.get("quote")
        if not isinstance(source, str) or not isinstance(quote, str):
            return
        if source not in source_ids:
            self.problem([*parts, "source"], f"unknown source id {_show(source)}")
            return
        text = self.sources.get(source)
        if text is None or len(quote) > MAX_QUOTE_CHARS:
            return
        if text.quotes.find(quote) is not None:
            return
        near = self.closest(text.normalized, quote)
        hint = f"; closest passage: {_show(near, 300)}" if near else ""
        self.problem([*parts, "quote"], f"quote not found in source {_show(source)}{hint}")

    def instant(self, parts: list[str | int], value: Any) -> datetime | None:
        """The date-time at `parts`, or None (with a problem if it is a bad one)."""
        if not isinstance(value, str):
            return None
        parsed = _parse_instant(value)
        if parsed is None:
            self.problem(parts, f"not a valid date-time with UTC offset: {_show(value)}")
        elif not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.problem(parts, f"{_show(value)} is outside the years {MIN_YEAR}-{MAX_YEAR}")
            return None
        return parsed

    def run(self) -> None:
        raw = self.raw
        source_ids = self.unique_ids("sources")
        place_ids = self.unique_ids("places")
        event_ids = self.unique_ids("events")
        self.read_sources()

        zone = raw.get("display_timezone")
        if isinstance(zone, str) and len(zone) <= 64 and not _known_zone(zone):
            self.problem(["display_timezone"], f"unknown time zone {_show(zone)}")

        period = raw.get("core_period")
        if isinstance(period, dict):
            start = self.instant(["core_period", "start"], period.get("start"))
            end = self.instant(["core_period", "end"], period.get("end"))
            if start and end and end <= start:
                self.problem(["core_period", "end"], "core period ends before it starts")

        for i, place in _items(raw, "places"):
            # The schema checks the ranges; NaN passes a range check, so look for it here
            # (JSON cannot hold NaN, but `validate` also checks data made in Python).
            for key in ("lat", "lon", "radius_m"):
                value = place.get(key)
                if isinstance(value, float) and not math.isfinite(value):
                    self.problem(["places", i, key], f"{key} {value!r} is not a finite number")

        starts: dict[str, datetime] = {}
        for i, event in _items(raw, "events"):
            start = self.instant(["events", i, "start"], event.get("start"))
            end = self.instant(["events", i, "end"], event.get("end"))
            if start and isinstance(event.get("id"), str):
                starts[event["id"]] = start
            if start and end and end < start:
                self.problem(
                    ["events", i, "end"], f"event ends ({end.isoformat()}) before it starts"
                )
            for j, place_id in enumerate(_list(event.get("places"))):
                if isinstance(place_id, str) and place_id not in place_ids:
                    self.problem(["events", i, "places", j], f"unknown place id {_show(place_id)}")
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
                    self.problem(["links", i, key], f"unknown event id {_show(ident)}")
            cause_id, effect_id = link.get("cause"), link.get("effect")
            cause = starts.get(cause_id) if isinstance(cause_id, str) else None
            effect = starts.get(effect_id) if isinstance(effect_id, str) else None
            if cause and effect and effect < cause:
                self.problem(["links", i], "the effect starts before its cause")
            if isinstance(cause_id, str) and cause_id == effect_id:
                self.problem(["links", i], "an event cannot cause itself")


def _validate(
    raw: Any, file: Path, from_json: bool = False, plain: bool = False
) -> tuple[_Found, dict[str, SourceText]]:
    """Every problem with parsed dataset `raw`, and the source texts read on the way.

    `from_json`: `raw` holds only values `json.loads` makes and no key with an unpaired
    surrogate (jsonschema_rs 0.36 crashes the process on one, where it raises on such a
    value: found by tests/fuzz_loader.py), so the compiled validator can vouch for a
    valid document; the slow one then runs only to explain problems.
    `plain`: also no repeated keys or surrogates (see `_parse`); then a document the
    compiled validator accepts has nothing for the structure walk to find either (the
    schema bounds its depth), and the walk (2 s at 100,000 events) is skipped.
    """
    found = _Found(str(file))
    fast_ok = from_json and plain and schema_valid_fast(raw)
    if not fast_ok and not _structure_problems(raw, found):
        return found, {}  # too deep to hand to the schema validator (it recurses)
    if not (fast_ok or (from_json and not plain and schema_valid_fast(raw))):
        if not _size_problems(raw, found):
            return found, {}  # validating a million items of an array of 100 takes minutes
        _schema_problems(raw, found)
    if not isinstance(raw, dict):
        return found, {}
    checker = _Checker(raw, file, found)
    checker.run()
    return found, checker.sources


def validate(raw: Any, file: Path) -> list[Problem]:
    """Every problem with parsed dataset `raw` read from `file` (empty if none)."""
    return _validate(raw, file)[0].problems()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile. Loading makes millions of objects and no
    cycles; each collection it would trigger walks all of them again (at 100,000 events
    that was a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_dataset(path: str | Path) -> Dataset:
    """Read, validate and build a dataset. Raises DatasetError listing every problem."""
    path = Path(path)
    with _gc_paused():
        text = _decode(read_file(path), str(path))
        raw, plain, surrogate_keys = _parse(text, str(path))
        found, sources = _validate(raw, path, from_json=not surrogate_keys, plain=plain)
        if found:
            raise DatasetError(found.problems(text))
        return build(raw, path, sources)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _utc_microseconds(moment: datetime) -> int:
    """An aware datetime as an exact integer, ordered as the datetimes are. Sorting on it
    is ~10 times faster than comparing datetimes with different UTC offsets."""
    return (moment - _EPOCH) // _MICROSECOND


def _span(item: dict[str, Any], texts: Mapping[str, SourceText]) -> tuple[int, int]:
    return texts[item["source"]].quotes.find(item["quote"]) or (-1, -1)


def build(
    raw: dict[str, Any], path: Path, sources: Mapping[str, SourceText] | None = None
) -> Dataset:
    """Objects from a raw dataset that has passed `validate`.

    `sources` are the texts `validate` read (by source id); without them the source
    files are read again, and DatasetError is raised if one can no longer be read.
    """
    if sources is None:
        sources = {}
        for i, s in enumerate(raw["sources"]):
            try:
                sources[s["id"]] = _read_source(path.parent, s["file"])
            except (_Refused, OSError) as exc:
                where = json_path(["sources", i, "file"])
                raise DatasetError([Problem(str(path), where, f"cannot read: {exc}")]) from None
    texts = sources
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
    events.sort(key=lambda ev: (_utc_microseconds(ev.start), ev.id))
    links = tuple(Link(k["cause"], k["effect"], k["type"], k.get("note", "")) for k in raw["links"])
    period = raw["core_period"]
    return Dataset(
        title=raw["title"],
        description=raw.get("description", ""),
        display_timezone=raw["display_timezone"],
        core_start=datetime.fromisoformat(period["start"]),
        core_end=datetime.fromisoformat(period["end"]),
        sources=tuple(
            Source(
                id=s["id"],
                file=s["file"],
                outlet=s["outlet"],
                title=s["title"],
                published=s["published"],
                url=s.get("url"),
                notes=s.get("notes", ""),
                text=texts[s["id"]].text,
            )
            for s in raw["sources"]
        ),
        places=places,
        events=tuple(events),
        links=links,
        path=str(path),
    )
