"""`--self-test`: drive the real window the way a reader would and check what the page shows.

Used by CI on the packaged app: load the page, step through every event, click a
marker through the page, open a source, and exit 0, or 1 with a message.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance

from .window import MainWindow


class SelfTestFailure(Exception):
    pass


def _wait(
    signal: SignalInstance, timeout_ms: int, accept: Callable[..., bool] = lambda *a: True
) -> tuple[Any, ...]:
    """Spin a local event loop until `signal` fires with arguments `accept` likes."""
    loop = QEventLoop()
    got: list[tuple[Any, ...]] = []

    def on_signal(*args: Any) -> None:
        if accept(*args):
            got.append(args)
            loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(timeout_ms, loop.quit)
    try:
        loop.exec()
    finally:
        signal.disconnect(on_signal)
    if not got:
        raise SelfTestFailure(f"timed out after {timeout_ms} ms waiting for {signal}")
    return got[0]


def _page_call(window: MainWindow, function: str, *args: Any) -> Any:
    loop = QEventLoop()
    result: list[Any] = []

    def done(value: Any) -> None:
        result.append(value)
        loop.quit()

    window.map_view.call(function, *args, callback=done)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    if not result:
        raise SelfTestFailure(f"the page did not answer {function}")
    return result[0]


def run_checks(window: MainWindow, log: Callable[[str], None]) -> None:
    errors: list[str] = []
    window.map_view.page().jsError.connect(errors.append)  # type: ignore[attr-defined]

    def no_page_errors() -> None:
        if errors:
            raise SelfTestFailure(f"the page reported a script error: {errors[0]}")

    if not window.is_ready:
        loop = QEventLoop()
        window.ready.connect(loop.quit)
        window.map_view.page().jsError.connect(lambda _m: loop.quit())  # type: ignore[attr-defined]
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        no_page_errors()
        if not window.is_ready:
            raise SelfTestFailure("the map page did not become ready within 60 s")
    shown = _page_call(window, "Atlas.query")
    places = {p.id for p in window.dataset.places}
    if set(shown.get("places", {})) != places:
        raise SelfTestFailure(
            f"the page shows {len(shown.get('places', {}))} of {len(places)} places"
        )
    log(f"page ready with {len(places)} places")

    for event in window.index.events:
        window.time_state.go_to_event(event)
        seq = window._seq
        if window.map_view._in_flight or window.map_view._pending_state is not None:
            _wait(window.map_view.updateApplied, 10_000, lambda r, seq=seq: r.get("seq") == seq)
        state = _page_call(window, "Atlas.query")
        expected = {p for e in window.index.active_at(window.time_state.moment) for p in e.places}
        current = {k for k, v in state["places"].items() if v["state"] == "current"}
        if current != expected:
            raise SelfTestFailure(
                f"at {event.id}: page highlights {sorted(current)}, expected {sorted(expected)}"
            )
    no_page_errors()
    log(f"stepped through {len(window.index.events)} events; the page followed each one")

    target = next(iter(sorted(places)))
    loop_args: list[str] = []
    window.map_view.bridge.clicked.connect(loop_args.append)
    if not _page_call(window, "Atlas.clickMarker", target):
        raise SelfTestFailure(f"no marker element for {target}")
    if not loop_args:
        _wait(window.map_view.bridge.clicked, 5_000)
    if target not in loop_args:
        raise SelfTestFailure(f"clicking {target} in the page did not reach Python ({loop_args})")
    log(f"marker click on {target} reached Python")

    event = next(e for e in window.index.events if e.citations)
    citation = event.citations[0]
    source = window.dataset.source(citation.source)
    opened = window.open_source(citation.source, citation.start, citation.end)
    if (
        opened[citation.start : citation.end] != source.text[citation.start : citation.end]
        or citation.start < 0
    ):
        raise SelfTestFailure(f"source {source.id} did not open at the quote of {event.id}")
    log(f"opened source {source.id} at the quote of {event.id}")


def start_self_test(window: MainWindow, finish: Callable[[int], None]) -> None:
    """Run the checks once the event loop is running; `finish(code)` ends the app."""

    def log(message: str) -> None:
        print(f"self-test: {message}", file=sys.stderr)

    def run() -> None:
        try:
            run_checks(window, log)
        except SelfTestFailure as exc:
            log(f"FAILED: {exc}")
            finish(1)
            return
        except Exception as exc:  # report, never hang, whatever broke
            log(f"FAILED with {type(exc).__name__}: {exc}")
            finish(1)
            return
        log("passed")
        finish(0)

    QTimer.singleShot(0, run)
