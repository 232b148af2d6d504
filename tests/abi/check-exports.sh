#!/bin/sh
# Fails when the shared library exports anything outside the tabllm_ namespace.
# usage: check-exports.sh path/to/libtabllm.so
set -eu
lib=$1
symbols=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Za-z]$/ {print $3}')
if [ -z "$symbols" ]; then
  echo "no exported symbols found in $lib" >&2
  exit 1
fi
bad=$(printf '%s\n' "$symbols" | grep -v '^tabllm_' | grep -v '^TABLLM_' || true)
if [ -n "$bad" ]; then
  echo "$lib exports symbols outside the tabllm_ namespace:" >&2
  printf '  %s\n' $bad >&2
  exit 1
fi
echo "$(printf '%s\n' "$symbols" | wc -l) exported symbols, all tabllm_*"
