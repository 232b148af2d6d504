#!/bin/sh
# Compares the built library's ABI with the recorded baseline.
# Any difference fails and prints abidiff's report: an incompatible change
# needs a new ABI number (docs/abi.md); a compatible addition needs the
# baseline refreshed on purpose with tests/abi/update-baseline.sh.
# usage: abidiff.sh path/to/libtabllm.so.N.x.y source-root
set -u
lib=$1
root=$2
baseline="$root/tests/abi/libtabllm.abi"
if [ ! -f "$baseline" ]; then
  echo "no ABI baseline at $baseline; create it with tests/abi/update-baseline.sh" >&2
  exit 1
fi
abidiff --headers-dir2 "$root/include" --no-show-locs "$baseline" "$lib"
status=$?
if [ $status -eq 0 ]; then
  echo "ABI identical to $baseline"
  exit 0
fi
if [ $((status & 8)) -ne 0 ]; then
  echo "INCOMPATIBLE ABI change (abidiff status $status): see docs/abi.md" >&2
elif [ $((status & 4)) -ne 0 ]; then
  echo "ABI changed (abidiff status $status). If the change is a deliberate, compatible" >&2
  echo "addition, record it with: tests/abi/update-baseline.sh BUILD_DIR" >&2
else
  echo "abidiff failed with status $status" >&2
fi
exit 1
