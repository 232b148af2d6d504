#!/bin/bash
# tabllm encode: each generic format's exact bytes on stdout, the reading and
# selection options, and failures that exit non-zero with the library's
# message. usage: test_cli_encode.sh TABLLM_CLI TEST_DATA_DIR
set -u
cli=$1
data=$2/table
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect NAME EXPECTED_BYTES ARGS... : stdout must be exactly EXPECTED_BYTES
expect() {
  local name=$1 want=$2; shift 2
  "$cli" encode "$@" > "$tmp/out" 2> "$tmp/err" || { fail "$name: exit $? ($(cat "$tmp/err"))"; return; }
  printf '%s' "$want" > "$tmp/want"
  cmp -s "$tmp/out" "$tmp/want" || fail "$name: got [$(cat "$tmp/out")] expected [$want]"
}

# expect_error NAME STATUS MESSAGE ARGS...
expect_error() {
  local name=$1 status=$2 message=$3; shift 3
  "$cli" encode "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  [ "$got" -eq "$status" ] || fail "$name: exit $got, expected $status"
  grep -qF -- "$message" "$tmp/err" || fail "$name: stderr [$(cat "$tmp/err")] lacks [$message]"
  [ -s "$tmp/out" ] && fail "$name: printed something on stdout"
}

nl=$'\n'
expect markdown "| name | qty | note |$nl| --- | --- | --- |$nl| Apple | 3 | red, sweet |$nl| Pear |  | says \"hi\" |$nl| Fig | 12 | plain |$nl" "$data/small.csv"
expect csv "name,qty,note${nl}Apple,3,\"red, sweet\"${nl}Pear,,\"says \"\"hi\"\"\"${nl}Fig,12,plain$nl" --format csv "$data/small.csv"
expect tsv "name	qty	note${nl}Apple	3	red, sweet${nl}Pear		\"says \"\"hi\"\"\"${nl}Fig	12	plain$nl" --format tsv "$data/small.csv"
expect json-split '{"columns": ["name", "qty", "note"], "data": [["Apple", 3, "red, sweet"], ["Pear", null, "says \"hi\""], ["Fig", 12, "plain"]]}' --format json --json-orient split "$data/small.csv"
expect json-records '[{"name": "Apple", "qty": 3}, {"name": "Fig", "qty": 12}]' --format json --columns name,qty --rows 0,2 "$data/small.csv"
expect kv "qty: 12${nl}name: Fig$nl" --format kv --columns qty,name --rows 2 "$data/small.csv"
expect template "Apple x3${nl}Pear x${nl}Fig x12$nl" --format template --template '{name} x{qty}' "$data/small.csv"
expect template-row "{Pear}" --format template --template '{{{name}}}' --row 1 "$data/small.csv"
expect html-omit "<table>$nl<tbody>$nl<tr><td>Fig</td><td>12</td><td>plain</td></tr>$nl</tbody>$nl</table>$nl" --format html --omit-header --rows head:3 --rows 2 "$data/small.csv"
expect head "name${nl}Apple${nl}Pear$nl" --format csv --columns name --rows head:2 "$data/small.csv"
expect evenly "name${nl}Apple${nl}Fig${nl}Pear$nl" --format csv --columns name --rows evenly:3 "$data/small.csv"
expect relevant "name,qty,note${nl}Pear,,\"says \"\"hi\"\"\"$nl" --format csv --rows relevant:1 --question 'who says hi?' "$data/small.csv"
expect stdin "a${nl}1$nl" --format csv - < <(printf 'a\n1\n')
expect no-header-delimiter "0,1${nl}a;b,c$nl" --format csv --no-header --delimiter tab - < <(printf 'a;b\tc\n')
expect html-table "City,Population,Population${nl}Paris,\"2,102,650\",2023${nl}Lyon & co,\"522,250\",2023$nl" --format csv --table-index 1 "$data/small.html"
expect html-by-format "x${nl}first$nl" --format csv --input-format html - < "$data/small.html"
expect ragged-pad "a,${nl}1,2$nl" --format csv --ragged pad - < <(printf 'a\n1,2\n')

"$cli" encode --list > "$tmp/list" || fail "--list exited $?"
for name in csv tsv markdown html json kv template; do
  grep -qx "$name" "$tmp/list" || fail "--list lacks $name"
done

expect_error missing-file 1 "nonexistent.csv: cannot open" /nonexistent.csv
expect_error unknown-format 1 "no encoding named 'nope'" --format nope "$data/small.csv"
expect_error unknown-column 1 "no column named 'zz'" --columns name,zz "$data/small.csv"
expect_error unknown-placeholder 1 "template: no column named 'who'" --format template --template '{who}' "$data/small.csv"
expect_error ragged 1 ":2:1: row has 2 fields, expected 1 as in the header" --format csv - < <(printf 'a\n1,2\n')
expect_error html-index 1 "table index 5 is out of range: the document has 2 tables" --table-index 5 "$data/small.html"
expect_error tapex 2 "--tapex goes with --format cabinet" --tapex "$data/small.csv"
expect_error max-tokens 2 "--max-tokens needs --tokenizer FILE" --max-tokens 10 "$data/small.csv"
expect_error unknown-option 2 "unknown option --frobnicate" --frobnicate "$data/small.csv"
expect_error no-value 2 "--format needs a value" "$data/small.csv" --format
expect_error bad-rows 2 "--rows: 'x-y' is not a row list" --rows x-y "$data/small.csv"
expect_error bad-sampling 2 "--rows: unknown sampling in 'some:3'" --rows some:3 "$data/small.csv"
expect_error stratified-column 2 "stratified:N:COLUMN" --rows stratified:3 "$data/small.csv"
expect_error two-files 2 "more than one input file" "$data/small.csv" "$data/small.csv"
expect_error no-file 2 "no input file" --format csv
expect_error bad-ragged 2 "--ragged: unknown value 'sometimes'" --ragged sometimes "$data/small.csv"
expect_error bad-delimiter 2 "--delimiter: ';;' is not one character" --delimiter ';;' "$data/small.csv"
expect_error row-range 1 "row 9 is out of range: the table has 3 rows" --format template --template x --row 9 "$data/small.csv"

"$cli" help encode | grep -q -- "--max-tokens" || fail "help encode lacks the options"

[ "$failures" -eq 0 ] && echo ok
exit $((failures > 0))
