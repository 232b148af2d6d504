#!/usr/bin/env bash
# Generates the conformance tests' expected outputs from outside references
# (Hugging Face tokenizers, PyTorch, llama.cpp, pandas, openpyxl, ...), into
# tests/conformance/data/ (not committed). Each module has its own
# tests/conformance/<module>/generate.sh; this runs them all. They skip work
# whose inputs have not changed. Conformance tests whose data is missing
# are skipped by meson (exit 77), so run this first:
#   tests/conformance/generate.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
mkdir -p "$here/data"
if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --omit=optional --no-audit --no-fund --loglevel=error)
fi
for script in "$here"/*/generate.sh; do
  [ -x "$script" ] || continue
  echo "--- $(basename "$(dirname "$script")")"
  "$script" "$build" "$here/data"
done
