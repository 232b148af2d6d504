#!/bin/sh
# Runs an example and checks that its output contains each expected text.
# usage: check-output.sh 'expected text' ... -- program [args...]
set -eu
expects=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  expects="$expects
$1"
  shift
done
[ $# -ge 2 ] || { echo "usage: $0 'expected' ... -- program [args...]" >&2; exit 2; }
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out"
cat "$out"
printf '%s\n' "$expects" | while IFS= read -r want; do
  [ -z "$want" ] && continue
  grep -qF -- "$want" "$out" || { echo "missing from the output: $want" >&2; exit 1; }
done
