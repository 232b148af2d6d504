#!/usr/bin/env bash
# Workbooks written by openpyxl and what openpyxl reads from them and from
# the committed fixtures, for the XLSX agreement test. Skips the work when
# neither the script nor the fixtures changed.
# usage: generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../../data/xlsx"
out="$2/xlsx"
hash=$( { cat "$here/make_workbooks.py"; cat "$fixtures"/*.xlsx 2>/dev/null || true; } | sha256sum | cut -c1-16)
if [ -f "$out/.hash" ] && [ "$(cat "$out/.hash")" = "$hash" ]; then
  echo "xlsx: up to date"
  exit 0
fi
rm -rf "$out"
/usr/bin/python3 "$here/make_workbooks.py" "$out" "$fixtures"
echo "$hash" > "$out/.hash"
