#!/usr/bin/env bash
# Reference cells for the table readers (Python's csv module, pandas.read_html)
# into DATA_DIR/tables/. Skips the work when neither the script nor the
# inputs it reads have changed.
# usage: generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${2:?usage: generate.sh BUILD_DIR DATA_DIR}
out="$data/tables"
mkdir -p "$out"
stamp=$( {
  cat "$here/reference.py"
  /usr/bin/python3 -c 'import pandas, lxml.etree as e; print(pandas.__version__, e.LXML_VERSION, e.LIBXML_VERSION)'
  find /usr/lib/python3/dist-packages /usr/share \( -name '*.csv' -o -name '*.tsv' -o -name '*.csv.gz' \
       -o -name '*.tsv.gz' -o -path '/usr/share/doc/*.htm*' \) -type f -printf '%p %s %T@\n' 2>/dev/null | sort
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/manifest.json" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "tables: reference data is up to date"
  exit 0
fi
nice /usr/bin/python3 "$here/reference.py" "$data"
echo "$stamp" > "$out/.stamp"
