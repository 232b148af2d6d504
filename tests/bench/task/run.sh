#!/usr/bin/env bash
# Row prediction speed: tabllm_predict (shared prefix, forked labels, batched
# rows) against the naive loop (each row x label as its own full evaluation)
# through libtabllm and through llama.cpp (node-llama-cpp, the same weights as
# F32 GGUF, the same token ids, the same thread count), all in one run, on the
# demo model and the held-out biopsy table. Prints rows/s and ratios; a
# measurement, not a test.
#   tests/bench/task/run.sh [BUILD_DIR] [ROWS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rows=${2:-209}
demo=$root/examples/demo
cache=$root/.cache/bench-task
mkdir -p "$cache"
nm=$root/tests/conformance/node_modules
[ -e "$here/node_modules" ] || ln -s ../../conformance/node_modules "$here/node_modules"
if [ ! -d "$cache/llama.cpp/gguf-py" ]; then
  git clone -q "$nm/node-llama-cpp/llama/gitRelease.bundle" "$cache/llama.cpp" 2>/dev/null
fi
gguf=$cache/demo-f32.gguf
[ -f "$gguf" ] || /usr/bin/python3 "$root/tests/conformance/model/hf_to_gguf.py" \
  "$cache/llama.cpp/gguf-py" "$demo/model" "$gguf" f32 >/dev/null
bench=$build/tests/bench/bench_predict
table=$demo/data/biopsy-test.csv
results=$cache/results.jsonl
: > "$results"
for threads in 1 2; do
  for case in "zero-shot, 2 labels|--labels benign,malignant" \
              "4-shot, 2 labels|--labels benign,malignant --shots 4 --support $demo/data/biopsy-train.csv" \
              "zero-shot, 4 labels|--labels benign,malignant,uncertain,normal"; do
    name=${case%%|*} opts=${case#*|}
    echo "--- $name, $threads thread(s)" >&2
    # shellcheck disable=SC2086
    "$bench" "$demo/model" "$table" class $opts --threads "$threads" --rows "$rows" \
      --dump "$cache/seqs.json" | sed "s/^{/{\"case\": \"$name\", /" >> "$results"
    node "$here/llamacpp_naive.mjs" "$gguf" "$cache/seqs.json" "$threads" \
      | sed "s/^{/{\"case\": \"$name\", /" >> "$results"
  done
done
/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ours = {(r["case"], r["threads"]): r for r in rows if r["engine"] == "tabllm"}
ref = {(r["case"], r["threads"]): r for r in rows if r["engine"] == "llama.cpp"}
print("case | threads | predict rows/s | naive loop rows/s | speedup | llama.cpp naive rows/s | "
      "vs llama.cpp | (CPU-time: predict / naive / llama.cpp)")
worst = 0.0
for key in ours:
    o, r = ours[key], ref[key]
    worst = max([worst] + [abs(a - b) for a, b in zip(o["logprobs"], r["logprobs"])])
    print(f"{key[0]} | {key[1]} | {o['shared_rows_per_s']:.1f} | {o['naive_rows_per_s']:.1f} | "
          f"{o['speedup']:.2f}x | {r['naive_rows_per_s']:.1f} | "
          f"{o['shared_rows_per_s'] / r['naive_rows_per_s']:.2f}x | "
          f"{o['shared_cpu_rows_per_s']:.1f} / {o['naive_cpu_rows_per_s']:.1f} / "
          f"{r['naive_cpu_rows_per_s']:.1f}")
print(f"label log-probabilities: libtabllm vs llama.cpp max |diff| {worst:.2e}")
PY
