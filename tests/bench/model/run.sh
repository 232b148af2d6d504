#!/usr/bin/env bash
# The model benchmark: libtabllm (`tabllm bench`) beside llama.cpp
# (node-llama-cpp's prebuilt libllama, same weights as GGUF, same thread
# count) and a PyTorch bf16 forward (torch_bench.py), on random models
# shaped like SmolLM2-135M and Qwen2.5-0.5B, with 1 and 2 threads. Weight
# formats side by side: our F32 / BF16 / INT8 (Q8_0 made at load from the
# BF16 file) against llama.cpp's F32 / F16 / Q8_0 GGUF. Phases: load,
# prefill-512, decode-128, 16x64 batch, peak RSS, and decode bandwidth
# efficiency (weight bytes read per token x tokens/s / a STREAM triad
# measured in the same run). Prints ratios; a measurement, not a test.
#   tests/bench/model/run.sh [BUILD_DIR] [MODEL ...]     (default: both models)
# Environment: BENCH_THREADS (default "1 2"), BENCH_TORCH_PREFILL /
# BENCH_TORCH_DECODE (default 512 / 32; PyTorch bf16 without AVX-512 BF16
# hardware runs at about 1 token/s, so lower them there), BENCH_KL=1 adds
# the INT8 quantization loss (int8_kl.py) and llama.cpp's own Q8_0 loss
# (llamacpp_kl.py) on the same ids, BENCH_DECODE (default 128) the decode
# length, BENCH_BATCH=0 skips the 16x64 batch and the 1024-token prefill
# (for a machine too busy to finish the full run).
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

for m in $models; do
  nice /usr/bin/python3 "$here/make_models.py" "$cache" "$m"
  for pair in "f32:f32" "bf16:f16" "f32:q8_0"; do
    src=${pair%%:*} theirs=${pair##*:}
    gguf=$cache/$m-$theirs.gguf
    [ -f "$gguf" ] || nice /usr/bin/python3 "$root/tests/conformance/model/hf_to_gguf.py" \
        "$cache/llama.cpp/gguf-py" "$cache/$m-$src" "$gguf" "$theirs"
  done
done

results=${BENCH_RESULTS:-$cache/results.jsonl}
: > "$results"
# ours (directory, --weights) : llama.cpp's GGUF
pairs="f32:auto:f32 bf16:auto:f16 bf16:int8:q8_0"
for threads in ${BENCH_THREADS:-1 2}; do
  triad=$("$cache/stream_triad" "$threads" 256)
  echo "{\"engine\": \"stream\", \"threads\": $threads, \"triad_gbs\": $triad, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$results"
  for m in $models; do
    for pair in $pairs; do
      dir=${pair%%:*} rest=${pair#*:}
      weights=${rest%%:*} theirs=${rest##*:}
      key=$m-$theirs
      echo "--- $m ours $dir/$weights vs llama.cpp $theirs, $threads thread(s)" >&2
      batch=(--batch 16x64) lbatch="16 64"
      [ "${BENCH_BATCH:-1}" = 0 ] && batch=() lbatch="0 0"
      "$cli" bench --model "$cache/$m-$dir" --weights "$weights" --threads "$threads" \
        --prefill 512 --decode "${BENCH_DECODE:-128}" "${batch[@]}" --json \
        | sed "s/^{/{\"engine\": \"tabllm\", \"key\": \"$key\", /" >> "$results"
      [ "${BENCH_BATCH:-1}" = 0 ] || "$cli" bench --model "$cache/$m-$dir" --weights "$weights" \
        --threads "$threads" --prefill 1024 --decode 0 --json \
        | sed "s/^{/{\"engine\": \"tabllm-1024\", \"key\": \"$key\", /" >> "$results"
      node "$here/llamacpp_bench.mjs" "$cache/$m-$theirs.gguf" "$threads" 512 \
        "${BENCH_DECODE:-128}" $lbatch | sed "s/^{/{\"key\": \"$key\", /" >> "$results"
    done
    echo "--- $m PyTorch bf16, $threads thread(s)" >&2
    OMP_WAIT_POLICY=PASSIVE nice /usr/bin/python3 "$here/torch_bench.py" "$cache/$m-bf16" \
      "$threads" "${BENCH_TORCH_PREFILL:-512}" "${BENCH_TORCH_DECODE:-32}" \
      | sed "s/^{/{\"key\": \"$m-f16\", /" >> "$results"
  done
done
if [ "${BENCH_KL:-0}" = 1 ]; then
  for m in $models; do
    /usr/bin/python3 "$here/int8_kl.py" "$cli" "$cache/$m-f32" 128 \
      | sed "s/^{/{\"engine\": \"int8-kl\", /" >> "$results"
    vocab=$(/usr/bin/python3 -c "import json; print(json.load(open('$cache/$m-f32/config.json'))['vocab_size'])")
    /usr/bin/python3 "$here/llamacpp_kl.py" "$cache/$m-f32.gguf" "$cache/$m-q8_0.gguf" "$vocab" 48 \
      | sed "s/^{/{\"engine_kl\": \"llama.cpp\", /; s/\"engine\": \"llama.cpp\"/\"engine\": \"q8-kl\"/" >> "$results"
  done
fi
/usr/bin/python3 "$here/report.py" "$results"
