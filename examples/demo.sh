#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs the build
# dependencies, builds libtabllm and the tabllm tool, and runs the demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tests/install-deps.sh build
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build >/dev/null
build/examples/tabllm --version
build/examples/tabllm help
