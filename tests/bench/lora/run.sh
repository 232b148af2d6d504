#!/usr/bin/env bash
# The LoRA benchmark: a model with no adapter, with an r=16 adapter on every
# linear layer applied unmerged, and merged into session-private weights,
# timed back to back in one process (bench_lora: ROUNDS rounds, each running
# the three in turn) so machine noise weighs on them alike. Prints medians and
# ratios to the base in the process's CPU seconds (steady on a busy shared
# machine; with THREADS=1 that is the work done) and in wall seconds.
# Targets: unmerged prefill <= 1.15x and decode <= 1.25x the base's time,
# merged equal to the base. A measurement, not a test.
#   tests/bench/lora/run.sh [BUILD_DIR] [MODEL] [THREADS] [ROUNDS]
# MODEL is a tests/bench/model/make_models.py shape (default qwen2.5-0.5b);
# models and adapters are cached in .cache/bench/ (about 3 GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model=${2:-qwen2.5-0.5b}
threads=${3:-1}
rounds=${4:-7}
cache=$root/.cache/bench
mkdir -p "$cache"
nice /usr/bin/python3 "$root/tests/bench/model/make_models.py" "$cache" "$model"
ad=$cache/$model-lora16
/usr/bin/python3 "$here/make_adapter.py" "$cache/$model-bf16" "$ad" 16
for tag in bf16 f32; do
  "$build/tests/bench/bench_lora" "$cache/$model-$tag" "$ad" "$threads" "$rounds" 256 32
done
