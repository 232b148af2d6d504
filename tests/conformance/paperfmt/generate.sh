#!/usr/bin/env bash
# Goldens for the paper formats on tests/data/paperfmt/*.csv, made from the
# documented rules by reenact.py with Debian's pandas 1.5.3 and tabulate, into
# DATA_DIR/paperfmt (cases.json + golden/ + inputs/). Skips the work when its
# inputs have not changed.
#   tests/conformance/paperfmt/generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../data/paperfmt" && pwd)
out="${2:?usage: generate.sh BUILD_DIR DATA_DIR}/paperfmt"
python=/usr/bin/python3

if ! "$python" -c 'import pandas, tabulate; assert pandas.__version__ == "1.5.3"' 2>/dev/null; then
  echo "paperfmt: needs /usr/bin/python3 with pandas 1.5.3 and tabulate (python3-pandas," \
       "python3-tabulate); the generated-golden tests will be skipped"
  exit 0
fi

stamp=$( (cat "$here/reenact.py" "$src"/*.csv;
          "$python" -c 'import sys, pandas, tabulate; print(sys.version, pandas.__version__, tabulate.__version__)') |
        sha256sum | cut -d' ' -f1)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  echo "paperfmt: goldens up to date"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
PYTHONHASHSEED=0 "$python" "$here/reenact.py" "$src" "$out"
echo "$stamp" > "$out/.stamp"
