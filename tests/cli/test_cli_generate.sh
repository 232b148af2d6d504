#!/usr/bin/env bash
# tabllm generate and tabllm embed on the demo model (examples/demo/model):
# streamed text, stop strings, the chat fallback, usage errors; embeddings one
# JSON array per input line, independent of how inputs are batched.
# usage: test_cli_generate.sh TABLLM_CLI SOURCE_ROOT
set -uo pipefail
cli=$1
model=$2/examples/demo/model
if [ ! -f "$model/config.json" ]; then
  echo "demo model missing: $model"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

prompt='Predict the class: ||benign||malignant|| The clump thickness is 5. The uniformity of cell size is 4. The uniformity of cell shape is 4. The marginal adhesion is 5. The single epithelial cell size is 7. The bare nuclei is 10.0. The bland chromatin is 3. The normal nucleoli is 2. The mitoses is 1. What is the value of class? ||benign||malignant||<|endinput|>'
out=$("$cli" generate --model "$model" --prompt "$prompt" --max-tokens 8 --verbose 2>"$tmp/err") \
  || fail "generate: $(cat "$tmp/err")"
case "$out" in benign|malignant) ;; *) fail "generate printed '$out'" ;; esac
grep -q "stopped: stop token 3070" "$tmp/err" || fail "stop reason: $(cat "$tmp/err")"

# the stop string cuts the text; --max-tokens 0 prints nothing
out=$("$cli" generate --model "$model" --prompt "$prompt" --stop "ign" --stop "ant" 2>&1) || fail "stop"
case "$out" in ben|malign) ;; *) fail "stop string: '$out'" ;; esac
out=$("$cli" generate --model "$model" --prompt "$prompt" --max-tokens 0 2>&1) || fail "max 0"
[ -z "$out" ] || fail "max-tokens 0 printed '$out'"

# --chat without a chat template says so and uses the prompt as it is
out=$("$cli" generate --model "$model" --prompt "$prompt" --chat 2>"$tmp/err") || fail "chat"
grep -q "no chat template" "$tmp/err" || fail "chat fallback: $(cat "$tmp/err")"

# sampling with a seed is repeatable
a=$("$cli" generate --model "$model" --prompt "$prompt" --temperature 1.5 --top-k 50 --seed 9)
b=$("$cli" generate --model "$model" --prompt "$prompt" --temperature 1.5 --top-k 50 --seed 9)
[ "$a" = "$b" ] || fail "seeded sampling differs: '$a' '$b'"

"$cli" generate --model "$model" 2>/dev/null; [ $? -eq 2 ] || fail "usage: no prompt"
"$cli" generate --model "$model" --prompt x --top-p 3 2>/dev/null; [ $? -eq 2 ] || fail "usage: top-p"
out=$("$cli" generate --model "$tmp/none" --prompt x 2>&1) && fail "missing model accepted"
echo "$out" | grep -q "tokenizer" || fail "missing model message: $out"

# embed: one vector per line, normalised, the same whatever the batching
printf '"The age is 5."\n{"text": "Predict the class"}\n\n"The age is 5."\n' > "$tmp/in.jsonl"
"$cli" embed --model "$model" --normalize < "$tmp/in.jsonl" > "$tmp/out.jsonl" || fail "embed"
/usr/bin/python3 - "$tmp/out.jsonl" <<'PY' || fail "embeddings"
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, len(rows)
assert all(len(r) == 192 for r in rows), [len(r) for r in rows]
for r in rows:
    assert abs(math.sqrt(sum(x * x for x in r)) - 1) < 1e-5
assert max(abs(a - b) for a, b in zip(rows[0], rows[2])) < 1e-6
assert max(abs(a - b) for a, b in zip(rows[0], rows[1])) > 1e-3
PY
printf '"The age is 5."\n' | "$cli" embed --model "$model" --pooling last > "$tmp/last.jsonl" || fail "last"
printf '"The age is 5."\n' | "$cli" embed --model "$model" > "$tmp/mean.jsonl" || fail "mean"
cmp -s "$tmp/last.jsonl" "$tmp/mean.jsonl" && fail "last and mean pooling agree"
out=$(printf '{"txt": 1}\n' | "$cli" embed --model "$model" 2>&1) && fail "bad line accepted"
echo "$out" | grep -q "line 1" || fail "bad line message: $out"
"$cli" embed --model "$model" --pooling max </dev/null 2>/dev/null; [ $? -eq 2 ] || fail "usage: pooling"
echo "generate and embed: OK"
