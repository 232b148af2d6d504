#!/usr/bin/env bash
# tabllm predict and tabllm ask on the demo model (examples/demo/): the
# probabilities PyTorch computed (expected.json), the metrics, CSV and JSON
# Lines output, few-shot options, the progress bar on a terminal only, and
# errors.
# usage: test_cli_predict.sh TABLLM_CLI SOURCE_ROOT
set -uo pipefail
cli=$1
demo=$2/examples/demo
if [ ! -f "$demo/model/config.json" ]; then
  echo "demo model missing: $demo/model"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
test_csv=$demo/data/biopsy-test.csv
rows="--table $test_csv --target class"
head -41 "$test_csv" > "$tmp/small.csv"   # 40 rows for the option checks
small="--table $tmp/small.csv --target class"

"$cli" predict --model "$demo/model" $rows --labels benign,malignant --threads 2 \
  --output "$tmp/base.csv" > "$tmp/base.txt" 2>&1 || fail "predict: $(cat "$tmp/base.txt")"
grep -q "^accuracy: 0.6555 (137/209)$" "$tmp/base.txt" || fail "accuracy: $(cat "$tmp/base.txt")"
grep -q "^log-loss: 0.674" "$tmp/base.txt" || fail "log-loss: $(cat "$tmp/base.txt")"
grep -q "^malignant  *72  *0$" "$tmp/base.txt" || fail "confusion matrix: $(cat "$tmp/base.txt")"
grep -q "rows/s" "$tmp/base.txt" || fail "no speed line"
/usr/bin/python3 - "$tmp/base.csv" "$demo/expected.json" <<'PY' || fail "probabilities differ from expected.json"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
exp = json.load(open(sys.argv[2]))["rows"]
assert len(rows) == len(exp) == 209, len(rows)
assert list(rows[0]) == ["row", "p(benign)", "p(malignant)", "predicted", "true"], list(rows[0])
for r, e in zip(rows, exp):
    assert abs(float(r["p(benign)"]) - e["base"]["prob"]["benign"]) < 1e-4, (r, e["base"])
    assert r["predicted"] == e["base"]["predicted"] and r["true"] == e["true"]
PY

# JSON Lines; labels from the table itself; mean scoring
"$cli" predict --model "$demo/model" $small --scoring mean --output "$tmp/p.jsonl" >/dev/null \
  || fail "jsonl"
/usr/bin/python3 - "$tmp/p.jsonl" "$demo/expected.json" <<'PY' || fail "jsonl content"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
exp = json.load(open(sys.argv[2]))["rows"]
assert len(rows) == 40
for r, e in zip(rows, exp):
    assert set(r) == {"row", "probs", "predicted", "true"}, r
    assert abs(r["probs"]["benign"] - e["base"]["prob_length_normalised"]["benign"]) < 1e-4
PY

# without --output: CSV on stdout, metrics on stderr
"$cli" predict --model "$demo/model" $small > "$tmp/out.csv" 2> "$tmp/err.txt" || fail "stdout"
[ "$(wc -l < "$tmp/out.csv")" -eq 41 ] || fail "stdout rows"
grep -q "^accuracy" "$tmp/err.txt" || fail "metrics on stderr"
grep -q "rows/s" "$tmp/err.txt" && fail "progress bar when stderr is not a terminal"

# few-shot, balanced, repeatable for a seed
for i in 1 2; do
  "$cli" predict --model "$demo/model" $small --shots 2 --support "$demo/data/biopsy-train.csv" \
    --balanced --seed 4 --batch-tokens 600 --output "$tmp/shot$i.csv" >/dev/null || fail "shots"
done
cmp -s "$tmp/shot1.csv" "$tmp/shot2.csv" || fail "few-shot not repeatable"
head -41 "$tmp/base.csv" | cmp -s "$tmp/shot1.csv" - && fail "few-shot made no difference"

# the progress bar on a terminal
if command -v script >/dev/null 2>&1; then
  script -qec "'$cli' predict --model '$demo/model' $small --output '$tmp/tty.csv'" /dev/null \
    > "$tmp/tty.txt" 2>&1 || fail "under a terminal"
  grep -q "40/40 rows" "$tmp/tty.txt" || fail "no progress bar on a terminal"
fi

# errors
out=$("$cli" predict --model "$demo/model" --table "$test_csv" --target kind 2>&1) && fail "bad target"
echo "$out" | grep -q "no column named 'kind'" || fail "bad target message: $out"
out=$("$cli" predict --model "$demo/model" $rows --labels benign,benign 2>&1) && fail "dup labels"
echo "$out" | grep -q "repeats label 0" || fail "dup label message: $out"
out=$("$cli" predict --model "$demo/model" $rows --template markdown 2>&1) && fail "markdown"
echo "$out" | grep -q "one prompt per row" || fail "markdown message: $out"
"$cli" predict --model "$demo/model" $rows --shots 2 2>/dev/null; [ $? -eq 2 ] || fail "usage: shots"
"$cli" predict --model "$demo/model" --table "$test_csv" 2>/dev/null; [ $? -eq 2 ] || fail "usage"
"$cli" predict --model "$demo/model" $rows --scoring max 2>/dev/null; [ $? -eq 2 ] || fail "usage: scoring"

# ask: the plain prompt (the demo tokenizer has no chat template), errors
"$cli" ask --model "$demo/model" --table "$tmp/small.csv" --max-tokens 4 "What is the class of row 1?" \
  > /dev/null || fail "ask"
"$cli" ask --model "$demo/model" --table "$test_csv" --format nope "q" 2>/dev/null
[ $? -eq 2 ] || fail "ask: usage"
out=$("$cli" ask --model "$demo/model" --table "$test_csv" --ctx 20 "q" 2>&1) && fail "ask ctx"
echo "$out" | grep -q "nothing of the table fits" || fail "ask ctx message: $out"
echo "predict and ask: OK"
