#!/bin/sh
# Golden tests of the SpreadsheetLLM encodings: each committed fixture under
# each variant below must encode to tests/data/xlsx/golden/FIXTURE.VARIANT.txt.
# usage: golden.sh SHEET_ENCODE_TOOL DATA_DIR [--update]
set -eu
tool=$1 data=$2 update=${3:-}
fail=0 n=0
for fixture in libreoffice-report two-tables handmade-prefixed; do
  while read -r variant args; do
    [ -n "$variant" ] || continue
    golden="$data/golden/$fixture.$variant.txt"
    # shellcheck disable=SC2086
    "$tool" "$data/$fixture.xlsx" $args > "$golden.new"
    n=$((n + 1))
    if [ "$update" = --update ]; then
      mv "$golden.new" "$golden"
    elif ! cmp -s "$golden" "$golden.new"; then
      echo "golden mismatch: $fixture $variant ($args)"
      diff "$golden" "$golden.new" | head -20 || true
      fail=1
    fi
    rm -f "$golden.new"
  done <<VARIANTS
vanilla vanilla
vanilla-formats vanilla --formats
compressed compressed
compressed-formats compressed --formats
compressed-k1 compressed --k 1
no-anchors compressed --no-anchors
no-index compressed --no-index
no-aggregation compressed --no-aggregation
verbatim compressed --no-aggregation --verbatim
VARIANTS
done
echo "$n golden files checked"
exit $fail
