#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs every
# dependency, builds, and runs each suite in the normal build, under
# ASan+UBSan, the threaded tests under ThreadSanitizer, and under valgrind,
# then the bindings' own test runners.
# Usage: tests/run-all.sh            (from anywhere; builds in <repo>/build*)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

step "dependencies"
tests/install-deps.sh test
if [ -f tests/conformance/package.json ]; then
  (cd tests/conformance && npm ci --omit=optional --no-audit --no-fund --loglevel=error)
fi

setup() { # setup DIR [meson options...]
  local dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

step "build"
setup build
meson compile -C build

step "reference data"
if [ -x tests/conformance/generate.sh ]; then
  tests/conformance/generate.sh build
fi

step "tests"
meson test -C build --print-errorlogs --num-processes 2

step "tests under ASan+UBSan"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
meson compile -C build-asan
meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4 --no-suite slow --no-suite abi

step "tests under ThreadSanitizer"
tests/tsan.sh

step "tests under valgrind"
meson test -C build --setup valgrind --print-errorlogs --num-processes 2 --suite unit --suite api

if [ -x tests/fuzz/smoke.sh ]; then
  step "fuzz targets, briefly"
  tests/fuzz/smoke.sh
fi

if [ -x bindings/python/run-tests.sh ]; then
  step "Python binding"
  bindings/python/run-tests.sh "$root/build"
fi
if [ -x bindings/rust/run-tests.sh ]; then
  step "Rust binding"
  bindings/rust/run-tests.sh "$root/build"
fi

step "all tests passed"
