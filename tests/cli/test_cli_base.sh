#!/bin/sh
# The CLI skeleton: --version, help, and failures that exit non-zero.
set -u
cli=$1
expected_version=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$cli" --version) || fail "--version exited $?"
case "$out" in "tabllm $expected_version (ABI "*) ;; *) fail "--version printed '$out'";; esac

"$cli" help > /tmp/tabllm-help.$$ || fail "help exited $?"
grep -q '^usage: tabllm COMMAND' /tmp/tabllm-help.$$ || fail "help has no usage line"
rm -f /tmp/tabllm-help.$$

"$cli" no-such-command 2>/dev/null && fail "an unknown command succeeded"
[ $? -eq 2 ] || fail "an unknown command did not exit 2"
"$cli" 2>/dev/null && fail "no command succeeded"
"$cli" help no-such-command 2>/dev/null && fail "help for an unknown command succeeded"
echo "ok"
