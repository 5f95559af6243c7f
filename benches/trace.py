"""A Chromium trace of the page while the real window scrubs, and what its frames cost.

    xvfb-run -a -s "-screen 0 1600x1000x24" python benches/trace.py \\
        [--data FILE] [--scrub 2000] [--seconds 6] [--out trace.json]

Starts `benches/probe.py --scrub N` with QtWebEngine's DevTools server on a local port,
waits until its window is ready, records a trace through the DevTools protocol for
`--seconds` while it scrubs, and writes the trace (open it in Perfetto or
chrome://tracing). Then prints, per frame of the page (`ProxyMain::BeginMainFrame` on
the renderer's main thread), the mean time of its main phases, and how long the page's
own tasks (`EvaluateScript`: each `Atlas.update`), frames and V8's collections took.
This is how the README's "what limits each" was measured. Not part of the test run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

CATEGORIES = ",".join(
    (
        "devtools.timeline",
        "disabled-by-default-devtools.timeline",
        "disabled-by-default-devtools.timeline.frame",
        "blink",
        "cc",
        "viz",
        "v8.execute",
        "toplevel",
    )
)
#: Phases of a frame worth a line each (trace event names).
PHASES = (
    "FireAnimationFrame",
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "LocalFrameView::RunPaintLifecyclePhase",
    "Layerize",
    "Commit",
    "CanvasResourceProviderSharedImage::ProduceCanvasResource",
)
#: Tasks whose durations are summarised (all on the renderer's main thread).
TASKS = ("ProxyMain::BeginMainFrame", "EvaluateScript", "MajorGC", "MinorGC")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def record(ws_url: str, seconds: float) -> list[dict[str, Any]]:
    """Trace events recorded through the DevTools protocol for `seconds`."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer, QUrl
    from PySide6.QtWebSockets import QWebSocket

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    loop = QEventLoop()
    events: list[dict[str, Any]] = []
    done: list[bool] = []
    ws = QWebSocket()

    def send(message_id: int, method: str, params: dict[str, Any] | None = None) -> None:
        ws.sendTextMessage(json.dumps({"id": message_id, "method": method, "params": params or {}}))

    def received(text: str) -> None:
        message = json.loads(text)
        if message.get("method") == "Tracing.dataCollected":
            events.extend(message["params"]["value"])
        elif message.get("method") == "Tracing.tracingComplete":
            done.append(True)
            loop.quit()

    def connected() -> None:
        send(1, "Tracing.start", {"categories": CATEGORIES, "transferMode": "ReportEvents"})
        QTimer.singleShot(int(seconds * 1e3), lambda: send(2, "Tracing.end"))

    ws.connected.connect(connected)
    ws.textMessageReceived.connect(received)
    ws.disconnected.connect(loop.quit)
    ws.open(QUrl(ws_url))
    QTimer.singleShot(int((seconds + 60) * 1e3), loop.quit)
    loop.exec()
    ws.close()
    del app
    if not done:
        raise RuntimeError("the trace did not complete (did the probe exit first?)")
    return events


def summary(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-frame phase means and task percentiles on the renderer's main thread."""
    names: dict[tuple[int, int], str] = {}
    processes: dict[int, str] = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[e["pid"], e["tid"]] = e["args"]["name"]
        if e.get("ph") == "M" and e.get("name") == "process_name":
            processes[e["pid"]] = e["args"]["name"]
    main = sorted(
        (
            e
            for e in events
            if e.get("ph") == "X"
            and processes.get(e.get("pid", -1)) == "Renderer"
            and names.get((e["pid"], e["tid"])) == "CrRendererMain"
        ),
        key=lambda e: e["ts"],
    )
    frames = [e for e in main if e["name"] == "ProxyMain::BeginMainFrame"]
    phase_ms: collections.Counter[str] = collections.Counter()
    i = 0
    for frame in frames:
        start, end = frame["ts"], frame["ts"] + frame["dur"]
        while i < len(main) and main[i]["ts"] < start:
            i += 1
        j = i
        while j < len(main) and main[j]["ts"] <= end:
            event = main[j]
            if event["name"] in PHASES and event["ts"] + event.get("dur", 0) <= end:
                phase_ms[event["name"]] += event["dur"] / 1e3
            j += 1
    n = max(1, len(frames))
    tasks = {}
    for name in TASKS:
        durations = sorted(e["dur"] / 1e3 for e in main if e["name"] == name)
        if durations:
            tasks[name] = {
                "n": len(durations),
                "p50_ms": durations[len(durations) // 2],
                "p95_ms": durations[min(len(durations) - 1, int(len(durations) * 0.95))],
                "max_ms": durations[-1],
            }
    return {
        "frames": len(frames),
        "per_frame_ms": {name: phase_ms[name] / n for name in PHASES},
        "tasks": tasks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "places.json")
    parser.add_argument("--scrub", type=int, default=2000, help="moves (enough to outlast it)")
    parser.add_argument("--seconds", type=float, default=6.0, help="how long to record")
    parser.add_argument("--out", type=Path, default=Path("trace.json"))
    args = parser.parse_args()
    port = free_port()
    env = dict(os.environ, QTWEBENGINE_REMOTE_DEBUGGING=f"127.0.0.1:{port}")
    probe = subprocess.Popen(
        [
            *(sys.executable, str(REPO / "benches" / "probe.py")),
            *("--data", str(args.data), "--scrub", str(args.scrub)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert probe.stdout is not None
        for line in probe.stdout:  # the probe reports each step as it ends
            if "window_ready_signal" in line:
                break
        else:
            print("the probe ended before its window was ready", file=sys.stderr)
            return 1
        info = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version"))
        started = time.perf_counter()
        events = record(info["webSocketDebuggerUrl"], args.seconds)
        took = time.perf_counter() - started
    finally:
        probe.kill()
        probe.wait()
    args.out.write_text(json.dumps({"traceEvents": events}), encoding="utf-8")
    result = summary(events)
    print(f"{len(events):,} trace events in {took:.1f} s, written to {args.out}")
    print(f"{result['frames']} frames of the page; mean per frame, ms:")
    for name, ms in result["per_frame_ms"].items():
        print(f"  {ms:7.2f}  {name}")
    print("tasks on the renderer's main thread, ms:")
    for name, t in result["tasks"].items():
        print(f"  {name:28s} n {t['n']:5d}  p50 {t['p50_ms']:6.2f}  p95 {t['p95_ms']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
