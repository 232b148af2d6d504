#!/usr/bin/env bash
# tabllm logits and tabllm bench on a conformance model: the .npy file holds
# the PyTorch reference's logits; errors print the library's message.
# usage: test_cli_model.sh TABLLM_CLI
set -uo pipefail
cli=$1
model=${TABLLM_CONFORMANCE_DATA:-}/model/hf/qwen2_f32
if [ ! -f "$model/ref.json" ]; then
  echo "model conformance data missing: run tests/conformance/generate.sh"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

ids=$(/usr/bin/python3 -c "import json; print(','.join(map(str, json.load(open('$model/ref.json'))['prompt'])))")
"$cli" logits --model "$model" --ids "$ids" --all --out "$tmp/all.npy" || fail "logits --all"
"$cli" logits --model "$model" --ids "$ids" --threads 2 --out "$tmp/last.npy" || fail "logits"
/usr/bin/python3 - "$model" "$tmp" <<'PY' || fail "logits differ from the reference"
import json, sys
import numpy as np
model, tmp = sys.argv[1], sys.argv[2]
ref = json.load(open(f"{model}/ref.json"))
want = np.fromfile(f"{model}/ref_logits.f32", dtype="<f4").reshape(len(ref["prompt"]), -1)
got = np.load(f"{tmp}/all.npy")
last = np.load(f"{tmp}/last.npy")
assert got.dtype == np.float32 and got.shape == want.shape, (got.dtype, got.shape)
assert last.shape == (1, want.shape[1]), last.shape
tol = 1e-3 * max(1.0, float(np.abs(want).max()))
assert np.abs(got - want).max() <= tol, np.abs(got - want).max()
assert np.abs(last[0] - want[-1]).max() <= tol
print("logits match the reference:", float(np.abs(got - want).max()))
PY

out=$("$cli" logits --model "$model" --ids 1,999999 --out "$tmp/x.npy" 2>&1) && fail "bad id accepted"
echo "$out" | grep -q "outside the vocabulary" || fail "bad id message: $out"
out=$("$cli" logits --model "$tmp/none" --ids 1 --out "$tmp/x.npy" 2>&1) && fail "missing model"
echo "$out" | grep -q "config.json" || fail "missing model message: $out"
"$cli" logits --model "$model" --ids 1,x --out "$tmp/x.npy" 2>/dev/null; [ $? -eq 2 ] || fail "usage"
out=$("$cli" logits --model "$model" --lora "$tmp" --ids 1 --out "$tmp/x.npy" 2>&1) && fail "lora"
echo "$out" | grep -q "LoRA" || fail "lora message: $out"

json=$("$cli" bench --model "$model" --prefill 20 --decode 4 --batch 3x5 --threads 2 --json) \
  || fail "bench"
echo "$json" | /usr/bin/python3 -c "
import json, sys
r = json.load(sys.stdin)
assert r['prefill_tokens'] == 20 and r['decode_tokens'] == 4 and r['batch'] == '3x5', r
assert r['prefill_tps'] > 0 and r['decode_tps'] > 0 and r['batch_tps'] > 0, r
" || fail "bench json: $json"
"$cli" bench --model "$model" --prefill 8 --decode 2 | grep -q "tokens/s" || fail "bench text"
echo "1 passed, 0 failed"
