#!/usr/bin/env bash
# tabllm logits --lora DIR[=SCALE] (repeatable) and --lora-merge on the
# LoRA conformance data: the .npy holds the PyTorch reference's logits for
# one adapter, two stacked adapters with scales, and merged; errors print
# the library's message.
# usage: test_cli_lora.sh TABLLM_CLI
set -uo pipefail
cli=$1
data=${TABLLM_CONFORMANCE_DATA:-}/lora
if [ ! -f "$data/cases.json" ]; then
  echo "LoRA conformance data missing: run tests/conformance/generate.sh"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

check() { # CASE NPY: the .npy against the case's reference (all rows)
  /usr/bin/python3 - "$data" "$1" "$2" <<'PY'
import json, sys
import numpy as np
data, name, npy = sys.argv[1:]
case = next(c for c in json.load(open(f"{data}/cases.json"))["cases"] if c["name"] == name)
seq = case["sequences"][0]
want = np.fromfile(f"{data}/{seq['logits']}", dtype="<f4").reshape(len(seq["prompt"]), -1)
got = np.load(npy)
tol = 1e-3 * max(1.0, float(np.abs(want).max()))
err = float(np.abs(got - want).max())
assert got.shape == want.shape and err <= tol, (got.shape, err, tol)
print(name, "matches the reference:", err)
PY
}
ids() {
  /usr/bin/python3 -c "import json; c = next(c for c in json.load(open('$data/cases.json'))['cases'] if c['name'] == '$1'); print(','.join(map(str, c['sequences'][0]['prompt'])))"
}
m=$data/models/llama
a=$data/adapters

"$cli" logits --model "$m" --lora "$a/qv" --ids "$(ids qv)" --all --out "$tmp/qv.npy" \
  || fail "logits --lora"
check qv "$tmp/qv.npy" || fail "qv differs"
"$cli" logits --model "$m" --lora "$a/stack_a=0.7" --lora "$a/qv=-1.3" --ids "$(ids stacked)" \
  --all --threads 2 --out "$tmp/st.npy" || fail "two --lora"
check stacked "$tmp/st.npy" || fail "stacked differs"
"$cli" logits --model "$m" --lora "$a/stack_a=0.7" --lora "$a/qv=-1.3" --lora-merge \
  --ids "$(ids stacked)" --all --out "$tmp/merged.npy" || fail "--lora-merge"
check stacked "$tmp/merged.npy" || fail "merged differs"

# INT8 weights: unmerged adapters run on them (the reference within the
# quantization's loss); merging and DoRA need the base weights and say so.
"$cli" logits --model "$m" --weights int8 --lora "$a/qv" --ids "$(ids qv)" --all \
  --out "$tmp/q8.npy" || fail "--weights int8 --lora"
/usr/bin/python3 - "$data" "$tmp/q8.npy" <<'PY' || fail "INT8 with an adapter is too far from the reference"
import json, sys
import numpy as np
data, npy = sys.argv[1:]
case = next(c for c in json.load(open(f"{data}/cases.json"))["cases"] if c["name"] == "qv")
seq = case["sequences"][0]
want = np.fromfile(f"{data}/{seq['logits']}", dtype="<f4").reshape(len(seq["prompt"]), -1)
got = np.load(npy)
err = float(np.abs(got - want).max()) / float(np.abs(want).max())
top1 = float((got.argmax(1) == want.argmax(1)).mean())
assert err < 0.05 and top1 >= 0.9, (err, top1)
print("INT8 + qv: relative error", err, "top-1 agreement", top1)
PY
out=$("$cli" logits --model "$m" --weights int8 --lora "$a/qv" --lora-merge --ids 1 \
  --out "$tmp/x.npy" 2>&1) && fail "merging into INT8 weights"
echo "$out" | grep -q "holds INT8 weights; merging needs" || fail "INT8 merge message: $out"
out=$("$cli" logits --model "$m" --weights int8 --lora "$a/dora" --ids 1 --out "$tmp/x.npy" 2>&1) \
  && fail "DoRA on INT8 weights"
echo "$out" | grep -q "DoRA on layer 0 q_proj needs the base weights" || fail "INT8 DoRA message: $out"

out=$("$cli" logits --model "$m" --lora "$a/all_linear=x" --ids 1 --out "$tmp/x.npy" 2>&1) \
  && fail "a directory named all_linear=x"
echo "$out" | grep -q "all_linear=x: no adapter_config.json" || fail "scale parsing: $out"
out=$("$cli" logits --model "$data/models/qwen3" --lora "$a/qv" --ids 1 --out "$tmp/x.npy" 2>&1) \
  && fail "an adapter for another model"
echo "$out" | grep -q "has shape \[64,8\], expected \[96,8\]" || fail "mismatch message: $out"
"$cli" logits --model "$m" --lora "=2" --ids 1 --out "$tmp/x.npy" 2>/dev/null
[ $? -eq 2 ] || fail "usage"
"$cli" bench --model "$m" --lora "$a/dora" --prefill 8 --decode 2 | grep -q "tokens/s" \
  || fail "bench --lora"
echo "1 passed, 0 failed"
