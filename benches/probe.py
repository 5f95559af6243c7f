"""One benchmark process: start the real app window, time each phase, optionally scrub.

Run by `benches/run.py` as a fresh process, so every figure includes a cold interpreter,
cold imports and a fresh QtWebEngine. It prints `BENCH-MARK {json}` lines as it goes
(so a run that times out still says how far it got) and one `BENCH-RESULT {json}` line
at the end, on stdout.

Times are seconds since the parent spawned this process: the parent puts its
`time.time()` just before spawning into ECA_BENCH_SPAWN (wall clock, shared by both
processes); without it, since the first line of this file ran.

Nothing in `viewer/` is changed. To split the work into its parts, some names are
wrapped with timers that call the original: `TimeIndex`, `MapView` and `page_config`
as `viewer.window` sees them, and the loader's steps in `viewer.dataset` (whichever of
them exist). On the page, `Atlas.update` is wrapped the same way to time the page's own
JavaScript.

Two environment variables let a changed copy be measured without touching `viewer/`:
ECA_BENCH_WEB_DIR serves the page's own scripts (atlas.js, atlas.css) from another
folder, and ECA_BENCH_BASEMAP_DIR has the page built (with Folium, before the window is
made) from another basemap folder (an empty one: no basemap) instead of loading the
shipped viewer/web/page.html. `run.py --env NAME=VALUE` passes them, or Qt's own
variables, along.
"""

from __future__ import annotations

import time

_T0_WALL = time.time()  # as early as possible: the first statement after the docstring

import argparse  # noqa: E402
import faulthandler  # noqa: E402
import functools  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import operator  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benches.procmem import tree_cpu, tree_memory  # noqa: E402

SPAWN_WALL = float(os.environ.get("ECA_BENCH_SPAWN", _T0_WALL))
RESULT_PREFIX = "BENCH-RESULT "
MARK_PREFIX = "BENCH-MARK "
#: Steps of `viewer.dataset.load_dataset` timed when they exist (the loader changes).
LOADER_STEPS = (
    "read_file",
    "_decode",
    "_parse",
    "_parse_text",
    "parse_json",
    "_structure_problems",
    "schema_valid_fast",
    "_size_problems",
    "_schema_problems",
    "_validate",
    "validate",
    "build",
)

Waiter = Callable[[Callable[[], bool], int], bool]


def own_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def since_spawn() -> float:
    return time.time() - SPAWN_WALL


class Marks:
    """Named instants (seconds since spawn) and named durations (seconds)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.took: dict[str, float] = {}
        self.rss_mb: dict[str, float] = {}  # this process's resident memory at each mark
        self.mark("interpreter_ready", _T0_WALL - SPAWN_WALL)

    def mark(self, name: str, value: float | None = None) -> None:
        if name not in self.at:
            self.at[name] = since_spawn() if value is None else value
            self.rss_mb[name] = own_rss_mb()
            print(MARK_PREFIX + json.dumps({name: self.at[name]}), flush=True)

    def timed(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.took[name] = self.took.get(name, 0.0) + time.perf_counter() - start
            print(MARK_PREFIX + json.dumps({f"took:{name}": self.took[name]}), flush=True)

    def wrap(self, module: Any, name: str, label: str) -> None:
        """Replace `module.name` by a timed call of the original (if it exists)."""
        original = getattr(module, name, None)
        if original is None:
            return

        def wrapper(*a: Any, **k: Any) -> Any:
            return self.timed(label, lambda: original(*a, **k))

        setattr(module, name, wrapper)


def percentiles(values: list[float], scale: float = 1e3) -> dict[str, float]:
    """Median, p95 (nearest rank), min, max and mean; seconds in, milliseconds out."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "n": len(values),
        "p50_ms": statistics.median(ordered) * scale,
        "p95_ms": p95 * scale,
        "min_ms": ordered[0] * scale,
        "max_ms": ordered[-1] * scale,
        "mean_ms": statistics.fmean(ordered) * scale,
    }


def load(path: Path, marks: Marks) -> Any:
    """`viewer.dataset.load_dataset(path)`, with its steps timed."""
    from viewer import dataset as ds
    from viewer.errors import DatasetError

    for name in LOADER_STEPS:
        marks.wrap(ds, name, f"load_step:{name}")
    try:
        return marks.timed("load_total", lambda: ds.load_dataset(path))
    except DatasetError as exc:
        print(f"dataset {path}: {exc}"[:2000], file=sys.stderr)
        return None


def time_index_queries(dataset: Any, seed: int, moves: int = 100) -> dict[str, Any]:
    """The Qt-free time queries alone, at the scrub's moments (a fresh TimeIndex)."""
    from viewer.timeline import TimeIndex

    start = time.perf_counter()
    index = TimeIndex(dataset)
    built = time.perf_counter() - start
    moments = [m for _, m in scrub_moments(dataset, index, moves, seed)]
    out: dict[str, Any] = {"build_s": built}
    for name in ("snapshot", "active_at"):
        fn = getattr(index, name)
        took = []
        for moment in moments:
            t0 = time.perf_counter()
            fn(moment)
            took.append(time.perf_counter() - t0)
        out[name] = percentiles(took)
    out["current_events_mean"] = statistics.fmean(len(index.active_at(m)) for m in moments)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "places.json")
    parser.add_argument("--scrub", type=int, default=0, help="in-place slider moves")
    parser.add_argument("--naive", type=int, default=0, help="rebuild-and-reload moves")
    parser.add_argument("--memory", action="store_true", help="process-tree memory at the end")
    parser.add_argument("--index", action="store_true", help="time TimeIndex queries alone")
    parser.add_argument(
        "--idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="CPU of a still map, places current, measured this long after the move",
    )
    parser.add_argument("--seed", type=int, default=1231)
    parser.add_argument("--ready-timeout", type=float, default=120.0, help="seconds")
    parser.add_argument(
        "--stack-dump-after", type=float, default=0, help="seconds; print every thread's stack"
    )
    args = parser.parse_args()
    if args.stack_dump_after > 0:  # where a run that is about to be killed was stuck
        faulthandler.dump_traceback_later(args.stack_dump_after)
    marks = Marks()
    result: dict[str, Any] = {"data": str(args.data), "pid": os.getpid()}

    # Imports, in the order the app meets them, each charged to the first to pull it in.
    marks.timed("import_dataset_and_jsonschema", lambda: __import__("viewer.dataset"))

    def import_qt() -> None:
        import PySide6.QtWebChannel
        import PySide6.QtWebEngineCore
        import PySide6.QtWebEngineWidgets
        import PySide6.QtWidgets  # noqa: F401

    marks.timed("import_pyside6", import_qt)
    marks.timed("import_viewer_window", lambda: __import__("viewer.window"))
    # The app never imports Folium (the page is built ahead): prove it stays that way.
    result["folium_imported_at_start"] = "folium" in sys.modules
    result["numpy_imported_at_start"] = "numpy" in sys.modules
    marks.mark("imported_all")

    dataset = load(args.data, marks)
    if dataset is None:
        return 1
    marks.mark("dataset_loaded")
    gc.freeze()  # as viewer.app.run_app does once the data is loaded
    result["counts"] = {
        "places": len(dataset.places),
        "events": len(dataset.events),
        "links": len(dataset.links),
        "sources": len(dataset.sources),
    }
    if args.index:  # before the window: figures even if the window never comes up
        result["time_index"] = time_index_queries(dataset, args.seed)
        print(MARK_PREFIX + json.dumps({"time_index": result["time_index"]}), flush=True)

    from viewer.app import create_application

    app = marks.timed("create_qapplication", lambda: create_application([sys.argv[0]]))
    marks.mark("qapplication_created")
    web_dir = os.environ.get("ECA_BENCH_WEB_DIR")
    if web_dir:  # to measure a changed copy of viewer/web (atlas.js) without touching it
        from viewer.mapview import scheme_handler

        scheme_handler().roots["web"] = Path(web_dir)
        result["web_dir"] = web_dir

    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    import viewer.mapview as mapview_module
    import viewer.window as window_module
    from viewer.paths import basemap_dir, shell_page

    basemap_override = os.environ.get("ECA_BENCH_BASEMAP_DIR")
    page_file = shell_page()
    if basemap_override:  # e.g. an empty folder: the page without its basemap layers
        from viewer.mapbuilder import build_shell_html

        page_file = Path(tempfile.mkdtemp(prefix="eca-bench-page-")) / "page.html"
        page_file.write_text(build_shell_html(Path(basemap_override)), encoding="utf-8")
        mapview_module.paths.shell_page = lambda: page_file  # what MapView.show_atlas loads
        result["basemap_dir"] = basemap_override
    marks.wrap(window_module, "TimeIndex", "window_time_index")
    marks.wrap(window_module, "MapView", "window_mapview_and_webengine_init")
    marks.wrap(window_module, "page_config", "window_page_config")

    settings_dir = tempfile.mkdtemp(prefix="eca-bench-settings-")
    settings = QSettings(os.path.join(settings_dir, "bench.ini"), QSettings.Format.IniFormat)
    window = marks.timed(
        "window_constructor_total", lambda: window_module.MainWindow(dataset, settings=settings)
    )
    marks.mark("window_constructed")
    mv = window.map_view
    mv.loadStarted.connect(lambda: marks.mark("page_load_started"))
    mv.loadFinished.connect(lambda _ok: marks.mark("page_load_finished"))
    mv.ready.connect(lambda: marks.mark("page_scripts_ready"))
    mv.bridge.paintedReported.connect(lambda _s: marks.mark("first_paint_with_markers"))
    window.ready.connect(lambda: marks.mark("window_ready_signal"))
    window.show()
    marks.mark("window_shown")

    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)

    def wait_for(condition: Callable[[], bool], timeout_ms: int) -> bool:
        """Spin the event loop until `condition()` (checked whenever loop.quit() is called)."""
        deadline = time.perf_counter() + timeout_ms / 1e3
        while not condition():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            timer.start(max(1, int(remaining * 1e3)))
            loop.exec()
        timer.stop()
        return True

    window.ready.connect(loop.quit)
    if not wait_for(lambda: "window_ready_signal" in marks.at, int(args.ready_timeout * 1e3)):
        print(f"the window was not ready after {args.ready_timeout:.0f} s", file=sys.stderr)
        result["at"], result["took"] = marks.at, marks.took
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        os._exit(3)  # a page that never came up: skip the teardown
    basemap = Path(basemap_override) if basemap_override else basemap_dir()
    result["page_html_bytes"] = page_file.stat().st_size
    result["basemap_layers"] = sorted(p.name for p in basemap.glob("*.geojson"))

    def page_call(function: str, *call_args: Any) -> Any:
        answer: list[Any] = []

        def got(value: Any) -> None:
            answer.append(value)
            loop.quit()

        mv.call(function, *call_args, callback=got)
        wait_for(lambda: bool(answer), 10_000)
        return answer[0] if answer else None

    def run_js(script: str) -> Any:
        """Our own script in the page's main world (runJavaScript is not bound by the CSP)."""
        answer: list[Any] = []

        def got(value: Any) -> None:
            answer.append(value)
            loop.quit()

        mv.page().runJavaScript(script, 0, got)
        wait_for(lambda: bool(answer), 10_000)
        return answer[0] if answer else None

    # Every marker is on the page, in the state Python sent.
    shown = page_call("Atlas.query")
    places = shown.get("places", {}) if isinstance(shown, dict) else {}
    result["markers_on_page"] = sum(1 for v in places.values() if v.get("state"))
    result["markers_expected"] = len(dataset.places)

    applied: dict[int, float] = {}

    def on_applied(state: dict[str, Any]) -> None:
        applied[int(state.get("seq", -1))] = time.perf_counter()
        loop.quit()

    mv.updateApplied.connect(on_applied)

    if args.scrub:
        # Time the page's own JavaScript for each update (same function, timed).
        run_js(
            "window.__benchUpdateMs = []; (function (orig) { Atlas.update = function (s) {"
            " var t = performance.now(); var r = orig(s);"
            " window.__benchUpdateMs.push(performance.now() - t); return r; };"
            " })(Atlas.update); true"
        )
        result["scrub"] = scrub(window, args.scrub, args.seed, applied, wait_for)
        js = run_js("JSON.stringify(window.__benchUpdateMs || [])")
        if isinstance(js, str) and js:
            result["scrub"]["page_js_update"] = percentiles([v / 1e3 for v in json.loads(js)])

    if args.memory:
        window.time_state.core_start()
        wait_for(lambda: not mv._in_flight, 10_000)
        result["memory"] = tree_memory(os.getpid())

    if args.idle:
        result["idle"] = idle_cpu(window, wait_for, args.idle)

    if args.naive:
        result["naive"] = naive(window, args.naive, applied, wait_for, basemap)
        if args.memory:
            result["memory_after_naive"] = tree_memory(os.getpid())

    result["at"] = marks.at
    result["took"] = marks.took
    result["app_rss_mb_at"] = marks.rss_mb
    result["cold_start_s"] = marks.at.get("first_paint_with_markers")
    print(RESULT_PREFIX + json.dumps(result), flush=True)

    window.player.pause()
    window.close()
    window.deleteLater()
    QTimer.singleShot(50, app.quit)
    app.exec()
    return 0


def scrub_moments(dataset: Any, index: Any, moves: int, seed: int) -> list[tuple[str, datetime]]:
    """Half a slow drag across the crisis weeks, half jumps anywhere on the whole timeline
    (first event to the later of the last end and the end of the crisis weeks)."""
    core_start, core_end = dataset.core_start, dataset.core_end
    drag = moves // 2
    out: list[tuple[str, datetime]] = [
        ("drag", core_start + (core_end - core_start) * (i + 1) / (drag + 1)) for i in range(drag)
    ]
    rng = random.Random(seed)
    lo, hi = index.first_start, max(index.last_end, core_end)
    out += [("jump", lo + (hi - lo) * rng.random()) for _ in range(moves - drag)]
    return out


def busiest_moment(index: Any, start: datetime, end: datetime, samples: int = 200) -> datetime:
    """The moment between `start` and `end` with the most events current (of `samples`)."""
    moments = [start + (end - start) * i / samples for i in range(samples + 1)]
    return max(moments, key=lambda m: len(index.active_positions(m)))


def idle_cpu(window: Any, wait_for: Waiter, rest_after_s: float) -> dict[str, Any]:
    """CPU the process tree uses on a map nobody touches, at the crisis weeks' busiest
    moment: for the first seconds after the move (places becoming current pulse, 1.6 s
    a pulse), and for as long again once `rest_after_s` have passed (every animation on
    the page should be over after 6 s)."""
    moment = busiest_moment(window.index, window.dataset.core_start, window.dataset.core_end)
    window.time_state.set_moment(moment)
    wait_for(lambda: not window.map_view._in_flight, 10_000)

    def cores_over(seconds: float) -> float:
        before, t0 = tree_cpu(os.getpid()), time.perf_counter()
        wait_for(lambda: False, int(seconds * 1e3))
        after, wall = tree_cpu(os.getpid()), time.perf_counter() - t0
        roles = [k for k in after if ":" not in k]  # whole processes, not their threads
        return sum(after[k] - before.get(k, 0.0) for k in roles) / wall

    window_s = min(2.0, rest_after_s / 3)
    t_move = time.perf_counter()
    settling = cores_over(window_s)
    wait_for(lambda: False, int(max(0.0, rest_after_s - (time.perf_counter() - t_move)) * 1e3))
    return {
        "moment": moment.isoformat(),
        "current_events": len(window.index.active_positions(moment)),
        "window_s": window_s,
        "rest_after_s": rest_after_s,
        "cores_after_move": settling,
        "cores_at_rest": cores_over(window_s),
    }


def scrub(
    window: Any, moves: int, seed: int, applied: dict[int, float], wait_for: Waiter
) -> dict[str, Any]:
    """Move time and wait for the page to confirm each state: latency per move.

    Measured from just before `TimeState.set_moment` (what a slider's valueChanged calls)
    to the page's `updateApplied` for that very state (the runJavaScript callback of
    `Atlas.update`). `python_part` is the synchronous part (the window redrawing from
    TimeState.changed and sending the state); `page_part` is the rest: the round trip
    through QtWebEngine, the page's JS, rendering the page meanwhile, and whatever Qt
    events the UI thread handled meanwhile (repainting the strip and the list).
    """
    ts_ = window.time_state
    mv = window.map_view
    ts_.core_start()
    wait_for(lambda: not mv._in_flight, 10_000)
    total: dict[str, list[float]] = {"drag": [], "jump": []}
    python: list[float] = []
    page: list[float] = []
    sent_places: list[int] = []
    timeouts = 0
    original_update = mv.update_map

    def spy(state: dict[str, Any]) -> None:
        sent_places.append(len(state.get("places", ())))
        original_update(state)

    mv.update_map = spy
    cpu_before = tree_cpu(os.getpid())
    wall_before = time.perf_counter()
    try:
        for kind, moment in scrub_moments(window.dataset, window.index, moves, seed):
            t0 = time.perf_counter()
            if not ts_.set_moment(moment):
                continue
            t1 = time.perf_counter()
            seq = window._seq
            if not wait_for(functools.partial(operator.contains, applied, seq), 10_000):
                timeouts += 1
                continue
            total[kind].append(applied[seq] - t0)
            python.append(t1 - t0)
            page.append(applied[seq] - t1)
    finally:
        mv.update_map = original_update
    wall = time.perf_counter() - wall_before
    cpu_after = tree_cpu(os.getpid())
    everything = total["drag"] + total["jump"]
    n = max(1, len(everything))
    return {
        "moves": len(everything),
        "timeouts": timeouts,
        "latency": percentiles(everything),
        "drag": percentiles(total["drag"]),
        "jump": percentiles(total["jump"]),
        "python_part": percentiles(python),
        "page_part": percentiles(page),
        "places_sent_per_move_mean": statistics.fmean(sent_places) if sent_places else 0,
        "wall_ms_per_move": wall / n * 1e3,
        "cpu_ms_per_move": cpu_per_move(cpu_before, cpu_after, n),
    }


def cpu_per_move(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    """CPU ms per move by process (and the app's busier threads), biggest first."""
    used = {k: (after.get(k, 0.0) - before.get(k, 0.0)) / n * 1e3 for k in after}
    return dict(sorted(((k, v) for k, v in used.items() if v >= 0.05), key=lambda kv: -kv[1]))


def naive(
    window: Any, moves: int, applied: dict[int, float], wait_for: Waiter, basemap: Path
) -> dict[str, Any]:
    """The naive way: rebuild the Folium page and reload it on every move.

    Per move: `build_shell_html` again, `MapView.show_page(html)`, move time, and wait
    until the reloaded page has its places again (`Atlas.load`, sent on `ready`) and has
    applied the current state (the window sends it on `ready` too).
    """
    from viewer.mapbuilder import build_shell_html

    ts_ = window.time_state
    mv = window.map_view
    core_start, core_end = ts_.index.dataset.core_start, ts_.index.dataset.core_end
    ready_at: list[float] = []
    mv.ready.connect(lambda: ready_at.append(time.perf_counter()))
    total: list[float] = []
    build: list[float] = []
    load: list[float] = []
    apply: list[float] = []
    failed = 0
    for i in range(moves):
        moment = core_start + (core_end - core_start) * (i + 1) / (moves + 1)
        wait_for(lambda: not mv._in_flight, 10_000)
        ready_at.clear()
        t0 = time.perf_counter()
        html = build_shell_html(basemap)
        t1 = time.perf_counter()
        mv.show_page(html)
        ts_.set_moment(moment)

        def done() -> bool:
            return bool(ready_at) and window._seq in applied and not mv._in_flight

        if not wait_for(done, 30_000):
            failed += 1
            continue
        t3 = applied[window._seq]
        total.append(t3 - t0)
        build.append(t1 - t0)
        load.append(ready_at[0] - t1)
        apply.append(t3 - ready_at[0])
    return {
        "moves": len(total),
        "failed": failed,
        "latency": percentiles(total),
        "build_shell_html": percentiles(build),
        "load_until_scripts_ready": percentiles(load),
        "apply_state_after_ready": percentiles(apply),
    }


if __name__ == "__main__":
    sys.exit(main())
