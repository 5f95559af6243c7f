"""Targets and the printed tables of `benches/run.py` (reads its results dict only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Targets from the issue: (key, description, limit, "max" or "min").
TARGETS = (
    ("scrub_p95_ms", "scrub p95, real dataset, median of the runs (ms)", 16.0, "max"),
    ("naive_ratio", "naive rebuild / in place, medians", 20.0, "min"),
    ("pss_mb", "PSS of the process tree after scrubbing (MB)", 400.0, "max"),
    ("cold_packaged_s", "cold start, packaged app, first paint (s)", 1.0, "max"),
    ("cold_vs_prototype", "packaged first paint / bare prototype's, same run", 1.0, "max"),
    ("scale_10000_scrub_p95_ms", "10,000 events: scrub p95 (ms)", 16.0, "max"),
    ("scale_100000_scrub_p95_ms", "100,000 events: loads, scrub p95 (ms)", 50.0, "max"),
)


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    measured: dict[str, Any] = {
        "scrub_p95_ms": _get(results, "real_scrub_runs", "median_p95_ms")
        or _get(results, "real", "scrub", "latency", "p95_ms"),
        "naive_ratio": _get(results, "naive_ratio", "p50"),
        "pss_mb": _get(results, "real", "memory", "pss_mb"),
    }
    packaged = _get(results, "screenshot_exit", "packaged", "first_paint_median_s")
    prototype = _get(results, "cold_floor", "prototype", "first_paint_median_s")
    measured["cold_packaged_s"] = packaged
    measured["cold_vs_prototype"] = packaged / prototype if packaged and prototype else None
    for n in (10_000, 100_000):
        measured[f"scale_{n}_scrub_p95_ms"] = _get(
            results, "scale", str(n), "scrub", "latency", "p95_ms"
        )
    out = []
    for key, text, limit, kind in TARGETS:
        value = measured.get(key)
        met = None if value is None else (value <= limit if kind == "max" else value >= limit)
        out.append(
            {"target": key, "what": text, "limit": limit, "kind": kind, "value": value, "met": met}
        )
    return out


def _f(value: Any, fmt: str = "{:.1f}") -> str:
    return "-" if not isinstance(value, int | float) else fmt.format(value)


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(f"\n{title}")
    print(line(header))
    print("-" * len(line(header)))
    for row in rows:
        print(line(row))


def _lat(stats: Any) -> tuple[str, str, str]:
    stats = stats if isinstance(stats, dict) else {}
    return (
        _f(stats.get("p50_ms"), "{:.2f}"),
        _f(stats.get("p95_ms"), "{:.2f}"),
        str(stats.get("n", 0)),
    )


def print_report(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(
        f"\nEmbassy Crisis Atlas benchmarks ({r['mode']}): {m['nproc']} x {m['cpu_model']}, "
        f"{m['ram_gb']} GB RAM, {m['platform']}, Python {m['python']}, "
        f"PySide6 {m.get('pyside6')} (Qt {m.get('qt')}), display {m['display']}, "
        f"commit {m['git_commit']}"
    )
    _print_scrub(r)
    _print_cold_start(r)
    _print_exit_and_bundle(r)
    _print_memory(r)
    _print_scale(r)
    table(
        "Targets",
        ("target", "limit", "measured", "met"),
        [
            (
                t["what"],
                f"{'<=' if t['kind'] == 'max' else '>='} {t['limit']:g}",
                _f(t["value"]),
                {True: "yes", False: "NO", None: "not measured"}[t["met"]],
            )
            for t in r["targets"]
        ],
    )
    busy = [(k, v) for k, v in r["load"].items() if v.get("other_cpu_cores", 0) > 0.2]
    if busy:
        print("\nOther processes were busy meanwhile (cores on average; 0 = quiet machine):")
        for name, v in busy:
            print(f"  {name}: {v['other_cpu_cores']:.2f}")
    speeds = [(k, v["speed_ms"]) for k, v in r["load"].items() if "speed_ms" in v]
    if speeds:
        print("\nHow fast the machine ran (ms for a fixed piece of Python work; lower = faster):")
        print("  " + ", ".join(f"{name} {ms:.1f}" for name, ms in speeds))
    for name, error in r["errors"].items():
        print(f"\nERROR in {name}: {error}")
    print(f"\ntotal {r['total_seconds']:.0f} s")


def _print_scrub(r: dict[str, Any]) -> None:
    real = r.get("real", {})
    scrub, naive = real.get("scrub", {}), real.get("naive", {})
    counts = real.get("counts", {})
    table(
        f"Scrubbing, real dataset ({counts.get('events')} events, {counts.get('places')} "
        "places), ms",
        ("what", "p50", "p95", "n"),
        [
            ("in place: set_moment -> updateApplied", *_lat(scrub.get("latency"))),
            ("  drag across the crisis weeks", *_lat(scrub.get("drag"))),
            ("  jumps anywhere on the timeline", *_lat(scrub.get("jump"))),
            ("  Python: window redraw + send (sync)", *_lat(scrub.get("python_part"))),
            ("  after that, until the callback", *_lat(scrub.get("page_part"))),
            ("    of which Atlas.update's own JS", *_lat(scrub.get("page_js_update"))),
            ("naive: rebuild Folium page + reload", *_lat(naive.get("latency"))),
            ("  build_shell_html", *_lat(naive.get("build_shell_html"))),
            ("  page load until scripts ready", *_lat(naive.get("load_until_scripts_ready"))),
            ("  apply state after ready", *_lat(naive.get("apply_state_after_ready"))),
        ],
    )
    runs = r.get("real_scrub_runs", {})
    if len(runs.get("p95_ms", [])) > 1:
        print(
            "in place, every run (fresh processes): p50 "
            + ", ".join(f"{v:.1f}" for v in runs["p50_ms"])
            + "; p95 "
            + ", ".join(f"{v:.1f}" for v in runs["p95_ms"])
            + f"; median p95 {runs['median_p95_ms']:.1f} ms"
        )
    ratio = r.get("naive_ratio", {})
    print(
        f"naive / in place: {_f(ratio.get('p50'), '{:.0f}')}x (medians), "
        f"{_f(ratio.get('p95'), '{:.0f}')}x (p95)"
    )
    cpu = scrub.get("cpu_ms_per_move", {})
    if cpu:
        print(
            "CPU per in-place move, ms: "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
            + f" (wall {scrub.get('wall_ms_per_move', 0):.1f})"
        )
    idle = real.get("idle", {})
    if idle:
        print(
            f"CPU of a still map ({idle.get('current_events')} events current), cores: "
            f"{_f(idle.get('cores_after_move'), '{:.2f}')} in the {idle.get('window_s')} s "
            f"after the move, {_f(idle.get('cores_at_rest'), '{:.2f}')} from "
            f"{idle.get('rest_after_s')} s on"
        )


def _print_cold_start(r: dict[str, Any]) -> None:
    cs = r.get("cold_start", {})
    if not cs:
        return
    rows = [(k, _f(v, "{:.3f}")) for k, v in cs.get("phases_s", {}).items()]
    rows += [(f"  {k}", _f(v, "{:.3f}")) for k, v in cs.get("import_s", {}).items()]
    rows += [(f"  {k}", _f(v, "{:.3f}")) for k, v in cs.get("window_s", {}).items()]
    rows.append(("= first paint with every marker", _f(cs.get("first_paint_s"), "{:.3f}")))
    table(
        f"Cold start from source, seconds since spawn (median of {cs.get('runs')})",
        ("phase", "s"),
        rows,
    )
    if cs.get("import_breakdown_ms"):
        table(
            "Slowest imports (python -X importtime, cumulative; overlaps)",
            ("module", "ms"),
            [(x["module"], _f(x["cumulative_ms"], "{:.0f}")) for x in cs["import_breakdown_ms"]],
        )


def _print_exit_and_bundle(r: dict[str, Any]) -> None:
    shots = r.get("screenshot_exit", {})
    rows = []
    for name, v in shots.items():
        if v and "skipped" not in v:
            rows.append(
                (
                    name,
                    _f(v.get("first_paint_median_s"), "{:.2f}"),
                    _f(v.get("median_s"), "{:.2f}"),
                    str(v.get("runs", 0)),
                )
            )
            rows += [("  failed: " + f[:90], "", "", "") for f in v.get("failures", [])]
        else:
            rows.append((name, "skipped: " + str((v or {}).get("skipped")), "", ""))
    floor = r.get("cold_floor", {})
    for kind, label in (("blank", "floor: blank page"), ("prototype", "bare Folium prototype")):
        v = floor.get(kind)
        if v:
            rows.append(
                (label, _f(v.get("first_paint_median_s"), "{:.2f}"), "", str(floor.get("runs")))
            )
    rows += [("  failed: " + f[:90], "", "", "") for f in floor.get("failures", [])]
    if shots:
        table(
            "Cold start of `--screenshot` runs: spawn -> first paint with every marker, and "
            "spawn -> exit, medians in s",
            ("app", "first paint", "exit", "runs"),
            rows,
        )
    b = r.get("bundle")
    if b is None:
        return
    if b.get("present"):
        print(
            f"\nBundle dist/embassy-crisis-atlas: {_f(b.get('du_mb'), '{:.0f}')} MB on disk, "
            f"{b.get('files')} files; tar.gz {_f(b.get('tar_gz_mb'), '{:.0f}')} MB"
        )
    else:
        print("\nBundle dist/embassy-crisis-atlas: not built")


def _print_memory(r: dict[str, Any]) -> None:
    mem = _get(r, "real", "memory")
    if not mem:
        return
    table(
        "Memory after scrubbing, real dataset, MB",
        ("process", "RSS", "peak RSS", "PSS"),
        [
            (p["role"], _f(p["rss_mb"]), _f(p["peak_rss_mb"]), _f(p["pss_mb"]))
            for p in mem["by_process"]
        ]
        + [("total", _f(mem["rss_mb"]), _f(mem["peak_rss_mb"]), _f(mem["pss_mb"]))],
    )


def _print_scale(r: dict[str, Any]) -> None:
    rows = []
    for n, s in r.get("scale", {}).items():
        lat = _get(s, "scrub", "latency") or {}
        rows.append(
            (
                f"{int(n):,}",
                _f(s.get("file_mb")),
                _f(s.get("load_validate_s"), "{:.2f}"),
                _f(_get(s, "load_steps_s", "schema_problems"), "{:.2f}"),
                _f(_get(s, "time_index", "build_s"), "{:.3f}"),
                _f(_get(s, "time_index", "snapshot", "p50_ms"), "{:.2f}"),
                _f(s.get("window_constructor_s"), "{:.2f}"),
                _f(s.get("show_to_first_paint_s"), "{:.2f}"),
                _f(lat.get("p50_ms"), "{:.1f}"),
                _f(lat.get("p95_ms"), "{:.1f}"),
                _f(_get(s, "scrub", "python_part", "p50_ms"), "{:.1f}"),
                _f(_get(s, "scrub", "page_js_update", "p50_ms"), "{:.1f}"),
                _f(_get(s, "memory", "pss_mb"), "{:.0f}"),
            )
        )
    table(
        "Scale (synthetic datasets from benches/synth.py); s unless ms",
        (
            "events",
            "file MB",
            "load+check",
            "of it schema",
            "TimeIndex()",
            "snapshot ms",
            "MainWindow()",
            "show->paint",
            "scrub p50 ms",
            "p95 ms",
            "Python p50",
            "page JS p50",
            "PSS MB",
        ),
        rows,
    )
    for n, s in r.get("scale", {}).items():
        if s.get("error"):
            print(f"  {int(n):,} events: {s['error']}")
