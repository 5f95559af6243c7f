#!/usr/bin/env bash
# Set up (if needed) and start Embassy Crisis Atlas. Extra arguments go to the app,
# e.g.: bash scripts/run.sh --at 2019-12-31T14:00+03:00
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  echo "run: no display found; starting the app on a virtual screen (Xvfb)" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m viewer "$@"
fi
exec .venv/bin/python -m viewer "$@"
