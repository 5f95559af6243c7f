"""Start-up timing, reported only when asked (benches/run.py sets ECA_REPORT_STARTUP).

With ECA_REPORT_STARTUP=<the spawning process's time.time()>, the app prints, once the
map has first painted every marker, `STARTUP first_paint_s=... markers=...` and then
`STARTUP phases {...}`: the seconds since spawn at which each step of the start-up
ended (`mark`). Without it nothing is recorded.
"""

from __future__ import annotations

import json
import os
import time

STARTUP_REPORT_ENV = "ECA_REPORT_STARTUP"

_marks: dict[str, float] = {}


def _spawned() -> float | None:
    try:
        return float(os.environ[STARTUP_REPORT_ENV])
    except (KeyError, ValueError):
        return None


def mark(step: str) -> None:
    """Note that `step` has just ended (only when a report was asked for)."""
    spawned = _spawned()
    if spawned is not None and step not in _marks:
        _marks[step] = round(time.time() - spawned, 4)


def report_first_paint(markers: int) -> None:
    """Print the report, once per process."""
    spawned = _spawned()
    if spawned is None:
        return
    os.environ.pop(STARTUP_REPORT_ENV, None)
    seconds = time.time() - spawned
    print(f"STARTUP first_paint_s={seconds:.4f} markers={markers}", flush=True)
    print(f"STARTUP phases {json.dumps(_marks)}", flush=True)
