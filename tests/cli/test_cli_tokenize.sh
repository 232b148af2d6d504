#!/bin/sh
# tabllm tokenize: JSON Lines round trip, flags, timing, and failures that
# exit non-zero with the library's message.
set -u
cli=$1
data=$2
tok=$data/tokenizer/sentencepiece.json
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=${TMPDIR:-/tmp}/tabllm-cli-tok.$$
trap 'rm -f "$tmp".*' EXIT

printf '{"text": "Hello the world"}\n{"text": ""}\n' | "$cli" tokenize --tokenizer "$tok" > "$tmp.ids" \
  || fail "encode exited $?"
[ "$(wc -l < "$tmp.ids")" -eq 2 ] || fail "expected two output lines"
grep -q '^{"ids":\[' "$tmp.ids" || fail "no ids line: $(cat "$tmp.ids")"
sed -n 2p "$tmp.ids" | grep -qx '{"ids":\[\]}' || fail "empty text did not give []"

printf '{"text": "Hello"}\n' | "$cli" tokenize --tokenizer "$tok" --add-special > "$tmp.sp" || fail "--add-special"
grep -q '^{"ids":\[1,' "$tmp.sp" || fail "--add-special did not start with <s>: $(cat "$tmp.sp")"

"$cli" tokenize --tokenizer "$tok" --decode < "$tmp.ids" > "$tmp.txt" || fail "decode exited $?"
sed -n 1p "$tmp.txt" | grep -qx '{"text":"Hello the world"}' || fail "decode gave $(cat "$tmp.txt")"

printf '{"text": "x"}\n' | "$cli" tokenize --tokenizer "$tok" --timing 2> "$tmp.err" > /dev/null || fail "--timing"
grep -q '^load_seconds=' "$tmp.err" && grep -q '^encode_seconds=' "$tmp.err" || fail "--timing printed $(cat "$tmp.err")"

"$cli" tokenize 2>/dev/null < /dev/null && fail "no --tokenizer succeeded"
[ $? -eq 2 ] || fail "no --tokenizer did not exit 2"
"$cli" tokenize --tokenizer "$data/no-such.json" < /dev/null 2> "$tmp.err" && fail "a missing file succeeded"
grep -q 'no-such.json' "$tmp.err" || fail "missing file message: $(cat "$tmp.err")"
printf 'not json\n' | "$cli" tokenize --tokenizer "$tok" 2> "$tmp.err" > /dev/null && fail "bad JSON succeeded"
grep -q 'line 1' "$tmp.err" || fail "bad JSON message: $(cat "$tmp.err")"
printf '{"ids": [99999999]}\n' | "$cli" tokenize --tokenizer "$tok" --decode 2> "$tmp.err" > /dev/null \
  && fail "an unknown id succeeded"
grep -q 'not a token id' "$tmp.err" || fail "unknown id message: $(cat "$tmp.err")"
echo "ok"
