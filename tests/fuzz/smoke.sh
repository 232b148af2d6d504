#!/usr/bin/env bash
# Runs every libFuzzer target briefly (10 s each) from its seed corpus, in a
# clang build with ASan+UBSan. A finding fails the run and leaves the crashing
# input in the build directory. The corpus in the repository is not modified.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/build-fuzz"
opts=(-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dabi_check=disabled)
if [ -d "$dir" ]; then CC=clang CXX=clang++ meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else CC=clang CXX=clang++ meson setup "$dir" "${opts[@]}" >/dev/null; fi
meson compile -C "$dir" > "$dir/compile.log" 2>&1 || { tail -40 "$dir/compile.log"; exit 1; }
cd "$dir"
meson test --suite fuzz-smoke --print-errorlogs --num-processes 2
