"""Command line: `python -m viewer [options]` opens the window; `check` and `geocode` are tools.

Kept free of Qt so `check` starts fast and runs where no display exists.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import APP_NAME, __version__, paths
from .errors import DatasetError


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {text}+03:00")
    return moment


def window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viewer",
        description=f"{APP_NAME}: map and timeline of the 2019-2020 Baghdad embassy crisis. "
        "Other commands: 'check [FILE]' validates a dataset, 'geocode [FILE]' compares "
        "stored coordinates with a geocoder.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--data", type=Path, default=None, help="dataset file (default: places.json)"
    )
    parser.add_argument(
        "--at", type=_moment, default=None, help="open at this moment, e.g. 2019-12-31T14:00+03:00"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="save the window to this PNG once the map is ready, then exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="drive the window through every event, check the page, exit 0 or 1",
    )
    parser.add_argument(
        "--no-err-windows",
        action="store_true",
        help="report errors on stderr only, never in a dialog",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never offer or load the online tile layers (by default they are offered in the "
        "map's layer switcher and fetched only when the reader turns one on)",
    )
    return parser


def check_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m viewer check", description="Validate a dataset file."
    )
    parser.add_argument(
        "file", nargs="?", type=Path, default=None, help="dataset (default: places.json)"
    )
    args = parser.parse_args(argv)
    path = args.file or paths.default_dataset()
    # Imported here: the app imports the loader only once its map page is loading.
    from .dataset import load_dataset

    try:
        data = load_dataset(path)
    except DatasetError as exc:
        print(exc.report(), file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    quotes = sum(len(e.citations) + sum(len(c.values) for c in e.claims) for e in data.events)
    print(
        f"{path}: OK: {len(data.sources)} sources, {len(data.places)} places, "
        f"{len(data.events)} events, {len(data.links)} links, {quotes} quotes verified"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "check":
        return check_main(args[1:])
    if args and args[0] == "geocode":
        from .geocode import geocode_main

        return geocode_main(args[1:])
    options = window_parser().parse_args(args)
    from .app import run_app  # Qt is imported only when a window is wanted

    return run_app(options)
