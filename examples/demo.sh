#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs the build
# dependencies, builds libtabllm and the tabllm tool, and runs the demo:
# a small bundled table turned into model-ready text.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tests/install-deps.sh build
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build >/dev/null
tabllm=build/examples/tabllm
$tabllm --version
echo
echo "== examples/data/iris.csv as Markdown, six rows sampled evenly (TableProvider's order)"
$tabllm encode --format markdown --rows evenly:6 examples/data/iris.csv
echo
echo "== the same table as JSON (split), six rows stratified by species"
$tabllm encode --format json --json-orient split --rows stratified:6:species --seed 1 \
  examples/data/iris.csv
echo
