"""`python -m viewer geocode`: compare stored place coordinates with a geocoder (Nominatim).

Every place is looked up by name (falling back to its alternative names) through geopy's
`Nominatim`, one request per `--min-delay` seconds as Nominatim's usage policy asks. A place
whose geocoded position lies farther from the stored one than the place's own `radius_m`
is reported, as is a place the geocoder does not know. `--write` moves the differing
places to the geocoder's position in the data file (atomically, keeping everything else).

Exit status: 0 nothing differs, 1 some places differ or were not found, 2 error (bad data
file, geocoder unreachable or refusing). The exit status describes what was found, with or
without `--write`.

The logic is small pure functions (`compare`, `apply_updates`, the geodesy helpers) that take
a `lookup` callable, so it is testable without a network; `geocode_main` wires them to geopy.
Nothing here imports Qt.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from geopy.exc import (
    GeocoderInsufficientPrivileges,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from . import __version__, paths
from .dataset import build, parse_json, read_file, validate
from .errors import DatasetError
from .geodesy import Point, describe_offset, distance_m, format_distance
from .model import Dataset, Place

#: Nominatim's public server; its usage policy allows at most one request per second.
PUBLIC_DOMAIN = "nominatim.openstreetmap.org"
DEFAULT_USER_AGENT = f"embassy-crisis-atlas/{__version__} (geocode check)"
DEFAULT_MIN_DELAY = 1.0
DEFAULT_TIMEOUT = 10.0
#: `coord_source` is a schema "text": at most this many characters.
MAX_TEXT = 2000

# --------------------------------------------------------------------------- comparison


class Found(Protocol):
    """A geocoder's answer. `geopy.location.Location` is one."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def address(self) -> str: ...


#: Look a query up; None when the geocoder knows nothing by that name.
Lookup = Callable[[str], Found | None]


class GeocodeError(Exception):
    """The geocoder could not be used (unreachable, refusing, nonsense answer)."""


@dataclass(frozen=True, slots=True)
class Answer:
    lat: float
    lon: float
    display_name: str
    query: str  # the query that found it


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A place the geocoder puts outside its radius (`answer` set) or does not know (None)."""

    place: Place
    queries: tuple[str, ...]  # every query tried, in order
    answer: Answer | None
    distance_m: float | None

    @property
    def found(self) -> bool:
        return self.answer is not None


def queries_for(place: Place, with_country: bool = True) -> tuple[str, ...]:
    """The queries to try for a place: its name, then its alternative names (deduplicated),
    each followed by ", <country>" unless the name already ends with it."""
    out: list[str] = []
    country = place.country.strip()
    for name in (place.name, *place.alt_names):
        name = " ".join(name.split())
        if not name:
            continue
        if with_country and country and not name.casefold().endswith(country.casefold()):
            name = f"{name}, {country}"
        if name not in out:
            out.append(name)
    return tuple(out)


def _answer(found: Found, query: str) -> Answer:
    try:
        lat, lon = float(found.latitude), float(found.longitude)
    except (TypeError, ValueError):
        raise GeocodeError(f"the geocoder gave no usable coordinates for {query!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise GeocodeError(f"the geocoder gave impossible coordinates for {query!r}: {lat}, {lon}")
    return Answer(lat, lon, str(found.address or ""), query)


def check_place(place: Place, lookup: Lookup, with_country: bool = True) -> Discrepancy | None:
    """Look `place` up (name first, then alternative names until one is found) and return a
    Discrepancy if the answer lies beyond the place's radius or there is none."""
    queries = queries_for(place, with_country)
    tried: list[str] = []
    for query in queries:
        tried.append(query)
        found = lookup(query)
        if found is None:
            continue
        answer = _answer(found, query)
        metres = distance_m(place, Point(answer.lat, answer.lon))
        if metres > place.radius_m:
            return Discrepancy(place, tuple(tried), answer, metres)
        return None
    return Discrepancy(place, tuple(tried), None, None)


def compare(
    places: Iterable[Place],
    lookup: Lookup,
    with_country: bool = True,
    progress: Callable[[int, Place], None] | None = None,
) -> list[Discrepancy]:
    """Every place the geocoder puts outside its radius or does not know, in input order.

    Errors raised by `lookup` (e.g. GeocodeError) propagate: the comparison stops.
    """
    out = []
    for index, place in enumerate(places):
        if progress is not None:
            progress(index, place)
        result = check_place(place, lookup, with_country)
        if result is not None:
            out.append(result)
    return out


# --------------------------------------------------------------------------- report


def _q(text: str) -> str:
    """Quote for the terminal: control characters from a server cannot reach it raw."""
    return json.dumps(text, ensure_ascii=False)


def _coords(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def format_discrepancy(d: Discrepancy) -> str:
    """One line describing a discrepancy."""
    p = d.place
    head = f"{p.id} {_q(p.name)}: stored {_coords(p.lat, p.lon)}"
    if d.answer is None:
        tried = ", ".join(_q(q) for q in d.queries) or "(no name to query)"
        return f"NOT FOUND {head}; no result for {tried}"
    a = d.answer
    offset = describe_offset(p, Point(a.lat, a.lon))
    return (
        f"DIFFERS {head}; geocoder {_coords(a.lat, a.lon)} {_q(a.display_name)}"
        f" (query {_q(a.query)}); {offset} of stored, beyond radius {format_distance(p.radius_m)}"
    )


def summary(path: Path, total: int, found: Sequence[Discrepancy], url: str) -> str:
    differ = sum(1 for d in found if d.found)
    missing = len(found) - differ
    head = f"{path}: {total} place{'s' if total != 1 else ''} checked against {url}"
    if not found:
        return f"{head}: all within their radius"
    parts = []
    if differ:
        parts.append(f"{differ} beyond {'its' if differ == 1 else 'their'} radius")
    if missing:
        parts.append(f"{missing} not found")
    return f"{head}: {', '.join(parts)}"


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class Change:
    place_id: str
    old: tuple[float, float]
    new: tuple[float, float]
    coord_source: str


def _clean(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def provenance(old: str, display_name: str, service: str, today: date) -> str:
    """`old` with "; updated from <service> (<display name>) on <date>" appended, kept within
    the schema's length limit (the display name is shortened first, then `old`)."""
    display = _clean(display_name) or "no display name"
    tail = f") on {today.isoformat()}"
    lead = f"; updated from {service} ("
    room = MAX_TEXT - len(old) - len(lead) - len(tail)
    if room < len(display):
        display = display[: max(room - 1, 20)] + "…"
    text = f"{old}{lead}{display}{tail}"
    if len(text) > MAX_TEXT:
        suffix = f"{lead}{display}{tail}"
        text = old[: MAX_TEXT - len(suffix) - 1] + "…" + suffix
    return text


def apply_updates(
    raw: dict[str, Any],
    discrepancies: Iterable[Discrepancy],
    service: str,
    today: date,
) -> tuple[dict[str, Any], list[Change]]:
    """A copy of the raw dataset with each found discrepancy's place moved to the geocoder's
    position and its `coord_source` extended. Key order and everything else are kept."""
    new = copy.deepcopy(raw)
    by_id = {d.place.id: d for d in discrepancies if d.answer is not None}
    changes = []
    for item in new.get("places", []):
        d = by_id.get(str(item.get("id"))) if isinstance(item, dict) else None
        if d is None or d.answer is None:
            continue
        old = (item["lat"], item["lon"])
        item["lat"], item["lon"] = d.answer.lat, d.answer.lon
        item["coord_source"] = provenance(
            str(item.get("coord_source", "")), d.answer.display_name, service, today
        )
        changes.append(Change(d.place.id, old, (d.answer.lat, d.answer.lon), item["coord_source"]))
    return new, changes


def render_json(raw: Any) -> str:
    return json.dumps(raw, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) via a temporary file in the same folder and
    `os.replace`, so a reader never sees a half-written file. Keeps the file's mode."""
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- geopy


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^\"'()]+)")


def _reason(exc: BaseException, timeout: float) -> str:
    message = str(exc)
    if isinstance(exc, GeocoderTimedOut) and message in ("", "Service timed out"):
        return f"no answer within {timeout:g} s"
    match = _ERRNO.search(message)
    if match:
        return match.group(1).strip()
    message = " ".join(message.split())
    return message[:200] + ("…" if len(message) > 200 else "")


_UNREACHABLE_HINTS = ("errno", "refused", "resolve", "unreachable", "timed out", "reset by peer")


def explain(exc: GeopyError, url: str, timeout: float) -> str:
    """One clear sentence about a geopy failure (without the "geocode: " prefix)."""
    reason = _reason(exc, timeout)
    unchanged = "no file was changed."
    http = exc.__cause__ is not None and hasattr(exc.__cause__, "status_code")
    if isinstance(exc, GeocoderRateLimited):
        return (
            f"the geocoder at {url} refuses: too many requests ({reason}). "
            f"Wait, then retry with a larger --min-delay; {unchanged}"
        )
    if isinstance(exc, GeocoderInsufficientPrivileges):
        return (
            f"the geocoder at {url} refuses the request ({reason}). Nominatim blocks clients "
            f"without an identifying --user-agent or over its usage limits; {unchanged}"
        )
    unreachable = isinstance(exc, GeocoderUnavailable) or (
        not http
        and isinstance(exc, GeocoderServiceError)
        and any(hint in str(exc).lower() for hint in _UNREACHABLE_HINTS)
    )
    if unreachable or (isinstance(exc, GeocoderTimedOut) and not http):
        return (
            f"cannot reach the geocoder at {url} ({reason}). "
            f"Check your network connection; {unchanged}"
        )
    return f"the geocoder at {url} failed ({type(exc).__name__}: {reason}); {unchanged}"


def service_url(domain: str, scheme: str) -> str:
    return f"{scheme}://{domain.strip('/')}"


def nominatim_lookup(
    domain: str, scheme: str, user_agent: str, timeout: float, min_delay: float
) -> Lookup:
    """A rate-limited Nominatim lookup that raises GeocodeError (with a clear message) on
    any failure of the service or the network instead of geopy's exceptions."""
    url = service_url(domain, scheme)
    geocoder = Nominatim(user_agent=user_agent, domain=domain, scheme=scheme, timeout=timeout)
    # No retries: an unreachable server should fail at once, and retrying a refusal (429)
    # faster than asked would only make it worse. Nothing is swallowed.
    limited = RateLimiter(
        geocoder.geocode, min_delay_seconds=min_delay, max_retries=0, swallow_exceptions=False
    )

    def lookup(query: str) -> Found | None:
        try:
            found: Found | None = limited(query, exactly_one=True, language="en")
        except GeopyError as exc:
            raise GeocodeError(explain(exc, url, timeout)) from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # malformed answer
            raise GeocodeError(
                f"the geocoder at {url} gave an answer that cannot be read for {query!r} "
                f"({type(exc).__name__}: {exc}); no file was changed."
            ) from exc
        return found

    return lookup


# --------------------------------------------------------------------------- command


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be zero or more seconds: {text!r}")
    return value


def _domain(text: str) -> str:
    text = text.strip().strip("/")
    if not text or "://" in text or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"give a host name with an optional port, such as {PUBLIC_DOMAIN} or "
            f"127.0.0.1:8080 (no scheme: use --scheme), not {text!r}"
        )
    return text


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m viewer geocode",
        description="Look every place up with a Nominatim geocoder and report those whose "
        "stored coordinates lie farther from the geocoder's answer than their radius_m, and "
        "those it cannot find. Exit status: 0 nothing differs, 1 some differ or were not "
        "found, 2 error.",
    )
    p.add_argument(
        "file", nargs="?", type=Path, default=None, help="dataset (default: places.json)"
    )
    p.add_argument(
        "--write",
        action="store_true",
        help="move the differing places to the geocoder's coordinates in FILE (atomically)",
    )
    p.add_argument(
        "--domain",
        type=_domain,
        default=PUBLIC_DOMAIN,
        metavar="HOST[:PORT]",
        help=f"Nominatim server (default: {PUBLIC_DOMAIN})",
    )
    p.add_argument("--scheme", choices=("http", "https"), default="https", help="default: https")
    p.add_argument(
        "--min-delay",
        type=_non_negative,
        default=DEFAULT_MIN_DELAY,
        metavar="SECONDS",
        help=f"at least this long between requests (default: {DEFAULT_MIN_DELAY:g}; "
        f"{PUBLIC_DOMAIN} allows no less than 1)",
    )
    p.add_argument(
        "--user-agent",
        default=DEFAULT_USER_AGENT,
        metavar="UA",
        help=f"identify this client to the server (default: {DEFAULT_USER_AGENT!r})",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for each answer (default: {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--no-country",
        dest="with_country",
        action="store_false",
        help="query names alone, without appending the place's country",
    )
    return p


def _load(path: Path) -> tuple[bytes, dict[str, Any], Dataset]:
    """The file's bytes, its raw JSON and the validated dataset (or DatasetError)."""
    data = read_file(path)
    raw = parse_json(data, str(path))
    problems = validate(raw, path)
    if problems:
        raise DatasetError(problems)
    return data, raw, build(raw, path)


def _progress_printer() -> Callable[[int, Place], None] | None:
    """A one-line progress display on an interactive stderr (nothing when piped)."""
    if not sys.stderr.isatty():
        return None

    def show(index: int, place: Place) -> None:
        line = f"geocode: {index + 1}: {place.id}"[:79]
        print(f"\r{line:<79}", end="", file=sys.stderr, flush=True)

    return show


def _clear_progress(progress: Callable[[int, Place], None] | None) -> None:
    if progress is not None:
        print("\r" + " " * 79 + "\r", end="", file=sys.stderr, flush=True)


def geocode_main(argv: Sequence[str]) -> int:
    p = parser()
    args = p.parse_args(list(argv))
    domain: str = args.domain
    if domain.lower().split(":")[0] == PUBLIC_DOMAIN and args.min_delay < 1.0:
        p.error(f"{PUBLIC_DOMAIN} allows at most one request per second: use --min-delay 1 or more")
    if not args.user_agent.strip():
        p.error("--user-agent must not be empty")
    path: Path = args.file or paths.default_dataset()
    url = service_url(domain, args.scheme)

    try:
        original, raw, dataset = _load(path)
    except DatasetError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"geocode: {path} cannot be loaded; nothing was looked up.", file=sys.stderr)
        return 2

    try:
        lookup = nominatim_lookup(
            domain, args.scheme, args.user_agent, args.timeout, args.min_delay
        )
    except GeopyError as exc:  # e.g. ConfigurationError
        print(f"geocode: cannot use the geocoder at {url}: {exc}", file=sys.stderr)
        return 2

    progress = _progress_printer()
    try:
        found = compare(dataset.places, lookup, args.with_country, progress)
    except GeocodeError as exc:
        _clear_progress(progress)
        print(f"geocode: {exc}", file=sys.stderr)
        return 2
    _clear_progress(progress)

    for d in found:
        print(format_discrepancy(d))
    print(summary(path, len(dataset.places), found, url))

    wanted = args.write and any(d.found for d in found)
    if wanted and _write(path, original, raw, found, domain) != 0:
        return 2
    return 1 if found else 0


def _write(
    path: Path, original: bytes, raw: dict[str, Any], found: Sequence[Discrepancy], domain: str
) -> int:
    """Write the updates; 0 on success, 2 (after saying why) if the file was not written."""
    service = "Nominatim" if domain == PUBLIC_DOMAIN else f"Nominatim at {domain}"
    new, changes = apply_updates(raw, found, service, date.today())
    problems = validate(new, path)
    if problems:  # cannot happen with a geocoder's valid coordinates; never write a bad file
        print(DatasetError(problems).report(), file=sys.stderr)
        print(f"geocode: the update would make {path} invalid; not written.", file=sys.stderr)
        return 2
    try:
        if read_file(path) != original:
            print(
                f"geocode: {path} changed while the places were being looked up; "
                "it was not written. Run the command again.",
                file=sys.stderr,
            )
            return 2
        write_atomic(path, render_json(new))
    except (DatasetError, OSError) as exc:
        detail = exc.report() if isinstance(exc, DatasetError) else (exc.strerror or str(exc))
        print(f"geocode: cannot write {path}: {detail}; it was not changed.", file=sys.stderr)
        return 2
    for c in changes:
        print(f"updated {c.place_id}: {_coords(*c.old)} -> {_coords(*c.new)}")
    print(f"{path}: wrote {len(changes)} updated place{'s' if len(changes) != 1 else ''}")
    return 0
