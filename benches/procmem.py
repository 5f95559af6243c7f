"""Memory of a whole process tree from /proc (Linux): the app plus its QtWebEngine helpers.

- `rss_mb`: resident set now, summed over the tree. Shared pages (Qt libraries mapped by
  every helper) are counted once per process, so this overstates the real footprint.
- `peak_rss_mb`: each process's own high-water mark (VmHWM), summed. The processes did not
  necessarily peak at the same moment, so this is an upper bound of the tree's peak.
- `pss_mb`: proportional set size (smaps_rollup): every shared page split among the
  processes mapping it. The sum is the tree's fair share of RAM: the figure to compare
  with a memory budget.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

X_SERVERS = ("Xvfb", "Xorg", "Xwayland")


def _stat(pid: int) -> tuple[str, int] | None:
    """(command name, parent pid) of `pid`, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may itself contain spaces or parentheses.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1])


def children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible now."""
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is not None:
            out.setdefault(stat[1], []).append(int(entry))
    return out


def tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    kids = children_map()
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(kids.get(pid, ()))
    return out


def _kb_fields(path: str, wanted: tuple[str, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in wanted:
                    found[key] = int(rest.split()[0])  # kB
    except (OSError, ValueError):
        pass
    return found


def _chromium_type(pid: int) -> str | None:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for arg in argv:
        if arg.startswith(b"--type="):
            kind = arg.removeprefix(b"--type=").decode(errors="replace")
            for extra in argv:
                if extra.startswith(b"--utility-sub-type="):
                    kind += ":" + extra.split(b"=", 1)[1].decode(errors="replace").split(".")[-1]
            return kind
    return None


def _role(pid: int, root: int, name: str, parent: int) -> str:
    """`app`, or what a QtWebEngineProcess is: zygote, renderer, utility...

    Renderers are forked from a zygote and keep its command line, so a "zygote" whose
    parent is a zygote is a renderer.
    """
    if pid == root:
        return "app"
    kind = _chromium_type(pid)
    if kind is None:
        return name
    if kind == "zygote" and parent != root and _chromium_type(parent) == "zygote":
        return "renderer"
    return kind


def _cpu_seconds(stat_path: str) -> float:
    text = Path(stat_path).read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of a process's threads, by name (`main` for the main thread; numbered
    threads such as llvmpipe-0, llvmpipe-1 are added up under llvmpipe-*)."""
    out: dict[str, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            seconds = _cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
        except (OSError, ValueError):
            continue
        name = "main" if tid == str(pid) else re.sub(r"[-_]?\d+$", "-*", name)
        out[name] = out.get(name, 0.0) + seconds
    return out


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds used so far, by role: the app (and its main thread), its QtWebEngine
    helpers, and the X servers (which composite every window, ours included)."""
    out: dict[str, float] = {}
    for pid in tree(root):
        stat = _stat(pid)
        if stat is None:
            continue
        role = _role(pid, root, stat[0], stat[1])
        try:
            out[role] = out.get(role, 0.0) + _cpu_seconds(f"/proc/{pid}/stat")
        except (OSError, ValueError):
            continue
        if pid == root:
            for name, seconds in thread_cpu(pid).items():
                out[f"app:{name}"] = seconds
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) and stat[0] in X_SERVERS:
            try:
                out["x-server"] = out.get("x-server", 0.0) + _cpu_seconds(f"/proc/{entry}/stat")
            except (OSError, ValueError):
                continue
    return out


def tree_memory(root: int) -> dict[str, Any]:
    """Summed RSS, peak RSS and PSS (MB) of `root`'s process tree, with a per-process list."""
    processes = []
    for pid in tree(root):
        stat = _stat(pid)
        if stat is None:
            continue
        status = _kb_fields(f"/proc/{pid}/status", ("VmRSS", "VmHWM"))
        rollup = _kb_fields(
            f"/proc/{pid}/smaps_rollup", ("Pss", "Pss_Anon", "Pss_File", "Pss_Shmem")
        )
        processes.append(
            {
                "pid": pid,
                "role": _role(pid, root, stat[0], stat[1]),
                "rss_mb": status.get("VmRSS", 0) / 1024,
                "peak_rss_mb": status.get("VmHWM", 0) / 1024,
                "pss_mb": rollup.get("Pss", 0) / 1024,
                "pss_anon_mb": rollup.get("Pss_Anon", 0) / 1024,
                "pss_file_mb": rollup.get("Pss_File", 0) / 1024,
            }
        )
    return {
        "processes": len(processes),
        "rss_mb": sum(p["rss_mb"] for p in processes),
        "peak_rss_mb": sum(p["peak_rss_mb"] for p in processes),
        "pss_mb": sum(p["pss_mb"] for p in processes),
        "pss_anon_mb": sum(p["pss_anon_mb"] for p in processes),
        "pss_file_mb": sum(p["pss_file_mb"] for p in processes),
        "by_process": processes,
    }
