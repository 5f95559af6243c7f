#!/usr/bin/env bash
# Run the benchmarks (benches/run.py), on a virtual screen if there is no display.
# Arguments go to run.py, e.g.: bash benches/run.sh --quick --out /tmp/bench.json
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/setup.sh
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  # 24-bit depth: QtWebEngine segfaults at 16 (shared/FIELD-NOTES.md).
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python benches/run.py "$@"
fi
exec .venv/bin/python benches/run.py "$@"
