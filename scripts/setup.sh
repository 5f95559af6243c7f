#!/usr/bin/env bash
# Installs everything the app and its tests need on a fresh Debian 12 machine with
# python3: system libraries for Qt/QtWebEngine and Xvfb (as root), then a virtual
# environment in .venv with the project and its test/build extras. Safe to re-run:
# each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  xvfb xauth
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0
  libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libasound2 fonts-dejavu-core
  binutils
)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages (run as root or install them): ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing system packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: creating .venv and installing the project"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,build]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
