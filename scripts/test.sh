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
# A German locale, so that tests/test_timeline.py checks dates stay English when the
# system's locale is not (Qt sets the C library's locale from the environment). Best
# effort: without it that test checks the C locale only.
if [ "$(id -u)" -eq 0 ] && ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  {
    dpkg-query -W -f='${Status}' locales 2>/dev/null | grep -q "install ok installed" ||
      { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends locales; }
    sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
    grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' >> /etc/locale.gen
    locale-gen > /dev/null
  } || echo "test: could not make a German locale; dates are checked in the C locale only" >&2
fi
echo "== pytest"
.venv/bin/python -m pytest "$@"
echo "== packaged app: build, measure, start it headless and offline (--self-test)"
bash scripts/build_app.sh
