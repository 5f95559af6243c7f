#!/usr/bin/env bash
# Regenerate the README screenshots with the app's own --screenshot option.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p docs/screenshots
shoot() {
  xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m viewer --at "$1" --screenshot "docs/screenshots/$2.png"
  echo "docs/screenshots/$2.png"
}
shoot 2019-12-28T12:00+03:00 before
shoot 2019-12-31T14:00+03:00 siege
shoot 2020-01-03T02:00+03:00 after
