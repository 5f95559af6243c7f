#!/usr/bin/env bash
# Set up (if needed), then lint, type-check and run the whole test suite, including
# the GUI tests in a real window on Xvfb and the packaged-app build and self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (Qt-free modules)"
.venv/bin/mypy viewer/model.py viewer/errors.py viewer/quotes.py viewer/dataset.py viewer/timeline.py \
  viewer/clocks.py viewer/jsvalue.py viewer/style.py viewer/paths.py viewer/cli.py viewer/geocode.py \
  viewer/mapbuilder.py viewer/pageconfig.py viewer/causality.py viewer/filters.py viewer/geodesy.py \
  viewer/mapstate.py
echo "== pytest"
.venv/bin/python -m pytest "$@"
echo "== packaged app: build, measure, start it headless and offline (--self-test)"
bash scripts/build_app.sh
