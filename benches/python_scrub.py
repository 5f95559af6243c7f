"""The Python side of slider moves in a real window, without the page: CPU per move.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benches/python_scrub.py DATA [MOVES]

`benches/probe.py` times whole moves, page included; this one splits the window's own
work: `TimeState.set_moment` (everything the window does when time changes, with
`map_state` and `_map_extras` inside it), then a forced repaint of what the move dirtied
(what the event loop would paint next: Qt repaints every dirty widget of the window at
once, so this is the strip, the event list and the labels together), of which the strip
alone is its own paint with the list's updates held back. The page is not waited for:
`MapView.update_map` is replaced by a JSON encoding of the state (its size is reported).
Moves are those of probe.py: half a drag across the crisis weeks, half random jumps.
Figures are CPU milliseconds (process time), so other jobs on the machine matter less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return f"p50 {statistics.median(ordered) * 1e3:7.2f}  p95 {p95 * 1e3:7.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("moves", type=int, nargs="?", default=200)
    args = parser.parse_args()

    from benches.probe import scrub_moments
    from viewer.app import create_application
    from viewer.dataset import load_dataset

    started = time.process_time()
    dataset = load_dataset(args.data)
    loaded = time.process_time() - started
    app: Any = create_application([sys.argv[0]])
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings

    import viewer.window as window_module

    settings = QSettings(os.path.join(tempfile.mkdtemp(), "b.ini"), QSettings.Format.IniFormat)
    started = time.process_time()
    window = window_module.MainWindow(dataset, settings=settings)
    built = time.process_time() - started
    window.show()
    for _ in range(20):
        app.processEvents()
    sent: list[int] = []
    window.map_view.update_map = lambda state: sent.append(len(json.dumps(state)))
    took: dict[str, list[float]] = {"set_moment": [], "map_state": [], "_map_extras": []}
    took |= {"repaint": [], "strip alone": [], "total": []}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any) -> Any:
            start = time.process_time()
            try:
                return fn(*a)
            finally:
                took[name].append(time.process_time() - start)

        return wrapper

    window.map_state = timed("map_state", window.map_state)  # type: ignore[method-assign]
    window._map_extras = timed("_map_extras", window._map_extras)  # type: ignore[method-assign]
    for _kind, moment in scrub_moments(dataset, window.index, args.moves, 1231):
        t0 = time.process_time()
        window.time_state.set_moment(moment)
        t1 = time.process_time()
        # What the event loop does next: repaint every widget the move dirtied.
        QCoreApplication.sendPostedEvents(window, QEvent.Type.UpdateRequest)
        t2 = time.process_time()
        window.strip.update()
        window.strip.repaint()  # the strip again, nothing else dirty now
        t3 = time.process_time()
        took["set_moment"].append(t1 - t0)
        took["repaint"].append(t2 - t1)
        took["strip alone"].append(t3 - t2)
        took["total"].append(t2 - t0)
    print(f"{args.data}: {len(dataset.events):,} events, {args.moves} moves")
    print(f"  load_dataset {loaded:.2f} s CPU, MainWindow() {built:.2f} s CPU")
    print("  CPU ms per move:")
    for name, values in took.items():
        if values:
            print(f"    {name:14s} {summary(values)}")
    print(f"  state sent per move: {statistics.fmean(sent):,.0f} bytes of JSON on average")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
