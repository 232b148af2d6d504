#!/usr/bin/env bash
# The exe_wrapper of `meson test --setup valgrind`: runs a test under
# valgrind memcheck. A test that is a compiled program runs under valgrind
# itself. A test that is a script (the CLI tests, the conformance drivers in
# Python or shell) runs as it is, and every run of the tabllm CLI it makes
# goes through valgrind instead: the CLI's path, in the arguments and in
# TABLLM_CLI, is replaced by a shim that execs valgrind on it. So the
# library's code is checked wherever a test drives it, and the interpreters
# are not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --track-origins=yes "--suppressions=$here/valgrind.supp" --quiet)
if [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; then
  exec "${vg[@]}" "$@"
fi
cli=${TABLLM_CLI:-}
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  exec "$@"
fi
shim_dir=$(mktemp -d "${TMPDIR:-/tmp}/tabllm-vg-XXXXXX")
trap 'rm -rf "$shim_dir"' EXIT
shim=$shim_dir/tabllm
{
  printf '#!/bin/sh\nexec'
  printf " '%s'" "${vg[@]}" "$cli"
  printf ' "$@"\n'
} > "$shim"
chmod +x "$shim"
args=()
for a in "$@"; do
  if [ "$a" = "$cli" ]; then args+=("$shim"); else args+=("$a"); fi
done
export TABLLM_CLI=$shim
"${args[@]}"
