#!/usr/bin/env bash
# The model benchmark: libtabllm (`tabllm bench`) beside llama.cpp
# (node-llama-cpp's prebuilt libllama, same weights as GGUF, same thread
# count) on random models shaped like SmolLM2-135M and Qwen2.5-0.5B, stored
# F32 and BF16 (llama.cpp gets F32 and F16 GGUF), with 1 and 2 threads:
# load, prefill-512, decode-128, 16x64 batch, peak RSS, and decode bandwidth
# against a STREAM triad measured in the same run. Prints ratios; this is a
# measurement, not a test.
#   tests/bench/model/run.sh [BUILD_DIR] [MODEL ...]     (default: both models)
# Models and GGUF files are cached in .cache/bench/ (a few GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
models=${*:-"smollm2-135m qwen2.5-0.5b"}
cache=$root/.cache/bench
mkdir -p "$cache"
cli=$build/examples/tabllm
nm=$root/tests/conformance/node_modules
[ -e "$here/node_modules" ] || ln -s ../../conformance/node_modules "$here/node_modules"
if [ ! -d "$cache/llama.cpp/gguf-py" ]; then
  git clone -q "$nm/node-llama-cpp/llama/gitRelease.bundle" "$cache/llama.cpp" 2>/dev/null
fi
cc -O3 -march=native -pthread "$here/stream_triad.c" -o "$cache/stream_triad"

results=$cache/results.jsonl
: > "$results"
for m in $models; do
  nice /usr/bin/python3 "$here/make_models.py" "$cache" "$m"
  for pair in "f32:f32" "bf16:f16"; do
    ours=${pair%%:*} theirs=${pair##*:}
    gguf=$cache/$m-$theirs.gguf
    [ -f "$gguf" ] || /usr/bin/python3 "$root/tests/conformance/model/hf_to_gguf.py" \
        "$cache/llama.cpp/gguf-py" "$cache/$m-$ours" "$gguf" "$theirs"
  done
done
for threads in 1 2; do
  triad=$("$cache/stream_triad" "$threads" 256)
  echo "{\"engine\": \"stream\", \"threads\": $threads, \"triad_gbs\": $triad}" >> "$results"
  for m in $models; do
    for pair in "f32:f32" "bf16:f16"; do
      ours=${pair%%:*} theirs=${pair##*:}
      echo "--- $m $ours/$theirs, $threads thread(s)" >&2
      "$cli" bench --model "$cache/$m-$ours" --threads "$threads" --prefill 512 --decode 128 \
        --batch 16x64 --json | sed "s/^{/{\"engine\": \"tabllm\", \"key\": \"$m-$ours\", /" >> "$results"
      "$cli" bench --model "$cache/$m-$ours" --threads "$threads" --prefill 1024 --decode 0 \
        --json | sed "s/^{/{\"engine\": \"tabllm-1024\", \"key\": \"$m-$ours\", /" >> "$results"
      node "$here/llamacpp_bench.mjs" "$cache/$m-$theirs.gguf" "$threads" 512 128 16 64 \
        | sed "s/^{/{\"key\": \"$m-$ours\", /" >> "$results"
    done
  done
done
/usr/bin/python3 "$here/report.py" "$results"
