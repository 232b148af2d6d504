#!/usr/bin/env bash
# CSV parse speed of libtabllm beside Python's csv module and pandas' C
# engine, on the same generated file, as ratios.
# usage: tests/bench/bench_csv.sh [SIZE_MB (default 100)] [BUILD_DIR (default build)]
# A 1000 MB run needs about 1000 MB of disk for the file and several GB of
# memory for pandas; the file is deleted at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
size=${1:-100}
build=${2:-$root/build}
bench="$build/tests/bench/bench_csv"
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
file=$(mktemp --suffix=.csv)
trap 'rm -f "$file"' EXIT
"$bench" --generate "$size" > "$file"
echo "input: $(du -m "$file" | cut -f1) MB, $(wc -l < "$file") lines"

ours=$("$bench" "$file" 3)
echo "$ours"
ours_mbs=$(sed -n 's/.*= \([0-9.]*\) MB\/s.*/\1/p' <<<"$ours")

/usr/bin/python3 - "$file" "$ours_mbs" <<'PY'
import csv, os, resource, sys, time
path, ours = sys.argv[1], float(sys.argv[2])
mb = os.path.getsize(path) / 1e6

def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)

def python_csv():
    with open(path, newline="", encoding="utf-8") as f:
        for _ in csv.reader(f):
            pass

import pandas as pd
def pandas_c():
    pd.read_csv(path, engine="c")

repeat = 3 if mb <= 200 else 1
for name, fn in (("Python csv (rows only, not stored)", python_csv),
                 ("pandas read_csv, C engine", pandas_c)):
    t = best(fn, repeat)
    print("%s: %.3f s = %.1f MB/s -> libtabllm is %.2fx %s" %
          (name, t, mb / t, ours / (mb / t), "faster" if ours >= mb / t else "(slower)"))
print("Python peak RSS: %.0f MB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
PY
