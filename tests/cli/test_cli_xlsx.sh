#!/bin/sh
# tabllm encode on workbooks: sheet choice, the SpreadsheetLLM encodings and
# their switches, other encodings of a sheet, and failures naming the file.
set -u
cli=$1
data=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
book=$data/xlsx/libreoffice-report.xlsx

out=$("$cli" encode --format sheet-compressed "$book") || fail "sheet-compressed exited $?"
[ "$(echo "$out" | head -1)" = "(Sales report 2024|A1:D1)" ] || fail "sheet-compressed printed: $out"
echo "$out" | grep -qx '(DateData|F3:F5)' || fail "no DateData region: $out"

out=$("$cli" encode --input-format xlsx --format sheet-compressed --no-format-aggregation \
      --no-anchors --no-inverted-index "$book") || fail "all modules off exited $?"
van=$("$cli" encode --format sheet-vanilla "$book") || fail "sheet-vanilla exited $?"
[ "$out" = "$van" ] || fail "every module off should print sheet-vanilla"
echo "$van" | head -2 | tail -1 | grep -q '^A2,Region|B2,Units|' || fail "vanilla row 2: $van"

out=$("$cli" encode --format sheet-vanilla --sheet-formats "$book" | sed -n 3p)
echo "$out" | grep -q '|C3,\$2.50,\[\$\$\]#,##0.00|' || fail "--sheet-formats: $out"

out=$("$cli" encode --format sheet-compressed --anchor-k 0 "$data/xlsx/two-tables.xlsx" | grep IntNum)
[ -n "$out" ] || fail "--anchor-k 0 lost the numbers"

out=$("$cli" encode --format markdown --sheet "Notes & more" "$book") || fail "--sheet NAME exited $?"
[ "$(echo "$out" | head -1)" = "| second sheet |" ] || fail "--sheet NAME printed: $out"
out=$("$cli" encode --format csv --sheet 1 "$book") || fail "--sheet N exited $?"
[ "$out" = "second sheet" ] || fail "--sheet 1 printed: $out"

err=$("$cli" encode --format markdown --sheet Nope "$book" 2>&1 >/dev/null) && fail "a missing sheet succeeded"
echo "$err" | grep -q "libreoffice-report.xlsx: no sheet named 'Nope'; the workbook has 'Report', 'Notes & more'" \
  || fail "missing sheet message: $err"
err=$("$cli" encode --input-format xlsx --format markdown "$data/xlsx/numfmt_cases.tsv" 2>&1 >/dev/null) \
  && fail "a text file read as xlsx succeeded"
echo "$err" | grep -q "numfmt_cases.tsv: corrupt or not a zip archive" || fail "not-a-zip message: $err"
echo "ok"
