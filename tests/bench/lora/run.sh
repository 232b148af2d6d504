#!/usr/bin/env bash
# The LoRA benchmark: the same model with no adapter, with an r=16 adapter
# on every linear layer applied unmerged, and merged into session-private
# weights, measured back to back (ROUNDS rounds, each running the three in
# turn) so machine noise hits them alike. Prints each configuration's median
# and its ratio to the base, in CPU seconds of the process (steady on a busy
# shared machine; with THREADS=1 that is the work done) and in wall time;
# targets: unmerged prefill <= 1.15x and decode <= 1.25x the base's time,
# merged equal to the base. A measurement, not a test.
#   tests/bench/lora/run.sh [BUILD_DIR] [MODEL] [THREADS] [ROUNDS]
# MODEL is a tests/bench/model/make_models.py shape (default qwen2.5-0.5b);
# models and adapters are cached in .cache/bench/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model=${2:-qwen2.5-0.5b}
threads=${3:-1}
rounds=${4:-5}
cache=$root/.cache/bench
mkdir -p "$cache"
cli=$build/examples/tabllm
nice /usr/bin/python3 "$root/tests/bench/model/make_models.py" "$cache" "$model"
results=$cache/lora-results.jsonl
: > "$results"
for tag in bf16 f32; do
  dir=$cache/$model-$tag
  ad=$cache/$model-lora16
  /usr/bin/python3 "$here/make_adapter.py" "$dir" "$ad" 16
  for round in $(seq "$rounds"); do
    for config in base unmerged merged; do
      extra=()
      [ "$config" = unmerged ] && extra=(--lora "$ad")
      [ "$config" = merged ] && extra=(--lora "$ad" --lora-merge)
      echo "--- $model-$tag $config, round $round" >&2
      "$cli" bench --model "$dir" "${extra[@]}" --threads "$threads" --prefill 256 \
        --decode 32 --batch 8x32 --json \
        | sed "s/^{/{\"config\": \"$config\", \"weights\": \"$tag\", /" >> "$results"
    done
  done
done
/usr/bin/python3 "$here/report.py" "$results"
