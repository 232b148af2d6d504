#!/bin/sh
# Records the current build's ABI as the baseline the test suite compares
# against. Run it on purpose, after reviewing that the change is compatible
# (docs/abi.md), and commit tests/abi/libtabllm.abi with the change.
# usage: tests/abi/update-baseline.sh [BUILD_DIR]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
lib=$(ls "$build"/lib/libtabllm.so.*.*.* | head -1)
abidw --headers-dir "$root/include" --no-corpus-path --out-file "$root/tests/abi/libtabllm.abi" "$lib"
# The build folder's path is not part of the ABI; keep it out of the diff.
sed -i "s|comp-dir-path='[^']*'|comp-dir-path='build'|" "$root/tests/abi/libtabllm.abi"
echo "recorded the ABI of $lib in tests/abi/libtabllm.abi"
