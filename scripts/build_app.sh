#!/usr/bin/env bash
# Build the one-folder app with PyInstaller (build_app.spec), report its size on disk and
# as a .tar.gz, then start the built program headless and check that it works: its
# --self-test if it has one, else a --screenshot that must come out as a real PNG. The
# run happens without network access when that can be arranged (unshare -n as root).
# Exits non-zero on any failure. See docs/packaging.md.
#
#   bash scripts/build_app.sh                     # build, package, smoke-test
#   bash scripts/build_app.sh --no-build          # package and smoke-test dist/ as it is
#   SMOKE_MODE=screenshot bash scripts/build_app.sh   # force the --screenshot check
#   MAX_BUNDLE_MB=500 bash scripts/build_app.sh   # loosen the size guard
set -euo pipefail
cd "$(dirname "$0")/.."

APP=embassy-crisis-atlas
DIST=dist/$APP
BIN=$DIST/$APP
# Unpacked size guard: the trimmed build is 346 MB (no Folium or numpy: the map page is
# prebuilt; jsonschema_rs 0.36 is 5 MB of it); QtQml's hook sneaking back in, a lost trim
# rule or the ICU data trim falling back to the original library (+20 MB) adds 10-200 MB.
MAX_BUNDLE_MB=${MAX_BUNDLE_MB:-355}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-180}
XVFB=(xvfb-run -a -s "-screen 0 1600x1000x24")  # QtWebEngine segfaults at 16-bit depth

fail() { echo "build_app: FAILED: $*" >&2; exit 1; }

[ -x .venv/bin/pyinstaller ] || fail ".venv/bin/pyinstaller missing: run scripts/setup.sh"
command -v xvfb-run >/dev/null || fail "xvfb-run missing: run scripts/setup.sh (as root)"

build=1
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    *) fail "unknown argument: $arg (see the top of $0)" ;;
  esac
done

if [ "$build" = 1 ]; then
  echo "== build"
  started=$(date +%s)
  .venv/bin/pyinstaller --noconfirm --clean build_app.spec
  echo "build_app: pyinstaller took $(( $(date +%s) - started ))s"
fi
[ -x "$BIN" ] || fail "no executable at $BIN"

echo "== size"
version_line=$("$BIN" --version) || fail "$BIN --version did not run"
version=${version_line##* }
tarball=dist/$APP-$version-linux-$(uname -m).tar.gz
rm -f "$tarball"
tar -C dist -czf "$tarball" "$APP"
size_mb=$(du -sm "$DIST" | cut -f1)
tar_mb=$(du -sm "$tarball" | cut -f1)
echo "build_app: $version_line"
echo "build_app: $DIST: ${size_mb} MB unpacked; $tarball: ${tar_mb} MB"
[ "$size_mb" -le "$MAX_BUNDLE_MB" ] \
  || fail "bundle is ${size_mb} MB, over the ${MAX_BUNDLE_MB} MB guard: did a trim rule stop matching?"

echo "== dataset check inside the bundle"
"$BIN" check || fail "the bundled dataset does not validate"

echo "== start the built program headless"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mode=${SMOKE_MODE:-}
if [ -z "$mode" ]; then
  if "$BIN" --help | grep -q -- "--self-test"; then mode=self-test; else mode=screenshot; fi
fi
if [ "$mode" = self-test ]; then
  run_args=(--self-test)
elif [ "$mode" = screenshot ]; then
  run_args=(--screenshot "$tmp/shot.png" --at 2019-12-31T14:00+03:00)
else
  fail "SMOKE_MODE must be self-test or screenshot, not $mode"
fi

offline=()
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  offline=(unshare -n)  # a fresh network namespace: loopback only, and it is down
  echo "build_app: running $mode with no network (unshare -n)"
else
  echo "build_app: running $mode with the network available (unshare -n needs root)"
fi

# Zone data must come from the bundled tzdata, not /usr/share/zoneinfo of this machine.
started=$(date +%s%N)
set +e
PYTHONTZPATH=/nonexistent timeout "$SMOKE_TIMEOUT" "${offline[@]}" "${XVFB[@]}" "$BIN" "${run_args[@]}" \
  >"$tmp/stdout" 2>"$tmp/stderr"
code=$?
set -e
run_ms=$(( ($(date +%s%N) - started) / 1000000 ))
cat "$tmp/stdout"
grep "^self-test:" "$tmp/stderr" || true  # the self-test reports on stderr
echo "build_app: $mode exited $code after ${run_ms} ms"

problems=$(grep -E -e "Traceback|No module named|ModuleNotFoundError|Failed to execute script" \
  -e "page asked for a missing asset|Could not find QtWebEngineProcess|Could not load the Qt platform" \
  -e "qt.qpa.plugin: Could not|Segmentation fault" "$tmp/stderr" || true)
if [ -d assets/basemap ] && compgen -G "assets/basemap/*.geojson" >/dev/null; then
  # The repo has a basemap, so the bundle must have it too.
  problems+=$(grep -E "basemap layer .* not loaded" "$tmp/stderr" || true)
fi
if [ "$code" -ne 0 ] || [ -n "$problems" ]; then
  echo "---- stderr of the built program ----" >&2
  cat "$tmp/stderr" >&2
  [ "$code" -ne 0 ] && fail "the built program's $mode exited $code"
  fail "the built program's stderr shows problems:"$'\n'"$problems"
fi
if [ "$mode" = screenshot ]; then
  [ -f "$tmp/shot.png" ] || fail "no screenshot written"
  shot_bytes=$(stat -c %s "$tmp/shot.png")
  [ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    || fail "the screenshot is not a PNG"
  [ "$shot_bytes" -gt 20000 ] || fail "the screenshot is only $shot_bytes bytes: blank window?"
  echo "build_app: screenshot ${shot_bytes} bytes"
fi
echo "build_app: OK: $DIST (${size_mb} MB, ${tar_mb} MB as .tar.gz) passed its $mode"
