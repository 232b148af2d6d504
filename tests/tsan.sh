#!/usr/bin/env bash
# The 'tsan' suite (tests that run threads: shared model, tokenizer, tables,
# chat rendering, sessions' thread pools, thread-local errors) in a
# ThreadSanitizer build, build-tsan. Only the tests of that suite are built.
# usage: tests/tsan.sh            (from anywhere)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build-tsan
opts=(-Db_sanitize=thread -Db_lundef=false -Dbuildtype=debugoptimized -Dabi_check=disabled
      -Ddocs=disabled)
if [ -d "$dir" ]; then CC=clang CXX=clang++ meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else CC=clang CXX=clang++ meson setup "$dir" "${opts[@]}" >/dev/null; fi
mapfile -t targets < <(meson introspect "$dir" --tests | /usr/bin/python3 -c '
import json, os, sys
build = sys.argv[1]
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] == "tsan" for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], build))' "$dir")
ninja -C "$dir" "${targets[@]}" > "$dir/compile.log" 2>&1 || { tail -40 "$dir/compile.log"; exit 1; }
# halt_on_error: a race fails the test; second_deadlock_stack for lock reports.
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}" \
  meson test -C "$dir" --no-rebuild --suite tsan --print-errorlogs --num-processes 2
